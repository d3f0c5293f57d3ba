/**
 * The statistics' probes: like the dashboard (`scope.read`), each account's figures must count
 * exactly the projects it may read, in the JSON answer and in the xlsx export's total line.
 */
import ExcelJS from 'exceljs';
import type { Probe } from './probes.js';

export const STATISTICS_PROBES: Record<string, Probe> = {
  'get /api/statistics': {
    perObject: false,
    request: () => ({ path: '/api/statistics?rows=stage&columns=township' }),
  },
  'get /api/statistics/export': {
    perObject: false,
    request: () => ({ path: '/api/statistics/export?rows=stage' }),
  },
};

/** The routes whose answer is a file: the matrix downloads them. */
export const STATISTICS_FILES = ['get /api/statistics/export'];

/**
 * The figures a `scope.read` answer gives, as the dashboard's shape: the statistics' total, or the
 * export's last line (合计: projects in column 2, budget in 元 in column 3).
 */
export async function statisticsFigures(
  body: any,
  file?: Uint8Array,
): Promise<{ projects?: { total: number }; money?: { budgetFen: string } } | undefined> {
  if (file) {
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(file as unknown as ArrayBuffer);
    const ws = book.worksheets[0]!;
    let last: unknown[] = [];
    ws.eachRow((row) => {
      const v = (row.values as unknown[]).slice(1);
      if (v[0] === '合计') last = v;
    });
    const yuan = String(last[2] ?? '').replace(/,/g, '');
    const [int = '0', dec = ''] = yuan.split('.');
    return {
      projects: { total: Number(last[1]) },
      money: { budgetFen: String(BigInt(int) * 100n + BigInt(dec.padEnd(2, '0').slice(0, 2))) },
    };
  }
  if (body?.total?.budgetFen !== undefined)
    return { projects: { total: body.total.projects }, money: { budgetFen: body.total.budgetFen } };
  return body;
}
