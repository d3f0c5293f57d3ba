/**
 * The statistics as a workbook: one line per cell, each row's subtotal after its cells, the column
 * totals and the total, with the filters on top. Money leaves integer 分 only here: formatYuan gives
 * the exact 元 text with two decimals (string arithmetic), and the cell holds the number that text
 * denotes while Excel holds it exactly (below 10^15 分); a larger sum is written as that text
 * (yuanCell).
 */
import { excelJs } from '../../document-libs.js';
import { yuanCell } from '#domain/money.js';
import type { StatDimension, StatFigures, StatisticsDto } from '#domain/statistics-schemas.js';

export const DIMENSION_LABELS: Record<StatDimension, string> = {
  year: '年度',
  department: '主管部门',
  township: '乡镇',
  village: '村',
  fundSource: '资金来源',
  type: '项目类型',
  stage: '阶段',
};

const rate = (bp: number | null) => (bp === null ? '' : bp / 100);

export async function statisticsXlsx(s: StatisticsDto): Promise<Buffer> {
  const { Workbook } = await excelJs();
  const book = new Workbook();
  book.creator = '三账一表';
  const ws = book.addWorksheet('统计分析');
  const dims = [s.rows.dimension, ...(s.columns ? [s.columns.dimension] : [])].map(
    (d) => DIMENSION_LABELS[d],
  );
  const header = [
    ...dims,
    '项目个数',
    '批复预算（元）',
    '已下达（元）',
    '已拨付（元）',
    '拨付率（%）',
    '逾期项目数',
  ];
  const filter = Object.entries(s.filter)
    .map(([k, v]) => `${DIMENSION_LABELS[k as StatDimension] ?? k}：${v}`)
    .join('；');
  ws.addRow([`统计分析 · ${s.scope.unit.name}${filter ? ` · ${filter}` : ''}`]).font = {
    bold: true,
    size: 13,
  };
  ws.mergeCells(1, 1, 1, header.length);
  ws.addRow(header).font = { bold: true };
  const line = (labels: string[], f: StatFigures, bold = false) => {
    const row = ws.addRow([
      ...labels,
      f.projects,
      yuanCell(f.budgetFen),
      yuanCell(f.allocatedFen),
      yuanCell(f.disbursedFen),
      rate(f.disbursedBasisPoints),
      f.overdueProjects,
    ]);
    if (bold) row.font = { bold: true };
  };
  const cols = s.columns;
  for (const r of s.rows.members) {
    if (cols) {
      for (const c of cols.members) {
        const cell = s.cells.find((x) => x.row === r.key && x.column === c.key);
        if (cell) line([r.label, c.label], cell);
      }
      line([r.label, '小计'], r, true);
    } else line([r.label], r);
  }
  if (cols) for (const c of cols.members) line(['合计', c.label], c, true);
  line(cols ? ['合计', '合计'] : ['合计'], s.total, true);
  if (!s.rows.exclusive || (cols && !cols.exclusive))
    ws.addRow([
      '注：乡镇、村、资金来源下一个项目可计入多个值，各项之和可大于合计；资金来源的金额按来源拆分，其和等于合计。',
    ]);
  ws.columns.forEach((c, i) => {
    const k = i - dims.length;
    c.width = k < 0 ? 18 : k === 0 || k >= 4 ? 10 : 16;
    if (k >= 1 && k <= 3) c.numFmt = '#,##0.00';
    if (k === 4) c.numFmt = '0.00';
  });
  ws.views = [{ state: 'frozen', ySplit: 2, xSplit: dims.length }];
  return Buffer.from(await book.xlsx.writeBuffer());
}
