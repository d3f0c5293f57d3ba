/**
 * What a phone's camera reads from a notice-board poster: the PDF's first page rendered by
 * pdftoppm (poppler) as a grey image, its QR code decoded with jsQR.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jsqr from 'jsqr';

/** The text of the QR code on the poster's first page, or null when none decodes. */
export function posterQrText(pdf: Uint8Array): string | null {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poster-qr-'));
  try {
    const file = path.join(dir, 'poster.pdf');
    fs.writeFileSync(file, pdf);
    // 60 dpi is enough for a QR code printed several centimetres wide on A3.
    execFileSync('pdftoppm', ['-r', '60', '-gray', '-f', '1', '-l', '1', file, path.join(dir, 'page')]);
    const image = fs.readdirSync(dir).find((f) => f.startsWith('page'))!;
    const { width, height, rgba } = readPgm(fs.readFileSync(path.join(dir, image)));
    return jsqr.default(rgba, width, height)?.data ?? null;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A binary PGM (P5) from pdftoppm -gray as the RGBA jsQR reads. */
function readPgm(buf: Buffer): { width: number; height: number; rgba: Uint8ClampedArray } {
  const header = buf.subarray(0, 64).toString('latin1');
  const m = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(header)!;
  const width = Number(m[1]);
  const height = Number(m[2]);
  const px = buf.subarray(m[0].length);
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba[i * 4] = rgba[i * 4 + 1] = rgba[i * 4 + 2] = px[i]!;
    rgba[i * 4 + 3] = 255;
  }
  return { width, height, rgba };
}
