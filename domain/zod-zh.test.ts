import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseIn } from './parse-in.js';

const messagesOf = (schema: z.ZodType, value: unknown) => {
  const r = parseIn(schema, value, 'zh-CN');
  return r.success ? [] : r.issues.map((i) => i.message);
};

describe('zod in Chinese', () => {
  it('says sizes and types in Chinese only, with the limit', () => {
    const said = [
      ...messagesOf(z.number().int().min(1), 0),
      ...messagesOf(z.number().max(100), 101),
      ...messagesOf(z.number().gt(0), 0),
      ...messagesOf(z.string().min(2), 'a'),
      ...messagesOf(z.array(z.string()).max(1), ['a', 'b']),
      ...messagesOf(z.number(), 'seven'),
      ...messagesOf(z.object({ name: z.string() }), {}),
    ];
    expect(said).toEqual([
      '数值过小：须不小于 1',
      '数值过大：须不大于 100',
      '数值过小：须大于 0',
      '过短：至少 2 个字符',
      '过长：至多 1 项',
      '类型不对：须为数字，收到的是文本',
      '缺少此项：须为文本',
    ]);
    for (const m of said) expect(m).not.toMatch(/number|string|array|[<>]=?/);
  });

  it('leaves what zod already says in Chinese as it was', () => {
    expect(messagesOf(z.enum(['a', 'b']), 'c')).toEqual(['无效选项：期望以下之一 "a"|"b"']);
  });
});
