/**
 * The conditions on a project that the list, the workbench and the statistics share: the caller's
 * scope (domain/access.ts's `canReadProject` in SQL), what waits on the caller's unit, and a month's
 * missing progress entry.
 */
import { ACTION_LEVEL, isCountyWide, type Principal } from '#domain/access.js';
import { allowedActions, STAGES, type Action, type Stage } from '#domain/lifecycle.js';
import { progressExpected } from '#domain/deadlines.js';
import type { DashboardUnitKind } from '#domain/schemas.js';

/**
 * The scope of a principal as a SQL condition on `p` (the project alias): domain/access.ts's
 * `canReadProject` in SQL. Row-level security applies the same scope beneath it
 * (tests/integration/rls.test.ts proves that layer on its own).
 */
export function scopeCondition(who: Principal): { sql: string; params: unknown[] } {
  if (isCountyWide(who)) return { sql: 'TRUE', params: [] };
  switch (who.orgKind) {
    case 'department':
      return { sql: '(p.department_id = ? OR p.owner_unit_id = ?)', params: [who.orgUnitId, who.orgUnitId] };
    case 'township':
      return {
        sql: `(p.owner_unit_id = ? OR EXISTS (SELECT 1 FROM project_village pv JOIN org_unit v ON v.id = pv.village_id
                WHERE pv.project_id = p.id AND v.parent_id = ?))`,
        params: [who.orgUnitId, who.orgUnitId],
      };
    case 'village':
      return {
        sql: 'EXISTS (SELECT 1 FROM project_village pv WHERE pv.project_id = p.id AND pv.village_id = ?)',
        params: [who.orgUnitId],
      };
    default:
      return { sql: 'FALSE', params: [] };
  }
}

/** A unit the figures or the list are narrowed to, by the kind of its filter. */
export interface UnitFilter {
  kind: DashboardUnitKind;
  id: string;
}

/**
 * The projects of one unit as a condition on `p` (or a rollup group `r`, which has the same
 * columns), as the list's filters of its kind read it: a department's are those it governs; a
 * township's and a village's, those of its scope, which is the unit's reader token among the row's
 * (the readers migration). A test of the row's own column, not a subquery: over a county's rows a
 * township's `EXISTS` on its villages became a hash of its 333,000 projects at a million (330 ms).
 */
export function unitCondition(unit: UnitFilter, alias = 'p'): { sql: string; params: unknown[] } {
  if (unit.kind === 'department') return { sql: `${alias}.department_id = ?`, params: [unit.id] };
  return {
    sql: `${alias}.readers @> ARRAY[app_reader_token(?, ?::uuid)]`,
    params: [unit.kind, unit.id],
  };
}

/**
 * How a chosen unit stands to the caller's own: the caller's unit itself, a village of the caller's
 * township (`inside`), or the township of the caller's village (`around`); null for any other.
 */
export type UnitNesting = 'own' | 'inside' | 'around' | null;

/** A unit the figures are narrowed to, and how it stands to the caller's own. */
export interface NarrowingUnit extends UnitFilter {
  nesting: UnitNesting;
}

type Sql = { sql: string; params: unknown[] };

/** Both conditions (the first alone when there is no second). */
export const both = (a: Sql, b: Sql | null): Sql =>
  b === null ? a : { sql: `${a.sql} AND ${b.sql}`, params: [...a.params, ...b.params] };

/**
 * The caller's scope narrowed to `unit`, as one condition on `p`. Where one of the two holds every
 * project the other does, only the narrower is stated: a township's or a village's account narrowed
 * to its own unit or a village's to its township (the account's scope), a township's narrowed to one
 * of its villages (the village's). Stated both, the two tests of one fact were taken by the planner
 * for independent filters: it expected 112 of a village's 3,572 projects under way and sorted them
 * all rather than walking the order's index to the first twenty (75 ms at 100,000 projects).
 */
