/**
 * The CJK font embedded in generated PDFs. PDF viewers do not have Chinese glyphs of their own, so
 * the font travels inside the file (subset to the glyphs used). We use Noto Sans CJK from the
 * Debian package fonts-noto-cjk (SIL OFL); CJK_FONT_PATH points at another .ttc/.otf/.ttf.
 * Read once and cached: the collection is ~20 MB and parsing is lazy.
 */
import fs from 'node:fs';
import type { Bilingual } from '#domain/errors.js';

const REGULAR = [
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc',
];
const BOLD = [
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc',
  '/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc',
  '/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc',
];

export interface CjkFont {
  data: Buffer;
  /** Face inside a collection (.ttc), else undefined. */
  face?: string;
}

let cached: { regular: CjkFont; bold: CjkFont } | null = null;

export class CjkFontMissingError extends Error {
  /** What to do, in each language: the api shows it to the person who asked for a PDF. */
  readonly text: Bilingual;
  constructor(tried: string[]) {
    const text = {
      zh:
        `没有找到中文字体（已查找 ${tried.join(', ')}）。` +
        '请安装 Debian 软件包 fonts-noto-cjk（apt-get install fonts-noto-cjk），或将 CJK_FONT_PATH 设为一个 .ttc/.otf/.ttf 字体。',
      en:
        `No CJK font found (tried ${tried.join(', ')}). ` +
        'Install the Debian package fonts-noto-cjk (apt-get install fonts-noto-cjk) or set CJK_FONT_PATH to a .ttc/.otf/.ttf font.',
    };
    super(`${text.zh}\n${text.en}`);
    this.text = text;
    this.name = 'CjkFontMissingError';
  }
}

function load(file: string, weight: 'Regular' | 'Bold'): CjkFont {
  return { data: fs.readFileSync(file), face: file.endsWith('.ttc') ? `NotoSansCJKsc-${weight}` : undefined };
}

export function cjkFonts(env: NodeJS.ProcessEnv = process.env): { regular: CjkFont; bold: CjkFont } {
  if (cached) return cached;
  const override = env.CJK_FONT_PATH;
  if (override) {
    if (!fs.existsSync(override)) throw new CjkFontMissingError([override]);
    const f = { data: fs.readFileSync(override), face: env.CJK_FONT_FACE || undefined };
    cached = { regular: f, bold: f };
    return cached;
  }
  const regular = REGULAR.find((f) => fs.existsSync(f));
  if (!regular) throw new CjkFontMissingError(REGULAR);
  const bold = BOLD.find((f) => fs.existsSync(f));
  cached = { regular: load(regular, 'Regular'), bold: bold ? load(bold, 'Bold') : load(regular, 'Regular') };
  return cached;
}

/**
 * Faces for the characters Noto Sans CJK lacks, tried in order: it has 2,108 of the 42,720
 * characters of CJK Extension B and no emoji, and a rare character of a person's or a place's name
 * printed as an empty box. HanaMinB (Debian fonts-hanazono) has Extensions B–F; Symbola
 * (fonts-symbola) emoji and symbols in outline. PDF_FALLBACK_FONTS, a `:`-separated list of
 * .ttf/.otf files, replaces the list; those not installed are left out.
 */
const FALLBACKS = [
  '/usr/share/fonts/truetype/hanazono/HanaMinB.ttf',
  '/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf',
];

export function fallbackFontFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const listed = env.PDF_FALLBACK_FONTS !== undefined ? env.PDF_FALLBACK_FONTS.split(':') : FALLBACKS;
  return listed.filter((f) => f !== '' && fs.existsSync(f));
}
