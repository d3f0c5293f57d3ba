/**
 * A rectification notice as an official document (公文): the issuing office's red header and the
 * red line beneath it, the serial, the addressee, the problems table with each problem's basis
 * and deadline, the overall deadline, and the seal area. Chinese is rendered with the embedded
 * CJK font (platform/cjk-font.ts), subset to the glyphs used.
 */
import { newPdf, type PdfDoc } from '../../document-libs.js';
import type { z } from 'zod';
import { cstDate } from '#domain/deadlines.js';
import type { rectificationDetailSchema } from '#domain/rectification-schemas.js';

type Detail = z.infer<typeof rectificationDetailSchema>;
const PAGE_W = 595.28;
const PAGE_H = 841.89;
const M = 56;
const W = PAGE_W - 2 * M;
const RED = '#c00000';
/** Columns of the problems table: 序号, 项目, 存在问题, 整改依据, 时限, 截止日期. */
const COLS = [0.6, 1.6, 3.4, 2.6, 0.9, 1.4];
const HEAD = ['序号', '项目', '存在问题', '整改依据', '时限', '截止日期'];

const cnDate = (d: string) =>
  `${Number(d.slice(0, 4))}年${Number(d.slice(5, 7))}月${Number(d.slice(8, 10))}日`;

/** One row of the table, cells wrapped; a row that would run off the page starts a new one. */
function row(doc: PdfDoc, y: number, cells: string[], head: boolean): number {
  const total = COLS.reduce((a, b) => a + b, 0);
  const ws = COLS.map((c) => (c / total) * W);
  doc.font(head ? 'cjk-bold' : 'cjk').fontSize(9);
  const h = Math.max(18, ...cells.map((c, i) => doc.heightOfString(c, { width: ws[i]! - 8 }) + 8));
  if (y + h > PAGE_H - M) {
    doc.addPage();
    y = M;
  }
  let x = M;
  cells.forEach((c, i) => {
    if (head) doc.rect(x, y, ws[i]!, h).fill('#f2f2f2').fillColor('black');
    doc.rect(x, y, ws[i]!, h).lineWidth(0.6).stroke('#333333');
    doc
      .font(head ? 'cjk-bold' : 'cjk')
      .fontSize(9)
      .fillColor('black')
      .text(c, x + 4, y + 4, { width: ws[i]! - 8, align: head || i === 0 || i >= 4 ? 'center' : 'left' });
    x += ws[i]!;
  });
  return y + h;
}

export async function rectificationPdf(n: Detail): Promise<Buffer> {
  const { doc, finish } = await newPdf({
    size: 'A4',
    margins: { top: M, left: M, right: M, bottom: 8 },
    info: { Title: `整改通知书 ${n.serial}`, Creator: '三账一表' },
  });

  // 红头: the issuing office in red, the serial, and the red line.
  doc.font('cjk-bold').fontSize(26).fillColor(RED).text(n.issuer.name, M, M, { width: W, align: 'center' });
  doc
    .font('cjk')
    .fontSize(12)
    .fillColor('black')
    .text(n.serial, M, M + 48, { width: W, align: 'center' });
  doc
    .moveTo(M, M + 70)
    .lineTo(M + W, M + 70)
    .lineWidth(2)
    .stroke(RED);

  doc
    .font('cjk-bold')
    .fontSize(18)
    .fillColor('black')
    .text('整改通知书', M, M + 86, { width: W, align: 'center' });
  doc
    .font('cjk')
    .fontSize(12)
    .text(n.title, M, M + 114, { width: W, align: 'center' });

  let y = M + 146;
  doc.font('cjk').fontSize(12).text(`${n.unit.name}：`, M, y);
  y += 24;
  const days = n.dayCount === 'working' ? '工作日' : '日历日';
  const intro =
    `经监督检查，你单位存在下列问题。根据有关规定，现通知你单位限期整改：请在各问题的整改期限内（按${days}计算）完成整改，` +
    '并通过“三账一表”系统逐项答复整改情况、上传佐证材料。逾期未整改的，将依次予以预警、上报县级督办，并约谈单位主要负责人。';
  doc.text(intro, M, y, { width: W, indent: 24, lineGap: 3 });
  y = doc.y + 12;

  y = row(doc, y, HEAD, true);
  for (const p of n.problems) {
    y = row(
      doc,
      y,
      [
        String(p.seq),
        p.project ? `${p.project.code} ${p.project.name}` : '—',
        p.description,
        p.basis,
        `${p.deadlineDays}${n.dayCount === 'working' ? '个工作日' : '天'}`,
        p.firstDueDate,
      ],
      false,
    );
  }
  y += 12;
  if (y + 150 > PAGE_H - M) {
    doc.addPage();
    y = M;
  }
  doc
    .font('cjk')
    .fontSize(12)
    .fillColor('black')
    .text(`整改期限：最迟于 ${cnDate(n.dueDate)} 前完成全部整改并书面答复。`, M, y, { width: W });
  y = doc.y + 6;
  const state =
    n.status === 'withdrawn'
      ? `本通知书已撤回：${n.withdrawnReason ?? ''}`
      : n.status === 'closed'
        ? `本通知书已办结${n.closedOnTime ? '（按期整改）' : '（逾期整改）'}。`
        : null;
  if (state) {
    doc.fillColor(n.status === 'withdrawn' ? RED : 'black').text(state, M, y, { width: W });
    y = doc.y + 6;
  }

  // Seal area (盖章处): the issuer and the date, right-aligned, with the seal's place marked.
  const sealX = M + W - 170;
  const sealY = y + 24;
  doc
    .circle(sealX + 85, sealY + 30, 42)
    .lineWidth(1)
    .dash(3, { space: 3 })
    .stroke(RED)
    .undash();
  doc
    .fillColor(RED)
    .fontSize(9)
    .text('（印章）', sealX, sealY + 25, { width: 170, align: 'center' });
  doc
    .fillColor('black')
    .fontSize(12)
    .text(n.issuer.name, sealX, sealY + 80, { width: 170, align: 'center' })
    .text(cnDate(cstDate(Date.parse(n.issuedAt))), sealX, sealY + 100, { width: 170, align: 'center' });
  return finish();
}
