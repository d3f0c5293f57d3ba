/**
 * 约谈 records and flags in PostgreSQL, read in the caller's scope. Every query carries the
 * caller's own condition (county-wide, or a unit talked to / flagged), beneath which row-level
 * security holds the same rule again.
 */
import { isCountyWide, type Principal } from '#domain/access.js';
import type { InterviewListQuery } from '#domain/talks-schemas.js';
import type { Orm } from '#db/orm.js';
import { executeAll, queryInScope, scopeOf, type Tx } from '#db/scope.js';
import { ATTACHMENT_COLUMNS, attachmentDto, type AttachmentRow } from '../attachments/repository.js';
import {
  ladderGrounds,
  ladderGroundsColumns,
  ladderGroundsJoins,
  noticeLadderGrounds,
  type LadderGroundsRow,
} from './ladder-grounds.js';

export interface InterviewRow {
  id: string;
  kind: 'individual' | 'collective';
  held_at: string | Date;
  location: string;
  interviewers: string;
  reason: string;
  agreed?: string;
  follow_up_due: string | null;
  corrects_id: string | null;
  corrected_by_id: string | null;
  created_at: string | Date;
  project_code: string | null;
  project_name: string | null;
  subjects: { code: string; name: string; personName: string; personTitle: string }[] | null;
  recorder_code?: string;
  recorder_name?: string;
  created_by_name?: string | null;
}

const iso = (d: string | Date) => new Date(d).toISOString();

export function interviewSummary(r: InterviewRow) {
  return {
    id: r.id,
    kind: r.kind,
    heldAt: iso(r.held_at),
    location: r.location,
    interviewers: r.interviewers,
    reason: r.reason,
    followUpDue: r.follow_up_due,
    subjects: (r.subjects ?? []).map((s) => ({
      unit: { code: s.code, name: s.name },
      name: s.personName,
      title: s.personTitle,
    })),
    project: r.project_code ? { code: r.project_code, name: r.project_name! } : null,
    correctsId: r.corrects_id,
    correctedById: r.corrected_by_id,
    createdAt: iso(r.created_at),
  };
}

/** The caller's condition on record `r`. */
function visible(who: Principal): { sql: string; params: unknown[] } {
  if (isCountyWide(who)) return { sql: 'true', params: [] };
  return {
    sql: 'EXISTS (SELECT 1 FROM interview_subject v WHERE v.record_id = r.id AND v.org_unit_id = ?)',
    params: [who.orgUnitId],
  };
}

export const INTERVIEW_SELECT = `SELECT r.id, r.kind, r.held_at, r.location, r.interviewers, r.reason,
    to_char(r.follow_up_due, 'YYYY-MM-DD') AS follow_up_due, r.corrects_id, r.created_at,
    interview_corrected_by(r.id) AS corrected_by_id,
    p.code AS project_code, p.name AS project_name,
    (SELECT json_agg(json_build_object('code', o.code, 'name', o.name, 'personName', s.person_name,
        'personTitle', s.person_title) ORDER BY s.seq)
       FROM interview_subject s JOIN org_unit o ON o.id = s.org_unit_id WHERE s.record_id = r.id) AS subjects
  FROM interview_record r LEFT JOIN project p ON p.id = r.project_id`;

export interface FlagRow extends LadderGroundsRow {
  id: string;
  source: 'projectLadder' | 'rectification';
  org_unit_id: string;
  unit_code: string;
  unit_name: string;
  project_id: string | null;
  project_code: string | null;
  project_name: string | null;
  notice_id: string | null;
  notice_serial: string | null;
  reason: string;
  raised_at: string | Date;
  record_id: string | null;
  closed_at: string | Date | null;
  /** Why it closed without a record: its notice was withdrawn. */
  close_reason: 'noticeWithdrawn' | null;
}

export function flagDto(f: FlagRow) {
  return {
    id: Number(f.id),
    source: f.source,
    unit: { code: f.unit_code, name: f.unit_name },
    project: f.project_code ? { code: f.project_code, name: f.project_name! } : null,
    notice: f.notice_id ? { id: f.notice_id, serial: f.notice_serial ?? '' } : null,
    reason: f.reason,
    ladder: ladderGrounds(f),
    noticeLadder: noticeLadderGrounds(f),
    raisedAt: iso(f.raised_at),
    recordId: f.record_id,
    closedAt: f.closed_at ? iso(f.closed_at) : null,
  };
}

