/**
 * Rectification notices in PostgreSQL, read in the caller's scope: county-wide accounts see every
 * notice, a unit the notices addressed to it. Every query carries that condition, and row-level
 * security holds the same rule beneath it.
 */
import { isCountyWide, type Principal } from '#domain/access.js';
import type { z } from 'zod';
import type {
  rectificationDetailSchema,
  rectificationListQuerySchema,
  rectificationSummarySchema,
} from '#domain/rectification-schemas.js';
import type { Orm } from '#db/orm.js';
import { queryInScope, scopeOf } from '#db/scope.js';

type Summary = z.infer<typeof rectificationSummarySchema>;
type Detail = z.infer<typeof rectificationDetailSchema>;
export type RectificationListQuery = z.infer<typeof rectificationListQuerySchema>;

const iso = (d: unknown) => (d === null || d === undefined ? null : new Date(d as string).toISOString());
const TODAY = `(now() AT TIME ZONE 'Asia/Shanghai')::date`;
const STEPS = `ARRAY['reminder', 'overdue', 'escalated', 'interview']`;

/**
 * A notice as listed. Days overdue: how far the latest problem still waiting for an answer is past
 * its due date (or the ladder's count, on an accelerated clock); the ladder step: the highest step
 * reached by a term still waiting for an answer.
 */
const SUMMARY = `SELECT n.id, n.serial, n.title, o.code AS unit_code, o.name AS unit_name, n.org_unit_id,
    n.issued_at, to_char(n.due_date, 'YYYY-MM-DD') AS due_date, n.day_count, n.status,
    pp.open_problems,
    CASE WHEN n.status = 'open' THEN GREATEST(pp.late_days, COALESCE(ls.days, 0)) ELSE 0 END AS days_overdue,
    CASE WHEN n.status = 'open' THEN (${STEPS})[ls.rank] END AS ladder_step
  FROM rectification_notice n JOIN org_unit o ON o.id = n.org_unit_id
  CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE p.status NOT IN ('accepted', 'withdrawn'))::int AS open_problems,
           COALESCE(max(GREATEST(${TODAY} - p.due_date, 0)) FILTER (WHERE p.status IN ('open', 'sentBack')), 0)::int AS late_days
      FROM rectification_problem p WHERE p.notice_id = n.id) pp
  LEFT JOIN LATERAL (
    SELECT max(s.days_late)::int AS days, max(array_position(${STEPS}, s.step)) AS rank
      FROM rectification_ladder_step s JOIN rectification_problem p ON p.id = s.problem_id AND p.arm = s.arm
     WHERE s.notice_id = n.id AND p.status IN ('open', 'sentBack')) ls ON true`;

function summaryOf(r: Record<string, unknown>): Summary {
  return {
    id: r.id as string,
    serial: r.serial as string,
    title: r.title as string,
    unit: { code: r.unit_code as string, name: r.unit_name as string },
    issuedAt: iso(r.issued_at)!,
    dueDate: r.due_date as string,
    dayCount: r.day_count as Summary['dayCount'],
    status: r.status as Summary['status'],
    openProblems: Number(r.open_problems),
    daysOverdue: Number(r.days_overdue),
    ladderStep: (r.ladder_step as string | null) ?? null,
  };
}

/** The caller's condition on notice `n`. */
function visible(who: Principal): { sql: string; params: unknown[] } {
  if (isCountyWide(who)) return { sql: 'true', params: [] };
  return { sql: 'n.org_unit_id = ?', params: [who.orgUnitId] };
}

