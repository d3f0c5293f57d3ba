/**
 * `npm start`: the whole stack on one machine.
 *   PostgreSQL (DATABASE_URL, else embedded under DATA_DIR/pg) → migrations →
 *   Temporal (TEMPORAL_ADDRESS, else the CLI's dev server with DATA_DIR/temporal.db) →
 *   console build (when missing or stale) → worker → api on PORT → demo data on first start.
 * Ctrl-C stops every child in reverse order; the data stays under DATA_DIR for the next start.
 */
import { archiveStorageFromEnv } from '../api/src/modules/archives/storage-from-env.js';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createAuditLog } from '../db/audit.js';
import { initORM, migrateAsOwner, type Orm } from '../db/orm.js';
import { loadAuditKey } from '../platform/audit-key.js';
import { loadEnv } from '../platform/env.js';
import { createLogger } from '../platform/log.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../platform/postgres.js';
import { writeStackFile } from '../platform/stack-file.js';
import { PROJECT_ROOT, ensureTemporalCli } from '../platform/temporal-cli.js';
import {
  ensureSearchAttributes,
  startTemporalDevServer,
  type RunningTemporal,
} from '../platform/temporal-server.js';
import { startNodeChild, type Child } from './lib/children.js';
import { isDemoSeeded, markDemoSeeded, seedDemoProjects, seedOrgsAndUsers } from './lib/demo-seed.js';

const log = createLogger('start');

