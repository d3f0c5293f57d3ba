/**
 * The county dashboard's figures over the caller's scope only: the projects repository's scope
 * condition in every query (over the rollups' groups, `rollupScopeCondition`), and every query
 * inside `inScope`, so row-level security limits the rows beneath it (docs/domain.md §10: "a
 * county leader looks at one dashboard"). Counts and sums come from the rollups, which the writes
 * keep equal to the detail (./rollup.ts), so the answer costs the same for a county of a thousand
 * projects and a province of a million; the two short lists are index ranges (./lists.ts).
 */
import type { Principal } from '#domain/access.js';
import { AppError } from '#domain/errors.js';
import type { Stage } from '#domain/lifecycle.js';
import {
  DASHBOARD_UNIT_KINDS,
  type DashboardQuery,
  type DashboardStatsDto,
  type FundSourceKind,
  type OverdueKind,
} from '#domain/schemas.js';
import type { Orm } from '#db/orm.js';
import { executeAll, inScope, scopeOf, type Statement, type Tx } from '#db/scope.js';
import {
  both,
  DEPARTMENT_STAGES,
  narrowedScope,
  OWNER_STAGES,
  PROGRESS_STAGES,
  unitCondition,
  waitingCondition,
  type NarrowingUnit,
  waitingRangeScope,
} from '../projects/conditions.js';
import { missingProgressList, waitingList, type WaitingRange } from './lists.js';
import { rollupScopeCondition } from './rollup.js';

/** How many projects the two lists (waiting steps, missing progress) show; their totals count all. */
export const DASHBOARD_LIST_LIMIT = 20;

/** The dashboard's figures as PostgreSQL gives them (money as decimal text), before they are shaped. */
export interface DashboardFigures {
  scopeKind: DashboardStatsDto['scope']['kind'];
  unit: { code: string; name: string };
  /** The unit the figures are narrowed to, if any. */
  filterUnit: DashboardStatsDto['unit'];
  years: number[];
  stages: { stage: Stage; n: number }[];
  budget: { kind: FundSourceKind; fen: string }[];
  paid: { kind: FundSourceKind; fen: string }[];
  overdue: { total: number; projects: number };
  byKind: { kind: OverdueKind; n: number }[];
  byUnit: { code: string; name: string; n: number; projects: number }[];
  waiting: {
    total: number;
    rows: {
      code: string;
      name: string;
      stage: Stage;
      department_id: string;
      owner_unit_id: string;
      updated_at: Date | string;
    }[];
  };
  progressMissing: {
    total: number;
    rows: { code: string; name: string; owner_code: string; owner_name: string }[];
  };
}

type Sql = { sql: string; params: unknown[] };
const withYear = (c: Sql, alias: string, year: number | undefined): Sql =>
  year === undefined ? c : { sql: `${c.sql} AND ${alias}.year = ?`, params: [...c.params, year] };
type ChosenUnit = NarrowingUnit & { code: string; name: string };

/**
 * The unit of `?unit=` (a department, township or village, else a 422 naming the parameter), and
 * how it stands to the caller's unit.
 */
async function chosenUnit(conn: Tx, code: string, who: Principal): Promise<ChosenUnit> {
  const rows = await conn.execute<ChosenUnit[]>(
    `SELECT u.id, u.code, u.name, u.kind,
            CASE WHEN u.id = c.id THEN 'own' WHEN u.parent_id = c.id THEN 'inside'
                 WHEN u.id = c.parent_id THEN 'around' END AS nesting
       FROM org_unit u LEFT JOIN org_unit c ON c.id = ? WHERE u.code = ?`,
    [who.orgUnitId, code],
    'all',
  );
  const unit = rows[0];
  if (unit && (DASHBOARD_UNIT_KINDS as readonly string[]).includes(unit.kind)) return unit;
  const message = {
    zh: `没有代码为“${code}”的主管部门、乡镇或村`,
    en: `unit: no department, township or village has the code “${code}”`,
  };
  throw new AppError('VALIDATION_FAILED', message, [{ path: 'query.unit', message }]);
}

