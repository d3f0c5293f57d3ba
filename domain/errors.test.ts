import { describe, expect, it } from 'vitest';
import { AppError, splitBilingual } from './errors.js';

describe('an error message in two languages', () => {
  it('splits the house form "中文 (English)" at its last parenthesised part', () => {
    expect(splitBilingual('动态口令错误 (wrong code)')).toEqual({ zh: '动态口令错误', en: 'wrong code' });
    expect(splitBilingual('未找到项目 (project (or its file) not found)')).toEqual({
      zh: '未找到项目',
      en: 'project (or its file) not found',
    });
    // Quoted user input in the English part keeps its Chinese.
    expect(splitBilingual('文号重复 (document number 「城水审〔2026〕8号」 is taken)').en).toBe(
      'document number 「城水审〔2026〕8号」 is taken',
    );
  });

  it('keeps a message that is not in the house form whole in both languages', () => {
    for (const m of ['不能包含空字符', 'plain English', '金额（单位：分）', '请求体 (NUL 字符)'])
      expect(splitBilingual(m)).toEqual({ zh: m, en: m });
  });

  it('answers in the language asked, from the pair or from the house form', () => {
    const pair = new AppError('NOT_FOUND', { zh: '未找到', en: 'not found' });
    expect([pair.messageIn('zh-CN'), pair.messageIn('en'), pair.message]).toEqual([
      '未找到',
      'not found',
      '未找到 (not found)',
    ]);
    const old = new AppError('FORBIDDEN', '无权执行此操作 (not allowed)');
    expect([old.messageIn('zh-CN'), old.messageIn('en')]).toEqual(['无权执行此操作', 'not allowed']);
  });

  it("gives each field's message in the language asked, from a pair or from the house form", () => {
    const sut = new AppError('VALIDATION_FAILED', { zh: '请求内容不合法', en: 'invalid request' }, [
      { path: 'body.a', message: { zh: '不能为空', en: 'must not be empty' } },
      { path: 'body.b', message: '金额须大于 0 (must be greater than 0)' },
      { path: 'body.c', message: 'already in one language' },
      { other: 'kept as it is' },
    ]);
    expect(sut.detailsIn('en')).toEqual([
      { path: 'body.a', message: 'must not be empty' },
      { path: 'body.b', message: 'must be greater than 0' },
      { path: 'body.c', message: 'already in one language' },
      { other: 'kept as it is' },
    ]);
    expect((sut.detailsIn('zh-CN') as { message?: string }[]).map((d) => d.message)).toEqual([
      '不能为空',
      '金额须大于 0',
      'already in one language',
      undefined,
    ]);
    expect(new AppError('CONFLICT', 'x', { totpRequired: true }).detailsIn('en')).toEqual({
      totpRequired: true,
    });
  });

  it('says a { zh, en } pair anywhere in the details in the language asked, and nothing else', () => {
    const sut = new AppError(
      'TRANSITION_NOT_ALLOWED',
      { zh: '不予验收', en: 'refused' },
      {
        missing: [{ item: 'afterCare', label: { zh: '管护主体', en: 'After-care owner' } }],
        kept: { zh: '三个键', en: 'three keys', note: 1 },
      },
    );
    expect(sut.detailsIn('en')).toEqual({
      missing: [{ item: 'afterCare', label: 'After-care owner' }],
      kept: { zh: '三个键', en: 'three keys', note: 1 },
    });
    expect(sut.detailsIn('zh-CN')).toMatchObject({ missing: [{ label: '管护主体' }] });
  });
});