async function main() {
  const env = loadEnv();
  fs.mkdirSync(env.dataDir, { recursive: true });
  const stack: { name: string; stop: () => Promise<void> }[] = [];
  let shuttingDown = false;
  const shutdown = async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info('stopping…');
    for (const part of stack.reverse()) {
      try {
        await part.stop();
        log.info(`  ${part.name} stopped`);
      } catch (err) {
        log.warn(`  ${part.name} did not stop cleanly: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  const onChildExit = (name: string, code: number | null) => {
    log.error(`${name} exited unexpectedly (code ${code}); stopping the stack`);
    void shutdown(1);
  };

  try {
    // 1. PostgreSQL
    let databaseUrl = env.DATABASE_URL;
    const embedded = !databaseUrl;
    if (!databaseUrl) {
      log.info(`starting embedded PostgreSQL (data in ${path.join(env.dataDir, 'pg')})…`);
      const pg: RunningPostgres = await startEmbeddedPostgres({
        dir: path.join(env.dataDir, 'pg'),
        database: 'sanzhang',
        log,
      });
      stack.push({ name: 'PostgreSQL', stop: pg.stop });
      databaseUrl = pg.url;
    } else {
      log.info('using PostgreSQL from DATABASE_URL');
    }

    // 2. Migrations (as the database owner), then the application's own role for everything else
    const applied = await migrateAsOwner(databaseUrl);
    log.info(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema up to date');
    const orm: Orm = await initORM(databaseUrl);
    stack.push({ name: 'database pool', stop: () => orm.close() });
    // Created here, before the worker and the api start, so both read the same key.
    const audit = createAuditLog(loadAuditKey(env));
    // Lets `npm run audit:verify` find the running database.
    writeStackFile(env.dataDir, { databaseUrl, pid: process.pid });
    stack.push({
      name: 'stack file',
      stop: async () => fs.rmSync(path.join(env.dataDir, 'stack.json'), { force: true }),
    });

    // 3. Temporal
    let temporalAddress = env.TEMPORAL_ADDRESS;
    let uiUrl: string | undefined;
    if (!temporalAddress) {
      const cli = await ensureTemporalCli(log);
      log.info(
        `starting the Temporal dev server (${cli}; state in ${path.join(env.dataDir, 'temporal.db')})…`,
      );
      const server: RunningTemporal = await startTemporalDevServer({
        cli,
        log,
        dbFile: path.join(env.dataDir, 'temporal.db'),
        namespace: env.TEMPORAL_NAMESPACE,
        ui: env.TEMPORAL_UI === 'on',
      });
      stack.push({ name: 'Temporal dev server', stop: server.stop });
      temporalAddress = server.address;
      uiUrl = server.uiUrl;
    } else {
      log.info(`using Temporal at ${temporalAddress}`);
    }
    // The native connection, as the api and the worker have. (On grpc-js, a call retrying when
    // Ctrl-C closed the channel during the seed threw from its timer and crashed the launcher.)
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const connection = await NativeConnection.connect({ address: temporalAddress });
    stack.push({ name: 'Temporal client', stop: () => connection.close() });
    await ensureSearchAttributes(connection, env.TEMPORAL_NAMESPACE);
    // And lets `npm run reconcile` find the workflows.
    writeStackFile(env.dataDir, { databaseUrl, temporalAddress, pid: process.pid });

    // 4. Console
    await buildConsoleIfStale();

    // 5. Worker and api
    const childEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      NODE_ENV: 'production',
    };
    log.info('starting the worker…');
    const worker: Child = await startNodeChild({
      name: 'worker',
      entry: path.join(PROJECT_ROOT, 'worker/main.ts'),
      env: childEnv,
      log,
      onUnexpectedExit: onChildExit,
    });
    stack.push(worker);
    log.info('starting the api…');
    const api: Child = await startNodeChild({
      name: 'api',
      entry: path.join(PROJECT_ROOT, 'api/src/main.ts'),
      env: childEnv,
      log,
      onUnexpectedExit: onChildExit,
    });
    stack.push(api);

    // 6. Demo data, on the first start of an embedded stack
    if (embedded && env.DEMO_SEED !== 'off' && !(await isDemoSeeded(orm))) {
      log.info('seeding the demo county (first start)…');
      await seedOrgsAndUsers(orm, env.DEMO_PASSWORD, audit);
      const temporal = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
      await seedDemoProjects({
        audit,
        orm,
        temporal,
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        log,
        small: env.DEMO_SEED === 'small',
        storage: archiveStorageFromEnv(env),
      });
      await markDemoSeeded(orm);
    }

    const url = `http://${env.HOST === '0.0.0.0' ? '127.0.0.1' : env.HOST}:${env.PORT}`;
    log.info('────────────────────────────────────────────────────────────');
    log.info(`三账一表 is running: console ${url}/   API ${url}/api/openapi.json`);
    if (uiUrl) log.info(`Temporal UI ${uiUrl}`);
    log.info(
      `demo accounts: admin, leader, supervisor, swj.op, mbz.op, mbz-ljc.op … (password: DEMO_PASSWORD${process.env.DEMO_PASSWORD ? '' : ` = ${env.DEMO_PASSWORD}`})`,
    );
    log.info('press Ctrl-C to stop');
  } catch (err) {
    // Once stopping, the seed's calls fail as their connections close: that is the stop, not an error.
    if (shuttingDown) return;
    log.error(err instanceof Error ? err.message : String(err));
    await shutdown(1);
  }
}

/** Builds the console with Vite when web/dist is missing or older than its sources. */
async function buildConsoleIfStale(): Promise<void> {
  const dist = path.join(PROJECT_ROOT, 'web/dist/index.html');
  const builtAt = fs.existsSync(dist) ? fs.statSync(dist).mtimeMs : 0;
  const newest = newestMtime(
    [path.join(PROJECT_ROOT, 'web'), path.join(PROJECT_ROOT, 'domain')],
    ['dist', 'node_modules'],
  );
  if (builtAt >= newest) return;
  log.info('building the console (vite build)…');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        path.join(PROJECT_ROOT, 'node_modules/vite/bin/vite.js'),
        'build',
        '--config',
        'web/vite.config.ts',
        '--logLevel',
        'warn',
      ],
      {
        cwd: PROJECT_ROOT,
        stdio: 'inherit',
      },
    );
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`console build failed (exit ${code})`)),
    );
  });
}

function newestMtime(dirs: string[], skip: string[]): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (skip.includes(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  for (const d of dirs) if (fs.existsSync(d)) walk(d);
  return newest;
}

void main();
