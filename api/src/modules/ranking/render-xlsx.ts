/**
 * A month's ranking as a workbook: one sheet per group (rank, unit, each indicator's points, total,
 * movement), and a sheet of the published config (formula, scale, weight) so the figures can be
 * checked by hand. Points are the report's fixed 2-decimal strings, written as numbers.
 */
import { excelJs } from '../../document-libs.js';
import { cstMinute } from '#domain/deadlines.js';
import type { RankingReport, RankingRow } from '#domain/ranking/report.js';

export const GROUP_LABEL = { department: '县级部门', township: '乡镇（街道）' } as const;

export function movementText(r: RankingRow): string {
  if (r.movement === null) return r.rank === null ? '' : '新';
  return r.movement > 0 ? `↑${r.movement}` : r.movement < 0 ? `↓${-r.movement}` : '—';
}

export async function rankingXlsx(report: RankingReport): Promise<Buffer> {
  const { Workbook } = await excelJs();
  const book = new Workbook();
  book.creator = '三账一表';
  const inds = report.config.indicators;
  for (const g of ['department', 'township'] as const) {
    const ws = book.addWorksheet(GROUP_LABEL[g]);
    const header = ['排名', '单位', ...inds.map((i) => `${i.label.zh}（${i.weight}）`), '总分', '较上月'];
    ws.addRow([`${report.year}年${report.monthNumber}月 月度考核排名 · ${GROUP_LABEL[g]}`]);
    ws.mergeCells(1, 1, 1, header.length);
    ws.getRow(1).font = { bold: true, size: 14 };
    ws.addRow([
      `配置版本 ${report.config.version}  截止 ${report.cutoff} 00:00（北京时间）  生成 ${cstMinute(Date.parse(report.computedAt))}（北京时间）`,
    ]);
    ws.mergeCells(2, 1, 2, header.length);
    const h = ws.addRow(header);
    h.font = { bold: true };
    h.alignment = { wrapText: true, horizontal: 'center', vertical: 'middle' };
    for (const r of report.groups[g])
      ws.addRow([
        r.rank ?? '不参与排名',
        r.unitName,
        ...r.indicators.map((i) => Number(i.points)),
        Number(r.total),
        movementText(r),
      ]);
    ws.columns.forEach((c, i) => {
      c.width = i === 1 ? 18 : i === 0 ? 10 : 11;
      if (i >= 2 && i < header.length - 1) c.numFmt = '0.00';
    });
    ws.views = [{ state: 'frozen', ySplit: 3, xSplit: 2 }];
  }
  const cfg = book.addWorksheet('指标与权重');
  cfg.addRow(['指标', '计算方法', '计分方式', '分子', '分母', '权重']).font = { bold: true };
  for (const i of inds)
    cfg.addRow([i.label.zh, i.formula.zh, i.scale, i.num.join(' × '), i.den.join(' × '), i.weight]);
  cfg.addRow([]);
  cfg.addRow(['取整规则：每项得分以 0.01 分为单位四舍五入（round half up）；总分为各项之和；同分并列名次。']);
  cfg.columns.forEach((c, i) => (c.width = [16, 44, 12, 26, 26, 8][i]));
  return Buffer.from(await book.xlsx.writeBuffer());
}
