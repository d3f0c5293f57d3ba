/**
 * A whole stack as separate OS processes, as `npm start` runs it — embedded PostgreSQL, the
 * Temporal dev server persisting to a file, the worker and the api — that a test can kill
 * (SIGKILL, or SIGTERM) part by part and start again on the same ports and data.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createAuditLog } from '#db/audit.js';
import { initORM, migrateAsOwner, type Orm } from '#db/orm.js';
import { createLogger } from '#platform/log.js';
import { freePort } from '#platform/ports.js';
import { startEmbeddedPostgres, type RunningPostgres } from '#platform/postgres.js';
import { PROJECT_ROOT, ensureTemporalCli } from '#platform/temporal-cli.js';
import { startTemporalDevServer, type RunningTemporal } from '#platform/temporal-server.js';
import { seedOrgsAndUsers } from '#scripts/lib/demo-seed.js';
import { startNodeChild, type Child } from '#scripts/lib/children.js';
import { reconcile, type ReconcileResult } from '#scripts/lib/reconcile/index.js';

export type Part = 'worker' | 'api' | 'temporal' | 'postgres';
export const FAULT_PASSWORD = 'Fault-Passw0rd!';

export interface FaultStack {
  base: string;
  dataDir: string;
  taskQueue: string;
  /** Where its servers are, as an operator's command is told. */
  env: { DATABASE_URL: string; TEMPORAL_ADDRESS: string; TEMPORAL_TASK_QUEUE: string };
  /** The database as its owner (no row-level security): what the test counts with. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Kills a part (SIGKILL: at once, nothing flushed; SIGTERM: a graceful stop) and waits for its exit. */
  kill(part: Part, signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Starts a killed part again on the same port and data; resolves when it is ready. */
  restart(part: Part): Promise<void>;
  reconcile(codes?: readonly string[]): Promise<ReconcileResult>;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

export async function startFaultStack(): Promise<FaultStack> {
  const log = createLogger('faults', 'warn');
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sanzhang-faults-'));
  fs.chmodSync(dataDir, 0o755); // PostgreSQL runs as its own user when we are root
  const auditKey = crypto.randomBytes(32).toString('hex');
  const taskQueue = 'projects';
  const pgPort = await freePort();
  // Chosen by the first start (which starts again on other ports when one it found free is taken
  // before the server binds it), kept by the restarts: the worker and the api know this address.
  let temporalPort: number | undefined;
  const apiPort = await freePort();
  const cli = await ensureTemporalCli(log);

  let pg: RunningPostgres | undefined;
  let temporal: RunningTemporal | undefined;
  const children: Partial<Record<'worker' | 'api', Child>> = {};
  const closers: (() => Promise<void>)[] = [];

  const startPostgres = async () => {
    pg = await startEmbeddedPostgres({
      dir: path.join(dataDir, 'pg'),
      database: 'sanzhang',
      log,
      port: pgPort,
    });
  };
  const startTemporal = async () => {
    temporal = await startTemporalDevServer({
      cli,
      log,
      dbFile: path.join(dataDir, 'temporal.db'),
      namespace: 'default',
      ui: false,
      port: temporalPort,
    });
    temporalPort = temporal.port;
  };
  await startPostgres();
  const url = pg!.url;
  await migrateAsOwner(url);
  const orm: Orm = await initORM(url);
  closers.push(() => orm.close());
  await seedOrgsAndUsers(orm, FAULT_PASSWORD, createAuditLog(Buffer.from(auditKey)));
  const owner: Orm = await initORM(url, { role: 'owner', overrides: { pool: { min: 0, max: 2 } } });
  closers.push(() => owner.close());
  await startTemporal();

  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: url,
    TEMPORAL_ADDRESS: temporal!.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATA_DIR: dataDir,
    AUDIT_KEY: auditKey,
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    LOGIN_IP_LIMIT_PER_MINUTE: '100000',
    // Planned dates lie in the future: no ladder step would fire during a case, and arming them
    // would only slow the setup down.
    DEADLINE_ALERTS: 'off',
    LOG_LEVEL: 'error',
    NODE_ENV: 'production',
  };
  const startChild = async (name: 'worker' | 'api') => {
    children[name] = await startNodeChild({
      name,
      entry: path.join(PROJECT_ROOT, name === 'worker' ? 'worker/main.ts' : 'api/src/main.ts'),
      env: childEnv,
      log,
      readyTimeoutMs: 180_000,
      // Exits are the test's doing, or show up as failed requests and differences.
      onUnexpectedExit: () => undefined,
    });
  };
  await Promise.all([startChild('worker'), startChild('api')]);

  let connection: NativeConnection | undefined;
  const client = async () => {
    connection ??= await NativeConnection.connect({ address: temporal!.address });
    return new Client({ connection, namespace: 'default' });
  };

  const exited = (p: { exitCode: number | null; signalCode: string | null }) =>
    p.exitCode !== null || p.signalCode !== null;
  const waitExit = (proc: import('node:child_process').ChildProcess) =>
    exited(proc) ? Promise.resolve() : new Promise<void>((r) => proc.once('exit', () => r()));

  const stack: FaultStack = {
    base: `http://127.0.0.1:${apiPort}`,
    dataDir,
    taskQueue,
    env: { DATABASE_URL: url, TEMPORAL_ADDRESS: temporal!.address, TEMPORAL_TASK_QUEUE: taskQueue },
    async query<T>(sql: string, params: unknown[] = []) {
      return (await owner.em.getConnection().execute(sql, params, 'all')) as T[];
    },
    async kill(part, signal) {
      if (part === 'worker' || part === 'api') {
        const proc = children[part]!.process;
        proc.kill(signal);
        await waitExit(proc);
      } else if (part === 'temporal') {
        const proc = temporal!.process;
        // Its own process group: the whole server, as a crash would take it.
        process.kill(signal === 'SIGKILL' ? -proc.pid! : proc.pid!, signal);
        await waitExit(proc);
      } else {
        const pid = Number(
          fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0],
        );
        // The postmaster and every backend at once (one process group): nothing is flushed.
        process.kill(signal === 'SIGKILL' ? -pid : pid, signal);
        await waitGone(pid);
        if (signal === 'SIGKILL') await new Promise((r) => setTimeout(r, 200));
      }
    },
    async restart(part) {
      if (part === 'worker' || part === 'api') await startChild(part);
      else if (part === 'temporal') {
        await startTemporal();
        if (connection) {
          await connection.close().catch(() => undefined);
          connection = undefined;
        }
      } else await startPostgres();
    },
    async reconcile(codes) {
      return reconcile({ orm, client: await client(), taskQueue, codes, concurrency: 8 });
    },
    async stop() {
      for (const name of ['api', 'worker'] as const) await children[name]?.stop().catch(() => undefined);
      await connection?.close().catch(() => undefined);
      await temporal?.stop().catch(() => undefined);
      for (const close of closers.reverse()) await close().catch(() => undefined);
      await pg?.stop().catch(() => undefined);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return stack;
}

async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`process ${pid} did not exit`);
}
