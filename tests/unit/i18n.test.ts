/**
 * The console's words: both locales have the same keys, nothing is left empty or untranslated,
 * every key the code asks for exists, every key exists for a reason, and no UI string is written
 * into a component instead of the locale files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createI18n } from 'vue-i18n';
import en from '../../web/src/locales/en.js';
import zh from '../../web/src/locales/zh-CN.js';

const SRC = path.resolve(import.meta.dirname, '../../web/src');
const HAN = /\p{Script=Han}/u;

function leaves(obj: object, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object') for (const [kk, vv] of leaves(v, key)) out.set(kk, vv);
    else out.set(key, v);
  }
  return out;
}

function sources(dir: string): { file: string; code: string }[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return d.name === 'locales' ? [] : sources(p);
    // The console's own tests are not UI: they may name what a page should say.
    if (!/\.(vue|ts)$/.test(d.name) || d.name.endsWith('.test.ts')) return [];
    const code = fs
      .readFileSync(p, 'utf8')
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
    return [{ file: path.relative(SRC, p), code }];
  });
}

const zhKeys = leaves(zh);
const enKeys = leaves(en);
const code = sources(SRC);
const namespaces = Object.keys(zh);

describe('locales', () => {
  it('zh-CN and en have exactly the same keys', () => {
    expect([...enKeys.keys()].sort()).toEqual([...zhKeys.keys()].sort());
  });

  it('has no empty value and no English value left in Chinese', () => {
    for (const [k, v] of [...zhKeys, ...enKeys]) expect(typeof v === 'string' && v.trim(), k).toBeTruthy();
    const chineseInEnglish = [...enKeys].filter(([k, v]) => HAN.test(String(v)) && k !== 'app.language');
    expect(chineseInEnglish).toEqual([]);
    // The Chinese side is Chinese: a value identical to English is an untranslated copy.
    const copies = [...zhKeys].filter(
      ([k, v]) => v === enKeys.get(k) && HAN.test(String(v)) === false && /[a-z]{3}/i.test(String(v)),
    );
    expect(copies).toEqual([]);
  });
});

describe('English', () => {
  it('names a kind of unit in a phrase in lower case: "every township", not "Every Township"', () => {
    expect(Object.values(en.bulletin.allOf).filter((v) => !/^Every [a-z ]+$/.test(v))).toEqual([]);
  });

  it('counts agree with their nouns: "1 project", "2 projects", never "1 projects" or "project(s)"', () => {
    // A count is the placeholder n, which vue-i18n also takes as the plural choice, so the console
    // passes nothing more (a message may choose by n without showing it: "problems 1, 2"). Each
    // message is rendered with n and every placeholder 1, then 2.
    const i18n = createI18n({ legacy: false, locale: 'en', messages: { en }, missingWarn: false });
    const t = i18n.global.t as (key: string, named: Record<string, unknown>) => string;
    const NOT_PLURAL = new Set(['is', 'was', 'has', 'its', 'ms', 'differs', 'exceeds', 'exists']);
    const bad: string[] = [];
    for (const [k, v] of enKeys) {
      const names = [...String(v).matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      if (names.length === 0) continue;
      const [one, two] = [1, 2].map((n) =>
        t(k, { n, ...Object.fromEntries(names.map((name) => [name, n])) }),
      );
      // The noun is the next word or the one after ("1 unread message").
      const pluralAfterOne = [/\b1 ([a-z]+)\b/g, /\b1 [a-z]+ ([a-z]+)\b/g].some((re) =>
        [...one!.matchAll(re)].some(
          ([, word]) => word === 'people' || (word!.endsWith('s') && !NOT_PLURAL.has(word!)),
        ),
      );
      if (pluralAfterOne || one!.includes('(s)') || two!.includes('(s)')) bad.push(`${k}: ${one}`);
      // A message with forms chooses by n and shows a different form for 2.
      if (String(v).includes('|') && two!.replaceAll('2', '1') === one) bad.push(`${k}: ${two}`);
    }
    expect(bad).toEqual([]);
  });
});

describe('the console asks only for keys that exist', () => {
  // 'ns.key' string literals (t('…'), props such as { feature: 'nav.notices' }) and `ns.${x}` prefixes.
  // Single quotes only: double quotes delimit template attributes, whose contents are code.
  const literal = new RegExp(`'(?:${namespaces.join('|')})\\.[\\w.]+'`, 'g');
  const dynamic = new RegExp(`\`((?:${namespaces.join('|')})\\.(?:[\\w]+\\.)*)\\$\\{`, 'g');
  const used = new Set<string>();
  const prefixes = new Set<string>();
  for (const { code: c } of code) {
    for (const m of c.matchAll(literal)) used.add(m[0].slice(1, -1));
    for (const m of c.matchAll(dynamic)) prefixes.add(m[1]!);
  }

  it('finds the keys it looks for (the scan itself works)', () => {
    expect(used.has('projects.title')).toBe(true);
    expect(prefixes.has('roles.')).toBe(true);
  });

  it('every literal key is a translated string in both locales', () => {
    const missing = [...used].filter(
      (k) => typeof zhKeys.get(k) !== 'string' || typeof enKeys.get(k) !== 'string',
    );
    expect(missing).toEqual([]);
  });

  it('every dynamic prefix names a group of keys', () => {
    for (const p of prefixes)
      expect(
        [...zhKeys.keys()].some((k) => k.startsWith(p)),
        p,
      ).toBe(true);
  });

  it('every key in the locale files is used somewhere', () => {
    const unused = [...zhKeys.keys()].filter(
      (k) => !used.has(k) && ![...prefixes].some((p) => k.startsWith(p)),
    );
    expect(unused).toEqual([]);
  });
});

describe('no hard-coded UI text', () => {
  it('no Chinese text in components, pages or scripts outside the locale files', () => {
    const offenders = code.filter((f) => HAN.test(f.code)).map((f) => f.file);
    expect(offenders).toEqual([]);
  });

  it('no English words in a template’s text or its literal labels, placeholders and titles', () => {
    // Names that are the same in both languages.
    const SAME = new Set(['SHA-256']);
    const offenders: string[] = [];
    for (const f of code.filter((c) => c.file.endsWith('.vue'))) {
      const template = /<template>([\s\S]*)<\/template>/.exec(f.code)?.[1] ?? '';
      const bare = template.replace(/\{\{[\s\S]*?\}\}/g, ' ');
      const texts = [...bare.matchAll(/>([^<>]+)</g)].map((m) => m[1]!.trim());
      const attrs = [
        ...bare.matchAll(/\s(?:placeholder|title|label|aria-label|alt|content|description|text)="([^"]*)"/g),
      ].map((m) => m[1]!.trim());
      for (const t of [...texts, ...attrs])
        if (/[A-Za-z]{2,}/.test(t) && !SAME.has(t.replace(/\s*…$/, ''))) offenders.push(`${f.file}: ${t}`);
    }
    expect(offenders).toEqual([]);
  });
});
