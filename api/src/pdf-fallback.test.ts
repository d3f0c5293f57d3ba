import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Font } from 'fontkit';
import { afterEach, describe, expect, it } from 'vitest';
import { newPdf, pdfKit } from './document-libs.js';
import { runsOf } from './pdf-fallback.js';

/** The faces a PDF embeds, as poppler lists them (subset prefixes dropped). */
async function facesOf(draw: (doc: Awaited<ReturnType<typeof newPdf>>['doc']) => void): Promise<string[]> {
  const { doc, finish } = await newPdf({ size: 'A5' });
  draw(doc);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fallback-'));
  const file = path.join(dir, 'f.pdf');
  fs.writeFileSync(file, await finish());
  const listed = execFileSync('pdffonts', [file], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  return [...listed.matchAll(/^[A-Z]{6}\+(\S+)/gm)].map((m) => m[1]!);
}

describe('characters the CJK face lacks', () => {
  const saved = process.env.PDF_FALLBACK_FONTS;
  afterEach(() => {
    if (saved === undefined) delete process.env.PDF_FALLBACK_FONTS;
    else process.env.PDF_FALLBACK_FONTS = saved;
  });

  it('are painted as boxes with no fallback face installed, and from one once it is, without a restart', async () => {
    const name = (doc: Awaited<ReturnType<typeof newPdf>>['doc']) =>
      doc.font('cjk').text('领款人：王𪚥 😀', 20, 20, { width: 200, align: 'center' });
    process.env.PDF_FALLBACK_FONTS = '';
    expect(await facesOf(name)).toEqual(['NotoSansCJKsc-Regular']);
    delete process.env.PDF_FALLBACK_FONTS;
    expect((await facesOf(name)).sort()).toEqual(['HanaMinB', 'NotoSansCJKsc-Regular', 'Symbola']);
    // A text the face has throughout embeds nothing more; bold falls back the same way.
    expect(await facesOf((doc) => doc.font('cjk').text('项目明细表 2026'))).toEqual([
      'NotoSansCJKsc-Regular',
    ]);
    expect((await facesOf((doc) => doc.font('cjk-bold').text('𠀀家湾'))).sort()).toEqual([
      'HanaMinB',
      'NotoSansCJKsc-Bold',
    ]);
  });

  it('are split into runs of the first face that has them; one no face has stays in the asked face', async () => {
    const { regular } = await pdfKit();
    const has = (chars: string) =>
      ({ hasGlyphForCodePoint: (cp: number) => [...chars].some((c) => c.codePointAt(0) === cp) }) as Font;
    const fallbacks = () => [has('𪚥𠀀'), has('😀')];
    expect(runsOf('项目明细表\n2026', regular, fallbacks)).toBeNull();
    expect(runsOf('王𪚥𠀀村😀，𰻝', regular, fallbacks)).toEqual([
      { face: null, text: '王' },
      { face: 0, text: '𪚥𠀀' },
      { face: null, text: '村' },
      { face: 1, text: '😀' },
      { face: null, text: '，𰻝' },
    ]);
  });
});
