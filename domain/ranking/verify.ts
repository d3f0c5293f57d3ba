/**
 * Recomputes a stored report from itself alone: its config, each row's inputs and previous rank.
 * Every indicator's num/den/points, each total, the order, every rank and movement must come out
 * identical; the differences are returned as lines naming the month, group, unit and field.
 */
import { RANKING_INPUTS } from './config.js';
import { RANKING_GROUPS, type RankingReport } from './report.js';
import { rankGroup } from './score.js';

export function verifyRankingReport(report: RankingReport): string[] {
  const problems: string[] = [];
  for (const g of RANKING_GROUPS) {
    const stored = report.groups[g] ?? [];
    for (const r of stored)
      for (const k of RANKING_INPUTS)
        if (!/^\d+$/.test(String(r.inputs[k])))
          problems.push(`${report.month} ${g} ${r.unitCode}: input ${k} is not a non-negative integer`);
    if (problems.length) continue;
    const previous = new Map(stored.map((r) => [r.unitId, r.previousRank]));
    const again = rankGroup(report.config, stored, previous);
    if (again.length !== stored.length)
      problems.push(`${report.month} ${g}: ${stored.length} rows, ${again.length} recomputed`);
    again.forEach((a, i) => {
      const s = stored[i];
      if (!s) return;
      const where = `${report.month} ${g} #${i + 1}`;
      if (s.unitId !== a.unitId) problems.push(`${where}: ${s.unitCode} stored where ${a.unitCode} belongs`);
      for (const f of ['rank', 'totalCenti', 'total', 'movement'] as const)
        if (s[f] !== a[f]) problems.push(`${where} ${a.unitCode}: ${f} stored ${s[f]}, recomputed ${a[f]}`);
      a.indicators.forEach((ai, j) => {
        const si = s.indicators[j];
        for (const f of ['key', 'num', 'den', 'rate', 'pointsCenti', 'points'] as const)
          if (si?.[f] !== ai[f])
            problems.push(`${where} ${a.unitCode} ${ai.key}: ${f} stored ${si?.[f]}, recomputed ${ai[f]}`);
      });
    });
  }
  return problems;
}