export function createStatsRepository(orm: Orm) {
  return {
    /**
     * The dashboard's figures over the caller's scope (narrowed to `filter.unit` and
     * `filter.year` if given), as PostgreSQL sums and counts them; `month` is the month whose
     * progress entries are expected.
     */
    async figures(who: Principal, filter: DashboardQuery, month: string): Promise<DashboardFigures> {
      const scope = scopeOf(who);
      const w = waitingCondition(who, 'r');
      return inScope(orm, scope, async (conn) => {
        const chosen = filter.unit === undefined ? null : await chosenUnit(conn, filter.unit, who);
        // The caller's groups (rollups) and projects (the lists), narrowed to the unit, then to the year.
        const groups = both(rollupScopeCondition(who), chosen && unitCondition(chosen, 'r'));
        const rs = withYear(groups, 'r', filter.year);
        const ps = withYear(narrowedScope(who, chosen), 'p', filter.year);
        const waitingScope = (column: WaitingRange['column']) =>
          withYear(waitingRangeScope(who, column, chosen), 'p', filter.year);
        const [units, years, stages, money, overdue, byKind, byUnit, waiting, missing] = (await executeAll(
          conn,
          [
            { sql: 'SELECT code, name FROM org_unit WHERE id = ?', params: [who.orgUnitId] },
            // The years the caller may choose from: every year in its scope, whichever one is shown.
            {
              sql: `SELECT DISTINCT r.year FROM project_rollup r WHERE ${groups.sql} AND r.projects > 0 ORDER BY r.year DESC`,
              params: groups.params,
            },
            {
              sql: `SELECT r.stage, sum(r.projects)::int AS n FROM project_rollup r WHERE ${rs.sql}
                   GROUP BY r.stage HAVING sum(r.projects) > 0`,
              params: rs.params,
            },
            // Money by fund-source kind, summed in numeric and read as text: exact at any size.
            // Cancelled projects carry no money and name no kind.
            {
              sql: `SELECT f.key AS kind, sum(f.budget_fen)::text AS budget, sum(f.disbursed_fen)::text AS paid
                    FROM project_rollup r JOIN project_rollup_figure f ON f.sig = r.sig AND f.facet = 'source'
                   WHERE ${rs.sql} AND r.stage <> 'cancelled' GROUP BY f.key HAVING sum(f.projects) > 0`,
              params: rs.params,
            },
            // A ladder (project × kind × month) is overdue while any of its steps past the reminder is active.
            {
              sql: `SELECT COALESCE(sum(r.overdue_projects), 0)::int AS projects FROM project_rollup r WHERE ${rs.sql}`,
              params: rs.params,
            },
            {
              sql: `SELECT f.key AS kind, sum(f.ladders)::int AS n
                    FROM project_rollup r JOIN project_rollup_figure f ON f.sig = r.sig AND f.facet = 'overdueKind'
                   WHERE ${rs.sql} GROUP BY f.key HAVING sum(f.ladders) > 0`,
              params: rs.params,
            },
            {
              sql: `SELECT o.code, o.name, sum(f.ladders)::int AS n, sum(f.projects)::int AS projects
                    FROM project_rollup r JOIN project_rollup_figure f ON f.sig = r.sig AND f.facet = 'overdueUnit'
                    JOIN org_unit o ON o.id = f.key::uuid
                   WHERE ${rs.sql} GROUP BY o.code, o.name HAVING sum(f.ladders) > 0 ORDER BY n DESC, o.code`,
              params: rs.params,
            },
            // Steps waiting on the caller's unit: as governing department, or as owner unit; by
            // stage, for the list's ranges.
            {
              sql: `SELECT r.stage, sum(r.projects)::int AS n,
                           COALESCE(sum(r.projects) FILTER (WHERE r.department_id = ?), 0)::int AS governed,
                           COALESCE(sum(r.projects) FILTER (WHERE r.owner_unit_id = ?), 0)::int AS owned
                      FROM project_rollup r WHERE ${rs.sql} AND ${w.sql} GROUP BY r.stage`,
              params: [who.orgUnitId, who.orgUnitId, ...rs.params, ...w.params],
            },
            // Under way without this month's entry: the group's projects less those with one.
            {
              sql: `SELECT r.stage, sum(r.projects - COALESCE(f.projects, 0))::int AS n
                    FROM project_rollup r
                    LEFT JOIN project_rollup_figure f ON f.sig = r.sig AND f.facet = 'month' AND f.key = ?
                   WHERE ${rs.sql} AND r.stage = ANY(ARRAY[?]::text[]) GROUP BY r.stage`,
              params: [month, ...rs.params, PROGRESS_STAGES],
            },
          ],
        )) as [
          { code: string; name: string }[],
          { year: number }[],
          { stage: Stage; n: number }[],
          { kind: FundSourceKind; budget: string; paid: string }[],
          { projects: number }[],
          { kind: OverdueKind; n: number }[],
          { code: string; name: string; n: number; projects: number }[],
          { stage: Stage; n: number; governed: number; owned: number }[],
          { stage: Stage; n: number }[],
        ];
        const waitingTotal = waiting.reduce((a, r) => a + r.n, 0);
        const missingTotal = missing.reduce((a, r) => a + r.n, 0);
        const waitingOf = new Map(waiting.map((r) => [r.stage, r]));
        const missingOf = new Map(missing.map((r) => [r.stage, r.n]));
        const waitingRanges: WaitingRange[] = [
          ...DEPARTMENT_STAGES.map((stage) => ({
            stage,
            column: 'department_id' as const,
            count: waitingOf.get(stage)?.governed ?? 0,
          })),
          ...OWNER_STAGES.map((stage) => ({
            stage,
            column: 'owner_unit_id' as const,
            count: waitingOf.get(stage)?.owned ?? 0,
          })),
        ];
        const missingRanges = PROGRESS_STAGES.map((stage) => ({ stage, count: missingOf.get(stage) ?? 0 }));
        // The lists, only where there is something to list, and never more than there is.
        const lists = [
          waitingList(who, waitingScope, waitingRanges, DASHBOARD_LIST_LIMIT),
          missingProgressList(ps, missingRanges, month, DASHBOARD_LIST_LIMIT),
        ];
        const read = await executeAll(
          conn,
          lists.filter((l): l is Statement => l !== null),
        );
        const [waitingRows, missingRows] = lists.map((l) => (l ? read.shift()! : [])) as [
          DashboardFigures['waiting']['rows'],
          DashboardFigures['progressMissing']['rows'],
        ];
        const unit = units[0];
        return {
          scopeKind: scope.kind,
          unit: { code: unit?.code ?? '', name: unit?.name ?? '' },
          filterUnit: chosen && { code: chosen.code, name: chosen.name, kind: chosen.kind },
          years: years.map((r) => r.year),
          stages,
          budget: money.map((r) => ({ kind: r.kind, fen: r.budget })),
          paid: money.map((r) => ({ kind: r.kind, fen: r.paid })),
          overdue: { total: byKind.reduce((a, r) => a + r.n, 0), projects: overdue[0]?.projects ?? 0 },
          byKind,
          byUnit,
          waiting: { total: waitingTotal, rows: waitingRows },
          progressMissing: { total: missingTotal, rows: missingRows },
        };
      });
    },
  };
}

export type StatsRepository = ReturnType<typeof createStatsRepository>;