const FLAG_SELECT = `SELECT f.id, f.source, f.org_unit_id, o.code AS unit_code, o.name AS unit_name, f.project_id,
    p.code AS project_code, p.name AS project_name, f.notice_id, n.serial AS notice_serial, f.reason,
    f.raised_at, f.record_id, f.closed_at, f.close_reason, ${ladderGroundsColumns('f')}
  FROM interview_flag f JOIN org_unit o ON o.id = f.org_unit_id
  LEFT JOIN project p ON p.id = f.project_id LEFT JOIN rectification_notice n ON n.id = f.notice_id
  ${ladderGroundsJoins('f')}`;

type FlagFilter = { status: 'open' | 'closed' | 'all'; unitCode?: string; ids?: number[] };

/** The WHERE of a flag query (over `interview_flag f JOIN org_unit o`): scope and filters. */
function flagWhere(who: Principal, opts: FlagFilter): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (!isCountyWide(who)) {
    where.push('f.org_unit_id = ?');
    params.push(who.orgUnitId);
  }
  if (opts.status !== 'all')
    // Closed by a record, or without one when its notice was withdrawn.
    where.push(opts.status === 'open' ? 'f.closed_at IS NULL' : 'f.closed_at IS NOT NULL');
  if (opts.unitCode) {
    where.push('o.code = ?');
    params.push(opts.unitCode);
  }
  if (opts.ids) {
    where.push('f.id = ANY(ARRAY[?]::bigint[])');
    params.push(opts.ids.length ? opts.ids : [0]);
  }
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

