/**
 * A workbook's 元 are exact to the 分. Excel keeps 15 significant digits of a number (and a double
 * holds every decimal of 15 digits), so 元 with two decimals stay exact as a number only below
 * 10^15 分; from there the cell must hold the exact text. Both workbooks that sum 分 over many
 * projects are read back as Excel would get them.
 */
import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { addLedgerSheet } from '#api/modules/ledgers/render-xlsx.js';
import { statisticsXlsx } from '#api/modules/statistics/render-xlsx.js';
import type { DetailTable } from '#domain/detail-table.js';
import type { StatFigures } from '#domain/statistics-schemas.js';

async function sheetOf(buffer: Buffer | ExcelJS.Workbook): Promise<ExcelJS.Worksheet> {
  if (!Buffer.isBuffer(buffer)) return sheetOf(Buffer.from(await buffer.xlsx.writeBuffer()));
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(buffer as unknown as ArrayBuffer);
  return book.worksheets[0]!;
}

const figures = (budgetFen: string): StatFigures => ({
  projects: 1,
  budgetFen,
  allocatedFen: '0',
  disbursedFen: '0',
  disbursedBasisPoints: 0,
  overdueProjects: 0,
});

function table(code: string, budgetFen: number): DetailTable {
  const byKind = {
    centralSpecial: budgetFen,
    municipalSpecial: 0,
    countySpecial: 0,
    sector: 0,
    social: 0,
    integratedAgri: 0,
  };
  return {
    generatedAt: '2026-12-06T00:00:00.000Z',
    project: {
      id: '00000000-0000-4000-8000-000000000001',
      code,
      name: '便民桥',
      year: 2026,
      type: '基础设施',
      nature: '新建',
      department: '县水务局',
      ownerUnit: '庙坝镇',
      villages: [],
      location: null,
      approvalDocumentNo: '',
      stage: 'approved',
      stageLabel: '已批复',
      progressPercent: 0,
      plannedDates: { start: '', completion: '', acceptance: '', reimbursement: '' },
    },
    funds: {
      budgetFen,
      byKind,
      sources: [],
      disbursedFen: 0,
      balanceFen: budgetFen,
      reimbursedFen: null,
      settledFen: null,
    },
    disbursements: [],
    implementation: {
      method: null,
      contractor: null,
      contractorUscc: null,
      contractAmountFen: null,
      decisions: 0,
      adjustments: 0,
    },
    progress: [],
    beneficiaries: null,
    site: { visits: 0, lastVisit: null, notices: [], opinions: 0, afterCare: null },
    inspections: [],
    alerts: [],
    completeness: [],
    reconciliation: [],
  };
}

describe('元 in a workbook', () => {
  it('statistics: a number below 10^15 分, the exact text from there (2^53 - 1 分 is not 90071992547409.9)', async () => {
    const ws = await sheetOf(
      await statisticsXlsx({
        scope: { kind: 'county', unit: { code: '530000', name: '县' } },
        filter: {},
        rows: {
          dimension: 'township',
          exclusive: true,
          members: [
            { key: 'a', label: '修齐镇', ...figures('999999999999999') },
            { key: 'b', label: '庙坝镇', ...figures('1000000000000001') },
          ],
        },
        columns: null,
        cells: [],
        total: figures('9007199254740991'),
      }),
    );
    expect(ws.getCell('C3').value).toBe(9999999999999.99);
    expect(ws.getCell('C4').value).toBe('10,000,000,000,000.01');
    expect(ws.getCell('C5').value).toBe('90,071,992,547,409.91');
  });

  it('ledger: the total row of many projects is exact to the 分, past 2^53 分 too', async () => {
    const total = async (budgets: number[]) => {
      const book = new ExcelJS.Workbook();
      addLedgerSheet(
        book,
        '台账',
        '台账',
        '',
        budgets.map((b, i) => table(`XM-${i}`, b)),
      );
      const ws = await sheetOf(book);
      const header = ws.getRow(3).values as unknown[];
      return ws.getRow(5 + budgets.length).getCell(header.indexOf('批复预算')).value;
    };
    expect(await total([999999999999, 1])).toBe(10000000000);
    expect(await total([4503599627370495, 4503599627370496])).toBe('90,071,992,547,409.91');
    expect(await total([Number.MAX_SAFE_INTEGER, 9])).toBe('90,071,992,547,410.00');
  });
});
