/**
 * Load: N simulated users of every kind of account work for S seconds against a stack of their
 * own, each within its scope, a request as soon as its last answer came and a short pause to read
 * it (a person at the console, not a request loop):
 *   county (leader, supervisor): project lists with filters, project pages, detail tables, dashboards
 *                                (some narrowed to a unit);
 *   department operators:        the same on their department's projects, disbursements, their steps;
 *   township operators:          the same on the projects they own, adjustment records, their steps;
 *   village operators:           their village's projects, supervision visits.
 * Every write is a valid request (an Idempotency-Key each; amounts within the fund source), so any
 * error is a defect: it prints throughput, p50/p95 per kind of request, and every distinct error
 * with its count (exit 1 when there is one).
 *
 *   npm run bench:load -- --users 200 --seconds 300      (LOAD_USERS, LOAD_SECONDS; --think-ms, --walk-projects)
 *   --identity: the users ask for no compression (browsers do; this measures what it costs)
 *
 * The stack (lib/stack.ts) is the transitions benchmark's: embedded PostgreSQL, a Temporal dev
 * server, the worker and the api each in their own process.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createFsArchiveStorage } from '#api/modules/archives/storage.js';
import { ACTION_LEVEL } from '#domain/access.js';
import { addDays, cstDate } from '#domain/deadlines.js';
import { MAIN_PATH, type Action } from '#domain/lifecycle.js';
import { createLogger } from '#platform/log.js';
import { DEMO_UNITS } from '#db/seed/demo-county.js';
import { eachLimited } from '../lib/each-limited.js';
import { createFileCompleter } from '../lib/project-file.js';
import { Http, type HttpAnswer } from './lib/http-client.js';
import { startBenchStack } from './lib/stack.js';
import { stepBody } from './lib/step-bodies.js';

function arg(name: string, env: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = Number(i >= 0 ? process.argv[i + 1] : (process.env[env] ?? fallback));
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}
const USERS = arg('users', 'LOAD_USERS', 200);
const SECONDS = arg('seconds', 'LOAD_SECONDS', 300);
/** The mean pause between a user's requests (uniform between half and one and a half of it). */
const THINK_MS = arg('think-ms', 'LOAD_THINK_MS', 1000);
const COMPRESSED = !process.argv.includes('--identity');
/** Projects with a complete file, walked step by step by the operators during the run. */
const WALK = arg('walk-projects', 'LOAD_WALK_PROJECTS', Math.max(24, Math.ceil(USERS * 0.2)));
const PASSWORD = 'Bench-Passw0rd!';
const log = createLogger('load', 'warn');

const DEPARTMENTS = DEMO_UNITS.filter((u) => u.kind === 'department').map((u) => u.code);
const TOWNSHIPS = DEMO_UNITS.filter((u) => u.kind === 'township').map((u) => u.code);
const VILLAGES = DEMO_UNITS.filter((u) => u.kind === 'village').map((u) => ({
  code: u.code,
  township: u.parent!,
}));

type Kind = 'county' | 'department' | 'township' | 'village';
type Op = 'list' | 'project' | 'detail' | 'dashboard' | 'disbursement' | 'adjustment' | 'visit' | 'step';
/** How a kind of account spends its requests (weights). */
const MIX: Record<Kind, Partial<Record<Op, number>>> = {
  county: { list: 35, project: 25, detail: 15, dashboard: 25 },
  department: { list: 25, project: 20, detail: 10, dashboard: 10, disbursement: 15, step: 20 },
  township: { list: 25, project: 20, detail: 10, dashboard: 10, adjustment: 15, step: 20 },
  village: { list: 25, project: 30, detail: 15, dashboard: 5, visit: 25 },
};
/** The users' shares by kind of account. */
const SHARE: [Kind, number][] = [
  ['county', 0.1],
  ['department', 0.3],
  ['township', 0.35],
  ['village', 0.25],
];

interface Project {
  id: string;
  code: string;
  department: string;
  township: string;
  village: string;
  /** Walked projects: the index in MAIN_PATH of the next step (MAIN_PATH.length when closed). */
  next?: number;
  busy?: boolean;
  budgetFen: number;
}

