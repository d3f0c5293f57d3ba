/**
 * The detail table's PDF prints every amount exact to the 分, as the JSON and the workbook give it:
 * in 万元 rounded to 0.01 two sources of 12,345.00 元 read 1.23 + 1.23 against a total of 2.47, a
 * source under 50 元 read 0.00, and a 45 元 gap between 报账 and 结算 vanished. The PDF is read back
 * as text (pdftotext), so an amount cut short to fit its column fails as surely as a rounded one.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detailTablePdf } from '#api/modules/ledgers/render-pdf.js';
import type { DetailTable } from '#domain/detail-table.js';
import { MAX_FEN } from '#domain/money.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'detail-pdf-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type Source = DetailTable['funds']['sources'][number];

function source(kind: Source['kind'], label: string, amountFen: number, disbursedFen = 0): Source {
  return {
    kind,
    label,
    amountFen,
    documentNo: '城扶组发〔2026〕18号',
    disbursedFen,
    balanceFen: amountFen - disbursedFen,
  };
}

function table(sources: Source[], over: Partial<DetailTable['funds']> = {}): DetailTable {
  const sum = (f: (s: Source) => number) => sources.reduce((a, s) => a + f(s), 0);
  const byKind = {
    centralSpecial: 0,
    municipalSpecial: 0,
    countySpecial: 0,
    sector: 0,
    social: 0,
    integratedAgri: 0,
  };
  for (const s of sources) byKind[s.kind] += s.amountFen;
  return {
    generatedAt: '2026-12-06T00:00:00.000Z',
    project: {
      id: '00000000-0000-4000-8000-000000000001',
      code: 'XM-2026-001',
      name: '修齐镇枇杷村至东河村产业路硬化及配套安全设施工程',
      year: 2026,
      type: '交通',
      nature: '新建',
      department: '县交通运输局',
      ownerUnit: '修齐镇人民政府',
      villages: ['枇杷村', '东河村'],
      location: '枇杷村3组至东河村5组',
      approvalDocumentNo: '城扶组发〔2026〕18号',
      stage: 'reimbursed',
      stageLabel: '已报账',
      progressPercent: 100,
      plannedDates: {
        start: '2026-04-01',
        completion: '2026-09-30',
        acceptance: '2026-10-31',
        reimbursement: '2026-11-30',
      },
    },
    funds: {
      budgetFen: sum((s) => s.amountFen),
      byKind,
      sources,
      disbursedFen: sum((s) => s.disbursedFen),
      balanceFen: sum((s) => s.balanceFen),
      reimbursedFen: null,
      settledFen: null,
      ...over,
    },
    disbursements: sources
      .filter((s) => s.disbursedFen > 0)
      .map((s, i) => ({
        paidOn: `2026-0${i + 5}-15`,
        amountFen: s.disbursedFen,
        payee: '城口县某某建筑工程有限公司',
        voucherNo: `记-2026-0${i + 5}-031`,
        approver: '张三',
        source: s.label,
      })),
    implementation: {
      method: '公开招标',
      contractor: '城口县某某建筑工程有限公司',
      contractorUscc: '91500229MA5U1XXXXX',
      contractAmountFen: null,
      decisions: 2,
      adjustments: 0,
    },
    progress: [
      { month: '2026-08', percent: 80, narrative: '路面硬化完成' },
      { month: '2026-09', percent: 100, narrative: '安全设施完成，竣工' },
    ],
    beneficiaries: { households: 312, poorHouseholds: 47, people: 1105 },
    site: {
      visits: 3,
      lastVisit: '2026-09-20',
      notices: [{ place: '枇杷村村委会', period: '2026-03-01 至 2026-03-10', objections: 0 }],
      opinions: 2,
      afterCare: '村集体管护',
    },
    inspections: [{ on: '2026-10-20', passed: true, findings: '' }],
    alerts: [],
    completeness: [
      {
        ledger: 'department',
        label: '主管部门台账',
        required: 10,
        filled: 10,
        percent: 100,
        complete: true,
        missing: [],
      },
      {
        ledger: 'implementing',
        label: '实施单位台账',
        required: 10,
        filled: 10,
        percent: 100,
        complete: true,
        missing: [],
      },
      {
        ledger: 'site',
        label: '建设地点台账',
        required: 10,
        filled: 10,
        percent: 100,
        complete: true,
        missing: [],
      },
    ],
    reconciliation: [],
  };
}

/** The PDF's page count and its text, each line's runs of spaces collapsed to one. */
async function render(t: DetailTable, name: string): Promise<{ pages: number; text: string }> {
  const file = path.join(dir, `${name}.pdf`);
  fs.writeFileSync(file, await detailTablePdf(t));
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))?.[1]);
  const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(
    /[ \t]+/g,
    ' ',
  );
  return { pages, text };
}

