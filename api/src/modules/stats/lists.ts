/**
 * The dashboard's two lists of individual projects (the first few of each; their totals come from
 * the rollups). Each is a merge of short index ranges, so its cost does not grow with the county:
 * one range per (unit, stage) in waiting order for the steps waiting on the caller's unit
 * (project_department_waiting_idx, project_owner_waiting_idx), one per progress stage in code order
 * for the missing progress entries (project_stage_code_idx). A `(SELECT … ORDER BY … LIMIT n)`
 * per range stops after n rows; the outer ORDER BY merges at most n per range.
 */
import type { Principal } from '#domain/access.js';
import type { Statement } from '#db/scope.js';
import { DEPARTMENT_STAGES, noProgressCondition, OWNER_STAGES } from '../projects/conditions.js';

type Sql = { sql: string; params: unknown[] };

/** Projects waiting on the caller's unit in `scope` (a condition on `p`), longest waiting first. */
export function waitingList(who: Principal, scope: Sql, limit: number): Statement {
  const ranges = [
    ...DEPARTMENT_STAGES.map((stage) => ['department_id', stage] as const),
    ...OWNER_STAGES.map((stage) => ['owner_unit_id', stage] as const),
  ];
  const params: unknown[] = [];
  const parts = ranges.map(([column, stage]) => {
    params.push(who.orgUnitId, stage, ...scope.params, limit);
    return `(SELECT p.code, p.name, p.stage, p.department_id, p.owner_unit_id, p.updated_at FROM project p
              WHERE p.${column} = ? AND p.stage = ? AND ${scope.sql} ORDER BY p.updated_at, p.code LIMIT ?)`;
  });
  // UNION, not UNION ALL: a project its unit both governs and owns may wait on it twice over.
  return {
    sql: `SELECT w.* FROM (${parts.join(' UNION ')}) w ORDER BY w.updated_at, w.code LIMIT ?`,
    params: [...params, limit],
  };
}

/**
 * Projects in `stages` with no progress entry for `month` (neither a monthly_progress row nor a
 * reportProgress step), in code order. The ranges read until they find `limit` projects: ask for
 * no more than there are (the rollups' total), or a range with none missing reads to its end.
 */
export function missingProgressList(
  scope: Sql,
  stages: readonly string[],
  month: string,
  limit: number,
): Statement {
  const params: unknown[] = [];
  const parts = stages.map((stage) => {
    const missing = noProgressCondition(month);
    params.push(stage, ...scope.params, ...missing.params, limit);
    return `(SELECT p.code, p.name, p.owner_unit_id FROM project p
              WHERE p.stage = ? AND ${scope.sql} AND ${missing.sql}
              ORDER BY p.code LIMIT ?)`;
  });
  return {
    sql: `SELECT m.code, m.name, o.code AS owner_code, o.name AS owner_name
            FROM (${parts.join(' UNION ALL ')}) m JOIN org_unit o ON o.id = m.owner_unit_id
           ORDER BY m.code LIMIT ?`,
    params: [...params, limit],
  };
}