export function narrowedScope(who: Principal, unit: NarrowingUnit | null): Sql {
  if (!unit) return scopeCondition(who);
  if (isCountyWide(who)) return unitCondition(unit);
  if (who.orgKind === 'township' || who.orgKind === 'village') {
    if (unit.nesting === 'own' || unit.nesting === 'around') return scopeCondition(who);
    if (unit.nesting === 'inside') return unitCondition(unit);
  }
  return both(scopeCondition(who), unitCondition(unit));
}

/**
 * The scope of a range of the projects whose `column` is the caller's own unit (the steps waiting
 * on it), narrowed to `unit`. A department's scope holds every project it governs or owns, a
 * township's every project it owns, so there only the narrowing is stated: stated again, the
 * planner took the department twice over, expected 3,500 of its 41,666 projects accepted, and
 * sorted them all rather than walk the waiting order's index to the first twenty (106 ms at a
 * million projects). A township's projects governed by it are not all its own: both stay.
 */
export function waitingRangeScope(
  who: Principal,
  column: 'department_id' | 'owner_unit_id',
  unit: NarrowingUnit | null,
): Sql {
  const holds =
    !isCountyWide(who) &&
    (who.orgKind === 'department' || (who.orgKind === 'township' && column === 'owner_unit_id'));
  if (!holds) return narrowedScope(who, unit);
  if (!unit || (who.orgKind === 'township' && unit.nesting === 'own')) return { sql: 'TRUE', params: [] };
  return unitCondition(unit);
}

/** The steps of the main path; 调项 and 终止 are always open to the department and wait on no one. */
const SIDE_PATHS: readonly Action[] = ['adjust', 'cancel'];
/** The main-path steps of `stage` that `level` takes: what a project there waits for from it. */
export const stepsOf = (stage: Stage, level: 'department' | 'ownerUnit') =>
  allowedActions(stage).filter((a) => !SIDE_PATHS.includes(a) && ACTION_LEVEL[a] === level);
/** The stages in which a project waits on its governing department, and on its owner unit. */
export const DEPARTMENT_STAGES = STAGES.filter((s) => stepsOf(s, 'department').length > 0);
export const OWNER_STAGES = STAGES.filter((s) => stepsOf(s, 'ownerUnit').length > 0);

/**
 * Stages in which a monthly progress entry is expected: those whose missing month the progress
 * ladder alerts on and the ranking scores. 整改中 may report progress but is not asked to, so it
 * is not counted missing either.
 */
export const PROGRESS_STAGES = STAGES.filter(progressExpected);

/**
 * No progress entry for `month` on `p` (neither a monthly_progress row nor a reportProgress step):
 * the workbench's 本月未录入进度, its list and the project list's filter alike.
 */
export function noProgressCondition(month: string, alias = 'p'): { sql: string; params: unknown[] } {
  return {
    sql: `NOT EXISTS (SELECT 1 FROM monthly_progress m WHERE m.project_id = ${alias}.id AND m.month = ?)
          AND NOT EXISTS (SELECT 1 FROM project_history h WHERE h.project_id = ${alias}.id
                           AND h.action = 'reportProgress' AND h.payload->>'month' = ?)`,
    params: [month, month],
  };
}

/**
 * Projects whose next main-path step is the caller's unit's (待我办理): as governing department, or
 * as owner unit; over `p`, or over a rollup group with `alias` (it has the same columns).
 */
export function waitingCondition(who: Principal, alias = 'p'): { sql: string; params: unknown[] } {
  return {
    sql: `((${alias}.department_id = ? AND ${alias}.stage = ANY(ARRAY[?]::text[]))
           OR (${alias}.owner_unit_id = ? AND ${alias}.stage = ANY(ARRAY[?]::text[])))`,
    params: [who.orgUnitId, DEPARTMENT_STAGES, who.orgUnitId, OWNER_STAGES],
  };
}
