/**
 * The negative list in PostgreSQL, read in the caller's scope: county-wide accounts see every
 * entry, a unit its own (and, as row-level security has it, those of projects it may read).
 */
import { isCountyWide, type Principal } from '#domain/access.js';
import type { NegativeListQuery } from '#domain/talks-schemas.js';
import type { Orm } from '#db/orm.js';
import { executeAll, queryInScope, scopeOf, type Tx } from '#db/scope.js';
import { ATTACHMENT_COLUMNS, attachmentDto, type AttachmentRow } from '../attachments/repository.js';
import {
  ladderGrounds,
  ladderGroundsColumns,
  ladderGroundsJoins,
  noticeLadderGrounds,
  type LadderGroundsRow,
} from '../interviews/ladder-grounds.js';

export interface EntryRow extends LadderGroundsRow {
  id: string;
  unit_code: string;
  unit_name: string;
  leader_name: string;
  project_code: string | null;
  project_name: string | null;
  source: 'projectLadder' | 'rectification' | 'interview' | 'manual';
  alert_id: string | null;
  notice_serial: string | null;
  interview_record_id: string | null;
  reason: string;
  listed_on: string;
  listed_at: string | Date;
  lifted_at: string | Date | null;
  lift_reason: string | null;
  lifted_by_name: string | null;
}

const iso = (d: string | Date | null) => (d === null ? null : new Date(d).toISOString());

export function entryDto(r: EntryRow, evidence: AttachmentRow[] = []) {
  const sourceRef =
    r.source === 'projectLadder'
      ? `alert:${r.alert_id}`
      : r.source === 'rectification'
        ? r.notice_serial
        : r.source === 'interview'
          ? r.interview_record_id
          : null;
  return {
    id: Number(r.id),
    unit: { code: r.unit_code, name: r.unit_name },
    leaderName: r.leader_name,
    project: r.project_code ? { code: r.project_code, name: r.project_name! } : null,
    source: r.source,
    sourceRef,
    reason: r.reason,
    ladder: ladderGrounds(r),
    noticeLadder: noticeLadderGrounds(r),
    listedOn: r.listed_on,
    listedAt: iso(r.listed_at)!,
    liftedAt: iso(r.lifted_at),
    liftReason: r.lift_reason,
    liftedBy: r.lifted_by_name,
    evidence: evidence.map(attachmentDto),
  };
}

export const ENTRY_SELECT = `SELECT e.id, o.code AS unit_code, o.name AS unit_name, e.leader_name, p.code AS project_code,
    p.name AS project_name, e.source, e.alert_id, n.serial AS notice_serial, e.interview_record_id, e.reason,
    to_char(e.listed_on, 'YYYY-MM-DD') AS listed_on, e.listed_at, e.lifted_at, e.lift_reason, u.display_name AS lifted_by_name,
    ${ladderGroundsColumns('e')}
  FROM negative_list_entry e JOIN org_unit o ON o.id = e.org_unit_id
  LEFT JOIN project p ON p.id = e.project_id LEFT JOIN rectification_notice n ON n.id = e.notice_id
  LEFT JOIN app_user u ON u.id = e.lifted_by ${ladderGroundsJoins('e')}`;

/** The caller's condition on entry `e`: its own unit's entries beside what row-level security shows. */
function visible(who: Principal): { sql: string; params: unknown[] } {
  if (isCountyWide(who)) return { sql: 'true', params: [] };
  return { sql: '(e.org_unit_id = ? OR e.project_id IS NOT NULL)', params: [who.orgUnitId] };
}

