/**
 * Public portal pages, pure functions of the public records: the county page's township rows count
 * what each township's own page lists; the receipt shown once is not left by a language link.
 */
import { describe, expect, it } from 'vitest';
import { complaintReceiptPage } from '#api/public/complaint-pages.js';
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

describe('the receipt page after a report is sent', () => {
  it('offers no link to the other language, which would open an empty form and lose the code', () => {
    for (const lang of ['zh-CN', 'en'] as const) {
      const html = complaintReceiptPage(lang, 'ABCD-EFGH-JKLM');
      expect(html).toContain('ABCD-EFGH-JKLM');
      expect(html).not.toMatch(/hreflang=/);
      // The warning that the code is shown once, in both languages.
      expect(html).toContain('回执号只显示这一次');
      expect(html).toContain('shown only this once');
    }
  });

  it('keeps the language link on the other public pages, and names the machine feeds as such', () => {
    const html = countyPage('zh-CN', units, []);
    expect(html).toMatch(/hreflang="en"/);
    expect(html).toMatch(/<a href="\/public\/changes">变更记录 \(JSON/);
  });
});