describe('the detail table PDF', () => {
  it('prints amounts in 元, exact to the 分, so the parts add up to the total on paper', async () => {
    const t = table(
      [
        source('centralSpecial', '中央财政专项扶贫资金', 1_234_500, 1_234_500),
        source('municipalSpecial', '市级财政专项扶贫资金', 1_234_500),
        source('countySpecial', '县级财政专项扶贫资金', 1_234_567),
        source('social', '社会帮扶资金', 4_999),
      ],
      { reimbursedFen: 1_234_500, settledFen: 1_230_000 },
    );
    const { pages, text } = await render(t, 'exact');
    expect(pages).toBe(1);
    expect(text).toContain('金额单位：元');
    expect(text).not.toContain('万元');
    // The two 12,345.00 sources, the 12,345.67 one, a source under 50 元, and their exact sum.
    expect(text.match(/12,345\.00/g)?.length).toBeGreaterThanOrEqual(2);
    expect(text).toContain('12,345.67');
    expect(text).toContain('49.99');
    expect(text).toContain('37,085.66');
    // 报账 and 结算 45 元 apart read as two different amounts.
    expect(text).toContain('报账 12,345.00');
    expect(text).toContain('结算 12,300.00');
    expect(text).toContain('资金规模 37,085.66 元');
  });

  it('keeps the largest amount the platform takes whole, on the one page', async () => {
    const max = '10,000,000,000.00';
    const t = table([source('centralSpecial', '中央财政专项扶贫资金', MAX_FEN, MAX_FEN - 1)], {
      reimbursedFen: MAX_FEN,
      settledFen: MAX_FEN - 1,
    });
    const { pages, text } = await render(t, 'max');
    expect(pages).toBe(1);
    // No amount cut with an ellipsis (a long payee's name still is: text cells keep that).
    expect(text).not.toMatch(/\d…/);
    // Budget (资金规模 and the total row), source, 报账: each printed in full.
    expect(text.split(max).length - 1).toBeGreaterThanOrEqual(4);
    // Disbursed (source, total, the disbursement row) and 结算.
    expect(text.split('9,999,999,999.99').length - 1).toBeGreaterThanOrEqual(4);
    expect(text).toContain(`报账 ${max}`);
    expect(text).toContain('结算 9,999,999,999.99');
    expect(text).toContain(`资金规模 ${max} 元`);
  });

  it('fits a typical project of a few million 元 at the usual size', async () => {
    const t = table(
      [
        source('centralSpecial', '中央财政专项扶贫资金', 300_000_000, 280_000_000),
        source('municipalSpecial', '市级财政专项扶贫资金', 150_000_000, 150_000_000),
        source('integratedAgri', '统筹整合财政涉农资金', 48_650_010, 0),
      ],
      { reimbursedFen: 498_650_010, settledFen: 498_600_000 },
    );
    const { pages, text } = await render(t, 'typical');
    expect(pages).toBe(1);
    for (const s of ['3,000,000.00', '2,800,000.00', '486,500.10', '4,986,500.10', '结算 4,986,000.00'])
      expect(text).toContain(s);
  });
});
