import { describe, expect, it } from 'vitest';
import { CjkFontMissingError, cjkFonts } from './cjk-font.js';

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
});
