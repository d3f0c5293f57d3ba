/**
 * A month's ranking as a printable PDF (A4 landscape): per group a table of rank, unit, each
 * indicator's points, total and movement, then the indicators' formulas and weights. Chinese is
 * rendered with the platform's CJK font (platform/cjk-font.ts), as the detail table is.
 */
import { newPdf, type PdfDoc } from '../../document-libs.js';
import { cstMinute } from '#domain/deadlines.js';
import type { RankingReport } from '#domain/ranking/report.js';
import { GROUP_LABEL, movementText } from './render-xlsx.js';

const PAGE_W = 841.89;
const M = 28;
const W = PAGE_W - 2 * M;
const ROW = 15;

function row(doc: PdfDoc, y: number, widths: number[], cells: string[], head: boolean): number {
  let x = M;
  if (head)
    doc
      .rect(M, y, W, ROW * 2)
      .fill('#e8eef7')
      .fillColor('black');
  const h = head ? ROW * 2 : ROW;
  cells.forEach((cell, i) => {
    doc.rect(x, y, widths[i]!, h).lineWidth(0.5).stroke('#555555');
    doc
      .font(head ? 'cjk-bold' : 'cjk')
      .fontSize(7.5)
      .fillColor('black')
      .text(cell, x + 2, y + 4, { width: widths[i]! - 4, height: h - 4, align: i === 1 ? 'left' : 'center' });
    x += widths[i]!;
  });
  return y + h;
}

export async function rankingPdf(report: RankingReport): Promise<Buffer> {
  const { doc, finish } = await newPdf({
    size: 'A4',
    layout: 'landscape',
    margins: { top: M, left: M, right: M, bottom: 8 },
    info: { Title: `月度考核排名 ${report.month}`, Creator: '三账一表' },
  });
  const inds = report.config.indicators;
  const fixed = [34, 92, 44, 40];
  const each = (W - fixed.reduce((a, b) => a + b, 0)) / inds.length;
  const widths = [fixed[0]!, fixed[1]!, ...inds.map(() => each), fixed[2]!, fixed[3]!];
  let y = M;
  for (const g of ['department', 'township'] as const) {
    if (g === 'township') {
      doc.addPage();
      y = M;
    }
    doc
      .font('cjk-bold')
      .fontSize(15)
      .text(`${report.year}年${report.monthNumber}月 月度考核排名（${GROUP_LABEL[g]}）`, M, y, {
        width: W,
        align: 'center',
      });
    y += 22;
    doc
      .font('cjk')
      .fontSize(8)
      .fillColor('#444444')
      .text(
        `统计截止 ${report.cutoff} 00:00（北京时间） 配置版本 ${report.config.version} 生成时间 ${cstMinute(Date.parse(report.computedAt))}（系统生成）`,
        M,
        y,
        { width: W, align: 'center' },
      );
    y += 16;
    y = row(
      doc,
      y,
      widths,
      ['排名', '单位', ...inds.map((i) => `${i.label.zh}(${i.weight})`), '总分', '较上月'],
      true,
    );
    for (const r of report.groups[g]) {
      y = row(
        doc,
        y,
        widths,
        [String(r.rank ?? '—'), r.unitName, ...r.indicators.map((i) => i.points), r.total, movementText(r)],
        false,
      );
    }
    y += 10;
    doc.font('cjk-bold').fontSize(8.5).fillColor('black').text('指标与计分方法', M, y);
    y += 13;
    for (const i of inds) {
      doc
        .font('cjk')
        .fontSize(7.5)
        .text(`${i.label.zh}（权重 ${i.weight}）：${i.formula.zh}`, M, y, { width: W });
      y += 11;
    }
    doc.text('每项得分以 0.01 分为单位四舍五入；同分并列名次；项目数为 0 的单位不参与排名。', M, y, {
      width: W,
    });
  }
  return finish();
}