export function createRectificationRepository(orm: Orm) {
  return {
    async list(who: Principal, q: RectificationListQuery): Promise<{ items: Summary[]; total: number }> {
      const v = visible(who);
      const where = [v.sql];
      const params: unknown[] = [...v.params];
      const filters: [string, unknown][] = [
        ['n.status = ?', q.status],
        ['o.code = ?', q.unitCode],
        ['n.year = ?', q.year],
      ];
      for (const [cond, value] of filters) {
        if (value === undefined) continue;
        where.push(cond);
        params.push(value);
      }
      const sql = `SELECT * FROM (${SUMMARY} WHERE ${where.join(' AND ')}) x
        ${q.overdue === 'true' ? 'WHERE x.days_overdue > 0' : q.overdue === 'false' ? 'WHERE x.days_overdue = 0' : ''}`;
      const [rows, count] = await queryInScope(orm, scopeOf(who), [
        {
          sql: `${sql} ORDER BY x.issued_at DESC, x.serial DESC LIMIT ? OFFSET ?`,
          params: [...params, q.pageSize, (q.page - 1) * q.pageSize],
        },
        { sql: `SELECT count(*)::int AS n FROM (${sql}) c`, params },
      ]);
      return {
        items: (rows as Record<string, unknown>[]).map(summaryOf),
        total: (count as { n: number }[])[0]!.n,
      };
    },

    /** The notice with its problems and their exchange; undefined when not the caller's to see. */
    async detail(
      who: Principal,
      id: string,
    ): Promise<(Detail & { unitId: string; workflowId: string }) | undefined> {
      const v = visible(who);
      const [notices, problems, events] = await queryInScope(orm, scopeOf(who), [
        {
          sql: `${SUMMARY.replace(
            'SELECT n.id,',
            `SELECT n.id, n.year, n.number, n.closed_at, n.closed_on_time,
                  n.withdrawn_reason, n.source_red_flag_id, i.code AS issuer_code, i.name AS issuer_name,`,
          )}
                JOIN org_unit i ON i.id = n.issuer_unit_id WHERE n.id = ? AND ${v.sql}`,
          params: [id, ...v.params],
        },
        {
          sql: `SELECT p.id::int AS id, p.seq, p.description, p.basis, p.deadline_days,
                  to_char(p.first_due_date, 'YYYY-MM-DD') AS first_due_date, to_char(p.due_date, 'YYYY-MM-DD') AS due_date,
                  p.status, p.accepted_at, pr.id AS project_id, pr.code AS project_code, pr.name AS project_name
                FROM rectification_problem p LEFT JOIN project pr ON pr.id = p.project_id
               WHERE p.notice_id = ? ORDER BY p.seq`,
          params: [id],
        },
        {
          sql: `SELECT e.problem_id::int AS problem_id, e.kind, e.at, e.actor_name, e.text,
                  to_char(e.due_date, 'YYYY-MM-DD') AS due_date,
                  COALESCE((SELECT json_agg(json_build_object('id', a.id, 'fileName', a.file_name,
                      'sha256', a.sha256, 'sizeBytes', a.size_bytes) ORDER BY a.uploaded_at, a.id)
                    FROM bulletin_attachment a WHERE a.rectification_event_id = e.id), '[]') AS evidence
                FROM rectification_event e WHERE e.notice_id = ? AND e.problem_id IS NOT NULL ORDER BY e.id`,
          params: [id],
        },
      ]);
      const n = (notices as Record<string, unknown>[])[0];
      if (!n) return undefined;
      const evs = events as Record<string, unknown>[];
      return {
        ...summaryOf(n),
        unitId: n.org_unit_id as string,
        workflowId: `rectification-${n.year as number}-${n.number as number}`,
        issuer: { code: n.issuer_code as string, name: n.issuer_name as string },
        closedAt: iso(n.closed_at),
        closedOnTime: (n.closed_on_time as boolean | null) ?? null,
        withdrawnReason: (n.withdrawn_reason as string | null) ?? null,
        redFlagId: n.source_red_flag_id === null ? null : Number(n.source_red_flag_id),
        problems: (problems as Record<string, unknown>[]).map((p) => ({
          id: p.id as number,
          seq: p.seq as number,
          project: p.project_id
            ? { id: p.project_id as string, code: p.project_code as string, name: p.project_name as string }
            : null,
          description: p.description as string,
          basis: p.basis as string,
          deadlineDays: p.deadline_days as number,
          firstDueDate: p.first_due_date as string,
          dueDate: p.due_date as string,
          status: p.status as Detail['problems'][number]['status'],
          acceptedAt: iso(p.accepted_at),
          events: evs
            .filter((e) => e.problem_id === p.id)
            .map((e) => ({
              kind: e.kind as 'answer' | 'accept' | 'sendBack',
              at: iso(e.at)!,
              by: e.actor_name as string,
              text: e.text as string,
              dueDate: (e.due_date as string | null) ?? null,
              evidence: (
                e.evidence as { id: string; fileName: string; sha256: string; sizeBytes: number }[]
              ).map((a) => ({
                id: a.id,
                fileName: a.fileName,
                sha256: a.sha256,
                sizeBytes: Number(a.sizeBytes),
              })),
            })),
        })),
      };
    },

    /** Whether an exchange request was recorded already (a client's retry with the same key). */
    async recorded(who: Principal, noticeId: string, requestId: string): Promise<boolean> {
      const [rows] = await queryInScope(orm, scopeOf(who), [
        {
          sql: `SELECT 1 FROM rectification_event WHERE notice_id = ? AND request_id = ?`,
          params: [noticeId, requestId],
        },
      ]);
      return (rows as unknown[]).length > 0;
    },

    /** The notice an issuing request wrote, if it did (visible to its issuer: county-wide). */
    async issuedBy(who: Principal, requestId: string): Promise<string | undefined> {
      const [rows] = await queryInScope(orm, scopeOf(who), [
        { sql: `SELECT id FROM rectification_notice WHERE request_id = ?`, params: [requestId] },
      ]);
      return (rows as { id: string }[])[0]?.id;
    },

    /**
     * The red flag a notice is raised from, as the caller reads it: whether it was dismissed, and
     * the notice not withdrawn that was raised from it to this unit already, if any.
     */
    async redFlag(
      who: Principal,
      id: number,
      unitId: string,
    ): Promise<{ dismissed: boolean; notice: string | null } | undefined> {
      const [rows] = await queryInScope(orm, scopeOf(who), [
        {
          sql: `SELECT f.dismissed_at IS NOT NULL AS dismissed,
                  (SELECT n.serial FROM rectification_notice n WHERE n.source_red_flag_id = f.id
                      AND n.org_unit_id = ? AND n.status <> 'withdrawn' ORDER BY n.issued_at LIMIT 1) AS notice
                FROM red_flag f WHERE f.id = ?`,
          params: [unitId, id],
        },
      ]);
      return (rows as { dismissed: boolean; notice: string | null }[])[0];
    },

    async orgByCode(who: Principal, code: string) {
      const [rows] = await queryInScope(orm, scopeOf(who), [
        { sql: `SELECT id, code, name, kind FROM org_unit WHERE code = ?`, params: [code] },
      ]);
      return (rows as { id: string; code: string; name: string; kind: string }[])[0];
    },

    /** Projects by id or code, in the caller's scope. */
    async projects(who: Principal, refs: readonly string[]): Promise<Map<string, string>> {
      if (refs.length === 0) return new Map();
      const [rows] = await queryInScope(orm, scopeOf(who), [
        {
          sql: `SELECT id::text AS id, code FROM project WHERE code = ANY(ARRAY[?]::text[]) OR id::text = ANY(ARRAY[?]::text[])`,
          params: [refs, refs],
        },
      ]);
      const out = new Map<string, string>();
      for (const r of rows as { id: string; code: string }[]) {
        out.set(r.id, r.id);
        out.set(r.code, r.id);
      }
      return out;
    },

    /**
     * Which of these projects the unit addressed reads (row-level security in the unit's own
     * scope): a notice's problem about a project is answered by that unit, from what it can see.
     */
    async projectsReadBy(unit: { id: string; kind: string }, ids: readonly string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const kind = unit.kind as 'department' | 'township' | 'village';
      const [rows] = await queryInScope(orm, { kind, unitId: unit.id, roles: [] }, [
        {
          sql: `SELECT id::text AS id FROM project WHERE id = ANY(ARRAY[?]::uuid[])`,
          params: [ids],
        },
      ]);
      return new Set((rows as { id: string }[]).map((r) => r.id));
    },

    /** Which of these uploads are the caller's own and not used by anything yet. */
    async unusedUploads(who: Principal & { userId: string }, ids: readonly string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const [rows] = await queryInScope(orm, scopeOf(who), [
        {
          sql: `SELECT id FROM bulletin_attachment WHERE id = ANY(ARRAY[?]::uuid[]) AND uploaded_by = ?
                  AND rectification_event_id IS NULL AND num_nonnulls(notice_id, policy_id, message_id) = 0`,
          params: [ids, who.userId],
        },
      ]);
      return new Set((rows as { id: string }[]).map((r) => r.id));
    },
  };
}

export type RectificationRepository = ReturnType<typeof createRectificationRepository>;
