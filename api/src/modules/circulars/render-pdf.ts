/**
 * The circular as a PDF laid out like the office's printed 通报: the red masthead and rule, the
 * number of the issue, the title, the five parts with their headings, the issuer and date at the
 * foot. Text flows over as many A4 pages as it needs; Chinese with the embedded CJK font.
 */
import type { CircularDto } from '#domain/circular/schemas.js';
import { cstDate } from '#domain/deadlines.js';
import { newPdf } from '../../document-libs.js';

const M = 64;
const RED = '#c00000';

/** "2026-12-05T…" → "2026年12月5日" in local time (Asia/Shanghai). */
export function localDateText(isoInstant: string): string {
  const [y, m, d] = cstDate(Date.parse(isoInstant)).split('-');
  return `${y}年${Number(m)}月${Number(d)}日`;
}

export async function circularPdf(c: CircularDto): Promise<Buffer> {
  const { doc, finish } = await newPdf({
    size: 'A4',
    margins: { top: M, left: M, right: M, bottom: M },
    info: { Title: c.title, Creator: '三账一表' },
  });
  const width = doc.page.width - 2 * M;

  if (c.status === 'draft')
    doc
      .font('cjk-bold')
      .fontSize(12)
      .fillColor('#888888')
      .text('草稿（未发布）', M, M - 36, { width, align: 'right' });
  doc
    .font('cjk-bold')
    .fontSize(30)
    .fillColor(RED)
    .text(`${c.issuer || '县专项监督办'}通报`, M, M, { width, align: 'center', characterSpacing: 4 });
  const [year, month] = c.month.split('-');
  doc
    .moveDown(0.3)
    .font('cjk')
    .fontSize(12)
    .fillColor('black')
    .text(`${year}年第${Number(month)}期${c.edition > 1 ? `（第${c.edition}版）` : ''}`, {
      width,
      align: 'center',
    });
  const ruleY = doc.y + 6;
  doc
    .moveTo(M, ruleY)
    .lineTo(M + width, ruleY)
    .lineWidth(1.5)
    .stroke(RED);
  doc.y = ruleY + 18;

  doc.font('cjk-bold').fontSize(18).fillColor('black').text(c.title, M, doc.y, { width, align: 'center' });
  doc.moveDown(1);
  for (const s of c.sections) {
    doc.font('cjk-bold').fontSize(14).text(s.heading, M, doc.y, { width });
    doc.moveDown(0.3);
    for (const para of s.body.split('\n').filter((p) => p.trim() !== '')) {
      doc
        .font('cjk')
        .fontSize(12)
        .text(para.trim(), M, doc.y, { width, indent: 24, lineGap: 4, align: 'justify' });
      doc.moveDown(0.2);
    }
    doc.moveDown(0.6);
  }
  doc.moveDown(1);
  doc
    .font('cjk')
    .fontSize(12)
    .text(c.issuer || '县专项监督办', { width, align: 'right' });
  doc.text(localDateText(c.publishedAt ?? c.generatedAt), { width, align: 'right' });
  return finish();
}
