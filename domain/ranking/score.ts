/**
 * Scoring and ranking, pure and exact: integers in bigint, points in hundredths, every division
 * rounded half up (config.ts). The activity that computes a month's report and the verify script
 * that recomputes a stored one both call these, so they cannot disagree by construction; what the
 * verify script adds is that it starts from the report alone.
 */
import type { Factor, IndicatorConfig, RankingConfig, RankingInputKey } from './config.js';
import type { IndicatorResult, RankingRow } from './report.js';

/** roundHalfUp(a / b) for a ≥ 0, b > 0. */
export function divRoundHalfUp(a: bigint, b: bigint): bigint {
  return (2n * a + b) / (2n * b);
}

/** Hundredths as a fixed 2-decimal string: 1234 → "12.34". */
export function centiToString(centi: number | bigint): string {
  const v = BigInt(centi);
  const sign = v < 0n ? '-' : '';
  const s = (v < 0n ? -v : v).toString().padStart(3, '0');
  return `${sign}${s.slice(0, -2)}.${s.slice(-2)}`;
}

/** num ÷ den to 4 decimals, rounded half up. */
export function rateString(num: bigint, den: bigint): string {
  const s = divRoundHalfUp(num * 10000n, den).toString().padStart(5, '0');
  return `${s.slice(0, -4)}.${s.slice(-4)}`;
}

function product(factors: readonly Factor[], inputs: Record<RankingInputKey, string>): bigint {
  let p = 1n;
  for (const f of factors) p *= typeof f === 'number' ? BigInt(f) : BigInt(inputs[f]);
  return p;
}

export function scoreIndicator(ind: IndicatorConfig, inputs: Record<RankingInputKey, string>): IndicatorResult {
  const num = product(ind.num, inputs);
  const den = product(ind.den, inputs);
  const w = BigInt(ind.weight) * 100n;
  let points: bigint;
  let rate: string | null = null;
  switch (ind.scale) {
    case 'ratio':
      points = den === 0n ? w : divRoundHalfUp(w * (num < den ? num : den), den);
      if (den > 0n) rate = rateString(num, den);
      break;
    case 'complement':
      points = den === 0n ? w : divRoundHalfUp(w * (den - (num < den ? num : den)), den);
      if (den > 0n) rate = rateString(num, den);
      break;
    case 'deduction': {
      const left = w - BigInt(ind.perItemCenti ?? 0) * num;
      points = left > 0n ? left : 0n;
      break;
    }
    case 'unavailable':
      points = 0n;
      break;
  }
  return {
    key: ind.key,
    num: num.toString(),
    den: den.toString(),
    rate,
    pointsCenti: Number(points),
    points: centiToString(points),
    available: ind.scale !== 'unavailable',
  };
}

export interface UnitInputs {
  unitId: string;
  unitCode: string;
  unitName: string;
  inputs: Record<RankingInputKey, string>;
}

/**
 * Scores every unit of one group and ranks them: higher total first, equal totals share a rank
 * (1, 2, 2, 4), units below config.minProjects are unranked and listed last; ties and the
 * unranked are ordered by unit code. `previousRanks` maps a unit id to its rank last month.
 */
export function rankGroup(
  config: RankingConfig,
  units: readonly UnitInputs[],
  previousRanks: ReadonlyMap<string, number | null>,
): RankingRow[] {
  const scored = units.map((u) => {
    const indicators = config.indicators.map((ind) => scoreIndicator(ind, u.inputs));
    const totalCenti = indicators.reduce((s, i) => s + i.pointsCenti, 0);
    const ranked = BigInt(u.inputs.projects) >= BigInt(config.minProjects);
    return { u, indicators, totalCenti, ranked };
  });
  const byCode = (a: { u: UnitInputs }, b: { u: UnitInputs }) =>
    a.u.unitCode < b.u.unitCode ? -1 : a.u.unitCode > b.u.unitCode ? 1 : 0;
  const ranked = scored.filter((s) => s.ranked).sort((a, b) => b.totalCenti - a.totalCenti || byCode(a, b));
  const unranked = scored.filter((s) => !s.ranked).sort(byCode);
  const rows: RankingRow[] = [];
  ranked.forEach((s, i) => {
    const prev = rows[i - 1];
    const rank = prev && prev.totalCenti === s.totalCenti ? (prev.rank as number) : i + 1;
    rows.push(row(s, rank, previousRanks));
  });
  for (const s of unranked) rows.push(row(s, null, previousRanks));
  return rows;
}

function row(
  s: { u: UnitInputs; indicators: IndicatorResult[]; totalCenti: number },
  rank: number | null,
  previousRanks: ReadonlyMap<string, number | null>,
): RankingRow {
  const previousRank = previousRanks.get(s.u.unitId) ?? null;
  return {
    unitId: s.u.unitId,
    unitCode: s.u.unitCode,
    unitName: s.u.unitName,
    inputs: s.u.inputs,
    indicators: s.indicators,
    totalCenti: s.totalCenti,
    total: centiToString(s.totalCenti),
    rank,
    previousRank,
    movement: rank !== null && previousRank !== null ? previousRank - rank : null,
  };
}
