/**
 * The statistics computed from the detail, as the api computed them before the rollups: every
 * project in the caller's scope (the projects repository's scope condition, row-level security
 * beneath it) summed per cell with count(DISTINCT project). Kept here to check that the rollups'
 * answers (api/src/modules/statistics/repository.ts) are the same figures.
 */
import { scopeCondition } from '#api/modules/projects/conditions.js';
import type { StatRow } from '#api/modules/statistics/repository.js';
import type { Principal } from '#domain/access.js';
import type { StatDimension, StatisticsQuery } from '#domain/statistics-schemas.js';
import type { Orm } from '#db/orm.js';
import { inScope, scopeOf } from '#db/scope.js';

/** The key and label of a dimension on a fact `x` joined to its project `sp`, and any join it needs. */
function dimensionSql(d: StatDimension, alias: string): { key: string; label: string; join: string } {
  switch (d) {
    case 'year':
      return { key: 'sp.year::text', label: 'sp.year::text', join: '' };
    case 'department':
      return { key: 'sp.dept_code', label: 'sp.dept_name', join: '' };
    case 'type':
      return { key: 'sp.type', label: 'sp.type', join: '' };
    case 'stage':
      return { key: 'sp.stage', label: 'sp.stage', join: '' };
    case 'fundSource':
      return { key: 'x.kind', label: 'x.kind', join: '' };
    case 'township':
      return {
        key: `${alias}.key`,
        label: `${alias}.label`,
        join: `JOIN tw ${alias} ON ${alias}.project_id = x.project_id`,
      };
    case 'village':
      return {
        key: `${alias}.key`,
        label: `${alias}.label`,
        join: `JOIN vl ${alias} ON ${alias}.project_id = x.project_id`,
      };
  }
}

/** The list's filters as one condition on `p`, `d` (department) and `o` (owner unit). */
function filterCondition(who: Principal, q: StatisticsQuery): { sql: string; params: unknown[] } {
  const scope = scopeCondition(who);
  const where = [scope.sql];
  const params: unknown[] = [...scope.params];
  const add = (sql: string, ...values: unknown[]) => {
    where.push(sql);
    params.push(...values);
  };
  if (q.year !== undefined) add('p.year = ?', q.year);
  if (q.stage) add('p.stage = ?', q.stage);
  if (q.department) add('d.code = ?', q.department);
  if (q.type) add('p.type = ?', q.type);
  if (q.township)
    add(
      `(o.code = ? OR EXISTS (SELECT 1 FROM project_village pv JOIN org_unit v ON v.id = pv.village_id
          JOIN org_unit t ON t.id = v.parent_id WHERE pv.project_id = p.id AND t.code = ?))`,
      q.township,
      q.township,
    );
  if (q.village)
    add(
      `EXISTS (SELECT 1 FROM project_village pv JOIN org_unit v ON v.id = pv.village_id
         WHERE pv.project_id = p.id AND v.code = ?)`,
      q.village,
    );
  if (q.fundSource)
    add(
      'EXISTS (SELECT 1 FROM project_fund_source s WHERE s.project_id = p.id AND s.kind = ?)',
      q.fundSource,
    );
  return { sql: where.join(' AND '), params };
}

