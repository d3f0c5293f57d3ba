/**
 * The monthly ranking's facts, as of a month's cutoff (the next month's first day, 00:00
 * Asia/Shanghai): one aggregate statement per group (departments by project.department_id,
 * townships by project.owner_unit_id). A project's stage at the cutoff comes from its append-only
 * history, not from project.stage, so a backfilled month sees the month as it was. The same
 * per-project figures (`projectFacts`) serve the drill-down: the projects behind each figure.
 */
import type { RankingInputKey } from '#domain/ranking/config.js';
import type { RankingGroup } from '#domain/ranking/report.js';
import type { Sql } from '../tx.js';

/** Stage ordinals in lifecycle order; 'rectifying' lies between 竣工 and 验收. */
const ORDINALS = `ARRAY['approved','designApproved','methodFixed','underway','completed','rectifying','accepted','reimbursed','afterCare','closed']`;
const UNDERWAY = 4;
const COMPLETED = 5;
const ACCEPTED = 7;
const REIMBURSED = 8;

export interface MonthBounds {
  year: number;
  month: string; // YYYY-MM
  periodStart: string; // YYYY-MM-01
  cutoff: string; // the next month's first day
}

const UNIT_COLUMN: Record<RankingGroup, string> = {
  department: 'department_id',
  township: 'owner_unit_id',
};

/**
 * The per-project CTEs: `b` (bounds), `h` (reached ordinal and cancellation at the cutoff), `p`
 * (one row per project in scope with every per-project figure). Parameters: year, month,
 * periodStart, cutoff.
 */
function projectFactsCte(group: RankingGroup, unitFilter: string): string {
  const unit = UNIT_COLUMN[group];
  return `
  b AS (
    SELECT ?::int AS year, ?::text AS month, ?::date AS period_start, ?::date AS cutoff
  ),
  bt AS (
    SELECT b.*, (b.cutoff::timestamp AT TIME ZONE 'Asia/Shanghai') AS cutoff_ts FROM b
  ),
  h AS (
    SELECT ph.project_id, max(array_position(${ORDINALS}, ph.to_stage)) AS reached,
           bool_or(ph.to_stage = 'cancelled') AS cancelled
      FROM project_history ph JOIN project pr ON pr.id = ph.project_id, bt
     WHERE ph.at < bt.cutoff_ts AND pr.year = bt.year ${unitFilter.replaceAll('pr.unit', `pr.${unit}`)}
     GROUP BY ph.project_id
  ),
  d AS (
    SELECT ds.project_id, sum(ds.amount_fen) AS disbursed
      FROM disbursement ds JOIN project pr ON pr.id = ds.project_id, bt
     WHERE ds.paid_on < bt.cutoff AND pr.year = bt.year ${unitFilter.replaceAll('pr.unit', `pr.${unit}`)}
     GROUP BY ds.project_id
  ),
  p AS (
    SELECT pr.id, pr.code, pr.name, pr.${unit} AS unit_id, pr.budget_fen,
           COALESCE(d.disbursed, 0) AS disbursed_fen,
           COALESCE(h.reached, 1) AS reached,
           (pr.planned_start < bt.cutoff) AS due_start,
           (pr.planned_completion < bt.cutoff) AS due_completion,
           (pr.planned_reimbursement < bt.cutoff) AS due_reimbursement,
           GREATEST(
             CASE WHEN pr.planned_start < bt.cutoff AND COALESCE(h.reached, 1) < ${UNDERWAY} THEN bt.cutoff - pr.planned_start END,
             CASE WHEN pr.planned_completion < bt.cutoff AND COALESCE(h.reached, 1) < ${COMPLETED} THEN bt.cutoff - pr.planned_completion END,
             CASE WHEN pr.planned_acceptance < bt.cutoff AND COALESCE(h.reached, 1) < ${ACCEPTED} THEN bt.cutoff - pr.planned_acceptance END,
             CASE WHEN pr.planned_reimbursement < bt.cutoff AND COALESCE(h.reached, 1) < ${REIMBURSED} THEN bt.cutoff - pr.planned_reimbursement END
           ) AS overdue_days,
           (COALESCE(h.reached, 1) = ${UNDERWAY}) AS progress_due,
           (COALESCE(h.reached, 1) = ${UNDERWAY} AND EXISTS (SELECT 1 FROM monthly_progress mp
              WHERE mp.project_id = pr.id AND mp.month = bt.month AND mp.created_at < bt.cutoff_ts)) AS progress_on_time,
           (COALESCE(h.reached, 1) = ${UNDERWAY} AND EXISTS (SELECT 1 FROM supervision_visit sv
              WHERE sv.project_id = pr.id AND sv.visited_on >= bt.period_start AND sv.visited_on < bt.cutoff
                AND sv.created_at < bt.cutoff_ts)) AS visit_on_time
      FROM project pr CROSS JOIN bt
      LEFT JOIN h ON h.project_id = pr.id
      LEFT JOIN d ON d.project_id = pr.id
     WHERE pr.year = bt.year AND pr.created_at < bt.cutoff_ts AND NOT COALESCE(h.cancelled, false)
       ${unitFilter.replaceAll('pr.unit', `pr.${unit}`)}
  )`;
}

