/**
 * The statistics' figures, summed by PostgreSQL over the caller's scope only: the projects
 * repository's scope condition (over the rollups' groups) in the query, and the query inside
 * `inScope`, so row-level security limits the rows beneath it. The figures are the rollups'
 * (../stats/rollup.ts): groups of projects with the same dimensions, kept equal to the detail by
 * the writes, so a cross-tab of a million projects sums a few thousand rows. Cells, row totals,
 * column totals and the total come from one statement, so they are of one snapshot.
 *
 * A dimension is a membership of groups (group, key, label). The filters are the project list's,
 * spelled the same way (GET /api/projects), so a cell's projects are the list's for its keys.
 */
import type { Principal } from '#domain/access.js';
import type { StatDimension, StatisticsQuery } from '#domain/statistics-schemas.js';
import type { Orm } from '#db/orm.js';
import { inScope, scopeOf } from '#db/scope.js';
import { groupCondition } from '../stats/rollup.js';

/** One group of the answer as PostgreSQL gives it (money as decimal text). */
export interface StatRow {
  part: 'cell' | 'row' | 'column' | 'total';
  rk: string | null;
  rl: string | null;
  ck: string | null;
  cl: string | null;
  projects: number;
  budget: string;
  allocated: string;
  disbursed: string;
  overdue: number;
}

/** The key and label of a dimension on a fact `x` of a group `g`, and any join it needs. */
function dimensionSql(d: StatDimension, alias: string): { key: string; label: string; join: string } {
  switch (d) {
    case 'year':
      return { key: 'g.year::text', label: 'g.year::text', join: '' };
    case 'department':
      return { key: 'g.dept_code', label: 'g.dept_name', join: '' };
    case 'type':
      return { key: 'g.type', label: 'g.type', join: '' };
    case 'stage':
      return { key: 'g.stage', label: 'g.stage', join: '' };
    case 'fundSource':
      return { key: 'x.kind', label: 'x.kind', join: '' };
    case 'township':
      return {
        key: `${alias}.key`,
        label: `${alias}.label`,
        join: `JOIN tw ${alias} ON ${alias}.sig = x.sig`,
      };
    case 'village':
      return {
        key: `${alias}.key`,
        label: `${alias}.label`,
        join: `JOIN vl ${alias} ON ${alias}.sig = x.sig`,
      };
  }
}

export function createStatisticsRepository(orm: Orm) {
  return {
    /** Cells, row totals, column totals and the total over the caller's scope and the filters. */
    async figures(who: Principal, q: StatisticsQuery): Promise<StatRow[]> {
      const f = groupCondition(who, q);
      // Money by fund source when fund sources are a dimension or a filter: a fact per group ×
      // source kind, whose sums split a group's money exactly; otherwise a fact per group.
      const byKind = q.rows === 'fundSource' || q.columns === 'fundSource' || q.fundSource !== undefined;
      const kindOnly = q.fundSource !== undefined ? 'AND s.key = ?' : '';
      const ctes = `
        WITH g AS (
          SELECT r.sig, r.year, r.type, r.stage, r.village_ids, r.projects, r.overdue_projects,
                 r.budget_fen, r.allocated_fen, r.disbursed_fen,
                 d.code AS dept_code, d.name AS dept_name, o.code AS owner_code, o.name AS owner_name,
                 o.kind AS owner_kind
            FROM project_rollup r JOIN org_unit d ON d.id = r.department_id JOIN org_unit o ON o.id = r.owner_unit_id
           WHERE ${f.sql}
        ),
        -- A group's townships, as the list's township filter reads them: its owner unit when that is
        -- a township, and the township of each of its villages.
        tw AS (
          SELECT g.sig, g.owner_code AS key, g.owner_name AS label FROM g WHERE g.owner_kind = 'township'
          UNION
          SELECT g.sig, t.code, t.name
            FROM g CROSS JOIN LATERAL unnest(g.village_ids) vid
            JOIN org_unit v ON v.id = vid JOIN org_unit t ON t.id = v.parent_id
        ),
        vl AS (
          SELECT g.sig, v.code AS key, v.name AS label
            FROM g CROSS JOIN LATERAL unnest(g.village_ids) vid JOIN org_unit v ON v.id = vid
        ),
        x AS (${
          byKind
            ? `SELECT s.sig, s.key AS kind, s.projects, s.overdue, s.budget_fen AS budget,
                      s.allocated_fen AS allocated, s.disbursed_fen AS disbursed
                 FROM g JOIN project_rollup_figure s ON s.sig = g.sig AND s.facet = 'source' ${kindOnly}
                WHERE s.projects > 0`
            : `SELECT g.sig, NULL::text AS kind, g.projects, g.overdue_projects AS overdue, g.budget_fen AS budget,
                      g.allocated_fen AS allocated, g.disbursed_fen AS disbursed FROM g`
        })`;
      const params = q.fundSource !== undefined ? [...f.params, q.fundSource] : [...f.params];

      const r = dimensionSql(q.rows, 'rm');
      const c = q.columns ? dimensionSql(q.columns, 'cm') : null;
      const part = (name: StatRow['part'], withRow: boolean, withCol: boolean) => {
        const col = withCol ? c : null;
        const keys = [
          withRow ? `${r.key} AS rk, ${r.label} AS rl` : 'NULL::text AS rk, NULL::text AS rl',
          col ? `${col.key} AS ck, ${col.label} AS cl` : 'NULL::text AS ck, NULL::text AS cl',
        ];
        const inner = [...(withRow ? [r.key, r.label] : []), ...(col ? [col.key, col.label] : []), 'x.sig'];
        const outer = [...(withRow ? ['y.rk', 'y.rl'] : []), ...(col ? ['y.ck', 'y.cl'] : [])];
        // First one line per group of projects within the part's group: its money summed over its
        // facts (one per source kind, or one), its projects once — every project of a group draws
        // on each of the group's kinds, so a kind's count is the group's. Then the part's sums (in
        // numeric, read as text: exact at any size).
        const shown = [
          withRow ? 'y.rk, y.rl' : 'NULL::text AS rk, NULL::text AS rl',
          col ? 'y.ck, y.cl' : 'NULL::text AS ck, NULL::text AS cl',
        ];
        return `SELECT '${name}' AS part, ${shown.join(', ')}, COALESCE(sum(y.projects), 0)::int AS projects,
                       COALESCE(sum(y.budget), 0)::text AS budget, COALESCE(sum(y.allocated), 0)::text AS allocated,
                       COALESCE(sum(y.disbursed), 0)::text AS disbursed, COALESCE(sum(y.overdue), 0)::int AS overdue
                  FROM (SELECT ${keys.join(', ')}, max(x.projects) AS projects, max(x.overdue) AS overdue,
                               sum(x.budget) AS budget, sum(x.allocated) AS allocated, sum(x.disbursed) AS disbursed
                          FROM x JOIN g ON g.sig = x.sig ${withRow ? r.join : ''} ${col ? col.join : ''}
                         GROUP BY ${inner.join(', ')}) y
                 ${outer.length ? `GROUP BY ${outer.join(', ')}` : ''}`;
      };
      const parts = [part('row', true, false), part('total', false, false)];
      if (c) parts.push(part('cell', true, true), part('column', false, true));
      const sql = `${ctes} ${parts.join(' UNION ALL ')}`;

      return inScope(orm, scopeOf(who), async (conn) => {
        const rows = (await conn.execute(sql, params, 'all')) as StatRow[];
        return rows;
      });
    },
  };
}

export type StatisticsRepository = ReturnType<typeof createStatisticsRepository>;
