/**
 * Requests generated from the OpenAPI document: every operation of the route table, its path
 * parameters, query and body filled from its schemas, and every part sometimes made hostile (bad
 * percent-encoding, NUL, lone surrogates, huge numbers, wrong types, deep or huge JSON, a body whose
 * Content-Encoding does not decode).
 */
import zlib from 'node:zlib';
import fc from 'fast-check';
import { HOSTILE_STRINGS, valueFor, type JsonSchema, type Known } from './values.js';

export interface Operation {
  method: string;
  /** OpenAPI path, `{id}` style. */
  path: string;
  pathParams: string[];
  query: { name: string; schema: JsonSchema }[];
  body?: JsonSchema;
  /** Content types of a raw upload, when the operation takes one. */
  upload?: string[];
  public: boolean;
}

export type Lang = 'zh-CN' | 'en';

/**
 * Accept-Language headers by the language each asks for (the api answers in English when the
 * header prefers it to Chinese, otherwise in Chinese: no header, `*` and unknown languages too).
 */
export const LANGUAGE_HEADERS: Record<Lang, string[]> = {
  'zh-CN': ['zh-CN', '', '*', 'xx;q=abc', 'zh-CN,zh;q=0.9,en;q=0.8', 'zh'],
  en: ['en', 'en-GB,en;q=0.9', 'en-US,en;q=0.9,zh-CN;q=0.8', 'EN'],
};

export interface FuzzRequest {
  op: Operation;
  account: string;
  /** The language the request asks for: every JSON error must answer in it. */
  lang: Lang;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** A short description of what is hostile in it, for the report. */
  note: string;
}

export function operationsOf(doc: any): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      const params: any[] = op.parameters ?? [];
      const content = op.requestBody?.content ?? {};
      ops.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema })),
        body: content['application/json']?.schema,
        upload: content['application/json']
          ? undefined
          : Object.keys(content).length
            ? Object.keys(content)
            : undefined,
        public: Array.isArray(op.security) && op.security.length === 0,
      });
    }
  }
  return ops;
}

/** Percent-encodes, or returns null for a string encodeURIComponent refuses (a lone surrogate). */
function encode(s: string): string | null {
  try {
    return encodeURIComponent(s);
  } catch {
    return null;
  }
}

/** Raw path or query fragments no encoder would produce. */
const RAW_FRAGMENTS = [
  '%E0%A4%A',
  '%00',
  '%ED%A0%80',
  '%',
  '%zz',
  '%C0%80',
  '%F0%9F%98%80',
  '..',
  '%2e%2e%2f',
];

function paramValue(name: string, opPath: string, known: Known): fc.Arbitrary<string> {
  const real =
    name === 'id' && opPath.startsWith('/api/projects/{id}')
      ? fc.constantFrom(...known.projectIds, ...known.projectCodes)
      : name === 'level'
        ? fc.constantFrom('department', 'implementing', 'site')
        : name === 'code'
          ? fc.constantFrom(...known.orgCodes)
          : name === 'position'
            ? fc.constantFrom('0', '1', '19', '99999999999', '-1', '1.5')
            : fc.uuid();
  return fc.oneof(
    { weight: 6, arbitrary: real },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_FRAGMENTS, 'FZ-x', 'x'.repeat(300)) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(...HOSTILE_STRINGS).map((s) => encode(s) ?? '%ED%A0%80'),
    },
  );
}

function queryString(op: Operation, known: Known, hostility: number): fc.Arbitrary<string> {
  if (!op.query.length) return fc.oneof(fc.constant(''), fc.constantFrom('?x=%00', '?q=%E0%A4%A', '?a[b]=1'));
  const entries = op.query.map((q) =>
    fc.option(
      fc.oneof(
        {
          weight: 8,
          arbitrary: valueFor(q.schema, known, hostility, q.name).map((v) => [q.name, v] as const),
        },
        { weight: 1, arbitrary: fc.constantFrom(...RAW_FRAGMENTS).map((raw) => [q.name, { raw }] as const) },
        { weight: 1, arbitrary: fc.constant([q.name, { multi: ['1', '2'] }] as const) },
      ),
      { nil: undefined, freq: 2 },
    ),
  );
  return fc.tuple(...entries).map((pairs) => {
    const parts: string[] = [];
    for (const pair of pairs) {
      if (!pair) continue;
      const [k, v] = pair;
      const one = (x: unknown) => {
        if (x && typeof x === 'object' && 'raw' in x) return (x as { raw: string }).raw;
        const text = typeof x === 'string' ? x : (JSON.stringify(x) ?? '');
        return encode(text) ?? '%ED%A0%80';
      };
      const many = v && typeof v === 'object' && 'multi' in v ? (v as { multi: string[] }).multi : [v];
      for (const x of many) parts.push(`${k}=${one(x)}`);
    }
    return parts.length ? `?${parts.join('&')}` : '';
  });
}

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
const GARBAGE = Buffer.from('this is not compressed at all, but says it is');