function params(b: MonthBounds): unknown[] {
  return [b.year, b.month, b.periodStart, b.cutoff];
}

/**
 * When a notice due before the cutoff counts as done on time (整改按期办结), as of the cutoff.
 *
 * - `answeredOnTime` (config 2026.4 on): the unit did its part on time. A notice closed before the
 *   cutoff counts as it was closed (`closed_on_time`: every answer given on or before the due date
 *   of the term it answered, judged when it was given on the notice's clock, China time, the term
 *   counted in the notice's calendar or working days). One still open at the cutoff counts when
 *   every problem's latest exchange before the cutoff is an answer or its acceptance — the unit has
 *   answered its current term and the rest is the office's verification, which does not count
 *   against the unit — and no answer before the cutoff was late. A problem sent back and not yet
 *   answered again, or an answer given late (also one given again late after a send-back), is not
 *   on time. Exchanges after the cutoff are not seen, so the month's figure does not change later.
 * - `closedByCutoff` (up to 2026.3): closed on time and before the cutoff; a notice answered on
 *   time but still waiting for the office's verdict at the cutoff counted as late.
 */
export type NoticeOnTimeRule = 'answeredOnTime' | 'closedByCutoff';

const NOTICE_ON_TIME: Record<NoticeOnTimeRule, string> = {
  closedByCutoff: `n.closed_on_time AND n.closed_at < bt.cutoff_ts`,
  answeredOnTime: `CASE WHEN n.closed_at < bt.cutoff_ts THEN n.closed_on_time
           ELSE EXISTS (SELECT 1 FROM rectification_problem q WHERE q.notice_id = n.id)
            AND NOT EXISTS (SELECT 1 FROM rectification_event e
                 WHERE e.notice_id = n.id AND e.kind = 'answer' AND NOT e.on_time AND e.at < bt.cutoff_ts)
            AND NOT EXISTS (SELECT 1 FROM rectification_problem q
                 WHERE q.notice_id = n.id
                   AND COALESCE((SELECT e.kind FROM rectification_event e
                                  WHERE e.notice_id = n.id AND e.problem_id = q.id AND e.at < bt.cutoff_ts
                                  ORDER BY e.at DESC, e.id DESC LIMIT 1), 'none') NOT IN ('answer', 'accept'))
           END`,
};

export interface UnitInputRow {
  unitId: string;
  unitCode: string;
  unitName: string;
  inputs: Record<RankingInputKey, string>;
}

/**
 * The aggregate's text with the month as $1 (year), $2 (month), $3 (period start), $4 (cutoff): the
 * body of the SECURITY DEFINER functions `ranking_inputs_department` / `ranking_inputs_township`
 * (migration Migration20261203400000_ranking, re-created by Migration20261232000000_notice_answered_on_time).
 * They run it as the tables' owner, without the per-row row-level-security calls that made it many
 * times slower over 100,000 projects; they refuse any scope but the system's. A change to this text
 * needs a migration that re-creates them (and whose down() re-creates the text it replaced).
 */
export function rankingInputsSql(group: RankingGroup, rule: NoticeOnTimeRule = 'answeredOnTime'): string {
  let n = 0;
  return rankingInputsText(group, rule).replace(/\?/g, () => `$${++n}`);
}

/** Every unit of the group's kind, with its facts (units without projects have zeros). */
export function rankingInputsStatement(
  group: RankingGroup,
  b: MonthBounds,
): { sql: string; params: unknown[] } {
  return { sql: rankingInputsText(group), params: params(b) };
}

