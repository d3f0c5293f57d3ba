/**
 * The stored monthly ranking report (月度考核排名): the contract the ranking page, the monthly
 * circular and the annual assessment read. A report is immutable once stored (table
 * ranking_report, one per month); it carries its own config, so every figure and rank can be
 * recomputed from the report alone (domain/ranking/score.ts).
 */
import type { RankingConfig, RankingInputKey } from './config.js';

/** Departments rank by the projects they govern (department_id), townships by those they own (owner_unit_id). */
export const RANKING_GROUPS = ['department', 'township'] as const;
export type RankingGroup = (typeof RANKING_GROUPS)[number];

/** 'YYYY-MM' */
export type RankingMonth = string;
export const MONTH_PATTERN = /^(20\d{2})-(0[1-9]|1[0-2])$/;

export interface IndicatorResult {
  key: string;
  /** num and den as the config's factors give them, integers as decimal strings. */
  num: string;
  den: string;
  /** num ÷ den to 4 decimals, rounded half up; null for deductions, unavailable ones and den = 0. */
  rate: string | null;
  /** Points in hundredths (integer) and as a fixed 2-decimal string. */
  pointsCenti: number;
  points: string;
  available: boolean;
}

export interface RankingRow {
  unitId: string;
  unitCode: string;
  unitName: string;
  inputs: Record<RankingInputKey, string>;
  indicators: IndicatorResult[];
  /** Σ pointsCenti; total = the same in points, 2 decimals. */
  totalCenti: number;
  total: string;
  /** null when the unit has fewer projects than config.minProjects. */
  rank: number | null;
  /** The unit's rank in the previous month's report, if it was ranked there. */
  previousRank: number | null;
  /** previousRank − rank: positive moved up, negative moved down; null if either is null. */
  movement: number | null;
}

export interface RankingReport {
  month: RankingMonth;
  year: number;
  /** 1–12: the 序时进度 is monthNumber / 12. */
  monthNumber: number;
  /** The month's first day and the cutoff (the next month's first day, exclusive), local dates. */
  periodStart: string;
  cutoff: string;
  /** Local dates are Asia/Shanghai: the cutoff instant is `${cutoff}T00:00:00+08:00`. */
  timezone: 'Asia/Shanghai';
  computedAt: string;
  /** The month whose ranks the movement compares with, or null if none was stored. */
  previousMonth: RankingMonth | null;
  config: RankingConfig;
  /** Each group in rank order (unranked units last), ties by unit code. */
  groups: Record<RankingGroup, RankingRow[]>;
}

/** What the list of months shows. */
export interface RankingMonthSummary {
  month: RankingMonth;
  configVersion: string;
  computedAt: string;
  trigger: 'schedule' | 'manual' | 'backfill';
}

/** The month before, 'YYYY-MM'. */
export function previousMonthOf(month: RankingMonth): RankingMonth {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** The month after, 'YYYY-MM'. */
export function nextMonthOf(month: RankingMonth): RankingMonth {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

/** China keeps UTC+8 all year (no daylight saving), so Asia/Shanghai is a fixed offset. */
const SHANGHAI_OFFSET_MS = 8 * 3600_000;

/** The month a run at `instantMs` reports on: the month before, in Asia/Shanghai. */
export function rankingMonthFor(instantMs: number): RankingMonth {
  const local = new Date(instantMs + SHANGHAI_OFFSET_MS);
  const month = `${local.getUTCFullYear()}-${String(local.getUTCMonth() + 1).padStart(2, '0')}`;
  return previousMonthOf(month);
}

/** The instant a month is over: its cutoff at 00:00 Asia/Shanghai. */
export function monthCutoffInstant(month: RankingMonth): number {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return Date.UTC(y, m, 1) - SHANGHAI_OFFSET_MS;
}
