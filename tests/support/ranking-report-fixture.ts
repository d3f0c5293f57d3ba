/**
 * A stored monthly ranking report (domain/ranking/report.ts) built by hand, for the circular's
 * tests: the rows carry the inputs and ranks given, the rest defaults to zero.
 */
import { RANKING_CONFIG, RANKING_INPUTS, type RankingInputKey } from '#domain/ranking/config.js';
import type { RankingReport, RankingRow } from '#domain/ranking/report.js';

export interface RowSpec {
  unitId?: string;
  code: string;
  name: string;
  /** Points, e.g. '92.50'. */
  total: string;
  rank: number | null;
  previousRank?: number | null;
  inputs?: Partial<Record<RankingInputKey, number | bigint>>;
}

export function aRankingRow(s: RowSpec): RankingRow {
  const inputs = Object.fromEntries(RANKING_INPUTS.map((k) => [k, String(s.inputs?.[k] ?? 0)])) as Record<
    RankingInputKey,
    string
  >;
  const previousRank = s.previousRank ?? null;
  return {
    unitId: s.unitId ?? `00000000-0000-4000-8000-${s.code.padStart(12, '0').slice(-12)}`,
    unitCode: s.code,
    unitName: s.name,
    inputs,
    indicators: [],
    totalCenti: Math.round(Number(s.total) * 100),
    total: s.total,
    rank: s.rank,
    previousRank,
    movement: previousRank !== null && s.rank !== null ? previousRank - s.rank : null,
  };
}

/** November 2026 (cutoff 2026-12-01), compared with October. */
export function aRankingReport(
  over: Partial<Omit<RankingReport, 'groups'>> & { department: RowSpec[]; township: RowSpec[] },
): RankingReport {
  const { department, township, ...rest } = over;
  return {
    month: '2026-11',
    year: 2026,
    monthNumber: 11,
    periodStart: '2026-11-01',
    cutoff: '2026-12-01',
    timezone: 'Asia/Shanghai',
    computedAt: '2026-11-30T22:00:00.000Z',
    previousMonth: '2026-10',
    config: RANKING_CONFIG,
    ...rest,
    groups: { department: department.map(aRankingRow), township: township.map(aRankingRow) },
  };
}
