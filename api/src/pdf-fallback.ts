/**
 * Text painted in a PDF's CJK faces, with the characters they lack painted from fallback faces
 * (platform/cjk-font.ts): pdfkit paints a character its font has no glyph for as an empty box. A
 * line whose every character the face has, nearly all of them, is painted as it was laid out.
 */
import type { Font } from 'fontkit';
import type { PdfDoc } from './document-libs.js';

/** A run of characters drawn in one face: `null` the face asked for. */
interface Run {
  face: number | null;
  text: string;
}

/** The runs of `s`, or null when no fallback face has a character `face` lacks (the common case: `face` has them all). */
export function runsOf(s: string, face: Font, fallbacks: () => readonly Font[]): Run[] | null {
  // Controls (a line break) have no glyph in any face and are the line wrapper's, not a box.
  const lacks = (cp: number) => cp >= 0x20 && !face.hasGlyphForCodePoint(cp);
  const chars = [...s];
  if (!chars.some((ch) => lacks(ch.codePointAt(0)!))) return null;
  const runs: Run[] = [];
  for (const ch of chars) {
    const cp = ch.codePointAt(0)!;
    const i = lacks(cp) ? fallbacks().findIndex((f) => f.hasGlyphForCodePoint(cp)) : -1;
    // A character no face has stays in the face asked for: its box, but the text goes on.
    const faceOf = i < 0 ? null : i;
    const last = runs.at(-1);
    if (last && last.face === faceOf) last.text += ch;
    else runs.push({ face: faceOf, text: ch });
  }
  // None of them in any fallback face (none installed): painted as it was laid out, boxes and all.
  return runs.some((r) => r.face !== null) ? runs : null;
}

/** What of pdfkit's own this reaches: the painting of one laid-out line and the size in use. */
interface PdfInternals {
  _fragment(text: string, x: number, y: number, options: FragmentOptions): void;
  _fontSize: number;
}
interface FragmentOptions {
  align?: string;
  width?: number;
  lineWidth?: number;
  textWidth?: number;
  baseline?: number | string;
  [k: string]: unknown;
}

/**
 * Makes `doc` paint the characters that the face set by `doc.font` lacks from `fallbacks` (read
 * only when first needed); `faces` are the registered names whose glyphs are checked. pdfkit still
 * lays the text out in the face asked for, so wrapping, alignment and the flow below are as they
 * were; only a line holding such a character is painted in runs, each in the first face that has
 * it, on the asked face's baseline.
 */
export function withFallbackGlyphs(
  doc: PdfDoc,
  faces: Readonly<Record<string, Font>>,
  fallbacks: () => readonly Font[],
): void {
  const inner = doc as unknown as PdfInternals;
  const font = doc.font.bind(doc) as (...a: unknown[]) => PdfDoc;
  const fragment = inner._fragment.bind(doc);
  const registered = new Set<number>();
  let current: string | undefined;
  doc.font = ((src: unknown, ...rest: unknown[]) => {
    current = typeof src === 'string' ? src : undefined;
    return font(src, ...rest);
  }) as PdfDoc['font'];
  inner._fragment = (text, x, y, options) => {
    const asked = current;
    const face = asked === undefined ? undefined : faces[asked];
    const runs =
      face && options.align !== 'justify' ? runsOf(text.replace(/\n/g, ''), face, fallbacks) : null;
    if (!runs || !face) return fragment(text, x, y, options);
    // Where pdfkit would start the line, measured in the asked face as it laid the line out.
    let at = x;
    if (options.width && options.align === 'right')
      at += options.lineWidth! - doc.widthOfString(text.replace(/\s+$/, ''), options as never);
    else if (options.width && options.align === 'center')
      at += options.lineWidth! / 2 - options.textWidth! / 2;
    // The asked face's top-of-line offset, for every run: each face has its own ascender.
    const baseline =
      options.baseline === undefined || options.baseline === 'top'
        ? -((face.ascent / face.unitsPerEm) * inner._fontSize)
        : options.baseline;
    for (const r of runs) {
      if (r.face === null) font(asked);
      else {
        if (!registered.has(r.face)) doc.registerFont(`fallback-${r.face}`, fallbacks()[r.face] as never);
        registered.add(r.face);
        font(`fallback-${r.face}`);
      }
      const run = {
        ...options,
        align: 'left',
        width: undefined,
        textWidth: undefined,
        wordCount: undefined,
        baseline,
      };
      fragment(r.text, at, y, run);
      at += doc.widthOfString(r.text, run as never);
    }
    font(asked);
  };
}
