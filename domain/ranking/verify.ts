/**
 * Recomputes a stored report from itself alone: its config, each row's inputs and previous rank.
 * Every indicator's num/den/points, each total, the order, every rank and movement must come out
 * identical; the differences are returned as lines naming the month, group, unit and field.
 */
import type { RankingInputKey } from './config.js';
import { RANKING_GROUPS, type RankingReport } from './report.js';
import { rankGroup } from './score.js';

/**
 * The inputs a report's own config names (and `projects`, which decides who is ranked): a report
 * of an older config version carries that version's inputs, not today's.
 */
function inputsNamed(report: RankingReport): string[] {
  const named = new Set<string>(['projects']);
  for (const ind of report.config.indicators)
    for (const f of [...ind.num, ...ind.den]) if (typeof f === 'string') named.add(f);
  return [...named];
}

export function verifyRankingReport(report: RankingReport): string[] {
  const problems: string[] = [];
  const named = inputsNamed(report);
  for (const g of RANKING_GROUPS) {
    const stored = report.groups[g] ?? [];
    for (const r of stored)
      for (const k of named)
        if (!/^\d+$/.test(String(r.inputs[k as RankingInputKey])))
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
