/**
 * The stack a benchmark drives over HTTP, in the production topology: embedded PostgreSQL (or a
 * fresh database beside DATABASE_URL), a Temporal dev server (or TEMPORAL_ADDRESS), migrations and
 * the demo county's units and accounts, then the worker and the api each in their own process (as
 * `npm start` runs them), plus any further children the benchmark asks for. The benchmark process
 * only drives them. `stop()` stops everything in reverse order and removes the temporary directory.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { createAuditLog, type AuditLog } from '#db/audit.js';
import { initORM, migrateAsOwner, type Orm } from '#db/orm.js';
import { loadAuditKey } from '#platform/audit-key.js';
import type { Logger } from '#platform/log.js';
import { freePort } from '#platform/ports.js';
import { ensureDatabase, startEmbeddedPostgres } from '#platform/postgres.js';
import { ensureTemporalCli } from '#platform/temporal-cli.js';
import { startTemporalDevServer } from '#platform/temporal-server.js';
import { requireTemporalServer, startTemporalOnPostgres } from '#platform/temporal-postgres.js';
import { startNodeChild, type Child } from '../../lib/children.js';
import { seedOrgsAndUsers } from '../../lib/demo-seed.js';

export interface BenchStack {
  tmp: string;
  dbUrl: string;
  orm: Orm;
  audit: AuditLog;
  client: Client;
  queue: string;
  /** The api's base URL (http://127.0.0.1:port). */
  base: string;
  children: Record<string, Child>;
  /** Stops, in reverse order, everything started; also pushed to by the benchmark. */
  stops: (() => Promise<void>)[];
  stop(): Promise<void>;
}

export interface BenchStackOptions {
  /** Names the database and the task queue. */
  name: string;
  /** The password of every demo account. */
  password: string;
  log: Logger;
  /** Extra environment for the children. */
  env?: NodeJS.ProcessEnv;
  /** Further children beside the worker and the api: name → entry (a URL relative to scripts/bench/). */
  extraChildren?: Record<string, string>;
  /** Extra node flags for each child (a profiler hook). */
  execArgv?: string[];
  ormPool?: { min: number; max: number };
  /** `postgres`: the production topology's Temporal server (deploy/temporal) on this PostgreSQL. */
  temporal?: 'dev' | 'postgres';
}

const here = (rel: string) => fileURLToPath(new URL(rel, new URL('../', import.meta.url)));

export async function startBenchStack(opts: BenchStackOptions): Promise<BenchStack> {
  const { log } = opts;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `sanzhang-${opts.name}-`));
  fs.chmodSync(tmp, 0o755);
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch((e: unknown) => console.error(e));
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  try {
    let dbUrl = process.env.DATABASE_URL;
    if (!dbUrl) {
      const pg = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg'), database: 'bench', log });
      stops.push(pg.stop);
      dbUrl = pg.url;
    } else {
      const u = new URL(dbUrl);
      u.pathname = `/sanzhang_${opts.name}_${process.pid}`;
      dbUrl = u.toString();
      await ensureDatabase(dbUrl);
    }
    await migrateAsOwner(dbUrl);
    const orm = await initORM(dbUrl, { overrides: { pool: opts.ormPool ?? { min: 2, max: 20 } } });
    stops.push(() => orm.close());
    const auditKey = crypto.randomBytes(32).toString('hex');
    const audit = createAuditLog(loadAuditKey({ AUDIT_KEY: auditKey, dataDir: tmp }));
    await seedOrgsAndUsers(orm, opts.password, audit);

    let address = process.env.TEMPORAL_ADDRESS;
    if (opts.temporal === 'postgres') {
      // The production topology's server, on the benchmark's PostgreSQL (as compose shares one).
      const u = new URL(dbUrl);
      const server = await startTemporalOnPostgres({
        bin: requireTemporalServer(),
        db: {
          host: u.hostname,
          port: Number(u.port || 5432),
          user: decodeURIComponent(u.username),
          password: decodeURIComponent(u.password),
        },
        log,
        namespace: 'default',
      });
      stops.push(server.stop);
      address = server.address;
    } else if (!address) {
      const server = await startTemporalDevServer({
        cli: await ensureTemporalCli(log),
        log,
        namespace: 'default',
        ui: false,
      });
      stops.push(server.stop);
      address = server.address;
    }
    const connection = await Connection.connect({ address });
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });
    const queue = `${opts.name}-${process.pid}`;

    const children: Record<string, Child> = {};
    const childEnv = {
      ...process.env,
      DATABASE_URL: dbUrl,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: queue,
      DATA_DIR: tmp,
      AUDIT_KEY: auditKey,
      LOGIN_IP_LIMIT_PER_MINUTE: '100000',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      ...opts.env,
    };
    const start = async (name: string, entry: string, env: NodeJS.ProcessEnv = childEnv) => {
      children[name] = await startNodeChild({
        name,
        entry: here(entry),
        env: { ...env, BENCH_CHILD_NAME: name },
        log,
        execArgv: opts.execArgv ?? [],
        // Bundling the workflows takes minutes on a busy shared machine; a benchmark waits for it.
        readyTimeoutMs: 600_000,
        onUnexpectedExit: (n, code) => console.error(`${n} exited unexpectedly (${code})`),
      });
      stops.push(() => children[name]!.stop());
    };
    const apiPort = await freePort();
    await Promise.all([
      start('worker', '../../worker/main.ts'),
      ...Object.entries(opts.extraChildren ?? {}).map(([n, e]) => start(n, e)),
      start('api', '../../api/src/main.ts', { ...childEnv, PORT: String(apiPort), HOST: '127.0.0.1' }),
    ]);
    return {
      tmp,
      dbUrl,
      orm,
      audit,
      client,
      queue,
      base: `http://127.0.0.1:${apiPort}`,
      children,
      stops,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