/** A raw JSON body: the generated value, or something JSON.stringify never produces. */
function jsonBody(schema: JsonSchema | undefined, known: Known, hostility: number) {
  const value = valueFor(schema ?? { type: 'object' }, known, hostility);
  return fc.oneof(
    { weight: 12, arbitrary: value.map((v) => ({ text: JSON.stringify(v) ?? 'null', note: 'json' })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          value,
          fc.constantFrom('9007199254740993', '1e400', '-0', '1.0000000000000001', '-9999999999999999999'),
        )
        .map(([v, n]) => ({
          text: (JSON.stringify(v) ?? '{}').replace(/:(-?\d+(\.\d+)?)/, `:${n}`),
          note: `raw number ${n}`,
        })),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        { text: deep(10_000), note: 'deep JSON' },
        { text: `{"a":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}`, note: 'deep object' },
        { text: `{"x":"${'y'.repeat(1_100_000)}"}`, note: 'JSON over 1 MiB' },
        { text: '{"name": "unterminated', note: 'truncated JSON' },
        { text: '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}', note: 'prototype keys' },
        { text: '{"a\\u0000":1}', note: 'NUL in a key' },
        { text: 'null', note: 'null body' },
        { text: '123', note: 'number body' },
        { text: '[]', note: 'array body' },
      ),
    },
  );
}

/** Requests to one operation, as any of the accounts, asking for `lang` in one of its headers. */
export function requestArbitrary(
  op: Operation,
  accounts: string[],
  known: Known,
  lang: Lang,
  hostility = 0.08,
): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      // The administration routes answer 403 to everyone else: send half of theirs as `admin`.
      account:
        op.path.startsWith('/api/admin') && accounts.includes('admin')
          ? fc.oneof(fc.constant('admin'), fc.constantFrom(...accounts))
          : fc.constantFrom(...accounts),
      params: fc.tuple(...op.pathParams.map((p) => paramValue(p, op.path, known)), fc.constant('')),
      query: queryString(op, known, hostility),
      body: op.upload
        ? fc.record({
            bytes: fc.oneof(
              fc
                .uint8Array({ maxLength: 200 })
                .map((b) => ({ text: Buffer.from(b).toString('latin1'), note: 'bytes' })),
              fc.constant({ text: 'projectCode,source,paidOn,amount\nX,Y,2026-01-01,1.00\n', note: 'csv' }),
              fc.constant({ text: '%PDF-1.4\n%\u00e2\u00e3\n', note: 'pdf-ish' }),
            ),
            type: fc.constantFrom(...op.upload, 'application/json', 'text/plain'),
            fileName: fc.constantFrom('a.pdf', 'a.csv', '%E0%A4%A', '%00', '', encode('档案.xlsx')!),
          })
        : jsonBody(op.body, known, hostility),
      encoding: fc.oneof(
        { weight: 14, arbitrary: fc.constant<string | null>(null) },
        { weight: 3, arbitrary: fc.constantFrom('gzip', 'deflate', 'br') },
        { weight: 1, arbitrary: fc.constantFrom('gzip-valid', 'compress', 'identity, gzip') },
      ),
      contentType: fc.oneof(
        { weight: 14, arbitrary: fc.constant('application/json') },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            'application/json; charset=latin1',
            'application/json; charset=utf-16',
            'text/plain',
            'application/x-www-form-urlencoded',
          ),
        },
      ),
      language: fc.constantFrom(...LANGUAGE_HEADERS[lang]),
    })
    .map(({ account, params, query, body, encoding, contentType, language }): FuzzRequest => {
      let path = op.path;
      op.pathParams.forEach((p, i) => (path = path.replace(`{${p}}`, params[i]!)));
      const headers: Record<string, string> = {};
      if (language) headers['accept-language'] = language;
      let bytes: Buffer | undefined;
      let note: string;
      if ('bytes' in body) {
        bytes = Buffer.from(body.bytes.text, 'latin1');
        headers['content-type'] = body.type;
        if (body.fileName) headers['x-file-name'] = body.fileName;
        note = `upload ${body.bytes.note} as ${body.type}, name ${body.fileName}`;
      } else if (op.method === 'GET') {
        note = 'no body';
      } else {
        bytes = Buffer.from(body.text, 'utf8');
        headers['content-type'] = contentType;
        note = `${body.note} as ${contentType}`;
      }
      if (bytes && encoding) {
        if (encoding === 'gzip-valid') {
          bytes = zlib.gzipSync(bytes);
          headers['content-encoding'] = 'gzip';
        } else {
          bytes = encoding.includes('gzip') || ['deflate', 'br'].includes(encoding) ? GARBAGE : bytes;
          headers['content-encoding'] = encoding;
        }
        note += `, Content-Encoding ${encoding}`;
      }
      note += `, Accept-Language ${language || 'none'}`;
      return { op, account, lang, method: op.method, path: path + query, headers, body: bytes, note };
    });
}
