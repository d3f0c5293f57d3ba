/**
 * Runs generated requests one at a time against a test stack and keeps the books: the status of
 * every answer, every answer ≥ 500 or without a JSON error, every JSON error not in the language
 * the request asked for, and every refused request after which a table's row count or an audit
 * chain's head had moved.
 */
import fc from 'fast-check';
import type { TestStack } from '../stack.js';
import { rawLogin, rawRequest } from '../raw-http.js';
import { requestArbitrary, type FuzzRequest, type Lang, type Operation } from './requests.js';
import { changes, snapshotQuery, takeSnapshot, type Snapshot } from './snapshot.js';
import type { Known } from './values.js';

export interface FuzzReport {
  seed: number;
  requests: number;
  byStatus: Record<string, number>;
  byRoute: Record<string, Record<string, number>>;
  /** Answers ≥ 500, hangs, and refusals that are not `{error:{code,message}}`. */
  failures: { request: string; status: number | string; answer: string }[];
  /**
   * JSON errors whose message, or a field's message in the details, is not in the language asked
   * for: Chinese for zh-CN, none for en (data quoted in 「…」 “…” "…" excepted).
   */
  wrongLanguage: { request: string; status: number; texts: string[] }[];
  /** Refused requests after which the database had changed. */
  writesByRefusals: { request: string; status: number; changes: string[] }[];
  /** Answers slower than SLOW_MS (a hang is a failure: no answer within two minutes). */
  slow: { request: string; ms: number }[];
  /** Accepted requests that wrote (expected: the fuzzer also sends valid requests). */
  acceptedWrites: number;
  refused: number;
  countsBefore: Record<string, number>;
  countsAfter: Record<string, number>;
}

/**
 * Refusals that leave a record by design: a failed login is counted (lockout, rate limit) and
 * audited. Nothing else may write when it answers ≥ 400.
 */
const TRACED_REFUSALS: Record<string, string[]> = {
  'POST /api/auth/login': ['login_attempt', 'audit_log'],
  // An import is a job from its first byte: refused rows leave the job with its row-by-row report,
  // which the 422 names (`details.id`) and GET /api/ledger-imports/:id shows. Nothing is imported.
  'POST /api/ledger-imports': ['ledger_import'],
};

const HAN = /\p{Script=Han}/u;
const QUOTED = /「[^」]*」|“[^”]*”|"[^"]*"/g;

/** The texts of a JSON error that are not in `lang`: its message and each field's message. */
export function wrongLanguageTexts(error: { message?: unknown; details?: unknown }, lang: Lang): string[] {
  const texts = [error.message];
  if (Array.isArray(error.details))
    for (const d of error.details) if (d && typeof d === 'object' && 'message' in d) texts.push(d.message);
  return texts
    .map((t) => String(t))
    .filter((t) => (lang === 'en' ? HAN.test(t.replace(QUOTED, '')) : !HAN.test(t)));
}

/** An answer slower than this is listed (not failed): the first PDF parses the CJK font, on a busy machine. */
const SLOW_MS = 10_000;

function describeRequest(r: FuzzRequest): string {
  return `${r.account} ${r.method} ${r.path.slice(0, 160)} [${r.note}]`;
}

