/**
 * The portal's English pages speak English: stages, natures, fund sources, methods and units are
 * named from the domain's English tables, and no Chinese is left but what a department typed
 * (the project type is free text: it has no English name to give) and the link to the Chinese page.
 */
import { describe, expect, it } from 'vitest';
import { countyPage, projectPage, villagePage } from '#api/public/pages.js';
import type { PublicUnit } from '#api/public/repository.js';
import type { PublicProject } from '#domain/public-schemas.js';

const units: PublicUnit[] = [
  { code: 'ck', name: 'Chengkou', kind: 'county', parent: null },
  { code: 'xqz', name: 'Xiuqi', kind: 'township', parent: 'ck' },
  { code: 'xqz-btc', name: 'Baitai', kind: 'village', parent: 'xqz' },
];

/** A project whose every typed text is Latin, save its type. */
const project: PublicProject = {
  code: 'CK2026-001',
  name: 'Baitai drinking water',
  year: 2026,
  type: '饮水安全',
  stage: 'underway',
  progressPercent: 40,
  budgetFen: 86_500_010,
  disbursedFen: 1_000_001,
  township: { code: 'xqz', name: 'Xiuqi' },
  villages: [{ code: 'xqz-btc', name: 'Baitai' }],
  plannedStart: '2026-04-01',
  plannedCompletion: '2026-08-31',
  nature: 'new',
  location: 'Group 3',
  approvalDocumentNo: 'CFF-2026-1',
  department: { code: 'swj', name: 'Water bureau' },
  ownerUnit: { code: 'xqz', name: 'Xiuqi' },
  plannedAcceptance: '2026-09-30',
  plannedReimbursement: '2026-11-30',
  constructionContent: 'Pipes',
  actualDates: { underway: '2026-04-02', completed: null, accepted: null, reimbursed: null, cancelled: null },
  fundSources: [
    {
      position: 0,
      kind: 'centralSpecial',
      amountFen: 60_000_000,
      disbursedFen: 1_000_001,
      documentNo: 'D-1',
      issuer: null,
    },
    {
      position: 1,
      kind: 'integratedAgri',
      amountFen: 26_500_010,
      disbursedFen: 0,
      documentNo: null,
      issuer: null,
    },
  ],
  disbursements: [],
  settlement: { settledOn: '2026-11-01', settledAmountFen: 1_000_001 },
  implementation: {
    method: 'selfBuild',
    contractorName: null,
    contractAmountFen: 50_000_000,
    contractSignedOn: null,
  },
  notices: [
    {
      id: 'n1',
      village: 'Baitai',
      place: 'Village board',
      postedFrom: '2026-03-01',
      postedTo: '2026-03-05',
      days: 5,
      meetsMinimum: false,
      content: 'Budget and works',
      announcedAmountFen: 86_500_010,
    },
  ],
  afterCare: null,
  photos: [],
} as unknown as PublicProject;

/** The Chinese left on a page, with the page's own link to its Chinese version taken out. */
const chinese = (html: string) =>
  [...html.replace(/>中文<\/a>/, '></a>').matchAll(/[\p{Script=Han}（）：，。]+/gu)].map((m) => m[0]);

describe('the English public pages', () => {
  it('name everything but the typed project type in English', () => {
    const html = projectPage('en', project, '12317');
    expect(chinese(html)).toEqual(['饮水安全']);
    for (const s of [
      'Under way',
      'New',
      'Central special poverty funds',
      'Integrated agricultural funds',
      'Self-build by villagers',
      'CNY 865,000.10',
      'CNY 10,000.01',
      'CNY 500,000.00',
      '(5 days)',
    ])
      expect(html).toContain(s);
  });

  it('give the county’s and a village’s money in CNY', () => {
    for (const html of [
      countyPage('en', units, [project]),
      villagePage('en', units[2]!, units[1], [project]),
    ]) {
      expect(chinese(html)).toEqual([]);
      expect(html).toContain('CNY 865,000.10');
    }
  });

  it('leave the Chinese pages as they were', () => {
    const html = projectPage('zh-CN', project, '12317');
    expect(html).toContain('865,000.10 元');
    expect(html).toContain('2026-03-05（5 天）');
    expect(html).toContain('结算 2026-11-01：10,000.01 元');
  });
});
