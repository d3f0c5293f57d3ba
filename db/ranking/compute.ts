/**
 * Computes one month's ranking report from the database (the aggregate statements of
 * db/queries/ranking-inputs.ts, the previous month's ranks) and the pure scoring of
 * domain/ranking/score.ts. Reads only; storing is db/ranking/store.ts.
 */
import { addDays, nextMonth, previousMonth } from '#domain/deadlines.js';
import { RANKING_CONFIG, type RankingConfig } from '#domain/ranking/config.js';
import { RANKING_GROUPS, type RankingGroup, type RankingReport } from '#domain/ranking/report.js';
import { rankGroup } from '#domain/ranking/score.js';
import { rankingInputs, type MonthBounds } from '../queries/ranking-inputs.js';
import type { Sql } from '../tx.js';

export function monthBounds(month: string): MonthBounds {
  return {
    year: Number(month.slice(0, 4)),
    month,
    periodStart: `${month}-01`,
    cutoff: `${nextMonth(month)}-01`,
  };
}

/**
 * Standings as of the end of `day` (YYYY-MM-DD, Asia/Shanghai): its month so far, the facts of
 * every day up to and including it. On a month's last day these are the month's own bounds.
 */
export function dayBounds(day: string): MonthBounds {
  const month = day.slice(0, 7);
  return { year: Number(day.slice(0, 4)), month, periodStart: `${month}-01`, cutoff: addDays(day, 1) };
}

/** The ranks of the previous month's stored report, per group and unit (empty if none). */
async function previousRanks(
  sql: Sql,
  month: string,
): Promise<{ month: string | null; ranks: Record<RankingGroup, Map<string, number | null>> }> {
  const prev = previousMonth(month);
  const rows = await sql.execute<{ grp: RankingGroup; org_unit_id: string; rank: number | null }[]>(
    `SELECT e.grp, e.org_unit_id, e.rank FROM ranking_entry e WHERE e.month = ?`,
    [prev],
  );
  const ranks = { department: new Map(), township: new Map() } as Record<
    RankingGroup,
    Map<string, number | null>
  >;
  for (const r of rows) ranks[r.grp].set(r.org_unit_id, r.rank);
  const stored = await sql.execute<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM ranking_report WHERE month = ?`,
    [prev],
  );
  return { month: (stored[0]?.n ?? 0) > 0 ? prev : null, ranks };
}

/** The report of `month` as of now; `computedAt` is the caller's clock (the workflow's time). */
export function computeRankingReport(
  sql: Sql,
  month: string,
  computedAt: string,
  config: RankingConfig = RANKING_CONFIG,
): Promise<RankingReport> {
  return computeReportFor(sql, monthBounds(month), computedAt, config);
}

/**
 * A report over any bounds: a month's (the stored report) or a month so far (the preview, never
 * stored). Movement is against the previous month's stored report either way.
 */
export async function computeReportFor(
  sql: Sql,
  b: MonthBounds,
  computedAt: string,
  config: RankingConfig = RANKING_CONFIG,
): Promise<RankingReport> {
  const month = b.month;
  const prev = await previousRanks(sql, month);
  const groups = {} as RankingReport['groups'];
  for (const g of RANKING_GROUPS) {
    const units = await rankingInputs(sql, g, b);
    groups[g] = rankGroup(config, units, prev.ranks[g]);
  }
  return {
    month,
    year: b.year,
    monthNumber: Number(month.slice(5, 7)),
    periodStart: b.periodStart,
    cutoff: b.cutoff,
    timezone: 'Asia/Shanghai',
    computedAt,
    previousMonth: prev.month,
    config,
    groups,
  };
}
