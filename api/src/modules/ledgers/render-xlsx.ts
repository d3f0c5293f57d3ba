/**
 * The detail table as a spreadsheet laid out the way county offices print ledgers: a title row,
 * a unit line (单位：元), two merged header rows (groups over columns), frozen headers, 元 with two
 * decimals. The same layout serves one project (detail table) and many (ledger export).
 *
 * Every amount is exact to the 分: a sheet in 万元 with two decimals printed sources of 0.10 元 as
 * 0.00, so the sheet is in 元 (as is the printed PDF). Money leaves integer 分 only
 * here, at the edge: formatYuan produces the exact decimal text, and the cell holds the number that
 * text denotes while Excel keeps it exact (below 10^15 分, 15 significant digits), the text beyond:
 * a total over many projects can pass that (yuanCell).
 */
import type ExcelJS from 'exceljs';
import { excelJs } from '../../document-libs.js';
import type { DetailTable } from '#domain/detail-table.js';
import { FUND_SOURCE_KINDS } from '#domain/schemas.js';
import { yuanCell, type Fen } from '#domain/money.js';

export const yuan: (f: Fen | bigint) => number | string = yuanCell;
const yuanOrNull = (f: Fen | null): number | string | null => (f === null ? null : yuan(f));

const SHORT_KIND: Record<(typeof FUND_SOURCE_KINDS)[number], string> = {
  centralSpecial: '中央专项',
  municipalSpecial: '市级专项',
  countySpecial: '县级专项',
  sector: '行业资金',
  social: '社会资金',
  integratedAgri: '整合资金',
};

interface Col {
  group: string | null;
  header: string;
  width: number;
  /** Money columns give 分; the cell shows 元 with two decimals. */
  fen?: (t: DetailTable) => Fen | null;
  value?: (t: DetailTable, i: number) => string | number | null;
}

const COLUMNS: Col[] = [
  { group: null, header: '序号', width: 5, value: (_t, i) => i + 1 },
  { group: '项目基本情况', header: '项目编号', width: 13, value: (t) => t.project.code },
  { group: '项目基本情况', header: '项目名称', width: 28, value: (t) => t.project.name },
  { group: '项目基本情况', header: '年度', width: 6, value: (t) => t.project.year },
  { group: '项目基本情况', header: '项目类型', width: 9, value: (t) => t.project.type },
  { group: '项目基本情况', header: '建设性质', width: 6, value: (t) => t.project.nature },
  { group: '项目基本情况', header: '主管部门', width: 12, value: (t) => t.project.department },
  { group: '项目基本情况', header: '业主单位', width: 9, value: (t) => t.project.ownerUnit },
  { group: '项目基本情况', header: '建设地点', width: 14, value: (t) => t.project.villages.join('、') },
  { group: null, header: '批复预算', width: 14, fen: (t) => t.funds.budgetFen },
  ...FUND_SOURCE_KINDS.map((k): Col => ({
    group: '资金来源',
    header: SHORT_KIND[k],
    width: 13,
    fen: (t) => t.funds.byKind[k],
  })),
  { group: '资金拨付', header: '已拨付', width: 14, fen: (t) => t.funds.disbursedFen },
  { group: '资金拨付', header: '结余', width: 14, fen: (t) => t.funds.balanceFen },
  { group: '资金拨付', header: '报账金额', width: 14, fen: (t) => t.funds.reimbursedFen },
  { group: '资金拨付', header: '结算金额', width: 14, fen: (t) => t.funds.settledFen },
  { group: '实施情况', header: '实施方式', width: 10, value: (t) => t.implementation.method },
  { group: '实施情况', header: '承包单位', width: 18, value: (t) => t.implementation.contractor },
  { group: '实施情况', header: '合同金额', width: 14, fen: (t) => t.implementation.contractAmountFen },
  { group: '实施情况', header: '进度(%)', width: 7, value: (t) => t.project.progressPercent },
  { group: '实施情况', header: '所处阶段', width: 8, value: (t) => t.project.stageLabel },
  { group: '群众受益', header: '受益户', width: 7, value: (t) => t.beneficiaries?.households ?? null },
  { group: '群众受益', header: '贫困户', width: 7, value: (t) => t.beneficiaries?.poorHouseholds ?? null },
  { group: '群众受益', header: '受益人口', width: 8, value: (t) => t.beneficiaries?.people ?? null },
  ...(['department', 'implementing', 'site'] as const).map((l, j): Col => ({
    group: '台账完整度(%)',
    header: ['主管部门', '实施单位', '建设地点'][j]!,
    width: 8,
    value: (t) => t.completeness.find((c) => c.ledger === l)?.percent ?? null,
  })),
  {
    group: null,
    header: '预警及问题',
    width: 24,
    value: (t) =>
      [...t.alerts.map((a) => a.label), ...t.reconciliation.map((r) => r.message)].join('；') || null,
  },
];

const thin = { style: 'thin' as const };
const border = { top: thin, left: thin, bottom: thin, right: thin };
const headerFill = { type: 'pattern' as const, pattern: 'solid' as const, fgColor: { argb: 'FFE8EEF7' } };

