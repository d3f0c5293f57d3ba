import { describe, expect, it } from 'vitest';
import { RANKING_CONFIG, type IndicatorConfig, type RankingConfig } from './config.js';
import type { RankingReport } from './report.js';
import { rankGroup, type UnitInputs } from './score.js';
import { verifyRankingReport } from './verify.js';

/** Config 2026.1 as its reports carry it: complaints not yet available, 报账率 weighing 10. */
const V2026_1 = {
  ...RANKING_CONFIG,
  version: '2026.1',
  indicators: RANKING_CONFIG.indicators.map((i): IndicatorConfig =>
    i.key === 'reimbursementRate'
      ? { ...i, weight: 10 }
      : i.key === 'complaints'
        ? {
            key: 'complaints',
            label: { zh: '投诉办结', en: 'Complaints resolved' },
            formula: { zh: '暂无投诉数据（权重 0）', en: 'not yet available (weight 0)' },
            scale: 'unavailable',
            num: ['complaintsResolved' as never],
            den: ['complaints' as never],
            weight: 0,
          }
        : i,
  ),
} satisfies RankingConfig;

/** A unit's inputs under 2026.1: its two complaint placeholders, and no `complaintsOverdue`. */
function unit2026_1(code: string, started: number): UnitInputs {
  const inputs: Record<string, string> = {
    projects: '2',
    budgetFen: '3000000',
    disbursedFen: '1200000',
    elapsedMonths: '6',
    dueStart: '2',
    started: String(started),
    dueCompletion: '1',
    completed: '1',
    dueReimbursement: '0',
    reimbursed: '0',
    overdueProjects: '0',
    overdueDays: '0',
    progressDue: '1',
    progressOnTime: '1',
    visitsDue: '1',
    visitsOnTime: '0',
    noticesDue: '0',
    noticesClosedOnTime: '0',
    interviews: '0',
    negativeListEntries: '0',
    complaintsResolved: '0',
    complaints: '0',
  };
  return { unitId: `id-${code}`, unitCode: code, unitName: code, inputs: inputs as UnitInputs['inputs'] };
}

function report(config: RankingConfig, units: UnitInputs[]): RankingReport {
  return {
    month: '2026-06',
    year: 2026,
    monthNumber: 6,
    periodStart: '2026-06-01',
    cutoff: '2026-07-01',
    timezone: 'Asia/Shanghai',
    computedAt: '2026-07-01T00:00:00.000Z',
    previousMonth: null,
    config,
    groups: { department: rankGroup(config, units, new Map()), township: [] },
  };
}

describe('verifying a stored ranking report', () => {
  it('recomputes a report of an older config version from the inputs that version names', () => {
    const sut = report(V2026_1, [unit2026_1('swj', 2), unit2026_1('jtj', 1)]);
    expect(sut.groups.department.map((r) => [r.unitCode, r.rank, r.total])).toEqual([
      // spending 0.8 of 20 = 16, then 10+10+10+10+5+10, visits 0, 10+5+5, complaints 0
      ['swj', 1, '91.00'],
      ['jtj', 2, '86.00'], // start 1/2: 5 less
    ]);
    expect(verifyRankingReport(sut)).toEqual([]);
  });

  it('names an input its config uses that a row lacks', () => {
    // Today's config over rows of 2026.1: they carry no complaintsOverdue.
    const sut = { ...report(V2026_1, [unit2026_1('swj', 2)]), config: RANKING_CONFIG };
    expect(verifyRankingReport(sut)).toEqual([
      '2026-06 department swj: input complaintsOverdue is not a non-negative integer',
    ]);
  });
});