interface User {
  kind: Kind;
  account: string;
  /** The unit whose projects it sees and writes (null for county accounts: all). */
  unit: string | null;
  http: Http;
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function inScope(u: User, p: Project): boolean {
  switch (u.kind) {
    case 'county':
      return true;
    case 'department':
      return p.department === u.unit;
    case 'township':
      return p.township === u.unit;
    case 'village':
      return p.village === u.unit;
  }
}

function chooseOp(kind: Kind): Op {
  const entries = Object.entries(MIX[kind]) as [Op, number][];
  let r = Math.random() * entries.reduce((a, [, w]) => a + w, 0);
  for (const [op, w] of entries) if ((r -= w) < 0) return op;
  return entries[0]![0];
}

/**
 * The dashboard as the console asks for it: a year half the time, and now and then narrowed to a
 * unit the account may choose (统计单位: a county account any unit, a department a township or
 * village, a township one of its villages).
 */
function dashboardQuery(u: User): string {
  const q = new URLSearchParams();
  if (Math.random() < 0.5) q.set('year', '2027');
  const units =
    u.kind === 'county'
      ? [...DEPARTMENTS, ...TOWNSHIPS, ...VILLAGES.map((v) => v.code)]
      : u.kind === 'department'
        ? [...TOWNSHIPS, ...VILLAGES.map((v) => v.code)]
        : u.kind === 'township'
          ? VILLAGES.filter((v) => v.township === u.unit).map((v) => v.code)
          : [];
  if (units.length && Math.random() < 0.3) q.set('unit', pick(units));
  return `/api/stats/dashboard${q.size ? `?${q}` : ''}`;
}

/** A project list as the console asks for it: a page, one or two filters, sometimes a sort. */
function listQuery(u: User): string {
  const q = new URLSearchParams({ page: String(1 + Math.floor(Math.random() * 3)), pageSize: '20' });
  const filters: (() => void)[] = [
    () => q.set('year', '2027'),
    () => q.set('stage', pick(['approved', 'underway', 'completed', 'accepted', 'closed'])),
    () => q.set('q', pick(['负载', 'LOAD', '饮水'])),
    () => q.set('overdue', 'any'),
    () => q.set('fundSource', 'countySpecial'),
  ];
  if (u.kind === 'county') filters.push(() => q.set('department', pick(DEPARTMENTS)));
  if (u.kind === 'county' || u.kind === 'department') filters.push(() => q.set('township', pick(TOWNSHIPS)));
  for (let i = 0, n = 1 + Math.floor(Math.random() * 2); i < n; i++) pick(filters)();
  if (Math.random() < 0.3) {
    q.set('sort', pick(['code', 'budget', 'stage', 'updated']));
    q.set('order', pick(['asc', 'desc']));
  }
  return `/api/projects?${q}`;
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stack = await startBenchStack({ name: 'load', password: PASSWORD, log });
  const stop = () => void stack.stop().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const ops = new Map<string, Http>();
    const session = async (account: string) => {
      // As a browser asks: answers over 1 KB come compressed, and the api's cost includes it.
      const h = new Http(stack.base, { compressed: COMPRESSED });
      const res = await h.post('/api/auth/login', { username: account, password: PASSWORD });
      if (res.status !== 200) throw new Error(`login ${account}: ${res.status} ${JSON.stringify(res.body)}`);
      return h;
    };
    for (const d of DEPARTMENTS) ops.set(d, await session(`${d}.op`));

    // The projects: those walked during the run (their files complete up to 竣工, as 验收 asks),
    // and one per village for the ledger writes (a budget the run's disbursements cannot exhaust).
    const projects: Project[] = [];
    const create = async (i: number, walked: boolean) => {
      const v = VILLAGES[i % VILLAGES.length]!;
      const department = DEPARTMENTS[i % DEPARTMENTS.length]!;
      const budgetFen = walked ? 1_000_000 : 500_000_000;
      const res = await ops.get(department)!.post('/api/projects', {
        code: `LOAD-${walked ? 'W' : 'L'}${i}`,
        name: `负载项目 ${walked ? '步骤' : '台账'} ${i}`,
        year: 2027,
        type: '饮水安全',
        nature: 'new',
        departmentCode: department,
        ownerUnitCode: v.township,
        villageCodes: [v.code],
        approvalDocumentNo: `城扶发〔2027〕${i}号`,
        budgetFen,
        fundSources: [{ kind: 'countySpecial', amountFen: budgetFen }],
        plannedDates: {
          start: '2027-04-01',
          completion: '2027-08-31',
          acceptance: '2027-09-30',
          reimbursement: '2027-11-30',
        },
      });
      if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
      projects.push({
        id: res.body.id,
        code: res.body.code,
        department,
        township: v.township,
        village: v.code,
        budgetFen,
        ...(walked ? { next: 0 } : {}),
      });
    };
    const t0 = Date.now();
    await eachLimited(
      Array.from({ length: WALK + VILLAGES.length }, (_, i) => i),
      8,
      (i) => (i < WALK ? create(i, true) : create(i - WALK, false)),
    );
    const files = createFileCompleter({
      orm: stack.orm,
      audit: stack.audit,
      storage: createFsArchiveStorage(path.join(stack.tmp, 'archives')),
      log,
    });
    await eachLimited(
      projects.filter((p) => p.next !== undefined),
      4,
      (p) => files.complete(p.id, 'completed'),
    );
    console.log(
      `load: ${projects.length} projects set up in ${((Date.now() - t0) / 1000).toFixed(0)} s (${WALK} to walk, ${VILLAGES.length} for ledger writes)`,
    );

    // The users, by kind, each logged in on its own session; accounts are shared round-robin.
    const accounts: Record<Kind, [string, string | null][]> = {
      county: [
        ['leader', null],
        ['supervisor', null],
      ],
      department: DEPARTMENTS.map((d) => [`${d}.op`, d]),
      township: TOWNSHIPS.map((t) => [`${t}.op`, t]),
      village: VILLAGES.map((v) => [`${v.code}.op`, v.code]),
    };
    const plan: { kind: Kind; account: string; unit: string | null }[] = [];
    for (const [kind, share] of SHARE) {
      const n = kind === 'village' ? USERS - plan.length : Math.round(USERS * share);
      for (let i = 0; i < n; i++) {
        const [account, unit] = accounts[kind][i % accounts[kind].length]!;
        plan.push({ kind, account, unit });
      }
    }
    const users: User[] = [];
    // Eight at a time, several to one shared account at once, as a morning's logins come.
    await eachLimited(plan, 8, async (p) => users.push({ ...p, http: await session(p.account) }));

    const latencies = new Map<string, number[]>();
    const errors = new Map<string, number>();
    let requests = 0;
    let steps = 0;
    let stepsUnavailable = 0;
    const record = (kind: string, ms: number) => {
      requests++;
      if (!latencies.has(kind)) latencies.set(kind, []);
      latencies.get(kind)!.push(ms);
    };
    const fail = (what: string, res: HttpAnswer | Error) => {
      const key =
        res instanceof Error
          ? `${what}: ${res.message}`
          : `${what}: ${res.status} ${res.body?.error?.code ?? ''} ${String(res.body?.error?.message ?? '').slice(0, 160)}`;
      errors.set(key, (errors.get(key) ?? 0) + 1);
    };
    /** One request (or a page's requests at once), timed; a non-2xx answer is an error. */
    const timed = async (kind: string, calls: (() => Promise<HttpAnswer>)[]) => {
      const s = performance.now();
      try {
        const answers = await Promise.all(calls.map((c) => c()));
        record(kind, performance.now() - s);
        for (const a of answers) if (a.status < 200 || a.status >= 300) fail(kind, a);
        return answers;
      } catch (err) {
        fail(kind, err instanceof Error ? err : new Error(String(err)));
        return undefined;
      }
    };
    const write = (u: User, p: Project, ledgerPath: string, body: unknown) =>
      timed(`write ${ledgerPath}`, [
        () =>
          u.http.post(`/api/projects/${p.id}/ledgers/${ledgerPath}`, body, {
            'idempotency-key': crypto.randomUUID(),
          }),
      ]);
    let voucher = 0;
    // A day of the last half year: payments and visits are recorded once done, never ahead.
    const day = () => addDays(cstDate(Date.now()), -Math.floor(Math.random() * 180));

    const act = async (u: User, op: Op) => {
      const mine = projects.filter((p) => inScope(u, p));
      const ledgerOnes = mine.filter((p) => p.next === undefined);
      const p = pick(mine);
      switch (op) {
        case 'list':
          return timed('project list', [() => u.http.get(listQuery(u))]);
        case 'dashboard':
          return timed('dashboard', [() => u.http.get(dashboardQuery(u))]);
        case 'project':
          // The project page loads these four at once.
          return timed('project page', [
            () => u.http.get(`/api/projects/${p.id}`),
            () => u.http.get(`/api/projects/${p.id}/ledgers`),
            () => u.http.get(`/api/projects/${p.id}/alerts`),
            () => u.http.get(`/api/projects/${p.id}/archives`),
          ]);
        case 'detail':
          return timed('detail table', [() => u.http.get(`/api/projects/${p.id}/detail-table`)]);
        case 'disbursement': {
          const target = pick(ledgerOnes);
          return write(u, target, 'department/disbursements', {
            sourcePosition: 0,
            paidOn: day(),
            // At most 1,000 元 a payment: the run cannot reach the 5,000,000 元 source.
            amountFen: 100 + Math.floor(Math.random() * 99_900),
            payee: '城口县鑫源水利建筑有限公司',
            voucherNo: `记〔2027〕负载-${++voucher}`,
            approver: '局长 刘建国',
          });
        }
        case 'adjustment':
          return write(u, pick(ledgerOnes), 'implementing/adjustments', {
            documentNo: `城扶调〔2027〕${++voucher}号`,
            adjustedOn: day(),
            content: '调整部分建设内容',
            reason: '现场地质条件变化',
          });
        case 'visit': {
          const target = pick(ledgerOnes);
          return write(u, target, 'site/visits', {
            villageCode: target.village,
            visitedOn: day(),
            supervisor: '义务监督员 王德明',
            findings: '现场施工正常，公示牌完好。',
          });
        }
        case 'step': {
          const level = u.kind === 'department' ? 'department' : 'ownerUnit';
          const ready = mine.filter(
            (x) =>
              x.next !== undefined &&
              x.next < MAIN_PATH.length &&
              !x.busy &&
              ACTION_LEVEL[MAIN_PATH[x.next]!] === level,
          );
          if (!ready.length) {
            stepsUnavailable++;
            return timed('project list', [() => u.http.get(listQuery(u))]);
          }
          const target = pick(ready);
          target.busy = true;
          const action: Action = MAIN_PATH[target.next!]!;
          try {
            const answers = await timed('step', [
              () =>
                u.http.post(`/api/projects/${target.id}/transitions`, stepBody(action), {
                  'idempotency-key': crypto.randomUUID(),
                }),
            ]);
            if (answers?.[0]?.status === 200) {
              target.next!++;
              steps++;
            }
          } finally {
            target.busy = false;
          }
          return undefined;
        }
      }
    };

    console.log(
      `load: ${users.length} users (${SHARE.map(([k]) => `${users.filter((u) => u.kind === k).length} ${k}`).join(', ')}) for ${SECONDS} s, a pause of ${THINK_MS} ms on average, ${COMPRESSED ? 'answers compressed' : 'no compression'}; ${os.cpus().length} CPUs, load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    const startedAt = performance.now();
    const endAt = Date.now() + SECONDS * 1000;
    await Promise.all(
      users.map(async (u, i) => {
        // Users arrive over the first few seconds, not in one burst.
        await sleep((i / users.length) * Math.min(10_000, SECONDS * 100));
        while (Date.now() < endAt) {
          await act(u, chooseOp(u.kind));
          await sleep(THINK_MS * (0.5 + Math.random()));
        }
      }),
    );
    const wallS = (performance.now() - startedAt) / 1000;
    const loadAtEnd = os.loadavg();

    const f = (n: number) => n.toFixed(1);
    const q = (xs: number[], p: number) => {
      const s = [...xs].sort((a, b) => a - b);
      return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
    };
    console.log(
      `  ${requests} requests in ${f(wallS)} s: ${f(requests / wallS)} /s; ${steps} steps taken (${stepsUnavailable} times an operator had no step to take)`,
    );
    for (const [kind, xs] of [...latencies].sort()) {
      console.log(
        `    ${kind.padEnd(34)} n=${String(xs.length).padStart(6)}  p50 ${f(q(xs, 0.5)).padStart(7)} ms  p95 ${f(q(xs, 0.95)).padStart(7)} ms  ${f(xs.length / wallS).padStart(6)} /s`,
      );
    }
    console.log(`  load average at the end: ${loadAtEnd.map((l) => l.toFixed(2)).join(' ')}`);
    const total = [...errors.values()].reduce((a, b) => a + b, 0);
    console.log(`  errors: ${total}`);
    for (const [key, n] of [...errors].sort((a, b) => b[1] - a[1]))
      console.log(`    ${String(n).padStart(6)} × ${key}`);
    for (const u of users) u.http.close();
    if (total > 0) process.exitCode = 1;
  } finally {
    await stack.stop();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
