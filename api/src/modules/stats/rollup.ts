/**
 * Reading the rollups (the rollups migration): `project_rollup` has one row per group of projects
 * sharing year, department, owner unit, type, stage, villages and fund-source kinds, with the
 * group's figures; `project_rollup_figure` its figures by fund source, deadline kind, responsible
 * unit and month. The triggers keep them equal to the detail at every commit, so the dashboard and
 * the statistics sum groups, not projects.
 */
import { isCountyWide, type Principal } from '#domain/access.js';

/**
 * The caller's scope as a condition on a group `r`: the projects repository's `scopeCondition`
 * over the group's units (every project of a group has exactly these units, so a group is in a
 * scope exactly when its projects are). Row-level security applies the same scope beneath it,
 * by the group's reader tokens.
 */
export function rollupScopeCondition(who: Principal): { sql: string; params: unknown[] } {
  if (isCountyWide(who)) return { sql: 'TRUE', params: [] };
  switch (who.orgKind) {
    case 'department':
      return { sql: '(r.department_id = ? OR r.owner_unit_id = ?)', params: [who.orgUnitId, who.orgUnitId] };
    case 'township':
      return {
        sql: `(r.owner_unit_id = ? OR EXISTS (SELECT 1 FROM org_unit v WHERE v.id = ANY (r.village_ids) AND v.parent_id = ?))`,
        params: [who.orgUnitId, who.orgUnitId],
      };
    case 'village':
      return { sql: 'r.village_ids @> ARRAY[?]::uuid[]', params: [who.orgUnitId] };
    default:
      return { sql: 'FALSE', params: [] };
  }
}

/** The project list's filters that are a group's dimensions (GET /api/projects, the statistics). */
export interface GroupFilters {
  year?: number | undefined;
  stage?: string | undefined;
  department?: string | undefined;
  type?: string | undefined;
  township?: string | undefined;
  village?: string | undefined;
  fundSource?: string | undefined;
}

/**
 * The caller's scope and the list's filters as one condition on a group `r`, its department `d`
 * and its owner unit `o`: the list's conditions over the group's units, so a group matches exactly
 * when its projects do. Groups every project has left are not matched.
 */
export function groupCondition(who: Principal, q: GroupFilters): { sql: string; params: unknown[] } {
  const scope = rollupScopeCondition(who);
  const where = [scope.sql, 'r.projects > 0'];
  const params: unknown[] = [...scope.params];
  const add = (sql: string, ...values: unknown[]) => {
    where.push(sql);
    params.push(...values);
  };
  if (q.year !== undefined) add('r.year = ?', q.year);
  if (q.stage) add('r.stage = ?', q.stage);
  if (q.department) add('d.code = ?', q.department);
  if (q.type) add('r.type = ?', q.type);
  if (q.township)
    add(
      `(o.code = ? OR EXISTS (SELECT 1 FROM org_unit v JOIN org_unit t ON t.id = v.parent_id
          WHERE v.id = ANY (r.village_ids) AND t.code = ?))`,
      q.township,
      q.township,
    );
  if (q.village)
    add('EXISTS (SELECT 1 FROM org_unit v WHERE v.id = ANY (r.village_ids) AND v.code = ?)', q.village);
  if (q.fundSource) add('r.source_kinds @> ARRAY[?]::text[]', q.fundSource);
  return { sql: where.join(' AND '), params };
}
