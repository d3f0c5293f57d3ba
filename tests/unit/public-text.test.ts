/**
 * Free text shown on the public portal (notices, construction content, after-care duty): a
 * person's mobile is masked however it is written; the numbers a notice publishes on purpose (the
 * 12317 hotline, an office's supervision landline) are not.
 */
import { describe, expect, it } from 'vitest';
import { publicText } from '#domain/public-schemas.js';

describe('mobile numbers in public free text', () => {
  it('masks a mobile after +86 or 86, grouped by dots, spaces or dashes', () => {
    expect(publicText('电话+8613812345678 或 138.1234.5678。')).toBe('电话+86*********78 或 138********78。');
    expect(publicText('电话 8613812345678')).toBe('电话 861********78');
    expect(publicText('电话 +86 139 1234 5678')).toBe('电话 +86************78');
    expect(publicText('电话 0086-13812345678')).toBe('电话 0086-138******78');
    expect(publicText('电话 1381-234-5678')).toBe('电话 138********78');
  });

  it('masks a mobile in full-width digits and dots, or in Chinese numerals', () => {
    expect(publicText('电话１３８．１２３４．５６７８')).toBe('电话１３８********７８');
    expect(publicText('电话一三八一二三四五六七八')).toBe('电话一三八******七八');
    expect(publicText('电话幺三八 一二三四 五六七八')).toBe('电话幺三八********七八');
  });

  it('leaves the 12317 hotline and a published supervision landline as they are', () => {
    const notice = '监督举报电话：023-59221234，全国扶贫监督举报电话 12317';
    expect(publicText(notice)).toBe(notice);
    expect(publicText('投诉电话 023 59221234')).toBe('投诉电话 023 59221234');
    expect(publicText('县专项监督办公室电话 023-59221234')).toBe('县专项监督办公室电话 023-59221234');
    // A landline not published as an office's is still masked, a person's after an office's word too.
    expect(publicText('座机 023-87654321')).toBe('座机 023*******21');
    expect(publicText('村监督小组组长李华 023-59221234')).toBe('村监督小组组长李华 023*******34');
    expect(publicText('村务监督员赵刚家 0831-5921234')).toBe('村务监督员赵刚家 083*******34');
  });

  it('leaves amounts, dates and codes alone', () => {
    const plain = '批复 1,234,567.00 元，13.5 公里，2026-03-01 至 2026-03-10，项目 CK2026-028，一二三组';
    expect(publicText(plain)).toBe(plain);
    // Eleven digits that are a sum of money, not a phone.
    for (const amount of [
      '总投资 135820000.00 元',
      '合计 135 000 000.00 元',
      '下达 13582000000 元',
      '一三五八二零零零零零零元',
    ])
      expect(publicText(amount)).toBe(amount);
  });
});
