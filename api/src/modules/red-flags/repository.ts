/**
 * Red flags in PostgreSQL, read in the caller's scope: county-wide accounts see every flag, a unit
 * the flags that concern it (`unit_ids`) — the application's condition, with row-level security
 * holding the same rule beneath it. The status is derived when read: dismissed, converted (a
 * rectification notice not withdrawn names it), cleared (the last scan did not find it) or open.
 */
import { isCountyWide, type Principal } from '#domain/access.js';
import type { RedFlagListQuery } from '#domain/red-flags.js';
import type { Orm } from '#db/orm.js';
import { queryInScope, scopeOf } from '#db/scope.js';

export interface RedFlagRow {
  id: string;
  rule: string;
  status: string;
  year: number | null;
  unit_code: string;
  unit_name: string;
  projects: { id: string; code: string; name: string }[];
  evidence: { facts: Record<string, unknown>; rows: Record<string, unknown>[] };
  detected_at: Date;
  updated_at: Date;
  cleared_at: Date | null;
  dismissed_at: Date | null;
  dismissed_by_name: string | null;
  dismiss_reason: string | null;
}

const STATUS = `CASE WHEN f.dismissed_at IS NOT NULL THEN 'dismissed'
  WHEN red_flag_converted(f.id) THEN 'converted'
  WHEN f.cleared_at IS NOT NULL THEN 'cleared' ELSE 'open' END`;

const SELECT = `SELECT f.id::text AS id, f.rule, ${STATUS} AS status, f.year, o.code AS unit_code, o.name AS unit_name,
    (SELECT COALESCE(json_agg(json_build_object('id', p.id, 'code', p.code, 'name', p.name) ORDER BY p.code), '[]')
       FROM project p WHERE p.id = ANY (f.project_ids)) AS projects,
    f.evidence, f.detected_at, f.updated_at, f.cleared_at, f.dismissed_at, f.dismissed_by_name, f.dismiss_reason
  FROM red_flag f JOIN org_unit o ON o.id = f.unit_id`;

/** The caller's own condition on flag `f`. */
function visible(who: Principal): { sql: string; params: unknown[] } {
  if (isCountyWide(who)) return { sql: 'true', params: [] };
  return { sql: `f.unit_ids @> ARRAY[?]::uuid[]`, params: [who.orgUnitId] };
}

export function createRedFlagRepository(orm: Orm) {
  const read = (who: Principal, statements: { sql: string; params?: unknown[] }[]) =>
    queryInScope(orm, scopeOf(who), statements);

  return {
    async list(who: Principal, q: RedFlagListQuery) {
      const cond = visible(who);
      const where = [cond.sql];
      const params = [...cond.params];
      if (q.rule) {
        where.push('f.rule = ?');
        params.push(q.rule);
      }
      if (q.year) {
        where.push('f.year = ?');
        params.push(q.year);
      }
      if (q.unitCode) {
        where.push(`f.unit_ids @> ARRAY[(SELECT id FROM org_unit WHERE code = ?)]::uuid[]`);
        params.push(q.unitCode);
      }
      if (q.status) {
        where.push(`${STATUS} = ?`);
        params.push(q.status);
      }
      const [rows, total] = await read(who, [
        {
          sql: `${SELECT} WHERE ${where.join(' AND ')} ORDER BY f.detected_at DESC, f.id DESC LIMIT ? OFFSET ?`,
          params: [...params, q.pageSize, (q.page - 1) * q.pageSize],
        },
        { sql: `SELECT count(*)::int AS n FROM red_flag f WHERE ${where.join(' AND ')}`, params },
      ]);
      return { rows: rows as RedFlagRow[], total: (total as { n: number }[])[0]!.n };
    },

    /** One flag with the notices raised from it that the caller may read. */
    async get(who: Principal, id: number) {
      const cond = visible(who);
      const [rows, notices] = await read(who, [
        { sql: `${SELECT} WHERE f.id = ? AND ${cond.sql}`, params: [id, ...cond.params] },
        {
          sql: `SELECT n.id, n.serial, n.status FROM rectification_notice n
                 WHERE n.source_red_flag_id = ? ORDER BY n.issued_at`,
          params: [id],
        },
      ]);
      const row = (rows as RedFlagRow[])[0];
      if (!row) return undefined;
      return { row, notices: notices as { id: string; serial: string; status: string }[] };
    },

    /** Whether a unit code exists (a filter naming no unit is the caller's error). */
    async unitExists(who: Principal, code: string): Promise<boolean> {
      const [rows] = await read(who, [{ sql: `SELECT 1 FROM org_unit WHERE code = ?`, params: [code] }]);
      return (rows as unknown[]).length > 0;
    },
  };
}

export type RedFlagRepository = ReturnType<typeof createRedFlagRepository>;
