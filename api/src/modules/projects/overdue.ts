/**
 * Lateness at a glance: the facts of a project's deadline ladders as of today, for the list's
 * columns, its ladder and responsible-unit filters and its "most overdue first" order.
 *
 * A ladder is one deadline of one project (kind × month × arming); its level is the highest step it
 * has reached while active (提醒 → 逾期 → 上报 → 约谈). An alert row keeps the lateness of the day
 * its step fired; the days late shown here are today's: calendar days from the due date to today in
 * China (never fewer than the ladder itself counted, which matters only for a shortened test day).
 */
import { LADDER_STEPS, type LadderStep } from '#domain/deadlines.js';
import type { ProjectListQuery, ProjectOverdueDto } from '#domain/schemas.js';

/** Today's date on the county's clock, in SQL. */
const TODAY = `(now() AT TIME ZONE 'Asia/Shanghai')::date`;
/** A step's place on the ladder, 1 (reminder) to 4 (约谈), in SQL over the alias `a`. */
const LEVEL = `array_position(ARRAY[${LADDER_STEPS.map((s) => `'${s}'`).join(', ')}]::text[], a.step)`;
const levelOf = (step: LadderStep) => LADDER_STEPS.indexOf(step) + 1;

/**
 * An alert's days late today: while active, up to today; once closed, up to the day it closed. A
 * reminder (due soon, not yet late) keeps its own figure.
 */
export const ALERT_DAYS_LATE_NOW = `CASE WHEN a.step = 'reminder' THEN a.days_late
  ELSE GREATEST(a.days_late, COALESCE((a.closed_at AT TIME ZONE 'Asia/Shanghai')::date, ${TODAY}) - a.due_date) END`;

/**
 * A ladder step's days late on the day it was raised (domain/deadlines.ts daysLateWhenRaised), as a
 * 约谈's reason states them: its step's own figure, or more when it was raised after the step's date
 * (a ladder armed after its dates had passed raises them together), over a row with `days_late`,
 * `raised_at` and `due_date` (an alert, a notice's ladder step). The row's own `days_late` stays
 * that of its step's date, the ladder's progression.
 */
export const daysLateRaised = (row: string) =>
  `GREATEST(${row}.days_late, (${row}.raised_at AT TIME ZONE 'Asia/Shanghai')::date - ${row}.due_date)`;
export const ALERT_DAYS_LATE_RAISED = daysLateRaised('a');

/**
 * The active ladders of the project `p`, one row each: level, due date, responsible unit, and days
 * late today (negative for a reminder: the days left before the due date).
 */
const LADDERS_OF_P = `SELECT a.project_id, a.kind, a.period, a.due_date, a.responsible_unit_id,
         max(${LEVEL}) AS level,
         CASE WHEN max(${LEVEL}) > 1 THEN GREATEST(max(a.days_late), ${TODAY} - a.due_date)
              ELSE ${TODAY} - a.due_date END AS days
    FROM alert a WHERE a.project_id = p.id AND a.status = 'active'
   GROUP BY a.project_id, a.kind, a.period, a.arm, a.due_date, a.responsible_unit_id`;

/**
 * The list's `daysLate` order: the days late of the project's latest ladder that is overdue (past
 * the reminder). A project with none sorts as the least late.
 */
export const DAYS_LATE_SORT_SQL = `COALESCE((SELECT max(l.days) FROM (${LADDERS_OF_P}) l WHERE l.level > 1), -1000000)`;

/**
 * The filters on ladders as one condition on `p`: a responsible unit (`overdueUnit`, a unit's code)
 * and a ladder level (`ladder`), on one and the same ladder, and of the deadline kind `overdue`
 * names if it names one. Without `ladder`, the ladder must be overdue (past the reminder), as the
 * dashboard counts it. Null when neither filter is asked for.
 */
export function ladderCondition(
  q: Pick<ProjectListQuery, 'overdue' | 'overdueUnit' | 'ladder'>,
): { sql: string; params: unknown[] } | null {
  if (!q.overdueUnit && !q.ladder) return null;
  const where = [`a.project_id = p.id`, `a.status = 'active'`];
  const params: unknown[] = [];
  if (q.overdue && q.overdue !== 'any') {
    where.push('a.kind = ?');
    params.push(q.overdue);
  }
  if (q.overdueUnit) {
    where.push('a.responsible_unit_id = (SELECT u.id FROM org_unit u WHERE u.code = ?)');
    params.push(q.overdueUnit);
  }
  const having = q.ladder ? `max(${LEVEL}) = ?` : `max(${LEVEL}) > 1`;
  if (q.ladder) params.push(levelOf(q.ladder));
  return {
    sql: `EXISTS (SELECT 1 FROM alert a WHERE ${where.join(' AND ')}
                   GROUP BY a.kind, a.period, a.arm HAVING ${having})`,
    params,
  };
}

/**
 * The project \`p\`'s latest overdue ladder (the most days late; the higher level on a tie) and how
 * many of its ladders are overdue, as one JSON column of the list's page (null: none overdue), so
 * the page and its lateness are one statement; row-level security covers the alerts too.
 */
export const OVERDUE_OF_P = `(SELECT json_build_object('kind', x.kind, 'period', x.period,
      'due_date', to_char(x.due_date, 'YYYY-MM-DD'), 'level', x.level, 'days', x.days,
      'unit_code', o.code, 'unit_name', o.name, 'ladders', x.ladders)
    FROM (SELECT l.*, count(*) OVER () AS ladders FROM (${LADDERS_OF_P}) l WHERE l.level > 1) x
    JOIN org_unit o ON o.id = x.responsible_unit_id
   ORDER BY x.days DESC, x.level DESC, x.kind LIMIT 1)`;

/** The column \`OVERDUE_OF_P\` as the list shows it. */
export interface OverdueRow {
  kind: ProjectOverdueDto['kind'];
  period: string;
  due_date: string;
  level: number;
  days: number;
  unit_code: string;
  unit_name: string;
  ladders: number;
}

export function overdueOf(r: OverdueRow | null): ProjectOverdueDto | null {
  return r
    ? {
        kind: r.kind,
        period: r.period,
        dueDate: r.due_date,
        step: LADDER_STEPS[r.level - 1]!,
        daysLate: r.days,
        responsibleUnit: { code: r.unit_code, name: r.unit_name },
        ladders: r.ladders,
      }
    : null;
}