export function createInterviewRepository(orm: Orm) {
  const read = (who: Principal, statements: { sql: string; params?: unknown[] }[]) =>
    queryInScope(orm, scopeOf(who), statements);

  return {
    async units(who: Principal, codes: readonly string[]) {
      const [rows] = await read(who, [
        {
          sql: `SELECT id, code, name FROM org_unit WHERE code = ANY(ARRAY[?]::text[])`,
          params: [codes.length ? codes : ['']],
        },
      ]);
      return rows as { id: string; code: string; name: string }[];
    },

    /** A project by id or code, if the caller may read it. */
    async project(who: Principal, ref: string) {
      const byId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref);
      const [rows] = await read(who, [
        { sql: `SELECT id FROM project WHERE ${byId ? 'id = ?::uuid' : 'code = ?'}`, params: [ref] },
      ]);
      return (rows as { id: string }[])[0];
    },

    /** The record correcting this one, if any (the first, as every reader is told). */
    async correctedBy(who: Principal, id: string): Promise<string | undefined> {
      const [rows] = await read(who, [{ sql: 'SELECT interview_corrected_by(?) AS by', params: [id] }]);
      return (rows as { by: string | null }[])[0]?.by ?? undefined;
    },

    /**
     * In the correction's transaction: holds the corrected record's lock until the commit (records
     * are never updated, so an advisory lock on its id) and answers its correction, if one was
     * committed before.
     */
    async lockCorrection(tx: Tx, id: string): Promise<string | undefined> {
      // Two statements: the second's snapshot, taken once the lock is held, sees a correction
      // committed while this one waited.
      const [, rows] = await executeAll(tx, [
        {
          sql: `SELECT pg_advisory_xact_lock(hashtextextended('interview_record.corrects:' || ?, 0))`,
          params: [id],
        },
        { sql: 'SELECT interview_corrected_by(?::uuid) AS by', params: [id] },
      ]);
      return (rows as { by: string | null }[])[0]?.by ?? undefined;
    },

    /**
     * In the record's transaction: locks the flags it closes and answers how each stands now, so a
     * flag closed meanwhile (by another record, or by its notice's withdrawal) is told apart.
     */
    async lockFlags(tx: Tx, ids: readonly number[]) {
      const [rows] = await executeAll(tx, [
        {
          sql: `SELECT id, record_id, close_reason FROM interview_flag WHERE id = ANY(ARRAY[?]::bigint[]) FOR UPDATE`,
          params: [ids.length ? ids : [0]],
        },
      ]);
      return rows as { id: string; record_id: string | null; close_reason: string | null }[];
    },

    /** The units listed on the negative list by this record or by any record it corrects. */
    async listedByChain(tx: Tx, id: string): Promise<Set<string>> {
      const [rows] = await executeAll(tx, [
        {
          sql: `WITH RECURSIVE chain (id, corrects_id) AS (
                  SELECT id, corrects_id FROM interview_record WHERE id = ?::uuid
                  UNION SELECT r.id, r.corrects_id FROM interview_record r JOIN chain c ON r.id = c.corrects_id)
                SELECT DISTINCT e.org_unit_id::text AS unit_id FROM negative_list_entry e
                 WHERE e.interview_record_id IN (SELECT id FROM chain)`,
          params: [id],
        },
      ]);
      return new Set((rows as { unit_id: string }[]).map((r) => r.unit_id));
    },

    async exists(who: Principal, id: string): Promise<boolean> {
      const [rows] = await read(who, [{ sql: 'SELECT 1 FROM interview_record WHERE id = ?', params: [id] }]);
      return (rows ?? []).length > 0;
    },

    async list(who: Principal, q: InterviewListQuery) {
      const cond = visible(who);
      const where = [cond.sql];
      const params: unknown[] = [...cond.params];
      if (q.unitCode) {
        where.push(`EXISTS (SELECT 1 FROM interview_subject u JOIN org_unit uo ON uo.id = u.org_unit_id
                     WHERE u.record_id = r.id AND uo.code = ?)`);
        params.push(q.unitCode);
      }
      if (q.kind) {
        where.push('r.kind = ?');
        params.push(q.kind);
      }
      if (q.from) {
        where.push(`(r.held_at AT TIME ZONE 'Asia/Shanghai')::date >= ?::date`);
        params.push(q.from);
      }
      if (q.to) {
        where.push(`(r.held_at AT TIME ZONE 'Asia/Shanghai')::date <= ?::date`);
        params.push(q.to);
      }
      if (q.q) {
        where.push(`(strpos(r.reason, ?) > 0 OR strpos(r.interviewers, ?) > 0 OR EXISTS (SELECT 1 FROM interview_subject t
                     WHERE t.record_id = r.id AND strpos(t.person_name, ?) > 0))`);
        params.push(q.q, q.q, q.q);
      }
      const [rows, counts] = await read(who, [
        {
          sql: `${INTERVIEW_SELECT} WHERE ${where.join(' AND ')} ORDER BY r.held_at DESC, r.id LIMIT ? OFFSET ?`,
          params: [...params, q.pageSize, (q.page - 1) * q.pageSize],
        },
        {
          sql: `SELECT count(*)::int AS total FROM interview_record r WHERE ${where.join(' AND ')}`,
          params,
        },
      ]);
      return { rows: rows as InterviewRow[], total: (counts as { total: number }[])[0]!.total };
    },

    async get(who: Principal, id: string) {
      const cond = visible(who);
      const [rows, flags, attachments] = await read(who, [
        {
          sql: `SELECT x.*, r.agreed, ro.code AS recorder_code, ro.name AS recorder_name, u.display_name AS created_by_name
                  FROM (${INTERVIEW_SELECT} WHERE r.id = ? AND ${cond.sql}) x
                  JOIN interview_record r ON r.id = x.id JOIN org_unit ro ON ro.id = r.recorder_unit_id
                  LEFT JOIN app_user u ON u.id = r.created_by`,
          params: [id, ...cond.params],
        },
        {
          sql: `SELECT id, source, reason FROM interview_flag WHERE record_id = ? ORDER BY id`,
          params: [id],
        },
        {
          sql: `SELECT ${ATTACHMENT_COLUMNS} FROM supervision_attachment l
                  JOIN bulletin_attachment a ON a.id = l.attachment_id
                 WHERE l.interview_record_id = ? ORDER BY a.uploaded_at, a.id`,
          params: [id],
        },
      ]);
      const row = (rows as InterviewRow[])[0];
      if (!row) return undefined;
      return {
        row,
        flags: (flags as { id: string; source: string; reason: string }[]).map((f) => ({
          id: Number(f.id),
          source: f.source,
          reason: f.reason,
        })),
        attachments: (attachments as AttachmentRow[]).map(attachmentDto),
      };
    },

    /** The flags asked for (by number, for a talk that closes them), unpaged; a unit sees only its own. */
    async flags(who: Principal, opts: FlagFilter) {
      const { sql, params } = flagWhere(who, opts);
      const [rows] = await read(who, [{ sql: `${FLAG_SELECT} ${sql} ORDER BY f.raised_at, f.id`, params }]);
      return rows as FlagRow[];
    },

    /** One page of the flags (oldest raised first) and how many there are in all. */
    async flagPage(who: Principal, opts: FlagFilter & { page: number; pageSize: number }) {
      const { sql, params } = flagWhere(who, opts);
      const [rows, counts] = await read(who, [
        {
          sql: `${FLAG_SELECT} ${sql} ORDER BY f.raised_at, f.id LIMIT ? OFFSET ?`,
          params: [...params, opts.pageSize, (opts.page - 1) * opts.pageSize],
        },
        {
          sql: `SELECT count(*)::int AS total FROM interview_flag f JOIN org_unit o ON o.id = f.org_unit_id ${sql}`,
          params,
        },
      ]);
      return { rows: rows as FlagRow[], total: (counts as { total: number }[])[0]!.total };
    },
  };
}

export type InterviewRepository = ReturnType<typeof createInterviewRepository>;