export function createNegativeListRepository(orm: Orm) {
  const read = (who: Principal, statements: { sql: string; params?: unknown[] }[]) =>
    queryInScope(orm, scopeOf(who), statements);

  return {
    async list(who: Principal, q: NegativeListQuery) {
      const cond = visible(who);
      const where = [cond.sql];
      const params: unknown[] = [...cond.params];
      if (q.status !== 'all')
        where.push(q.status === 'listed' ? 'e.lifted_at IS NULL' : 'e.lifted_at IS NOT NULL');
      if (q.unitCode) {
        where.push('o.code = ?');
        params.push(q.unitCode);
      }
      if (q.source) {
        where.push('e.source = ?');
        params.push(q.source);
      }
      const [rows, counts] = await read(who, [
        {
          sql: `${ENTRY_SELECT} WHERE ${where.join(' AND ')} ORDER BY e.listed_on DESC, e.id DESC LIMIT ? OFFSET ?`,
          params: [...params, q.pageSize, (q.page - 1) * q.pageSize],
        },
        {
          sql: `SELECT count(*)::int AS total FROM negative_list_entry e JOIN org_unit o ON o.id = e.org_unit_id
                 WHERE ${where.join(' AND ')}`,
          params,
        },
      ]);
      return { rows: rows as EntryRow[], total: (counts as { total: number }[])[0]!.total };
    },

    async get(who: Principal, id: string | number) {
      const cond = visible(who);
      const [rows, evidence] = await read(who, [
        { sql: `${ENTRY_SELECT} WHERE e.id = ? AND ${cond.sql}`, params: [id, ...cond.params] },
        {
          sql: `SELECT ${ATTACHMENT_COLUMNS} FROM supervision_attachment l JOIN bulletin_attachment a ON a.id = l.attachment_id
                 WHERE l.negative_entry_id = ? ORDER BY a.uploaded_at, a.id`,
          params: [id],
        },
      ]);
      const row = (rows as EntryRow[])[0];
      return row ? { row, evidence: evidence as AttachmentRow[] } : undefined;
    },

    async unit(who: Principal, code: string) {
      const [rows] = await read(who, [
        { sql: 'SELECT id, code, name, kind FROM org_unit WHERE code = ?', params: [code] },
      ]);
      return (rows as { id: string; code: string; name: string; kind: string }[])[0];
    },

    async project(who: Principal, ref: string) {
      const byId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref);
      const [rows] = await read(who, [
        { sql: `SELECT id FROM project WHERE ${byId ? 'id = ?::uuid' : 'code = ?'}`, params: [ref] },
      ]);
      return (rows as { id: string }[])[0];
    },

    /**
     * In a transaction that lists or publishes in month `month` (YYYY-MM): orders it after any other
     * doing the same for that month (a transaction-scoped advisory lock), then answers whether the
     * month's negative list is published already. (The month's ranking, stored by its Schedule on
     * the 1st, and its 月通报 count entries by when they were listed, not by the date they carry:
     * an entry dated in that month still counts in the month it is listed.)
     */
    async lockMonth(tx: Tx, month: string): Promise<boolean> {
      // Two statements: the second's snapshot, taken once the lock is held, sees a publication
      // committed while this one waited.
      const [, rows] = await executeAll(tx, [
        {
          sql: `SELECT pg_advisory_xact_lock(hashtextextended('negative_list.month:' || ?, 0))`,
          params: [month],
        },
        {
          sql: `SELECT EXISTS (SELECT 1 FROM negative_list_publication WHERE month = ?) AS published`,
          params: [month],
        },
      ]);
      return (rows as { published: boolean }[])[0]!.published;
    },

    async publications(who: Principal) {
      const [rows] = await read(who, [
        {
          sql: `SELECT p.month, p.published_at, u.display_name AS published_by, p.entry_count
                  FROM negative_list_publication p LEFT JOIN app_user u ON u.id = p.published_by ORDER BY p.month DESC`,
        },
      ]);
      return rows as {
        month: string;
        published_at: string | Date;
        published_by: string | null;
        entry_count: number;
      }[];
    },

    /** A published month and its entries (a unit sees its own rows of it). */
    async publication(who: Principal, month: string) {
      const [head, entries] = await read(who, [
        {
          sql: `SELECT p.month, p.published_at, u.display_name AS published_by, p.entry_count
                  FROM negative_list_publication p LEFT JOIN app_user u ON u.id = p.published_by WHERE p.month = ?`,
          params: [month],
        },
        {
          sql: `SELECT seq, entry_id, unit_name, leader_name, project_name, source, reason,
                       to_char(listed_on, 'YYYY-MM-DD') AS listed_on, to_char(lifted_on, 'YYYY-MM-DD') AS lifted_on, lift_reason
                  FROM negative_list_publication_entry
                 WHERE month = ? ${isCountyWide(who) ? '' : 'AND org_unit_id = ?'} ORDER BY seq`,
          params: isCountyWide(who) ? [month] : [month, who.orgUnitId],
        },
      ]);
      const h = (
        head as {
          month: string;
          published_at: string | Date;
          published_by: string | null;
          entry_count: number;
        }[]
      )[0];
      if (!h) return undefined;
      return { head: h, entries: entries as Record<string, string | null>[] };
    },
  };
}

export type NegativeListRepository = ReturnType<typeof createNegativeListRepository>;
