/**
 * A shared schema's verdict in a language: the api's refusals, the console's form checks and an
 * import's row report all parse here, so a schema's messages are said the same way everywhere.
 * zod's own words come from its locale; a schema's own messages (`schemaMessage`, `schemaText`)
 * from the pair they were given as, which `parsingIn` chooses while the parse runs.
 */
import type { ZodType } from 'zod';
import zodEn from 'zod/v4/locales/en.js';
import { parsingIn, textIn, type Bilingual } from './errors.js';
import { zhError } from './zod-zh.js';

export type Lang = 'zh-CN' | 'en';

const LOCALES = { 'zh-CN': zhError, en: zodEn().localeError } as const;

/** One refusal of a parse: zod's code, the path to the field, and what it says. */
export interface SaidIssue<M = string> {
  code: string;
  path: PropertyKey[];
  message: M;
}

export type ParsedIn<T, M = string> = { success: true; data: T } | { success: false; issues: SaidIssue<M>[] };

/** Parses `value` with `schema`; a refusal's messages in `lang` (one in the house form is split). */
export function parseIn<T>(schema: ZodType<T>, value: unknown, lang: Lang): ParsedIn<T> {
  // zod words an issue when `error` is first read, and a refinement's schemaText while it runs:
  // both inside parsingIn.
  return parsingIn(lang, () => {
    const r = schema.safeParse(value, { error: LOCALES[lang] });
    if (r.success) return { success: true as const, data: r.data };
    return {
      success: false as const,
      issues: r.error.issues.map((i) => ({ code: i.code, path: i.path, message: textIn(i.message, lang) })),
    };
  });
}

/**
 * The same with each message in both languages, for a verdict that is kept and read later by
 * whoever asks (an import's row report). The value is parsed once per language: the same
 * schema and value give the same issues in the same order.
 */
export function parseInBoth<T>(schema: ZodType<T>, value: unknown): ParsedIn<T, Bilingual> {
  const zh = parseIn(schema, value, 'zh-CN');
  if (zh.success) return zh;
  const en = parseIn(schema, value, 'en');
  const enIssues = en.success ? [] : en.issues;
  return {
    success: false,
    issues: zh.issues.map((i, n) => ({
      ...i,
      message: { zh: i.message, en: enIssues[n]?.message ?? i.message },
    })),
  };
}
