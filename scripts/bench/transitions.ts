/**
 * Transitions benchmark: N projects walk the main path concurrently over HTTP (login, scope
 * check, workflow Update with validator, activity writing history and read model, detail read),
 * and, in the same run against the same Temporal and PostgreSQL, a bare-Temporal floor: N
 * workflows whose Update calls one no-op activity. Prints p50/p95 latency, transitions/s and the
 * ratios, and the CPU each side spends per step. The api, the worker and the floor's worker each
 * run in their own process, as in production; this process drives both sides with the same
 * concurrency, each project walking on its own, the sides taking turns round by round, so both
 * share the same machine budget. One uncounted round warms both up first.
 *
 *   npm run bench:transitions -- [projects=40]
 *   BENCH_PROJECTS=40 BENCH_ROUNDS=3 TEMPORAL_CLI_PATH=… npm run bench:transitions
 *   BENCH_TEMPORAL=postgres npm run bench:transitions -- 40   (the production topology's Temporal)
 *
 * Long because both sides of the comparison (platform and floor), their processes and the report
 * live together, so that the two are measured the same way.
 */
import fs from 'node:fs';
import inspector from 'node:inspector';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { ACTION_LEVEL } from '#domain/access.js';
import { MAIN_PATH, type Action } from '#domain/lifecycle.js';
import { createLogger } from '#platform/log.js';
import { createFileCompleter } from '../lib/project-file.js';
import { createFsArchiveStorage } from '#api/modules/archives/storage.js';
import { eachLimited } from '../lib/each-limited.js';
import { Http } from './lib/http-client.js';
import { startBenchStack } from './lib/stack.js';
import { stepBody as body } from './lib/step-bodies.js';
import { floorDoneSignal, floorStepUpdate, floorWorkflow } from './floor.workflow.js';

const PROJECTS = Number(process.argv[2] ?? process.env.BENCH_PROJECTS ?? 40);
/** Timed rounds, each with fresh projects (one more round before them warms up, uncounted). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PASSWORD = 'Bench-Passw0rd!';
/**
 * Which Temporal: `dev` (the CLI's dev server on SQLite, as `npm start` runs it; the default) or
 * `postgres` (the production topology's server on PostgreSQL, deploy/temporal; built beforehand
 * by `npm run temporal:server`). TEMPORAL_ADDRESS, when set, names a running server instead.
 */
const TOPOLOGY = (process.env.BENCH_TEMPORAL ?? 'dev') as 'dev' | 'postgres';
if (TOPOLOGY !== 'dev' && TOPOLOGY !== 'postgres')
  throw new Error(`BENCH_TEMPORAL=${TOPOLOGY}: dev or postgres`);

const log = createLogger('bench', 'warn');

/**
 * CPU time (ms) used so far by this process and every process under it (PostgreSQL, the Temporal
 * server): on a shared machine wall-clock figures move with the neighbours' load, CPU per step
 * much less.
 */
/** Labels of the node processes (pid → role) for the CPU breakdown. */
const cpuLabels = new Map<number, string>();
const seenTicks = new Map<number, { label: string; ticks: number }>();
function cpuMsOfTree(): Record<string, number> {
  const procs = new Map<number, { ppid: number; ticks: number; name: string }>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      procs.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), name });
    } catch {
      // gone meanwhile
    }
  }
  // A process that exited (a pooled connection closed) keeps the ticks it was last seen with.
  for (const [pid, p] of procs) {
    for (let q: number | undefined = pid; q; q = procs.get(q)?.ppid) {
      if (q === process.pid) {
        const label =
          cpuLabels.get(pid) ??
          (p.name.startsWith('temporal') ? 'temporal' : p.name === 'node' ? 'node' : 'postgres');
        seenTicks.set(pid, { label, ticks: p.ticks });
        break;
      }
    }
  }
  const ms: Record<string, number> = {};
  for (const { label, ticks } of seenTicks.values()) ms[label] = (ms[label] ?? 0) + ticks * 10; // USER_HZ = 100
  return ms;
}
const cpuTotal = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
function cpuDelta(from: Record<string, number>, acc: Record<string, number>) {
  const now = cpuMsOfTree();
  for (const k of Object.keys(now)) acc[k] = (acc[k] ?? 0) + (now[k]! - (from[k] ?? 0));
}

