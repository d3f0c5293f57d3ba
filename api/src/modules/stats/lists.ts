/**
 * The dashboard's two lists of individual projects (the first few of each; their totals come from
 * the rollups). Each is a merge of short index ranges, so its cost does not grow with the county:
 * one range per (unit, stage) in waiting order for the steps waiting on the caller's unit
 * (project_department_waiting_idx, project_owner_waiting_idx), one per progress stage in code order
 * for the missing progress entries (project_stage_code_idx). A `(SELECT … ORDER BY … LIMIT n)`
 * per range stops after n rows; the outer ORDER BY merges at most n per range.
 *
 * Each range is asked for no more projects than the rollups say it holds, and a range that holds
 * none is not read: a range reads until it has found what it was asked for, so a range with none
 * to find in the scope (a village's in a township's stage) would read to its end (35,000 projects
 * and 560 ms at a million).
 */
import type { Principal } from '#domain/access.js';
import type { Statement } from '#db/scope.js';
import { noProgressCondition } from '../projects/conditions.js';

type Sql = { sql: string; params: unknown[] };

/** A range of a list: the projects of one stage. */
export interface ListRange {
  stage: string;
  /** How many projects of the scope the range holds (from the rollups). */
  count: number;
}
/** A range of the waiting steps: a stage of the projects the caller's unit governs, or owns. */
export interface WaitingRange extends ListRange {
  column: 'department_id' | 'owner_unit_id';
}

/** The ranges worth reading, each with what to ask it for (at most `limit`); none: nothing to read. */
const worthReading = <R extends ListRange>(ranges: R[], limit: number) =>
  ranges.filter((r) => r.count > 0 && limit > 0).map((r) => [r, Math.min(r.count, limit)] as const);

/**
 * Projects waiting on the caller's unit, longest waiting first; `scopeOf` a range's scope (a
 * condition on `p`) by the range's unit column.
 */
export function waitingList(
  who: Principal,
  scopeOf: (column: WaitingRange['column']) => Sql,
  ranges: WaitingRange[],
  limit: number,
): Statement | null {
  const read = worthReading(ranges, limit);
  if (read.length === 0) return null;
  const params: unknown[] = [];
  const parts = read.map(([r, n]) => {
    const scope = scopeOf(r.column);
    params.push(who.orgUnitId, r.stage, ...scope.params, n);
    return `(SELECT p.code, p.name, p.stage, p.department_id, p.owner_unit_id, p.updated_at FROM project p
              WHERE p.${r.column} = ? AND p.stage = ? AND ${scope.sql} ORDER BY p.updated_at, p.code LIMIT ?)`;
  });
  // UNION, not UNION ALL: a project its unit both governs and owns may wait on it twice over.
  return {
    sql: `SELECT w.* FROM (${parts.join(' UNION ')}) w ORDER BY w.updated_at, w.code LIMIT ?`,
    params: [...params, limit],
  };
}

/**
 * Projects with no progress entry for `month` (neither a monthly_progress row nor a reportProgress
 * step), one range per stage, in code order.
 */
export function missingProgressList(
  scope: Sql,
  ranges: ListRange[],
  month: string,
  limit: number,
): Statement | null {
  const read = worthReading(ranges, limit);
  if (read.length === 0) return null;
  const params: unknown[] = [];
  const parts = read.map(([r, n]) => {
    const missing = noProgressCondition(month);
    params.push(r.stage, ...scope.params, ...missing.params, n);
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
