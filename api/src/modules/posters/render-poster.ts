/**
 * The notice-board poster (公示牌): one A3 page per project for the village's notice board, with
 * the project's public facts, the supervision hotline and a QR code to its public page. Built only
 * from the public record (`PublicProject`), so the board shows exactly what the portal shows. The
 * QR code is drawn as vector squares (crisp at any print size), generated locally.
 */
import QRCode from 'qrcode';
import { IMPLEMENTATION_METHOD_LABELS, STAGE_LABELS } from '#domain/lifecycle.js';
import { formatYuan } from '#domain/money.js';
import type { PublicProject } from '#domain/public-schemas.js';
import { FUND_SOURCE_LABELS } from '#domain/schemas.js';
import { newPdf, type PdfDoc } from '../../document-libs.js';

const A3: [number, number] = [841.89, 1190.55];
const M = 56;
const W = A3[0] - 2 * M;

export interface PosterOptions {
  baseUrl: string;
  complaintPhone: string;
}

export const projectUrl = (baseUrl: string, code: string) =>
  `${baseUrl.replace(/\/+$/, '')}/public/projects/${encodeURIComponent(code)}`;

function qr(doc: PdfDoc, text: string, x: number, y: number, size: number) {
  const code = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = code.modules.size;
  const quiet = 4; // the quiet zone every reader needs
  const cell = size / (n + 2 * quiet);
  doc.rect(x, y, size, size).fill('white');
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++)
      if (code.modules.get(r, c)) doc.rect(x + (c + quiet) * cell, y + (r + quiet) * cell, cell, cell);
  doc.fill('black');
}

function rows(doc: PdfDoc, y: number, pairs: [string, string][]): number {
  for (const [k, v] of pairs) {
    doc.font('cjk-bold').fontSize(17).fillColor('#333333').text(k, M, y, { width: 150, lineBreak: false });
    const h = doc
      .font('cjk')
      .fontSize(17)
      .fillColor('black')
      .heightOfString(v, { width: W - 160 });
    doc.text(v, M + 160, y, { width: W - 160 });
    y += Math.max(26, h + 8);
  }
  return y;
}

function page(doc: PdfDoc, p: PublicProject, o: PosterOptions) {
  const url = projectUrl(o.baseUrl, p.code);
  doc.rect(0, 0, A3[0], 110).fill('#b3261e');
  doc
    .font('cjk-bold')
    .fontSize(44)
    .fillColor('white')
    .text('项目公示牌', M, 30, { width: W, align: 'center' });
  let y = 140;
  doc.font('cjk-bold').fontSize(30).fillColor('black').text(p.name, M, y, { width: W });
  y = doc.y + 6;
  doc
    .font('cjk')
    .fontSize(16)
    .fillColor('#555555')
    .text(`项目编号 ${p.code} · ${p.type} · ${p.year} 年度`, M, y);
  y = doc.y + 16;
  y = rows(doc, y, [
    ['资金总额', `${formatYuan(p.budgetFen)} 元`],
    ['已拨付', `${formatYuan(p.disbursedFen)} 元`],
    ['当前阶段', `${STAGE_LABELS[p.stage].zh}（进度 ${p.progressPercent}%）`],
    ['主管部门', p.department.name],
    ['项目业主', p.ownerUnit.name],
    ['建设地点', p.villages.map((v) => v.name).join('、') + (p.location ? ` ${p.location}` : '')],
    ['计划工期', `${p.plannedStart} 至 ${p.plannedCompletion}`],
    ['实际开工', p.actualDates.underway ?? '—'],
    ['实际竣工', p.actualDates.completed ?? '—'],
    ['实施方式', p.implementation ? IMPLEMENTATION_METHOD_LABELS[p.implementation.method] : '—'],
    ['施工单位', p.implementation?.contractorName ?? '—'],
    ['管护主体', p.afterCare?.owner ?? '—'],
  ]);
  y += 8;
  doc.font('cjk-bold').fontSize(20).fillColor('#1f3a68').text('资金来源', M, y);
  y = doc.y + 6;
  y = rows(
    doc,
    y,
    p.fundSources.map((s) => [
      FUND_SOURCE_LABELS[s.kind].replace('扶贫资金', ''),
      `${formatYuan(s.amountFen)} 元`,
    ]),
  );
  // The foot: hotline on the left, the QR code on the right.
  const qrSize = 250;
  const footY = A3[1] - M - qrSize - 30;
  doc
    .moveTo(M, footY - 16)
    .lineTo(M + W, footY - 16)
    .lineWidth(1)
    .stroke('#999999');
  doc.font('cjk-bold').fontSize(22).fillColor('#b3261e').text('监督举报电话', M, footY);
  doc
    .font('cjk-bold')
    .fontSize(40)
    .text(o.complaintPhone, M, footY + 34, { width: W - qrSize - 20 });
  doc
    .font('cjk')
    .fontSize(16)
    .fillColor('black')
    .text('扫描右侧二维码，查看项目资金使用、进度和公示信息，或在线举报。', M, footY + 100, {
      width: W - qrSize - 30,
    });
  qr(doc, url, M + W - qrSize, footY, qrSize);
  doc
    .font('cjk')
    .fontSize(10)
    .fillColor('#555555')
    .text(url, M + W - qrSize - 60, footY + qrSize + 6, {
      width: qrSize + 60,
      align: 'right',
      lineBreak: false,
    });
}

/** One A3 page per project, in the order given. */
export async function posterPdf(projects: PublicProject[], o: PosterOptions): Promise<Buffer> {
  const { doc, finish } = await newPdf({
    size: A3,
    margins: { top: M, left: M, right: M, bottom: 8 },
    autoFirstPage: false,
    info: {
      Title: projects.length === 1 ? `项目公示牌 ${projects[0]!.code}` : '项目公示牌',
      Creator: '三账一表',
    },
  });
  for (const p of projects) {
    doc.addPage();
    page(doc, p, o);
  }
  return finish();
}
