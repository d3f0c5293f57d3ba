/**
 * Month-end notification storm: N projects under way reach their monthly progress reminder at the
 * same instant; how long until every reminder is delivered to the vendors' stand-ins, how fast,
 * none twice and none missing, and what the storm does to workflow task latency meanwhile.
 *
 *   npm run bench:month-end -- [projects=1000]
 *   npm run bench:month-end -- 10000          (BENCH_SETUP=steps|carried, BENCH_DAY_SECONDS, BENCH_CONCURRENCY)
 *
 * The stack is its own: embedded PostgreSQL, a Temporal dev server, the worker in its own process
 * (its dispatcher inside it, as `npm start` runs it) sending e-mail to an SMTP stand-in and SMS to
 * an Aliyun stand-in, both in this process. Every project shares one ladder clock with a shortened
 * day (DEADLINE_CLOCK_ORIGIN, lib/month-end-clock.ts), as real-day clocks share the calendar: the
 * setup starts on the 1st of a month, the projects are registered and started through the project
 * service and their real workflows, and the month's reminder (DEADLINE_REMINDER_DAYS before its
 * last day) comes due for all of them at once. The latency probe is a query to one more project's
 * workflow on the same worker, twice a second, idle before the storm (the baseline) and during it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createProjectRepository } from '#api/modules/projects/repository.js';
import { createProjectService } from '#api/modules/projects/service.js';
import { createAuditLog } from '#db/audit.js';
import { initORM, migrateAsOwner } from '#db/orm.js';
import { clockDate, lastDayOfMonth, nextMonth } from '#domain/deadlines.js';
import { projectWorkflowId, type NewProjectRecord } from '#domain/project-records.js';
import { parseRateLimit } from '#domain/notifications/rate-limit.js';
import { loadAuditKey } from '#platform/audit-key.js';
import { createLogger } from '#platform/log.js';
import { startEmbeddedPostgres } from '#platform/postgres.js';
import { ensureTemporalCli } from '#platform/temporal-cli.js';
import { startTemporalDevServer } from '#platform/temporal-server.js';
import { getProjectStateQuery } from '#workflows/project.messages.js';
import { startAliyunSmsStandin } from '../../tests/support/standins/aliyun-sms.js';
import { startSmtpStandin } from '../../tests/support/standins/smtp.js';
import { startNodeChild } from '../lib/children.js';
import { seedOrgsAndUsers } from '../lib/demo-seed.js';
import { eachLimited } from '../lib/each-limited.js';
import { callerFor } from '../lib/project-file.js';
import { cpuByProcess, peakRssMb } from './lib/proc-cpu.js';
import { setUpCarried } from './lib/month-end-carried.js';
import { monthEndClock } from './lib/month-end-clock.js';

const PROJECTS = Number(process.argv[2] ?? process.env.BENCH_PROJECTS ?? 1000);
/**
 * `steps` walks every project to 实施中 through its workflow; `carried` records the same rows with
 * the workflow's activities and starts each workflow as a run continued at 实施中
 * (lib/month-end-carried.ts). The storm itself is the same either way.
 */
const SETUP = process.env.BENCH_SETUP ?? (PROJECTS > 2000 ? 'carried' : 'steps');
if (SETUP !== 'steps' && SETUP !== 'carried') throw new Error('BENCH_SETUP is steps or carried');
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? (SETUP === 'carried' ? 16 : 12));
/** The setup's pace on a busy 2-core machine, to size the clock's day (BENCH_DAY_SECONDS overrides). */
const SETUP_MS_PER_PROJECT = Number(
  process.env.BENCH_SETUP_MS_PER_PROJECT ?? (SETUP === 'carried' ? 80 : 700),
);
const REMINDER_DAYS = 7; // the production default
const RATES = {
  NOTIFY_RATE_EMAIL: process.env.NOTIFY_RATE_EMAIL ?? '20/1',
  NOTIFY_RATE_SMS: process.env.NOTIFY_RATE_SMS ?? '50/1',
};
const TOWNSHIPS = [
  ['mbz', 'mbz-ljc'],
  ['xqz', 'xqz-btc'],
  ['bsz', 'bsz-psc'],
  ['mtz', 'mtz-spc'],
] as const;
/** Each reminder goes to the one operator of the project's township: one e-mail and one SMS. */
const PER_PROJECT = 2;

const log = createLogger('bench', 'warn');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function quantiles(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : NaN);
  return { n: s.length, p50: q(0.5), p95: q(0.95), max: s.length ? s[s.length - 1]! : NaN };
}

