/**
 * The stored monthly ranking report (月度考核排名): the contract the ranking page, the monthly
 * circular and the annual assessment read. A report is immutable once stored (table
 * ranking_report, one per month); it carries its own config, so every figure and rank can be
 * recomputed from the report alone (domain/ranking/score.ts).
 */
import { cstMidnight, cstMonth, nextMonth, previousMonth } from '../deadlines.js';
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

/** The month a run at `instantMs` reports on: the month before, in the county (Asia/Shanghai). */
export function rankingMonthFor(instantMs: number): RankingMonth {
  return previousMonth(cstMonth(instantMs));
}

/** The instant a month is over: its cutoff at 00:00 Asia/Shanghai. */
export function monthCutoffInstant(month: RankingMonth): number {
  return cstMidnight(`${nextMonth(month)}-01`);
}