interface Profile {
  nodes: { id: number; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}
function mergeProfiles(list: Profile[]): Profile {
  const out: Profile = { nodes: [], startTime: 0, endTime: 0, samples: [], timeDeltas: [] };
  let offset = 0;
  for (const p of list) {
    const max = Math.max(...p.nodes.map((n) => n.id));
    out.nodes.push(
      ...p.nodes.map((n) => ({ ...n, id: n.id + offset, children: n.children?.map((c) => c + offset) })),
    );
    out.samples.push(...p.samples.map((x) => x + offset));
    out.timeDeltas.push(...p.timeDeltas);
    out.endTime += p.endTime - p.startTime;
    offset += max;
  }
  return out;
}

/** BENCH_MARKS=1: a line on stderr as each phase begins, for an outside profiler to time its window. */
function mark(phase: string): void {
  if (process.env.BENCH_MARKS) console.error(`[bench] ${new Date().toISOString()} ${phase}`);
}

function stats(latencies: number[], wallMs: number) {
  const s = [...latencies].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { n: s.length, p50: q(0.5), p95: q(0.95), perSecond: (s.length / wallMs) * 1000 };
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stack = await startBenchStack({
    name: 'bench',
    password: PASSWORD,
    log,
    env: { FLOOR_TASK_QUEUE: `bench-${process.pid}-floor` },
    extraChildren: { 'floor worker': './floor-worker.ts' },
    temporal: TOPOLOGY,
    // BENCH_CHILD_PROFILES=dir: CPU profiles of every thread of each child (api, worker and
    // its workflow thread, floor worker) during the first timed round (see profileChildren).
    execArgv: process.env.BENCH_CHILD_PROFILES
      ? ['--import', fileURLToPath(new URL('./lib/profile-hook.mjs', import.meta.url))]
      : [],
  });
  try {
    const { orm, audit, client, queue, children, tmp } = stack;
    /** Starts or stops the children's profilers (BENCH_CHILD_PROFILES; lib/profile-hook.mjs). */
    const profileChildren = (action: 'start' | 'stop', label: string) => {
      if (!process.env.BENCH_CHILD_PROFILES) return;
      for (const c of Object.values(children)) c.process.send({ type: 'bench-profile', action, label });
    };
    cpuLabels.set(process.pid, 'bench client');
    for (const [name, c] of Object.entries(children)) cpuLabels.set(c.process.pid!, name);
    const dept = new Http(stack.base);
    const owner = new Http(stack.base);
    await dept.post('/api/auth/login', { username: 'swj.op', password: PASSWORD });
    await owner.post('/api/auth/login', { username: 'xqz.op', password: PASSWORD });

    // Projects and floor workflows for every round, created first (not timed: creation is not a
    // transition), a few at a time.
    const total = PROJECTS * (ROUNDS + 1);
    const ids: string[] = [];
    await eachLimited(
      Array.from({ length: total }, (_, i) => i),
      8,
      async (i) => {
        const res = await dept.post('/api/projects', {
          code: `BENCH-${process.pid}-${i}`,
          name: `基准项目 ${i}`,
          year: 2027,
          type: '饮水安全',
          nature: 'new',
          departmentCode: 'swj',
          ownerUnitCode: 'xqz',
          villageCodes: ['xqz-btc'],
          approvalDocumentNo: 'B-0',
          budgetFen: 1_000_000,
          fundSources: [{ kind: 'countySpecial', amountFen: 1_000_000 }],
          plannedDates: {
            start: '2027-04-01',
            completion: '2027-08-31',
            acceptance: '2027-09-30',
            reimbursement: '2027-11-30',
          },
        });
        if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
        ids[i] = res.body.id;
      },
    );
    // Their files (ledgers and archive documents up to 竣工), which 验收 asks for: not timed either.
    const files = createFileCompleter({
      orm,
      audit,
      storage: createFsArchiveStorage(path.join(tmp, 'archives')),
      log,
    });
    await eachLimited(ids, 4, (id) => files.complete(id, 'completed'));
    const floorHandles = await Promise.all(
      ids.map((_, i) =>
        client.workflow.start(floorWorkflow, {
          workflowId: `floor-${process.pid}-${i}`,
          taskQueue: `${queue}-floor`,
        }),
      ),
    );

    // Each project walks the main path on its own, a step as soon as the previous one answered
    // (N users at work, not N clicks in lockstep); the floor's workflows do the same. The sides
    // take turns round by round, so load from elsewhere on a shared machine hits both alike.
    // Round 0 warms both up (JIT, pooled connections, caches) and is not counted.
    const appLat: number[] = [];
    const floorLat: number[] = [];
    const perAction = new Map<Action, number[]>();
    let appMs = 0;
    let floorMs = 0;
    const profiles: Profile[] = [];
    const appCpu: Record<string, number> = {};
    const floorCpu: Record<string, number> = {};
    // BENCH_PROFILE=file.cpuprofile: a CPU profile of this process's main thread, platform side only.
    const profiler = process.env.BENCH_PROFILE ? new inspector.Session() : undefined;
    const post = (method: string, params?: object) =>
      new Promise<any>((resolve, reject) =>
        profiler!.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))),
      );
    if (profiler) {
      profiler.connect();
      await post('Profiler.enable');
    }
    for (let round = 0; round <= ROUNDS; round++) {
      const counted = round > 0;
      const mine = ids.slice(round * PROJECTS, (round + 1) * PROJECTS);
      const handles = floorHandles.slice(round * PROJECTS, (round + 1) * PROJECTS);
      if (profiler && counted) await post('Profiler.start');
      if (round === 1) profileChildren('start', 'platform');
      mark(`platform round ${round}`);
      let t0 = performance.now();
      let c0 = cpuMsOfTree();
      await Promise.all(
        mine.map(async (id) => {
          for (const action of MAIN_PATH) {
            const s = performance.now();
            const res = await (ACTION_LEVEL[action] === 'ownerUnit' ? owner : dept).post(
              `/api/projects/${id}/transitions`,
              body(action),
            );
            const ms = performance.now() - s;
            if (res.status !== 200) throw new Error(`${action}: ${res.status} ${JSON.stringify(res.body)}`);
            if (!counted) continue;
            appLat.push(ms);
            perAction.set(action, [...(perAction.get(action) ?? []), ms]);
          }
        }),
      );
      if (counted) {
        appMs += performance.now() - t0;
        cpuDelta(c0, appCpu);
      }
      if (profiler && counted) {
        const { profile } = await post('Profiler.stop');
        profiles.push(profile);
      }
      if (round === 1) profileChildren('stop', 'platform');
      if (round === 1) profileChildren('start', 'floor');
      mark(`floor round ${round}`);
      t0 = performance.now();
      c0 = cpuMsOfTree();
      await Promise.all(
        handles.map(async (h) => {
          for (const action of MAIN_PATH) {
            const s = performance.now();
            await h.executeUpdate(floorStepUpdate, { args: [action] });
            if (counted) floorLat.push(performance.now() - s);
          }
        }),
      );
      if (counted) {
        floorMs += performance.now() - t0;
        cpuDelta(c0, floorCpu);
      }
      if (round === 1) profileChildren('stop', 'floor');
    }
    mark('rounds done');
    if (profiler) {
      // One profile of all platform rounds: the samples of each, their nodes merged by id offset.
      fs.writeFileSync(process.env.BENCH_PROFILE!, JSON.stringify(mergeProfiles(profiles)));
      profiler.disconnect();
    }
    const app1 = stats(appLat, appMs);
    const floor = stats(floorLat, floorMs);
    await Promise.all(floorHandles.map((h) => h.signal(floorDoneSignal)));
    const f = (n: number) => n.toFixed(1);
    const temporalKind =
      TOPOLOGY === 'postgres'
        ? 'server on PostgreSQL (deploy/temporal)'
        : process.env.TEMPORAL_ADDRESS
          ? `at ${process.env.TEMPORAL_ADDRESS}`
          : 'dev server (SQLite)';
    console.log(
      `transitions benchmark: ${PROJECTS} concurrent projects × ${MAIN_PATH.length} steps × ${ROUNDS} rounds (after one warm-up round), ${os.cpus().length} CPUs, Temporal ${temporalKind}`,
    );
    console.log(
      `  platform (HTTP → Update → activity → PostgreSQL → detail): p50 ${f(app1.p50)} ms  p95 ${f(app1.p95)} ms  ${f(app1.perSecond)} transitions/s  (n=${app1.n})`,
    );
    console.log(
      `  bare Temporal floor (Update → no-op activity):            p50 ${f(floor.p50)} ms  p95 ${f(floor.p95)} ms  ${f(floor.perSecond)} updates/s  (n=${floor.n})`,
    );
    const per = (m: Record<string, number>, n: number) =>
      `${f(cpuTotal(m) / n)} ms (${Object.entries(m)
        .map(([k, v]) => `${k} ${f(v / n)}`)
        .join(', ')})`;
    console.log(`  CPU per step, platform: ${per(appCpu, app1.n)}`);
    console.log(`  CPU per step, floor:    ${per(floorCpu, floor.n)}`);
    console.log(
      `  CPU ratio platform/floor: ${(cpuTotal(appCpu) / app1.n / (cpuTotal(floorCpu) / floor.n)).toFixed(2)}`,
    );
    for (const [a, l] of perAction) {
      const st = stats(l, 1);
      console.log(`    ${a.padEnd(18)} p50 ${f(st.p50)} ms  p95 ${f(st.p95)} ms`);
    }
    console.log(
      `  ratio platform/floor: p50 ${(app1.p50 / floor.p50).toFixed(2)}  p95 ${(app1.p95 / floor.p95).toFixed(2)}  throughput ${(floor.perSecond / app1.perSecond).toFixed(2)}`,
    );
  } finally {
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
