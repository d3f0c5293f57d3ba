/**
 * The county dashboard's figures, computed by PostgreSQL (sums, counts, groups) over the caller's
 * scope only: the projects repository's scope condition in every query, and every query inside
 * `inScope`, so row-level security limits the rows beneath it (docs/domain.md §10: "a county leader
 * looks at one dashboard"). Nothing is loaded row by row into the api: the answer's size does not
 * grow with the county, except the two short lists (first items only, with their totals).
 */
import type { Principal } from '#domain/access.js';
import { allowedActions, STAGES, type Stage } from '#domain/lifecycle.js';
import {
  type DashboardQuery,
  type DashboardStatsDto,
  type FundSourceKind,
  type OverdueKind,
} from '#domain/schemas.js';
import type { Orm } from '#db/orm.js';
import { inScope, scopeOf } from '#db/scope.js';
import { scopeCondition, waitingCondition } from '../projects/repository.js';

/** How many projects the two lists (waiting steps, missing progress) show; their totals count all. */
export const DASHBOARD_LIST_LIMIT = 20;

export { stepsOf } from '../projects/repository.js';
/** Stages in which a monthly progress entry is expected (those where it may be reported). */
export const PROGRESS_STAGES = STAGES.filter((s) => allowedActions(s).includes('reportProgress'));

