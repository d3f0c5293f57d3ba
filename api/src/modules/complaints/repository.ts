/**
 * Reads of complaints. The console's run in the caller's scope (row-level security: county-wide
 * accounts and the unit assigned; `complaint_reporter` to the supervision office alone); the
 * public ones (the receipt lookup, the submission's checks) run as the system and read only the
 * columns the public may learn.
 */
import type { Principal } from '#domain/access.js';
import type { ComplaintListQuery } from '#domain/complaint-schemas.js';
import type { Orm } from '#db/orm.js';
import { SYSTEM_SCOPE, queryInScope, scopeOf } from '#db/scope.js';

type Row = Record<string, unknown>;
const iso = (v: unknown) => (v == null ? null : new Date(v as string).toISOString());
const unit = (id: unknown, code: unknown, name: unknown) =>
  id ? { id: id as string, code: code as string, name: name as string } : null;

const ITEM_SQL = `SELECT c.id, c.status, c.subject_kind, c.subject_code, COALESCE(p.name, v.name) AS subject_name,
    c.subject_unit_id, su.code AS su_code, su.name AS su_name, c.category, left(c.description, 60) AS summary,
    c.unit_id, u.code AS u_code, u.name AS u_name, c.submitted_at, c.sla_phase,
    to_char(c.sla_due_date, 'YYYY-MM-DD') AS sla_due_date, c.sla_step, c.reopen_count
  FROM complaint c
  LEFT JOIN project p ON p.id = c.project_id
  LEFT JOIN org_unit v ON v.id = c.village_id
  LEFT JOIN org_unit su ON su.id = c.subject_unit_id
  LEFT JOIN org_unit u ON u.id = c.unit_id`;

function item(r: Row) {
  return {
    id: r.id as string,
    status: r.status as never,
    subject: {
      kind: r.subject_kind as 'project' | 'village',
      code: r.subject_code as string,
      name: (r.subject_name as string | null) ?? null,
    },
    subjectUnit: unit(r.subject_unit_id, r.su_code, r.su_name),
    category: r.category as never,
    summary: r.summary as string,
    unit: unit(r.unit_id, r.u_code, r.u_name),
    submittedAt: iso(r.submitted_at)!,
    slaPhase: (r.sla_phase as never) ?? null,
    slaDueDate: (r.sla_due_date as string | null) ?? null,
    slaStep: (r.sla_step as never) ?? null,
    reopenCount: Number(r.reopen_count),
  };
}
export type ComplaintItem = ReturnType<typeof item>;