function rankingInputsText(group: RankingGroup, rule: NoticeOnTimeRule = 'answeredOnTime'): string {
  return `WITH ${projectFactsCte(group, '')},
  agg AS (
    SELECT unit_id, count(*) AS projects, sum(budget_fen) AS budget_fen, sum(disbursed_fen) AS disbursed_fen,
           count(*) FILTER (WHERE due_start) AS due_start,
           count(*) FILTER (WHERE due_start AND reached >= ${UNDERWAY}) AS started,
           count(*) FILTER (WHERE due_completion) AS due_completion,
           count(*) FILTER (WHERE due_completion AND reached >= ${COMPLETED}) AS completed,
           count(*) FILTER (WHERE due_reimbursement) AS due_reimbursement,
           count(*) FILTER (WHERE due_reimbursement AND reached >= ${REIMBURSED}) AS reimbursed,
           count(overdue_days) AS overdue_projects, COALESCE(sum(overdue_days), 0) AS overdue_days,
           count(*) FILTER (WHERE progress_due) AS progress_due,
           count(*) FILTER (WHERE progress_on_time) AS progress_on_time,
           count(*) FILTER (WHERE visit_on_time) AS visits_on_time
      FROM p GROUP BY unit_id
  ),
  rn AS (
    SELECT n.org_unit_id AS unit_id, count(*) AS due,
           count(*) FILTER (WHERE ${NOTICE_ON_TIME[rule]}) AS on_time
      FROM rectification_notice n, bt
     WHERE n.status <> 'withdrawn' AND extract(year FROM n.issued_on) = bt.year
       AND n.issued_at < bt.cutoff_ts AND n.due_date < bt.cutoff
     GROUP BY n.org_unit_id
  ),
  iv AS (
    SELECT s.org_unit_id AS unit_id, count(DISTINCT r.id) AS n
      FROM interview_subject s JOIN interview_record r ON r.id = s.record_id, bt
     WHERE r.held_at >= (bt.period_start::timestamp AT TIME ZONE 'Asia/Shanghai') AND r.held_at < bt.cutoff_ts
       -- a record corrected by a later one is the same talk: the correction counts, not both
       AND NOT EXISTS (SELECT 1 FROM interview_record c WHERE c.corrects_id = r.id AND c.created_at < bt.cutoff_ts)
     GROUP BY s.org_unit_id
  ),
  nl AS (
    SELECT e.org_unit_id AS unit_id, count(*) AS n
      FROM negative_list_entry e, bt
     WHERE e.listed_at >= (bt.period_start::timestamp AT TIME ZONE 'Asia/Shanghai') AND e.listed_at < bt.cutoff_ts
     GROUP BY e.org_unit_id
  )
  SELECT o.id AS unit_id, o.code AS unit_code, o.name AS unit_name, bt.month,
         COALESCE(agg.projects, 0)::text AS projects, COALESCE(agg.budget_fen, 0)::text AS budget_fen,
         COALESCE(agg.disbursed_fen, 0)::text AS disbursed_fen,
         split_part(bt.month, '-', 2)::int::text AS elapsed_months,
         COALESCE(agg.due_start, 0)::text AS due_start, COALESCE(agg.started, 0)::text AS started,
         COALESCE(agg.due_completion, 0)::text AS due_completion, COALESCE(agg.completed, 0)::text AS completed,
         COALESCE(agg.due_reimbursement, 0)::text AS due_reimbursement,
         COALESCE(agg.reimbursed, 0)::text AS reimbursed,
         COALESCE(agg.overdue_projects, 0)::text AS overdue_projects,
         COALESCE(agg.overdue_days, 0)::text AS overdue_days,
         COALESCE(agg.progress_due, 0)::text AS progress_due,
         COALESCE(agg.progress_on_time, 0)::text AS progress_on_time,
         COALESCE(agg.progress_due, 0)::text AS visits_due,
         COALESCE(agg.visits_on_time, 0)::text AS visits_on_time,
         COALESCE(rn.due, 0)::text AS notices_due, COALESCE(rn.on_time, 0)::text AS notices_closed_on_time,
         COALESCE(iv.n, 0)::text AS interviews, COALESCE(nl.n, 0)::text AS negative_list_entries
    FROM org_unit o CROSS JOIN bt
    LEFT JOIN agg ON agg.unit_id = o.id
    LEFT JOIN rn ON rn.unit_id = o.id
    LEFT JOIN iv ON iv.unit_id = o.id
    LEFT JOIN nl ON nl.unit_id = o.id
   WHERE o.kind = '${group}'
   ORDER BY o.code`;
}

type Raw = Record<string, string>;

export function toUnitInputs(r: Raw): UnitInputRow {
  return {
    unitId: r.unit_id!,
    unitCode: r.unit_code!,
    unitName: r.unit_name!,
    inputs: {
      projects: r.projects!,
      budgetFen: r.budget_fen!,
      disbursedFen: r.disbursed_fen!,
      elapsedMonths: r.elapsed_months!,
      dueStart: r.due_start!,
      started: r.started!,
      dueCompletion: r.due_completion!,
      completed: r.completed!,
      dueReimbursement: r.due_reimbursement!,
      reimbursed: r.reimbursed!,
      overdueProjects: r.overdue_projects!,
      overdueDays: r.overdue_days!,
      progressDue: r.progress_due!,
      progressOnTime: r.progress_on_time!,
      visitsDue: r.visits_due!,
      visitsOnTime: r.visits_on_time!,
      noticesDue: r.notices_due!,
      noticesClosedOnTime: r.notices_closed_on_time!,
      interviews: r.interviews!,
      negativeListEntries: r.negative_list_entries!,
      complaintsOverdue: '0', // from complaintsOverdueStatement, added by rankingInputs
    },
  };
}