/** Cells, row totals, column totals and the total, from the detail. */
export async function statisticsFromDetail(orm: Orm, who: Principal, q: StatisticsQuery): Promise<StatRow[]> {
  const f = filterCondition(who, q);
  // Money by fund source when fund sources are a dimension or a filter: a fact per project ×
  // source kind, whose sums split a project's money exactly; otherwise a fact per project.
  const byKind = q.rows === 'fundSource' || q.columns === 'fundSource' || q.fundSource !== undefined;
  const kindOnly = q.fundSource !== undefined ? 'WHERE s.kind = ?' : '';
  const ctes = `
    WITH sp AS (
      SELECT p.id, p.year, p.type, p.stage, d.code AS dept_code, d.name AS dept_name,
             o.code AS owner_code, o.name AS owner_name, o.kind AS owner_kind
        FROM project p JOIN org_unit d ON d.id = p.department_id JOIN org_unit o ON o.id = p.owner_unit_id
       WHERE ${f.sql}
    ),
    -- A project's townships, as the list's township filter reads them: its owner unit when that is
    -- a township, and the township of each of its villages.
    tw AS (
      SELECT sp.id AS project_id, sp.owner_code AS key, sp.owner_name AS label FROM sp WHERE sp.owner_kind = 'township'
      UNION
      SELECT pv.project_id, t.code, t.name
        FROM sp JOIN project_village pv ON pv.project_id = sp.id
        JOIN org_unit v ON v.id = pv.village_id JOIN org_unit t ON t.id = v.parent_id
    ),
    vl AS (
      SELECT pv.project_id, v.code AS key, v.name AS label
        FROM sp JOIN project_village pv ON pv.project_id = sp.id JOIN org_unit v ON v.id = pv.village_id
    ),
    -- Each fund source's money; a cancelled project's is left out (it counts, it carries no money).
    src AS (
      SELECT s.project_id, s.kind,
             CASE WHEN sp.stage = 'cancelled' THEN 0 ELSE s.amount_fen END AS budget,
             CASE WHEN sp.stage = 'cancelled' OR s.fund_document_id IS NULL THEN 0 ELSE s.amount_fen END AS allocated,
             CASE WHEN sp.stage = 'cancelled' THEN 0 ELSE
               (SELECT COALESCE(sum(b.amount_fen), 0) FROM disbursement b
                 WHERE b.project_id = s.project_id AND b.source_position = s.position) END AS disbursed
        FROM sp JOIN project_fund_source s ON s.project_id = sp.id ${kindOnly}
    ),
    x AS (
      SELECT src.project_id, ${byKind ? 'src.kind' : 'NULL::text'} AS kind,
             sum(src.budget) AS budget, sum(src.allocated) AS allocated, sum(src.disbursed) AS disbursed,
             EXISTS (SELECT 1 FROM alert a WHERE a.project_id = src.project_id AND a.status = 'active'
                      AND a.step <> 'reminder') AS overdue
        FROM src GROUP BY src.project_id${byKind ? ', src.kind' : ''}
    )`;
  const params = q.fundSource !== undefined ? [...f.params, q.fundSource] : [...f.params];

  // Σ in numeric (sum of bigint is numeric already), read as text: exact at any size.
  const measures = `count(DISTINCT x.project_id)::int AS projects, COALESCE(sum(x.budget), 0)::text AS budget,
    COALESCE(sum(x.allocated), 0)::text AS allocated, COALESCE(sum(x.disbursed), 0)::text AS disbursed,
    count(DISTINCT x.project_id) FILTER (WHERE x.overdue)::int AS overdue`;
  const r = dimensionSql(q.rows, 'rm');
  const c = q.columns ? dimensionSql(q.columns, 'cm') : null;
  const part = (name: StatRow['part'], withRow: boolean, withCol: boolean) => {
    const keys = [
      withRow ? `${r.key} AS rk, ${r.label} AS rl` : 'NULL::text AS rk, NULL::text AS rl',
      withCol && c ? `${c.key} AS ck, ${c.label} AS cl` : 'NULL::text AS ck, NULL::text AS cl',
    ];
    const group = [...(withRow ? [r.key, r.label] : []), ...(withCol && c ? [c.key, c.label] : [])];
    return `SELECT '${name}' AS part, ${keys.join(', ')}, ${measures}
              FROM x JOIN sp ON sp.id = x.project_id ${withRow ? r.join : ''} ${withCol && c ? c.join : ''}
              ${group.length ? `GROUP BY ${group.join(', ')}` : ''}`;
  };
  const parts = [part('row', true, false), part('total', false, false)];
  if (c) parts.push(part('cell', true, true), part('column', false, true));
  const sql = `${ctes} ${parts.join(' UNION ALL ')}`;

  return inScope(orm, scopeOf(who), (conn) => conn.execute<StatRow[]>(sql, params, 'all'));
}