/** Adds the ledger sheet (title, unit line, two merged header rows, one row per table). */
export function addLedgerSheet(
  wb: ExcelJS.Workbook,
  name: string,
  title: string,
  unitLine: string,
  tables: DetailTable[],
) {
  const ws = wb.addWorksheet(name, {
    views: [{ state: 'frozen', xSplit: 3, ySplit: 4 }],
    pageSetup: {
      paperSize: 9,
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      printTitlesRow: '3:4',
    },
  });
  const n = COLUMNS.length;
  ws.columns = COLUMNS.map((c) => ({ width: c.width }));
  ws.mergeCells(1, 1, 1, n);
  const t = ws.getCell(1, 1);
  t.value = title;
  t.font = { name: 'SimSun', size: 16, bold: true };
  t.alignment = { horizontal: 'center', vertical: 'middle' };
  ws.getRow(1).height = 28;
  ws.mergeCells(2, 1, 2, Math.floor(n / 2));
  ws.getCell(2, 1).value = unitLine;
  ws.mergeCells(2, Math.floor(n / 2) + 1, 2, n);
  const u = ws.getCell(2, Math.floor(n / 2) + 1);
  u.value = '单位：元';
  u.alignment = { horizontal: 'right' };

  // Header rows 3–4: a group spans its columns on row 3; a column without a group spans both rows.
  let c = 1;
  while (c <= n) {
    const col = COLUMNS[c - 1]!;
    if (col.group === null) {
      ws.mergeCells(3, c, 4, c);
      ws.getCell(3, c).value = col.header;
      c++;
      continue;
    }
    let end = c;
    while (end < n && COLUMNS[end]!.group === col.group) end++;
    if (end > c) ws.mergeCells(3, c, 3, end);
    ws.getCell(3, c).value = col.group;
    for (let k = c; k <= end; k++) ws.getCell(4, k).value = COLUMNS[k - 1]!.header;
    c = end + 1;
  }
  for (const r of [3, 4]) {
    const row = ws.getRow(r);
    row.height = 20;
    for (let k = 1; k <= n; k++) {
      const cell = row.getCell(k);
      cell.font = { bold: true, size: 10 };
      cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
      cell.border = border;
      cell.fill = headerFill;
    }
  }

  const writeRow = (r: number, table: DetailTable, i: number) => {
    const row = ws.getRow(r);
    COLUMNS.forEach((col, k) => {
      const cell = row.getCell(k + 1);
      cell.value = col.fen ? yuanOrNull(col.fen(table)) : col.value!(table, i);
      cell.border = border;
      cell.font = { size: 10 };
      if (col.fen) {
        cell.numFmt = '#,##0.00';
        cell.alignment = { horizontal: 'right', vertical: 'middle' };
      } else cell.alignment = { vertical: 'middle', wrapText: k === 2 || k === n - 1 };
    });
  };
  if (tables.length <= 1) {
    if (tables[0]) writeRow(5, tables[0], 0);
    return ws;
  }

  // A cancelled project's money is left out of the total, as the console's dashboard and
  // statistics leave it out: the sheet's 合计 is the figure the county reports. Its row is still
  // printed (what was approved and paid before 终止 is on record), below the total under its own
  // heading, so that the total is the sum of exactly the rows above it.
  const live = tables.filter((t) => t.project.stage !== 'cancelled');
  const cancelled = tables.filter((t) => t.project.stage === 'cancelled');
  live.forEach((table, i) => writeRow(5 + i, table, i));
  const total = ws.getRow(5 + live.length);
  total.getCell(2).value = cancelled.length ? '合计（不含已终止项目）' : '合计';
  COLUMNS.forEach((col, k) => {
    const cell = total.getCell(k + 1);
    cell.border = border;
    cell.font = { bold: true, size: 10 };
    if (col.fen) {
      const f = col.fen;
      // Summed in bigint 分: a county-wide total may pass 2^53 分, and is then written as text.
      cell.value = yuan(live.reduce((sum, tb) => sum + BigInt(f(tb) ?? 0), 0n));
      cell.numFmt = '#,##0.00';
    }
  });
  if (cancelled.length) {
    const r = 6 + live.length;
    ws.mergeCells(r, 1, r, n);
    const head = ws.getCell(r, 1);
    head.value = `已终止项目（${cancelled.length} 个，金额不计入合计）`;
    head.font = { bold: true, size: 10 };
    head.border = border;
    cancelled.forEach((table, i) => writeRow(r + 1 + i, table, live.length + i));
  }
  return ws;
}

export async function detailTableXlsx(t: DetailTable): Promise<Buffer> {
  const { Workbook } = await excelJs();
  const wb = new Workbook();
  wb.creator = '三账一表';
  wb.created = new Date(t.generatedAt);
  addLedgerSheet(
    wb,
    '项目明细表',
    `${t.project.year}年度项目明细表`,
    `项目：${t.project.code} ${t.project.name}`,
    [t],
  );

  const d = wb.addWorksheet('资金拨付明细', { views: [{ state: 'frozen', ySplit: 2 }] });
  d.columns = [
    { width: 6 },
    { width: 12 },
    { width: 22 },
    { width: 14 },
    { width: 26 },
    { width: 16 },
    { width: 14 },
  ];
  d.mergeCells(1, 1, 1, 7);
  d.getCell(1, 1).value = `${t.project.name} 资金拨付明细（单位：元）`;
  d.getCell(1, 1).font = { bold: true, size: 13 };
  d.getRow(2).values = ['序号', '拨付日期', '资金来源', '金额（元）', '收款单位', '凭证号', '审批人'];
  d.getRow(2).font = { bold: true };
  t.disbursements.forEach((x, i) => {
    const row = d.getRow(3 + i);
    row.values = [i + 1, x.paidOn, x.source, yuan(x.amountFen), x.payee, x.voucherNo, x.approver];
    row.getCell(4).numFmt = '#,##0.00';
  });

  const p = wb.addWorksheet('进度与监督', { views: [{ state: 'frozen', ySplit: 1 }] });
  p.columns = [{ width: 12 }, { width: 10 }, { width: 60 }];
  p.getRow(1).values = ['月份', '进度(%)', '进展情况'];
  p.getRow(1).font = { bold: true };
  t.progress.forEach((x, i) => (p.getRow(2 + i).values = [x.month, x.percent, x.narrative]));
  return Buffer.from(await wb.xlsx.writeBuffer());
}
