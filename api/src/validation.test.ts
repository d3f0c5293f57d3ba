import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, schemaText } from '#domain/errors.js';
import { isoDate } from '#domain/schemas.js';
import { parseOr422 } from './validation.js';

/** The 422 parseOr422 throws, as the caller would read it. */
function refusal(schema: z.ZodType, value: unknown, lang: 'zh-CN' | 'en') {
  try {
    parseOr422(schema, value, 'body', lang);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { message: err.messageIn(lang), details: err.detailsIn(lang) };
  }
  throw new Error('accepted');
}

describe('a refused request body', () => {
  const sut = z.object({
    on: isoDate,
    note: z.string().superRefine((s, ctx) => {
      if (s === 'x') ctx.addIssue({ code: 'custom', message: schemaText({ zh: '不能是 x', en: 'not x' }) });
    }),
  });

  it("names each field with the schema's own message in the caller's language", () => {
    const body = { on: '1800-01-01', note: 'x' };
    expect(refusal(sut, body, 'en')).toEqual({
      message: 'invalid body: body.on: a date from 1990-01-01 to 2100-12-31; body.note: not x',
      details: [
        { path: 'body.on', message: 'a date from 1990-01-01 to 2100-12-31' },
        { path: 'body.note', message: 'not x' },
      ],
    });
    expect(refusal(sut, body, 'zh-CN').details).toEqual([
      { path: 'body.on', message: '日期须在 1990-01-01 至 2100-12-31 之间' },
      { path: 'body.note', message: '不能是 x' },
    ]);
  });

  it('leaves parses outside the api (the console) in Chinese', () => {
    refusal(sut, { on: '1800-01-01', note: 'x' }, 'en');
    const outside = sut.safeParse({ on: '1800-01-01', note: 'x' });
    expect(outside.success ? [] : outside.error.issues.map((i) => i.message)).toEqual([
      '日期须在 1990-01-01 至 2100-12-31 之间',
      '不能是 x',
    ]);
  });
});
