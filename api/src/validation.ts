/**
 * Request validation shared by every route: the caller's language, the checks every string of a
 * request passes once (whatever its route's schemas say), and zod failures as a 422 naming each
 * field in that language.
 */
import type { Request } from 'express';
import type { z } from 'zod';
import { AppError } from '#domain/errors.js';
import { parseIn, type Lang } from '#domain/parse-in.js';
import { textProblem } from '#domain/schemas.js';
import { keysNotRead } from './schema-keys.js';

export type { Lang };

/**
 * The caller's language: English when Accept-Language prefers it to Chinese, otherwise zh-CN (also
 * without the header). The console sends its own language setting in that header.
 */
export function localeOf(req: Request): Lang {
  const best = req.acceptsLanguages('zh-CN', 'zh', 'en');
  return typeof best === 'string' && best.startsWith('en') ? 'en' : 'zh-CN';
}

/** No JSON body any route takes nests deeper than this (arrays of objects of arrays…). */
export const MAX_DEPTH = 16;

interface Issue {
  path: string;
  message: string;
}

const MESSAGES = {
  'zh-CN': {
    nul: '不能包含空字符（NUL）',
    surrogate: '含有不成对的代理字符，不是合法的 Unicode 文本',
    deep: `嵌套层数超过 ${MAX_DEPTH} 层`,
    unknownParameter: '不支持的查询参数',
    unknownField: '不支持的字段',
    invalid: (where: string) => `请求内容不合法（${where}）`,
  },
  en: {
    nul: 'must not contain a NUL character',
    surrogate: 'contains a lone surrogate: not valid Unicode text',
    deep: `nested deeper than ${MAX_DEPTH} levels`,
    unknownParameter: 'not a parameter of this request',
    unknownField: 'not a field of this request',
    invalid: (where: string) => `invalid ${where}`,
  },
} as const;

function refuse(where: string, issues: Issue[], lang: Lang): never {
  const text = `${MESSAGES[lang].invalid(where.split('.')[0]!)}: ${issues.map((d) => `${d.path}: ${d.message}`).join('; ')}`;
  // Already in the caller's language: the same text whichever way it is read.
  throw new AppError('VALIDATION_FAILED', { zh: text, en: text }, issues);
}

/**
 * Walks a parsed request part (params, query or JSON body) without recursion and refuses the
 * first string, or object key, that PostgreSQL could not keep as it was sent, and any nesting
 * deeper than MAX_DEPTH.
 */
export function checkInputShape(value: unknown, where: string, lang: Lang): void {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: where, depth: 0 }];
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) refuse(where, [{ path, message: MESSAGES[lang][problem] }], lang);
      continue;
    }
    if (typeof v !== 'object' || v === null || Buffer.isBuffer(v)) continue;
    if (depth >= MAX_DEPTH) refuse(where, [{ path, message: MESSAGES[lang].deep }], lang);
    for (const [k, child] of Object.entries(v)) {
      const problem = textProblem(k);
      if (problem) refuse(where, [{ path, message: MESSAGES[lang][problem] }], lang);
      stack.push({ v: child, path: `${path}.${k}`, depth: depth + 1 });
    }
  }
}

/**
 * Refuses a query parameter the route does not read: a misspelt filter (`departmnet=`, or
 * `department[]=`) would otherwise answer, or export, every project in scope as if filtered.
 */
export function refuseUnknownQueryKeys(query: object, known: ReadonlySet<string> | null, lang: Lang): void {
  if (!known) return;
  const unknown = Object.keys(query).filter((k) => !known.has(k));
  if (unknown.length === 0) return;
  const message = MESSAGES[lang].unknownParameter;
  refuse(
    'query',
    unknown.map((k) => ({ path: `query.${k}`, message })),
    lang,
  );
}

/** Parses with the schema, or throws a 422 naming every failing field in the caller's language. */
export function parseOr422<T>(schema: z.ZodType<T>, value: unknown, where: string, lang: Lang = 'zh-CN'): T {
  const parsed = parseIn(schema, value, lang);
  if (parsed.success) return parsed.data;
  refuse(
    where,
    parsed.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message })),
    lang,
  );
}

/**
 * Parses a JSON body as parseOr422 does, and also refuses a key the schema does not read, at any
 * depth: zod would drop it, and a misspelt field (`notes` for `note`) would be lost without a word.
 * The parse's own refusals come in the same answer.
 */
export function parseBodyOr422<T>(schema: z.ZodType<T>, value: unknown, lang: Lang): T {
  const message = MESSAGES[lang].unknownField;
  const stray = keysNotRead(schema, value, 'body').map((path) => ({ path, message }));
  const parsed = parseIn(schema, value, lang);
  if (parsed.success && stray.length === 0) return parsed.data;
  const issues = parsed.success
    ? []
    : parsed.issues.map((i) => ({ path: ['body', ...i.path.map(String)].join('.'), message: i.message }));
  refuse('body', [...issues, ...stray], lang);
}
