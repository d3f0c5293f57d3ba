/**
 * The county dashboard (console-dash): the figures the repository sums over the caller's scope,
 * shaped for the api. Money stays bigint from the database's decimal text to the answer's decimal
 * strings, exact at any size; rates are basis points in integers.
 */
import type { Principal } from '#domain/access.js';
import { cstMonth } from '#domain/deadlines.js';
import { STAGES } from '#domain/lifecycle.js';
import {
  FUND_SOURCE_KINDS,
  OVERDUE_KINDS,
  type DashboardQuery,
  type DashboardStatsDto,
} from '#domain/schemas.js';
import { stepsOf } from '../projects/conditions.js';
import type { StatsRepository } from './repository.js';

/** a × 10000 ÷ b, truncated, in integers; null when there is no base. */
export function basisPoints(part: bigint, whole: bigint): number | null {
  return whole === 0n ? null : Number((part * 10000n) / whole);
}

export function createStatsService(deps: { repo: StatsRepository }) {
  return {
    async dashboard(
      who: Principal,
      filter: DashboardQuery = {},
      now = new Date(),
    ): Promise<DashboardStatsDto> {
      const month = cstMonth(now.getTime());
      const f = await deps.repo.figures(who, filter, month);
      const budgetOf = new Map(f.budget.map((r) => [r.kind, BigInt(r.fen)]));
      const paidOf = new Map(f.paid.map((r) => [r.kind, BigInt(r.fen)]));
      const budgetTotal = [...budgetOf.values()].reduce((a, b) => a + b, 0n);
      const paidTotal = [...paidOf.values()].reduce((a, b) => a + b, 0n);
      const stageCount = new Map(f.stages.map((r) => [r.stage, r.n]));
      const kindCount = new Map(f.byKind.map((r) => [r.kind, r.n]));

      return {
        scope: { kind: f.scopeKind, unit: f.unit },
        month,
        year: filter.year ?? null,
        unit: f.filterUnit,
        years: f.years,
        projects: {
          total: f.stages.reduce((a, r) => a + r.n, 0),
          byStage: STAGES.map((stage) => ({ stage, count: stageCount.get(stage) ?? 0 })),
        },
        money: {
          budgetFen: budgetTotal.toString(),
          disbursedFen: paidTotal.toString(),
          disbursedBasisPoints: basisPoints(paidTotal, budgetTotal),
          bySource: FUND_SOURCE_KINDS.filter((k) => budgetOf.has(k) || paidOf.has(k)).map((kind) => {
            const b = budgetOf.get(kind) ?? 0n;
            const d = paidOf.get(kind) ?? 0n;
            return {
              kind,
              budgetFen: b.toString(),
              disbursedFen: d.toString(),
              disbursedBasisPoints: basisPoints(d, b),
            };
          }),
        },
        overdue: {
          total: f.overdue.total,
          projects: f.overdue.projects,
          byKind: OVERDUE_KINDS.map((kind) => ({ kind, count: kindCount.get(kind) ?? 0 })),
          byUnit: f.byUnit.map((r) => ({
            unit: { code: r.code, name: r.name },
            count: r.n,
            projects: r.projects,
          })),
        },
        waiting: {
          total: f.waiting.total,
          items: f.waiting.rows.map((r) => ({
            code: r.code,
            name: r.name,
            stage: r.stage,
            actions: [
              ...(r.department_id === who.orgUnitId ? stepsOf(r.stage, 'department') : []),
              ...(r.owner_unit_id === who.orgUnitId ? stepsOf(r.stage, 'ownerUnit') : []),
            ],
            updatedAt: new Date(r.updated_at).toISOString(),
          })),
        },
        progressMissing: {
          total: f.progressMissing.total,
          items: f.progressMissing.rows.map((r) => ({
            code: r.code,
            name: r.name,
            ownerUnit: { code: r.owner_code, name: r.owner_name },
          })),
        },
      };
    },
  };
}

export type StatsService = ReturnType<typeof createStatsService>;
