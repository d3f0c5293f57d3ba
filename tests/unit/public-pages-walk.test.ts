/**
 * The township page says its village rows need not add up to it (a project of several villages is
 * counted in each), as the county page says of its townships.
 */
import { describe, expect, it } from 'vitest';
import { townshipPage } from '#api/public/pages.js';
import type { PublicUnit } from '#api/public/repository.js';
import type { PublicProjectSummary } from '#domain/public-schemas.js';

const mbz: PublicUnit = { code: 'mbz', name: '庙坝镇', kind: 'township', parent: 'ck' };
const villages: PublicUnit[] = [
  { code: 'mbz-ljc', name: '罗江村', kind: 'village', parent: 'mbz' },
  { code: 'mbz-hpc', name: '河鱼村', kind: 'village', parent: 'mbz' },
];
const both = {
  code: 'P1',
  name: '两村连通道路',
  year: 2026,
  type: '道路',
  stage: 'underway',
  progressPercent: 10,
  budgetFen: 100_00,
  disbursedFen: 0,
  township: { code: 'mbz', name: '庙坝镇' },
  villages: villages.map((v) => ({ code: v.code, name: v.name })),
} as PublicProjectSummary;

describe('the township page', () => {
  it('counts a project of two villages in each, and says so in the page’s language', () => {
    const zh = townshipPage('zh-CN', mbz, villages, [both]);
    expect(zh).toContain('>1 个项目<');
    expect([...zh.matchAll(/1 个项目/g)]).toHaveLength(2);
    expect(zh).toContain('跨村的项目计入所涉各村');
    expect(townshipPage('en', mbz, villages, [both])).toContain(
      'A project in several villages is counted in each',
    );
  });
});