export function createComplaintRepository(orm: Orm) {
  return {
    async list(who: Principal, q: ComplaintListQuery): Promise<{ items: ComplaintItem[]; total: number }> {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (sql: string, value: unknown) => {
        where.push(sql);
        params.push(value);
      };
      if (q.status) add('c.status = ?', q.status);
      if (q.category) add('c.category = ?', q.category);
      if (q.unitCode) add('u.code = ?', q.unitCode);
      if (q.overdue === 'true') where.push('c.sla_step IS NOT NULL');
      if (q.overdue === 'false') where.push('c.sla_step IS NULL');
      const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const [rows, count] = await queryInScope(orm, scopeOf(who), [
        {
          sql: `${ITEM_SQL} ${cond} ORDER BY c.submitted_at DESC, c.id LIMIT ? OFFSET ?`,
          params: [...params, q.pageSize, (q.page - 1) * q.pageSize],
        },
        {
          sql: `SELECT count(*)::int AS n FROM complaint c LEFT JOIN org_unit u ON u.id = c.unit_id ${cond}`,
          params,
        },
      ]);
      return { items: (rows as Row[]).map(item), total: (count as { n: number }[])[0]!.n };
    },

    /** The complaint with its photos and events; the reporter only when `withReporter` (the office). */
    async detail(who: Principal, id: string, withReporter: boolean) {
      const [rows, photos, events, evidence, reporter] = await queryInScope(orm, scopeOf(who), [
        {
          sql: `${ITEM_SQL.replace('SELECT c.id,', 'SELECT c.id, c.receipt, c.description, c.public_answer,')} WHERE c.id = ?`,
          params: [id],
        },
        {
          sql: `SELECT id, content_type, size_bytes FROM complaint_photo WHERE complaint_id = ? ORDER BY seq`,
          params: [id],
        },
        {
          sql: `SELECT e.id, e.step, e.at, e.actor_name, e.actor_id IS NULL AS by_reporter, e.text, e.unit_id,
                  o.code, o.name FROM complaint_event e
                LEFT JOIN org_unit o ON o.id = e.unit_id WHERE e.complaint_id = ? ORDER BY e.id`,
          params: [id],
        },
        {
          sql: `SELECT x.event_id, a.id, a.file_name, a.content_type FROM complaint_evidence x
                JOIN bulletin_attachment a ON a.id = x.attachment_id WHERE x.complaint_id = ? ORDER BY a.uploaded_at`,
          params: [id],
        },
        withReporter
          ? {
              sql: `SELECT anonymous, name, phone FROM complaint_reporter WHERE complaint_id = ?`,
              params: [id],
            }
          : { sql: `SELECT 1 WHERE false`, params: [] },
      ]);
      const r = (rows as Row[])[0];
      if (!r) return undefined;
      const rep = (reporter as { anonymous: boolean; name: string | null; phone: string | null }[])[0];
      return {
        ...item(r),
        receipt: r.receipt as string,
        description: r.description as string,
        publicAnswer: (r.public_answer as string | null) ?? null,
        photos: (photos as Row[]).map((p) => ({
          id: p.id as string,
          contentType: p.content_type as string,
          sizeBytes: Number(p.size_bytes),
        })),
        events: (events as Row[]).map((e) => ({
          step: e.step as string,
          at: iso(e.at)!,
          actorName: e.actor_name as string,
          byReporter: e.by_reporter as boolean,
          unit: unit(e.unit_id, e.code, e.name),
          text: (e.text as string | null) ?? null,
          evidence: (evidence as Row[])
            .filter((x) => String(x.event_id) === String(e.id))
            .map((x) => ({
              id: x.id as string,
              fileName: x.file_name as string,
              contentType: x.content_type as string,
            })),
        })),
        ...(rep ? { reporter: { anonymous: rep.anonymous, name: rep.name, phone: rep.phone } } : {}),
      };
    },

    async photo(who: Principal, id: string, photoId: string) {
      const [rows] = await queryInScope(orm, scopeOf(who), [
        {
          sql: `SELECT storage_key, sha256, content_type FROM complaint_photo WHERE id = ? AND complaint_id = ?`,
          params: [photoId, id],
        },
      ]);
      return (rows as { storage_key: string; sha256: string; content_type: string }[])[0];
    },

    async evidenceOf(who: Principal, id: string, attachmentId: string): Promise<boolean> {
      const [rows] = await queryInScope(orm, scopeOf(who), [
        {
          sql: `SELECT 1 FROM complaint_evidence WHERE complaint_id = ? AND attachment_id = ?`,
          params: [id, attachmentId],
        },
      ]);
      return rows!.length === 1;
    },

    /** Whether the step of this request was recorded already (a client's retry). */
    async recorded(who: Principal, id: string, requestId: string): Promise<boolean> {
      const [rows] = await queryInScope(orm, scopeOf(who), [
        {
          sql: `SELECT 1 FROM complaint_event WHERE complaint_id = ? AND request_id = ?`,
          params: [id, requestId],
        },
      ]);
      return rows!.length === 1;
    },

    async orgByCode(who: Principal, code: string) {
      const [rows] = await queryInScope(orm, scopeOf(who), [
        { sql: `SELECT id, code, name, kind FROM org_unit WHERE code = ?`, params: [code] },
      ]);
      return (rows as { id: string; code: string; name: string; kind: string }[])[0];
    },

    async unusedUploads(who: Principal & { userId: string }, ids: readonly string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const [rows] = await queryInScope(orm, scopeOf(who), [
        {
          sql: `SELECT a.id FROM bulletin_attachment a WHERE a.id = ANY(ARRAY[?]::uuid[]) AND a.uploaded_by = ?
                  AND a.rectification_event_id IS NULL AND num_nonnulls(a.notice_id, a.policy_id, a.message_id) = 0
                  AND NOT EXISTS (SELECT 1 FROM complaint_evidence x WHERE x.attachment_id = a.id)`,
          params: [ids, who.userId],
        },
      ]);
      return new Set((rows as { id: string }[]).map((r) => r.id));
    },

    // ── public reads (as the system, the public columns only) ─────────────────────────────────
    /**
     * A submission's subject: its name, and for a project whether it was cancelled (the form says
     * so; a cancelled project takes reports as any other). None: no such project or village.
     */
    async subject(
      kind: 'project' | 'village',
      code: string,
    ): Promise<{ name: string; cancelled: boolean } | undefined> {
      const [rows] = await queryInScope(orm, SYSTEM_SCOPE, [
        kind === 'project'
          ? {
              sql: `SELECT name, stage = 'cancelled' AS cancelled FROM project WHERE code = ?`,
              params: [code],
            }
          : {
              sql: `SELECT name, false AS cancelled FROM org_unit WHERE code = ? AND kind = 'village'`,
              params: [code],
            },
      ]);
      const r = (rows as { name: string; cancelled: boolean }[])[0];
      return r && { name: r.name, cancelled: r.cancelled };
    },

    async byRequest(requestId: string) {
      const [rows] = await queryInScope(orm, SYSTEM_SCOPE, [
        {
          sql: `SELECT id::text AS id, receipt, request_hash, status FROM complaint WHERE request_id = ?`,
          params: [requestId],
        },
      ]);
      return (rows as { id: string; receipt: string; request_hash: string; status: string }[])[0];
    },

    /** By the receipt's hash: the one public read. */
    async lookup(hashHex: string) {
      const [rows] = await queryInScope(orm, SYSTEM_SCOPE, [
        {
          sql: `SELECT c.receipt, c.status, c.subject_kind, c.subject_code, COALESCE(p.name, v.name) AS subject_name,
                  c.category, c.submitted_at, c.answered_at, c.closed_at, c.public_answer
                FROM complaint c LEFT JOIN project p ON p.id = c.project_id
                LEFT JOIN org_unit v ON v.id = c.village_id WHERE c.receipt_hash = decode(?, 'hex')`,
          params: [hashHex],
        },
      ]);
      const r = (rows as Row[])[0];
      if (!r) return undefined;
      return {
        receipt: r.receipt as string,
        status: r.status as never,
        subject: {
          kind: r.subject_kind as 'project' | 'village',
          code: r.subject_code as string,
          name: (r.subject_name as string | null) ?? null,
        },
        category: r.category as never,
        submittedAt: iso(r.submitted_at)!,
        // What was answered is public only once the office has answered (not while reopened).
        answeredAt: iso(r.answered_at),
        closedAt: iso(r.closed_at),
        publicAnswer: (r.public_answer as string | null) ?? null,
      };
    },
  };
}

export type ComplaintRepository = ReturnType<typeof createComplaintRepository>;