/**
 * Complaints' answer time limits gone overdue in the month while the unit assigned still owed
 * its handling (docs/supervision.md): the `overdue` steps of the answer phase raised in the month
 * (complaint_sla_step, one per complaint and arm, with the unit assigned at the time), less those
 * the unit had already handled — a `handle` event since the step's assignment or reopening (the
 * latest one before the step) — since then the wait is the office's. A village's count is its
 * township's. Answers (unit id, count) for departments and townships. Run in the system scope:
 * complaints are few next to projects, so their tables' row-level security costs little.
 */
export function complaintsOverdueStatement(b: MonthBounds): { sql: string; params: unknown[] } {
  return {
    sql: `SELECT CASE WHEN u.kind = 'village' THEN u.parent_id ELSE u.id END AS unit_id, count(*)::text AS n
            FROM complaint_sla_step s JOIN org_unit u ON u.id = s.unit_id
           WHERE s.phase = 'answer' AND s.step = 'overdue'
             AND s.raised_at >= (?::date::timestamp AT TIME ZONE 'Asia/Shanghai')
             AND s.raised_at < (?::date::timestamp AT TIME ZONE 'Asia/Shanghai')
             AND NOT EXISTS (
               SELECT 1 FROM complaint_event h
                WHERE h.complaint_id = s.complaint_id AND h.step = 'handle' AND h.at <= s.raised_at
                  AND h.at >= (SELECT max(e.at) FROM complaint_event e
                                WHERE e.complaint_id = s.complaint_id AND e.step IN ('assign', 'reopen')
                                  AND e.at <= s.raised_at))
           GROUP BY 1`,
    params: [b.periodStart, b.cutoff],
  };
}

/** The aggregate through its owner-run function (system scope only). */
export function rankingInputsCall(group: RankingGroup, b: MonthBounds): { sql: string; params: unknown[] } {
  return {
    sql: `SELECT r FROM ranking_inputs_${group}(?::int, ?::text, ?::date, ?::date) r`,
    params: params(b),
  };
}

export async function rankingInputs(sql: Sql, group: RankingGroup, b: MonthBounds): Promise<UnitInputRow[]> {
  const st = rankingInputsCall(group, b);
  const rows = await sql.execute<{ r: Raw }[]>(st.sql, st.params);
  const c = complaintsOverdueStatement(b);
  const overdue = new Map(
    (await sql.execute<{ unit_id: string; n: string }[]>(c.sql, c.params)).map((x) => [x.unit_id, x.n]),
  );
  return rows.map((x) => {
    const unit = toUnitInputs(x.r);
    unit.inputs.complaintsOverdue = overdue.get(unit.unitId) ?? '0';
    return unit;
  });
}

/** One project behind a unit's figures. */
export interface ProjectFact {
  id: string;
  code: string;
  name: string;
  budgetFen: string;
  disbursedFen: string;
  reachedStage: string;
  dueStart: boolean;
  dueCompletion: boolean;
  dueReimbursement: boolean;
  overdueDays: number | null;
  progressDue: boolean;
  progressOnTime: boolean;
  visitOnTime: boolean;
}

/** The projects behind one unit's figures, recomputed as of the month's cutoff. */
export async function projectFacts(
  sql: Sql,
  group: RankingGroup,
  b: MonthBounds,
  unitId: string,
): Promise<ProjectFact[]> {
  const rows = await sql.execute<Record<string, unknown>[]>(
    `WITH ${projectFactsCte(group, 'AND pr.unit = ?::uuid')}
     SELECT p.*, (${ORDINALS})[p.reached] AS reached_stage FROM p ORDER BY p.code`,
    [...params(b), unitId, unitId, unitId],
  );
  return rows.map((r) => ({
    id: String(r.id),
    code: String(r.code),
    name: String(r.name),
    budgetFen: String(r.budget_fen),
    disbursedFen: String(r.disbursed_fen),
    reachedStage: String(r.reached_stage),
    dueStart: r.due_start === true,
    dueCompletion: r.due_completion === true,
    dueReimbursement: r.due_reimbursement === true,
    overdueDays: r.overdue_days === null ? null : Number(r.overdue_days),
    progressDue: r.progress_due === true,
    progressOnTime: r.progress_on_time === true,
    visitOnTime: r.visit_on_time === true,
  }));
}
