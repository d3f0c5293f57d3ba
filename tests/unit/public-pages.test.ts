/**
 * The public portal's county page, a pure function of the public records: its township rows count
 * what each township's own page lists.
 */
import { describe, expect, it } from 'vitest';
import { countyPage } from '#api/public/pages.js';
import type { PublicUnit } from '#api/public/repository.js';
import type { PublicProjectSummary } from '#domain/public-schemas.js';

const units: PublicUnit[] = [
  { code: 'ck', name: '城口县', kind: 'county', parent: null },
  { code: 'mbz', name: '庙坝镇', kind: 'township', parent: 'ck' },
  { code: 'xqz', name: '修齐镇', kind: 'township', parent: 'ck' },
  { code: 'mbz-ljc', name: '罗江村', kind: 'village', parent: 'mbz' },
  { code: 'xqz-btc', name: '白台村', kind: 'village', parent: 'xqz' },
];

const project = (code: string, budgetFen: number, villages: string[]): PublicProjectSummary =>
  ({
    code,
    name: code,
    year: 2026,
    type: '道路',
    stage: 'underway',
    progressPercent: 50,
    budgetFen,
    disbursedFen: 0,
    // The first township of its villages, by code, as the public list gives it.
    township: villages[0]!.startsWith('mbz')
      ? { code: 'mbz', name: '庙坝镇' }
      : { code: 'xqz', name: '修齐镇' },
    villages: villages.map((v) => ({ code: v, name: units.find((u) => u.code === v)!.name })),
  }) as PublicProjectSummary;

/** The township table's rows: name, projects, budget. */
function rows(html: string): string[][] {
  return [
    ...html.matchAll(
      /<tr><td><a [^>]*>([^<]+)<\/a><\/td><td class="n">(\d+)<\/td><td class="n">([^<]+)<\/td>/g,
    ),
  ].map((m) => [m[1]!, m[2]!, m[3]!]);
}

describe('the public county page', () => {
  it('counts a project of two townships in each, as their own pages list it', () => {
    const html = countyPage('zh-CN', units, [
      project('P1', 100_00, ['mbz-ljc', 'xqz-btc']),
      project('P2', 50_00, ['xqz-btc']),
    ]);
    expect(rows(html)).toEqual([
      ['庙坝镇', '1', '100.00'],
      ['修齐镇', '2', '150.00'],
    ]);
    expect(html).toContain('跨乡镇的项目计入所涉各乡镇');
  });
});