/** The dashboard's figures as PostgreSQL gives them (money as decimal text), before they are shaped. */
export interface DashboardFigures {
  scopeKind: DashboardStatsDto['scope']['kind'];
  unit: { code: string; name: string };
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

export function createStatsRepository(orm: Orm) {
  return {
    /**
     * The dashboard's figures over the caller's scope (narrowed to `filter.year` if given), as
     * PostgreSQL sums and counts them; `month` is the month whose progress entries are expected.
     */
    async figures(who: Principal, filter: DashboardQuery, month: string): Promise<DashboardFigures> {
      const inScopeSql = scopeCondition(who);
      // Every figure below counts the projects of `sc`: the caller's scope, narrowed to one year if asked.
      const sc =
        filter.year === undefined
          ? inScopeSql
          : { sql: `${inScopeSql.sql} AND p.year = ?`, params: [...inScopeSql.params, filter.year] };
      const scope = scopeOf(who);
      return inScope(orm, scope, async (conn) => {
        const q = <T>(sql: string, params: unknown[] = []) =>
          conn.execute<T[]>(sql, params, 'all') as Promise<T[]>;

        const [unit] = await q<{ code: string; name: string }>(
          'SELECT code, name FROM org_unit WHERE id = ?',
          [who.orgUnitId],
        );

        // The years the caller may choose from: every year in its scope, whichever one is shown.
        const years = await q<{ year: number }>(
          `SELECT DISTINCT p.year FROM project p WHERE ${inScopeSql.sql} ORDER BY p.year DESC`,
          inScopeSql.params,
        );

        const stages = await q<{ stage: Stage; n: number }>(
          `SELECT p.stage, count(*)::int AS n FROM project p WHERE ${sc.sql} GROUP BY p.stage`,
          sc.params,
        );

        // Money: Σ in numeric (a sum of bigints past 2^63 would overflow bigint), read as text, kept
        // as bigint and sent as decimal strings: exact at any size. Cancelled projects carry no money figures.
        const budget = await q<{ kind: FundSourceKind; fen: string }>(
          `SELECT s.kind, sum(s.amount_fen)::numeric::text AS fen
             FROM project p JOIN project_fund_source s ON s.project_id = p.id
            WHERE ${sc.sql} AND p.stage <> 'cancelled' GROUP BY s.kind`,
          sc.params,
        );
        // Payments (拨付) are the department ledger's disbursement rows, each drawn on one fund source.
        const paid = await q<{ kind: FundSourceKind; fen: string }>(
          `SELECT s.kind, sum(b.amount_fen)::numeric::text AS fen
             FROM project p JOIN disbursement b ON b.project_id = p.id
             JOIN project_fund_source s ON s.project_id = b.project_id AND s.position = b.source_position
            WHERE ${sc.sql} AND p.stage <> 'cancelled' GROUP BY s.kind`,
          sc.params,
        );

        // A ladder (project × kind × month) is overdue while any of its steps past the reminder is active.
        const ladders = `SELECT DISTINCT a.project_id, a.kind, a.period, a.responsible_unit_id
                           FROM alert a JOIN project p ON p.id = a.project_id
                          WHERE ${sc.sql} AND a.status = 'active' AND a.step <> 'reminder'`;
        const [overdue] = await q<{ total: number; projects: number }>(
          `SELECT count(DISTINCT (l.project_id, l.kind, l.period))::int AS total,
                  count(DISTINCT l.project_id)::int AS projects FROM (${ladders}) l`,
          sc.params,
        );
        const byKind = await q<{ kind: OverdueKind; n: number }>(
          `SELECT l.kind, count(DISTINCT (l.project_id, l.period))::int AS n FROM (${ladders}) l GROUP BY l.kind`,
          sc.params,
        );
        const byUnit = await q<{ code: string; name: string; n: number; projects: number }>(
          `SELECT o.code, o.name, count(*)::int AS n, count(DISTINCT l.project_id)::int AS projects FROM (${ladders}) l JOIN org_unit o ON o.id = l.responsible_unit_id
            GROUP BY o.code, o.name ORDER BY n DESC, o.code`,
          sc.params,
        );

        // Steps waiting on the caller's unit: as governing department, or as owner unit.
        const w = waitingCondition(who);
        const waitingCond = `${sc.sql} AND ${w.sql}`;
        const waitingParams = [...sc.params, ...w.params];
        const [waitingTotal] = await q<{ n: number }>(
          `SELECT count(*)::int AS n FROM project p WHERE ${waitingCond}`,
          waitingParams,
        );
        const waiting = await q<{
          code: string;
          name: string;
          stage: Stage;
          department_id: string;
          owner_unit_id: string;
          updated_at: Date | string;
        }>(
          `SELECT p.code, p.name, p.stage, p.department_id, p.owner_unit_id, p.updated_at FROM project p
            WHERE ${waitingCond} ORDER BY p.updated_at, p.code LIMIT ?`,
          [...waitingParams, DASHBOARD_LIST_LIMIT],
        );

        // This month's progress entry: a row in the implementing unit's ledger or a reportProgress step.
        const missingCond = `${sc.sql} AND p.stage = ANY(ARRAY[?]::text[])
          AND NOT EXISTS (SELECT 1 FROM monthly_progress m WHERE m.project_id = p.id AND m.month = ?)
          AND NOT EXISTS (SELECT 1 FROM project_history h WHERE h.project_id = p.id
                           AND h.action = 'reportProgress' AND h.payload->>'month' = ?)`;
        const missingParams = [...sc.params, PROGRESS_STAGES, month, month];
        const [missingTotal] = await q<{ n: number }>(
          `SELECT count(*)::int AS n FROM project p WHERE ${missingCond}`,
          missingParams,
        );
        const missing = await q<{ code: string; name: string; owner_code: string; owner_name: string }>(
          `SELECT p.code, p.name, o.code AS owner_code, o.name AS owner_name
             FROM project p JOIN org_unit o ON o.id = p.owner_unit_id
            WHERE ${missingCond} ORDER BY p.code LIMIT ?`,
          [...missingParams, DASHBOARD_LIST_LIMIT],
        );

        return {
          scopeKind: scope.kind,
          unit: { code: unit?.code ?? '', name: unit?.name ?? '' },
          years: years.map((r) => r.year),
          stages,
          budget,
          paid,
          overdue: { total: overdue?.total ?? 0, projects: overdue?.projects ?? 0 },
          byKind,
          byUnit,
          waiting: { total: waitingTotal?.n ?? 0, rows: waiting },
          progressMissing: { total: missingTotal?.n ?? 0, rows: missing },
        };
      });
    },
  };
}

export type StatsRepository = ReturnType<typeof createStatsRepository>;
