import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '#domain/errors.js';
import { pdfKit } from './document-libs.js';

describe('pdfKit', () => {
  const saved = process.env.CJK_FONT_PATH;
  afterEach(() => {
    if (saved === undefined) delete process.env.CJK_FONT_PATH;
    else process.env.CJK_FONT_PATH = saved;
  });

  it('answers a missing font with UNAVAILABLE, and renders once the font is there without a restart', async () => {
    process.env.CJK_FONT_PATH = '/nonexistent/font.ttc';
    const refused = await pdfKit().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('UNAVAILABLE');
    expect(String((refused as AppError).message)).toMatch(/fonts-noto-cjk/);

    delete process.env.CJK_FONT_PATH;
    const { PDFDocument, regular, bold } = await pdfKit();
    const doc = new PDFDocument({ size: 'A4' });
    doc.registerFont('cjk', regular as never);
    doc.registerFont('cjk-bold', bold as never);
    doc.font('cjk').text('项目明细表');
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    const done = new Promise((r) => doc.on('end', r));
    doc.end();
    await done;
    expect(Buffer.concat(chunks).subarray(0, 5).toString()).toBe('%PDF-');
    // The fonts are parsed once and kept.
    expect((await pdfKit()).regular).toBe(regular);
  });
});
