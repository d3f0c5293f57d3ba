/**
 * A month's ranking report stored as the ranking workflow stores it (the system scope, through its
 * one writer), over the demo county's real units: what a circular is generated from.
 */
import { storeRankingReport } from '#db/ranking/store.js';
import { inScope, SYSTEM_SCOPE } from '#db/scope.js';
import type { RankingReport } from '#domain/ranking/report.js';
import { nextMonth, previousMonth } from '#domain/deadlines.js';
import { aRankingReport, type RowSpec } from './ranking-report-fixture.js';
import type { TestStack } from './stack.js';

/** The units of the fixture and their totals, best first; 县林业局 is last, 高观镇 fell from first. */
const DEPARTMENTS: [code: string, total: string, previous: number | null][] = [
  ['swj', '96.40', 2],
  ['jtj', '92.10', 1],
  ['nyw', '88.00', 3],
  ['zjw', '81.50', null],
  ['fpb', '75.25', 4],
  ['lyj', '60.00', 5],
];
const TOWNSHIPS: [code: string, total: string, previous: number | null][] = [
  ['xqz', '94.00', 2],
  ['mbz', '90.00', 3],
];

export async function storeFixtureRanking(stack: TestStack, month: string): Promise<RankingReport> {
  const { rows } = await stack.db.query(`SELECT id, code, name FROM org_unit`);
  const unit = (code: string) => rows.find((r) => r.code === code)!;
  const spec = (list: typeof DEPARTMENTS, projects: number): RowSpec[] =>
    list.map(([code, total, previousRank], i) => ({
      unitId: unit(code).id,
      code,
      name: unit(code).name,
      total,
      rank: i + 1,
      previousRank,
      inputs: {
        projects,
        budgetFen: 100_000_000 * projects,
        disbursedFen: 40_000_000 * projects,
        dueStart: projects,
        started: projects - 1,
      },
    }));
  const [y, m] = month.split('-').map(Number) as [number, number];
  const report = aRankingReport({
    month,
    year: y,
    monthNumber: m,
    periodStart: `${month}-01`,
    cutoff: `${nextMonth(month)}-01`,
    previousMonth: previousMonth(month),
    computedAt: new Date().toISOString(),
    department: spec(DEPARTMENTS, 4),
    township: spec(TOWNSHIPS, 12),
  });
  await inScope(stack.orm, SYSTEM_SCOPE, (tx) =>
    storeRankingReport(tx, stack.audit, report, 'backfill', `ranking-${month}`),
  );
  return report;
}