const stops: (() => Promise<void>)[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sanzhang-month-end-'));
async function cleanUp() {
  for (const stop of stops.splice(0).reverse()) await stop().catch((e: unknown) => console.error(e));
  fs.rmSync(tmp, { recursive: true, force: true });
}
// Interrupted, it still stops its PostgreSQL, Temporal server and worker.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  fs.chmodSync(tmp, 0o755);
  try {
    const pg = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg'), database: 'bench', log });
    stops.push(pg.stop);
    await migrateAsOwner(pg.url);
    const orm = await initORM(pg.url, { overrides: { pool: { min: 2, max: 20 } } });
    stops.push(() => orm.close());
    const auditKey = crypto.randomBytes(32).toString('hex');
    const audit = createAuditLog(loadAuditKey({ AUDIT_KEY: auditKey, dataDir: tmp }));
    await seedOrgsAndUsers(orm, 'Bench-Passw0rd!', audit);
    // The townships' operators (the reminders' recipients) get an address and a number.
    await orm.em.fork().execute(
      `UPDATE app_user SET email = username || '@bench.test',
              phone = '138' || lpad((row_number)::text, 8, '0')
         FROM (SELECT id AS uid, row_number() OVER (ORDER BY username) FROM app_user) n
        WHERE n.uid = app_user.id AND username LIKE '%.op'`,
      [],
      'run',
    );

    const server = await startTemporalDevServer({
      cli: await ensureTemporalCli(log),
      log,
      namespace: 'default',
      ui: false,
    });
    stops.push(server.stop);
    const connection = await Connection.connect({ address: server.address });
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });
    const queue = `month-end-${process.pid}`;

    // The vendors' stand-ins. What they record is counted and dropped every tick (bounded memory).
    const smtp = await startSmtpStandin();
    stops.push(smtp.stop);
    const aliyun = await startAliyunSmsStandin();
    stops.push(aliyun.stop);
    const firstSeen = new Map<string, number>();
    let receipts = 0;
    let duplicates = 0;
    const note = (id: string | undefined) => {
      if (!id) return;
      receipts++;
      if (firstSeen.has(id)) duplicates++;
      else firstSeen.set(id, Date.now());
    };
    const collect = () => {
      for (const m of smtp.mails.splice(0)) note(/^<([^@>]+)@/.exec(m.messageId)?.[1]);
      for (const r of aliyun.requests.splice(0)) if (r.action === 'SendSms') note(r.params.OutId);
    };

    // The shared clock: now is 00:00 of a day of next month; the setup must end before the reminder.
    const probeClock = monthEndClock(Date.now(), 1000, REMINDER_DAYS);
    const emailRate = parseRateLimit(RATES.NOTIFY_RATE_EMAIL)!;
    const drainEstimateMs = ((PROJECTS * emailRate.windowMs) / emailRate.limit) * 1.2;
    const dayMs = process.env.BENCH_DAY_SECONDS
      ? Number(process.env.BENCH_DAY_SECONDS) * 1000
      : Math.ceil(
          Math.max(
            ((PROJECTS * SETUP_MS_PER_PROJECT + 60_000) * 1.3) / probeClock.setupDays,
            // Done before the month's overdue step (reminderDays + 1 days later) comes due.
            (drainEstimateMs * 2) / (REMINDER_DAYS + 1),
            2000,
          ) / 100,
        ) * 100;
    // As many clock days of setup as its estimate needs (a long day would otherwise make the
    // setup wait out the whole month before the storm).
    const setupMs = PROJECTS * SETUP_MS_PER_PROJECT + 60_000;
    const c = monthEndClock(Date.now(), dayMs, REMINDER_DAYS, Math.ceil((setupMs * 1.3) / dayMs) + 2);
    const iso = (ms: number) => new Date(ms).toISOString();

    const worker = await startNodeChild({
      name: 'worker',
      entry: fileURLToPath(new URL('../../worker/main.ts', import.meta.url)),
      env: {
        ...process.env,
        DATABASE_URL: pg.url,
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_TASK_QUEUE: queue,
        DATA_DIR: tmp,
        AUDIT_KEY: auditKey,
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
        DEADLINE_DAY_SECONDS: String(dayMs / 1000),
        DEADLINE_CLOCK_ORIGIN: iso(c.clock.originMs),
        DEADLINE_REMINDER_DAYS: String(REMINDER_DAYS),
        SMTP_URL: smtp.url,
        SMTP_FROM: '城口县三账一表 <noreply@bench.test>',
        SMS_VENDOR: 'aliyun',
        ALIYUN_SMS_ACCESS_KEY_ID: 'bench-key',
        ALIYUN_SMS_ACCESS_KEY_SECRET: 'bench-secret',
        ALIYUN_SMS_ENDPOINT: aliyun.url,
        ALIYUN_SMS_SIGN_NAME: '城口县',
        SMS_TEMPLATE_DEADLINE: 'SMS_000001',
        NOTIFY_OUTBOX: 'off',
        // The storm is timed whatever the hour: SMS reminders would otherwise wait for 07:00.
        NOTIFY_QUIET_HOURS: 'off',
        ...RATES,
      },
      log,
      onUnexpectedExit: (n, code) => console.error(`${n} exited unexpectedly (${code})`),
    });
    stops.push(() => worker.stop());

    const repo = createProjectRepository(orm);
    const service = createProjectService({ repo, temporal: client, taskQueue: queue, orm });
    const dept = await callerFor(orm, 'swj.op');
    const owners = new Map(
      await Promise.all(TOWNSHIPS.map(async ([t]) => [t, await callerFor(orm, `${t}.op`)] as const)),
    );
    const first = `${c.month}-01`;
    const year = Number(c.month.slice(0, 4));
    let m = c.month;
    const later: string[] = [];
    for (let i = 0; i < 9; i++) later.push(lastDayOfMonth((m = nextMonth(m))));
    // Planned dates after the month: only its progress ladder runs during the storm.
    const plannedDates = {
      start: later[0]!,
      completion: later[3]!,
      acceptance: later[5]!,
      reimbursement: later[8]!,
    };
    const register = (code: string, township: (typeof TOWNSHIPS)[number]) =>
      service.create(dept, {
        code,
        name: `月末基准项目 ${code}`,
        year,
        type: '饮水安全',
        nature: 'new',
        departmentCode: 'swj',
        ownerUnitCode: township[0],
        villageCodes: [township[1]],
        approvalDocumentNo: `城扶发〔${year}〕1号`,
        budgetFen: 1_000_000,
        fundSources: [{ kind: 'countySpecial', amountFen: 1_000_000 }],
        plannedDates,
      });

    console.log(
      `month-end benchmark: ${PROJECTS} projects (setup: ${SETUP}), ${os.cpus().length} CPUs, load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    console.log(
      `  clock: a day is ${dayMs / 1000} s; now is ${clockDate(c.clock, Date.now())}; the ${c.month} progress reminder (${c.reminderDate}) comes due at ${iso(c.dueMs)}, in ${((c.dueMs - Date.now()) / 1000).toFixed(0)} s`,
    );

    // The probe project: registered, never started, on the same worker.
    await register('ME-PROBE', TOWNSHIPS[0]);
    const probe = client.workflow.getHandle('project-ME-PROBE');
    const setupStart = Date.now();
    const progress = (n: number) => {
      if (n % Math.max(1, Math.floor(PROJECTS / 10)) === 0)
        console.log(`  set up ${n}/${PROJECTS} in ${((Date.now() - setupStart) / 1000).toFixed(0)} s`);
    };
    if (SETUP === 'carried') {
      const orgRows = await orm.em
        .fork()
        .execute<{ id: string; code: string }[]>(`SELECT id, code FROM org_unit`, [], 'all');
      const orgId = new Map(orgRows.map((o) => [o.code, o.id]));
      await setUpCarried(
        {
          orm,
          audit,
          client,
          taskQueue: queue,
          clock: c.clock,
          month: c.month,
          concurrency: CONCURRENCY,
          deptActor: dept.actor,
          ownerActor: (code) => owners.get(code as (typeof TOWNSHIPS)[number][0])!.actor,
          onProgress: progress,
        },
        Array.from({ length: PROJECTS }, (_, i): NewProjectRecord => {
          const [township, village] = TOWNSHIPS[i % TOWNSHIPS.length]!;
          const code = `ME-${i}`;
          return {
            id: crypto.randomUUID(),
            code,
            workflowId: projectWorkflowId(code),
            name: `月末基准项目 ${code}`,
            year,
            type: '饮水安全',
            nature: 'new',
            departmentId: orgId.get('swj')!,
            departmentCode: 'swj',
            ownerUnitId: orgId.get(township)!,
            ownerUnitCode: township,
            villageIds: [orgId.get(village)!],
            villageCodes: [village],
            townshipCodes: [township],
            location: null,
            approvalDocumentNo: `城扶发〔${year}〕1号`,
            budgetFen: 1_000_000,
            fundSources: [{ kind: 'countySpecial', amountFen: 1_000_000, documentNo: null }],
            plannedDates,
          };
        }),
      );
    } else {
      let walked = 0;
      await eachLimited(
        Array.from({ length: PROJECTS }, (_, i) => i),
        CONCURRENCY,
        async (i) => {
          const township = TOWNSHIPS[i % TOWNSHIPS.length]!;
          const code = `ME-${i}`;
          const owner = owners.get(township[0])!;
          await register(code, township);
          await service.transition(dept, code, {
            action: 'approveDesign',
            documentNo: `设计批复 ${i}`,
            approvedOn: first,
            documents: [],
          });
          await service.transition(owner, code, {
            action: 'fixImplementation',
            method: 'selfBuild',
            recordNo: `纪要 ${i}`,
            documents: [],
          });
          await service.transition(owner, code, { action: 'start', startedOn: first, documents: [] });
          progress(++walked);
        },
      );
    }
    const setupTook = Date.now() - setupStart;
    const room = c.dueMs - Date.now();
    console.log(
      `  setup: ${PROJECTS} projects registered and started in ${(setupTook / 1000).toFixed(0)} s; ${(room / 1000).toFixed(0)} s left before the storm`,
    );
    if (room < Math.max(2 * dayMs, 5000))
      throw new Error(
        `the setup ran into the storm: rerun with BENCH_SETUP_MS_PER_PROJECT ≥ ${Math.ceil((setupTook * 1.3) / PROJECTS)}`,
      );

    // The probe, from now to the end: idle before the due instant, the storm after it.
    // A query no worker answered in time (the server gives up after its own timeout) is kept as
    // a timeout, its wait counted as a lower bound of the latency.
    const probes: { at: number; ms: number; timedOut: boolean }[] = [];
    let probing = true;
    const probeLoop = (async () => {
      while (probing) {
        const t = Date.now();
        const s = performance.now();
        const timedOut = await probe.query(getProjectStateQuery).then(
          () => false,
          () => true,
        );
        probes.push({ at: t, ms: performance.now() - s, timedOut });
        await sleep(Math.max(0, 500 - (Date.now() - t)));
      }
    })();
    const idleFrom = Date.now() + 2000;

    await sleep(c.dueMs - Date.now());
    const cpuAtDue = cpuByProcess({ worker: worker.pid! });
    const reminderKey = `alert:%:progress:${c.month}:%:reminder`;
    const expected = PROJECTS * PER_PROJECT;
    const timeline: string[] = [];
    let expectedIds: string[] | undefined;
    let workflowsDoneAt: number | undefined;
    let cpuAtWorkflowsDone: ReturnType<typeof cpuByProcess> | undefined;
    let peakQueued = 0;
    let doneAt: number | undefined;
    // A storm on a loaded machine can take far longer than the drain estimate: BENCH_GIVE_UP_SECONDS.
    const giveUpAt =
      c.dueMs +
      (process.env.BENCH_GIVE_UP_SECONDS
        ? Number(process.env.BENCH_GIVE_UP_SECONDS) * 1000
        : Math.max(600_000, drainEstimateMs * 4));
    const db = () => orm.em.fork();
    for (let tick = 0; ; tick++) {
      await sleep(1000);
      collect();
      const now = Date.now();
      const [alerts] = await db().execute<{ n: string }[]>(
        `SELECT count(*) AS n FROM alert WHERE kind = 'progress' AND period = ? AND step = 'reminder'`,
        [c.month],
        'all',
      );
      const byStatus = await db().execute<{ status: string; n: string }[]>(
        `SELECT status, count(*) AS n FROM notification_delivery WHERE notification_key LIKE ? GROUP BY status`,
        [reminderKey],
        'all',
      );
      const st = Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)]));
      const rows = Object.values(st).reduce((a, b) => a + b, 0);
      peakQueued = Math.max(peakQueued, st.queued ?? 0);
      if (!workflowsDoneAt && Number(alerts!.n) === PROJECTS && rows === expected) {
        workflowsDoneAt = now;
        cpuAtWorkflowsDone = cpuByProcess({ worker: worker.pid! });
        expectedIds = (
          await db().execute<{ id: string }[]>(
            `SELECT id FROM notification_delivery WHERE notification_key LIKE ?`,
            [reminderKey],
            'all',
          )
        ).map((r) => r.id);
      }
      const received = expectedIds ? expectedIds.filter((id) => firstSeen.has(id)).length : firstSeen.size;
      if (tick % 5 === 0 || (expectedIds && received === expected))
        timeline.push(
          `    ${String(Math.round((now - c.dueMs) / 1000)).padStart(5)} s  alerts ${alerts!.n.padStart(6)}  queued ${String(st.queued ?? 0).padStart(6)}  sending ${String(st.sending ?? 0).padStart(4)}  sent ${String(st.sent ?? 0).padStart(6)}  failed ${st.failed ?? 0}  unknown ${st.unknown ?? 0}  received ${received}`,
        );
      if (expectedIds && received === expected) {
        doneAt = Math.max(...expectedIds.map((id) => firstSeen.get(id)!));
        break;
      }
      if (now > giveUpAt) break;
    }
    const cpuAtDone = cpuByProcess({ worker: worker.pid! });
    // A late duplicate (a row sent twice) would show within a few polls of the dispatcher.
    await sleep(3000);
    collect();
    probing = false;
    await probeLoop;

    const f = (n: number) => n.toFixed(1);
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const missing = expectedIds ? expectedIds.filter((id) => !firstSeen.has(id)).length : expected;
    const phase = (from: number, to: number) => {
      const ps = probes.filter((p) => p.at >= from && p.at < to);
      return { ...quantiles(ps.map((p) => p.ms)), timedOut: ps.filter((p) => p.timedOut).length };
    };
    const idle = phase(idleFrom, c.dueMs);
    const wfPhase = phase(c.dueMs, workflowsDoneAt ?? Infinity);
    const drainPhase = phase(workflowsDoneAt ?? Infinity, (doneAt ?? Infinity) + 1);
    const lat = (q: ReturnType<typeof phase>) =>
      `p50 ${f(q.p50)} ms  p95 ${f(q.p95)} ms  max ${f(q.max)} ms  (n=${q.n}${q.timedOut ? `, ${q.timedOut} timed out` : ''})`;
    const cpu = (from: Record<string, number>, to: Record<string, number>, ms: number) =>
      Object.keys(to)
        .map(
          (k) =>
            `${k} ${s(to[k]! - (from[k] ?? 0))} (${f(((to[k]! - (from[k] ?? 0)) / ms) * 100)} % of a core)`,
        )
        .join(', ');

    console.log(
      `  load average at the storm's end: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    console.log(
      `  due at ${iso(c.dueMs)}; the workflows had recorded every reminder and queued every delivery after ${workflowsDoneAt ? s(workflowsDoneAt - c.dueMs) : 'never (gave up)'}`,
    );
    console.log(
      `  every reminder delivered to the stand-ins after ${doneAt ? s(doneAt - c.dueMs) : 'never (gave up)'}: ${expected} deliveries (${PROJECTS} e-mails, ${PROJECTS} SMS), ${doneAt ? f(expected / ((doneAt - c.dueMs) / 1000)) : '—'} deliveries/s`,
    );
    console.log(
      `  rate limits: e-mail ${RATES.NOTIFY_RATE_EMAIL}, SMS ${RATES.NOTIFY_RATE_SMS} (per n/seconds)`,
    );
    console.log(`  duplicates at the stand-ins (by delivery id): ${duplicates} of ${receipts} received`);
    console.log(`  missing: ${missing} of ${expected}; largest queue ${peakQueued}`);
    console.log(`  workflow task latency (a query to a project workflow on the same worker, every 0.5 s):`);
    console.log(`    idle, before the storm (baseline): ${lat(idle)}`);
    console.log(`    storm, workflows at work:          ${lat(wfPhase)}`);
    console.log(`    storm, dispatcher draining:        ${lat(drainPhase)}`);
    if (workflowsDoneAt && cpuAtWorkflowsDone)
      console.log(
        `  CPU, workflows at work (${s(workflowsDoneAt - c.dueMs)}): ${cpu(cpuAtDue, cpuAtWorkflowsDone, workflowsDoneAt - c.dueMs)}`,
      );
    if (doneAt && cpuAtWorkflowsDone && workflowsDoneAt)
      console.log(
        `  CPU, dispatcher draining (${s(doneAt - workflowsDoneAt)}; the worker process's share is the dispatcher's): ${cpu(cpuAtWorkflowsDone, cpuAtDone, doneAt - workflowsDoneAt)}`,
      );
    console.log(
      `  peak memory (RSS): worker ${peakRssMb(worker.pid!)} MB, this process ${peakRssMb(process.pid)} MB`,
    );
    console.log(`  queue of the reminders over time (seconds after the due instant):`);
    for (const line of timeline) console.log(line);
    if (doneAt && doneAt > c.monthEndMs)
      console.log(
        `  note: the month ended (its overdue step) before the last delivery; raise BENCH_DAY_SECONDS`,
      );
    if (duplicates > 0 || missing > 0) process.exitCode = 1;
  } finally {
    await cleanUp();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
