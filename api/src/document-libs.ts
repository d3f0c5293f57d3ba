/**
 * The libraries that write and read documents (exceljs for workbooks, pdfkit with fontkit for
 * PDFs), loaded by the first request that needs one and kept. Imported at start they cost about
 * half a second of every api start and of every process that imports the app (workers, scripts,
 * each test file), most of which never render a file.
 */
import fs from 'node:fs';
import type ExcelJS from 'exceljs';
import type { Font } from 'fontkit';
import type PDFDocument from 'pdfkit';
import { AppError } from '#domain/errors.js';
import { lazy } from '#platform/lazy.js';
import { CjkFontMissingError, cjkFonts, fallbackFontFiles } from '#platform/cjk-font.js';
import { withFallbackGlyphs } from './pdf-fallback.js';

export type PdfDoc = InstanceType<typeof PDFDocument>;
/** The CJK faces each document registers as `cjk` and `cjk-bold`. */
type CjkPdfFonts = { regular: Font; bold: Font };

export const excelJs: () => Promise<typeof ExcelJS> = lazy(async () => (await import('exceljs')).default);

const pdfDocument = lazy(async () => (await import('pdfkit')).default);
const fontkit = lazy(() => import('fontkit'));

/**
 * Parsed once per process: pdfkit accepts a fontkit font, and reusing it keeps its parsed tables and
 * glyph cache warm (parsing the CJK collection per document costs more than the whole page).
 * Not kept while the font is missing, so installing it needs no restart.
 */
let parsed: CjkPdfFonts | null = null;
let createFont: ((data: Buffer) => unknown) | null = null;
async function pdfFonts(): Promise<CjkPdfFonts> {
  if (!parsed) {
    let f: ReturnType<typeof cjkFonts>;
    try {
      f = cjkFonts();
    } catch (err) {
      // Say what to install, not "internal error": this is the deployment's fix to make.
      if (err instanceof CjkFontMissingError) throw new AppError('UNAVAILABLE', err.text);
      throw err;
    }
    const { create } = await fontkit();
    createFont = create;
    const open = (x: { data: Buffer; face?: string }) => create(x.data, x.face) as Font;
    const regular = open(f.regular);
    parsed = { regular, bold: f.bold === f.regular ? regular : open(f.bold) };
  }
  return parsed;
}

/** pdfkit's document class and the CJK fonts (regular, bold) to register on each document. */
export async function pdfKit(): Promise<{ PDFDocument: typeof PDFDocument } & CjkPdfFonts> {
  const [doc, fonts] = await Promise.all([pdfDocument(), pdfFonts()]);
  return { PDFDocument: doc, ...fonts };
}

/**
 * The faces for characters the CJK face lacks, parsed by the first text that needs one (a few
 * tens of MB, and most documents never do). Not kept while none is installed.
 */
let fallbacks: Font[] | null = null;
function fallbackFonts(): readonly Font[] {
  if (fallbacks) return fallbacks;
  const found = fallbackFontFiles().map((f) => createFont!(fs.readFileSync(f)) as Font);
  if (found.length > 0) fallbacks = found;
  return found;
}

/**
 * A new PDF with the CJK faces registered as `cjk` and `cjk-bold`, its text drawn with the
 * characters they lack taken from the fallback faces; `finish` ends it and gives its bytes.
 */
export async function newPdf(
  options: PDFKit.PDFDocumentOptions,
): Promise<{ doc: PdfDoc; finish: () => Promise<Buffer> }> {
  const { PDFDocument, regular, bold } = await pdfKit();
  const doc = new PDFDocument(options);
  doc.registerFont('cjk', regular as never);
  doc.registerFont('cjk-bold', bold as never);
  withFallbackGlyphs(doc, { cjk: regular, 'cjk-bold': bold }, fallbackFonts);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  return {
    doc,
    finish: async () => {
      doc.end();
      await done;
      return Buffer.concat(chunks);
    },
  };
}
