import { describe, expect, it } from 'vitest';
import { CjkFontMissingError, cjkFonts, fallbackFontFiles } from './cjk-font.js';

describe('CJK font for PDFs', () => {
  it('names the Debian package when the font is missing', () => {
    expect(() => cjkFonts({ CJK_FONT_PATH: '/nonexistent/font.ttc' })).toThrow(CjkFontMissingError);
    expect(() => cjkFonts({ CJK_FONT_PATH: '/nonexistent/font.ttc' })).toThrow(/fonts-noto-cjk/);
  });
  it('finds Noto Sans CJK where fonts-noto-cjk installs it', () => {
    const f = cjkFonts({});
    expect(f.regular.data.length).toBeGreaterThan(1_000_000);
    expect(f.regular.face).toBe('NotoSansCJKsc-Regular');
  });
  it('finds the fallback faces where their packages install them, or those listed that are there', () => {
    expect(fallbackFontFiles({}).map((f) => f.split('/').pop())).toEqual([
      'HanaMinB.ttf',
      'Symbola_hint.ttf',
    ]);
    const listed = '/nonexistent/a.ttf:/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf';
    expect(fallbackFontFiles({ PDF_FALLBACK_FONTS: listed })).toEqual([listed.split(':')[1]]);
    expect(fallbackFontFiles({ PDF_FALLBACK_FONTS: '' })).toEqual([]);
  });
});