export async function runFuzz(
  stack: TestStack,
  opts: {
    ops: Operation[];
    accounts: string[];
    known: Known;
    runs: number;
    seed: number;
    /** Sessions opened by the caller (an administrator past 2FA); the others log in with the password. */
    sessions?: Record<string, string>;
  },
): Promise<FuzzReport> {
  const cookies = new Map<string, string>(Object.entries(opts.sessions ?? {}));
  for (const a of opts.accounts)
    if (a !== 'anonymous' && !cookies.has(a)) cookies.set(a, await rawLogin(stack.baseUrl, a));
  // Every operation in turn (round robin), so that even a short run reaches every route; the
  // language asked for alternates, from one request to the next and from one round to the next.
  const per = Math.ceil(opts.runs / opts.ops.length);
  const sample = (lang: Lang) =>
    opts.ops.map((op, i) =>
      fc.sample(requestArbitrary(op, opts.accounts, opts.known, lang), { numRuns: per, seed: opts.seed + i }),
    );
  const samples = { 'zh-CN': sample('zh-CN'), en: sample('en') };
  const requests: FuzzRequest[] = [];
  for (let k = 0; k < per; k++)
    opts.ops.forEach((_, i) => {
      if (requests.length < opts.runs) requests.push(samples[(k + i) % 2 ? 'en' : 'zh-CN'][i]![k]!);
    });
  const countsSql = await snapshotQuery(stack.db);
  const first = await takeSnapshot(stack.db, countsSql);
  const report: FuzzReport = {
    seed: opts.seed,
    requests: 0,
    byStatus: {},
    byRoute: {},
    failures: [],
    wrongLanguage: [],
    writesByRefusals: [],
    slow: [],
    acceptedWrites: 0,
    refused: 0,
    countsBefore: first.counts,
    countsAfter: {},
  };
  let before: Snapshot = first;
  for (const r of requests) {
    const cookie = cookies.get(r.account);
    let status: number | string;
    let text = '';
    let json: any = null;
    let headers: Record<string, unknown> = {};
    const started = Date.now();
    try {
      const res = await rawRequest(
        stack.baseUrl,
        {
          method: r.method,
          path: r.path,
          headers: { ...r.headers, ...(cookie ? { cookie } : {}) },
          body: r.body,
        },
        120_000,
      );
      ({ status, text, json, headers } = res);
      const ms = Date.now() - started;
      if (ms > SLOW_MS) report.slow.push({ request: describeRequest(r), ms });
    } catch (err) {
      status = `no answer: ${(err as Error).message}`;
    }
    report.requests++;
    const key = String(status).slice(0, 3);
    report.byStatus[key] = (report.byStatus[key] ?? 0) + 1;
    const route = `${r.op.method} ${r.op.path}`;
    (report.byRoute[route] ??= {})[key] = (report.byRoute[route]?.[key] ?? 0) + 1;

    if (typeof status !== 'number' || status >= 500) {
      report.failures.push({ request: describeRequest(r), status, answer: text.slice(0, 300) });
    } else if (
      status >= 400 &&
      !htmlPageError(r.path, headers) &&
      (typeof json?.error?.code !== 'string' || typeof json?.error?.message !== 'string')
    ) {
      report.failures.push({
        request: describeRequest(r),
        status,
        answer: `not a JSON error: ${text.slice(0, 200)}`,
      });
    } else if (status >= 400 && json?.error) {
      const texts = wrongLanguageTexts(json.error, r.lang);
      if (texts.length)
        report.wrongLanguage.push({
          request: `${describeRequest(r)} (asked ${r.lang})`,
          status,
          texts: texts.map((t) => t.slice(0, 300)),
        });
    }

    let after = await takeSnapshot(stack.db, countsSql);
    const refused = typeof status !== 'number' || status >= 400;
    if (refused) {
      report.refused++;
      const allowed = TRACED_REFUSALS[route] ?? [];
      const moved = changes(before, after).filter(
        (c) =>
          !allowed.some((t) => c.startsWith(`${t} `)) &&
          !(allowed.includes('audit_log') && c.startsWith('audit chain')),
      );
      if (moved.length)
        report.writesByRefusals.push({
          request: describeRequest(r),
          status: status as number,
          changes: moved,
        });
    } else if (changes(before, after).length) {
      report.acceptedWrites++;
      // An accepted request may go on writing (an import job, a workflow's activity): wait until
      // the database is still, so that its writes are not taken for the next request's.
      for (let i = 0; i < 20; i++) {
        await new Promise((res) => setTimeout(res, 100));
        const again = await takeSnapshot(stack.db, countsSql);
        if (!changes(after, again).length) break;
        after = again;
      }
    }
    before = after;
  }
  report.countsAfter = before.counts;
  return report;
}

/** The report as lines to print. */
export function formatReport(r: FuzzReport): string {
  const lines = [
    `route fuzzer: ${r.requests} requests (seed ${r.seed}), ${r.refused} refused, ${r.acceptedWrites} accepted writes`,
    `  by status: ${Object.entries(r.byStatus)
      .sort()
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ')}`,
    `  answers ≥ 500 or malformed: ${r.failures.length}; errors not in the language asked: ${r.wrongLanguage.length}; refused requests that wrote: ${r.writesByRefusals.length}; slower than ${SLOW_MS / 1000} s: ${r.slow.length}`,
    '  rows per table, before → after:',
    ...Object.keys({ ...r.countsBefore, ...r.countsAfter })
      .sort()
      .map((t) => `    ${t}: ${r.countsBefore[t] ?? 0} → ${r.countsAfter[t] ?? 0}`),
    '  by route (status: count):',
    ...Object.entries(r.byRoute)
      .sort()
      .map(
        ([route, s]) =>
          `    ${route}  ${Object.entries(s)
            .sort()
            .map(([k, n]) => `${k}:${n}`)
            .join(' ')}`,
      ),
    ...r.failures.slice(0, 30).map((f) => `  FAIL ${f.status} ${f.request}\n       ${f.answer}`),
    ...r.wrongLanguage
      .slice(0, 30)
      .map((w) => `  LANGUAGE ${w.status} ${w.request}\n       ${w.texts.join('\n       ')}`),
    ...r.writesByRefusals
      .slice(0, 30)
      .map((w) => `  WROTE ${w.status} ${w.request}: ${w.changes.join(', ')}`),
  ];
  return lines.join('\n');
}

/**
 * The public portal's pages are read in a browser, so their refusals (an unknown project, a bad
 * `lang`) are pages too; its data routes (JSON, CSV, photos, the feed) answer JSON errors like the api.
 */
function htmlPageError(path: string, headers: Record<string, unknown>): boolean {
  const page =
    /^\/public(\/|$)/.test(path) && !/^\/public\/(api|changes|oc4ids|data|photos)(\/|$|\?)/.test(path);
  return page && String(headers['content-type'] ?? '').startsWith('text/html');
}
