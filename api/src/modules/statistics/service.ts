/**
 * The statistics (统计分析): the repository's groups shaped for the api. Money stays bigint from the
 * database's decimal text to the answer's decimal strings; the rate is integer basis points.
 */
import { scopeOf } from '#db/scope.js';
import type { Principal } from '#domain/access.js';
import { STAGES, STAGE_LABELS, type Stage } from '#domain/lifecycle.js';
import { FUND_SOURCE_KINDS, FUND_SOURCE_LABELS, type FundSourceKind } from '#domain/schemas.js';
import {
  EXCLUSIVE_DIMENSIONS,
  type StatDimension,
  type StatFigures,
  type StatisticsDto,
  type StatisticsQuery,
} from '#domain/statistics-schemas.js';
import { basisPoints } from '../stats/service.js';
import type { StatisticsRepository, StatRow } from './repository.js';

function figuresOf(r: StatRow): StatFigures {
  const budget = BigInt(r.budget);
  const disbursed = BigInt(r.disbursed);
  return {
    projects: r.projects,
    budgetFen: budget.toString(),
    allocatedFen: BigInt(r.allocated).toString(),
    disbursedFen: disbursed.toString(),
    disbursedBasisPoints: basisPoints(disbursed, budget),
    overdueProjects: r.overdue,
  };
}

/** Labels people read: the stage's and fund source's Chinese names; the rest as the database has them. */
function labelOf(d: StatDimension, key: string, label: string): string {
  if (d === 'stage') return STAGE_LABELS[key as Stage]?.zh ?? key;
  if (d === 'fundSource') return FUND_SOURCE_LABELS[key as FundSourceKind] ?? key;
  return label;
}

/** Each dimension's own order: years and codes ascending, stages in lifecycle order, sources as listed. */
function orderOf(d: StatDimension): (a: string, b: string) => number {
  const byList = (list: readonly string[]) => (a: string, b: string) => list.indexOf(a) - list.indexOf(b);
  if (d === 'stage') return byList(STAGES);
  if (d === 'fundSource') return byList(FUND_SOURCE_KINDS);
  if (d === 'year') return (a, b) => Number(a) - Number(b);
  return (a, b) => (a < b ? -1 : a > b ? 1 : 0);
}

export function createStatisticsService(deps: { repo: StatisticsRepository }) {
  return {
    /** The figures; \`unit\` is the caller's own, as its session names it. */
    async crossTab(
      who: Principal,
      q: StatisticsQuery,
      unit: { code: string; name: string },
    ): Promise<StatisticsDto> {
      const rows = await deps.repo.figures(who, q);
      const axis = (d: StatDimension, part: 'row' | 'column') => {
        const order = orderOf(d);
        const members = rows
          .filter((r) => r.part === part)
          .map((r) => {
            const key = (part === 'row' ? r.rk : r.ck) ?? '';
            const label = (part === 'row' ? r.rl : r.cl) ?? '';
            return { key, label: labelOf(d, key, label), ...figuresOf(r) };
          })
          .sort((a, b) => order(a.key, b.key));
        return { dimension: d, exclusive: EXCLUSIVE_DIMENSIONS.includes(d), members };
      };
      const total = rows.find((r) => r.part === 'total');
      const { rows: _r, columns: _c, ...filter } = q;
      const scope = scopeOf(who);
      return {
        scope: { kind: scope.kind, unit },
        filter: Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)) as Record<
          string,
          string | number
        >,
        rows: axis(q.rows, 'row'),
        columns: q.columns ? axis(q.columns, 'column') : null,
        cells: rows
          .filter((r) => r.part === 'cell')
          .map((r) => ({ row: r.rk ?? '', column: r.ck ?? '', ...figuresOf(r) })),
        total: total
          ? figuresOf(total)
          : figuresOf({ projects: 0, budget: '0', allocated: '0', disbursed: '0', overdue: 0 } as StatRow),
      };
    },
  };
}

export type StatisticsService = ReturnType<typeof createStatisticsService>;
