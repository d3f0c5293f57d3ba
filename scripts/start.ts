/**
 * `npm start`: the whole stack on one machine.
 *   PostgreSQL (DATABASE_URL, else embedded under DATA_DIR/pg) → migrations → demo accounts (first
 *   start) → Temporal (TEMPORAL_ADDRESS, else the CLI's dev server with DATA_DIR/temporal.db) →
 *   console build (when missing or stale) → worker → api on PORT → demo projects (first start).
 *   The workflow bundle is made meanwhile, or kept from the last start (worker/bundle-cache.ts).
 * Every process it starts is supervised: one that dies is started again, with backoff, and the log
 * says so (scripts/lib/supervisor.ts). Ctrl-C stops every child in reverse order; the data stays
 * under DATA_DIR for the next start, which also finishes a demo seed that was interrupted.
 */
import { archiveStorageFromEnv } from '#api/modules/archives/storage-from-env.js';
import { complaintSecret } from '#api/modules/complaints/service.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createAuditLog } from '#db/audit.js';
import { initORM, migrateAsOwner, type Orm } from '#db/orm.js';
import { clearHeartbeat, writeSeedProgress } from '#db/queries/stack-status.js';
import { DEMO_PROJECTS } from '#db/seed/demo-county.js';
import { loadAuditKey } from '#platform/audit-key.js';
import { loadEnv } from '#platform/env.js';
import { createLogger } from '#platform/log.js';
import { startEmbeddedPostgres } from '#platform/postgres.js';
import { buildConsoleIfStale } from './lib/console-build.js';
import { PROJECT_ROOT, ensureTemporalCli } from '#platform/temporal-cli.js';
import { ensureSearchAttributes, startTemporalDevServer } from '#platform/temporal-server.js';
import { startNodeChild } from './lib/children.js';
import {
  isDemoSeeded,
  markDemoSeeded,
  seedDemoBulletin,
  seedDemoSupervision,
  seedDemoProjects,
  seedDemoUnitHeads,
  seedOrgsAndUsers,
} from './lib/demo-seed.js';
import { describeError } from './lib/seed-retry.js';
import { stackFilePath, stopLeftovers, writeStackFile, type StackFile } from '#platform/stack-file.js';
import { supervise } from './lib/supervisor.js';
import { cachedWorkflowBundle, workflowBundleFile } from '#worker/bundle-cache.js';

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
  const supervision = {
    log,
    stopping: () => shuttingDown,
    onGiveUp: (reason: string) => {
      log.error(`${reason}; stopping the stack (see docs/operations.md)`);
      void shutdown(1);
    },
  };

  try {
    // A launcher killed outright leaves its servers running on DATA_DIR: stop them first.
    await stopLeftovers(env.dataDir, log);
    // Lets `npm run audit:verify` find the running database, and the next start find leftovers.
    const stackFile: StackFile = { pid: process.pid };
    const saveStackFile = () => writeStackFile(env.dataDir, stackFile);
    saveStackFile();
    // Built (or kept from the last start) while PostgreSQL and Temporal come up; every worker
    // started or restarted below loads this one file instead of bundling on its own.
    const bundleStarted = Date.now();
    const bundle = cachedWorkflowBundle(workflowBundleFile(env.dataDir)).then((b) => {
      const took = `${((Date.now() - bundleStarted) / 1000).toFixed(1)} s`;
      log.info(
        b.reused ? `workflow bundle unchanged since the last start` : `workflow bundle built (${took})`,
      );
      return b.codePath;
    });
    bundle.catch(() => undefined); // awaited before the worker starts
    stack.push({
      name: 'stack file',
      stop: async () => fs.rmSync(stackFilePath(env.dataDir), { force: true }),
    });

    // 1. PostgreSQL
    let databaseUrl = env.DATABASE_URL;
    const embedded = !databaseUrl;
    if (!databaseUrl) {
      const dir = path.join(env.dataDir, 'pg');
      log.info(`starting embedded PostgreSQL (data in ${dir})…`);
      let port: number | undefined;
      const pg = await supervise({
        ...supervision,
        name: 'PostgreSQL',
        // A restart keeps the port: the worker and the api know this address.
        start: () => startEmbeddedPostgres({ dir, database: 'sanzhang', log, port }),
        onStarted: (server) => {
          port = server.port;
          databaseUrl = server.url;
          Object.assign(stackFile, { databaseUrl: server.url, postgresPid: server.pid });
          saveStackFile();
        },
      });
      stack.push({ name: 'PostgreSQL', stop: pg.stop });
    } else {
      log.info('using PostgreSQL from DATABASE_URL');
      stackFile.databaseUrl = databaseUrl;
      saveStackFile();
    }
    const dbUrl = databaseUrl!;

    // 2. Migrations (as the database owner), then the application's own role for everything else
    const applied = await migrateAsOwner(dbUrl);
    log.info(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema up to date');
    const orm: Orm = await initORM(dbUrl);
    stack.push({ name: 'database pool', stop: () => orm.close() });
    // Created here, before the worker and the api start, so both read the same key.
    const auditKey = loadAuditKey(env);
    const audit = createAuditLog(auditKey);

    // The demo accounts before the api: once the api answers ready, they can log in.
    const seeding = embedded && env.DEMO_SEED !== 'off' && !(await isDemoSeeded(orm));
    let accounts: Promise<void> = Promise.resolve();
    if (seeding) {
      log.info('seeding the demo county (first start): org units and accounts…');
      accounts = seedOrgsAndUsers(orm, env.DEMO_PASSWORD, audit).then(() =>
        seedDemoUnitHeads(orm, env.DEMO_PASSWORD, audit),
      );
      accounts.catch(() => undefined); // awaited below; meanwhile Temporal starts
    }

    // 3. Temporal
    let temporalAddress = env.TEMPORAL_ADDRESS;
    let uiUrl: string | undefined;
    if (!temporalAddress) {
      const cli = await ensureTemporalCli(log);
      const dbFile = path.join(env.dataDir, 'temporal.db');
      log.info(`starting the Temporal dev server (${cli}; state in ${dbFile})…`);
      let port: number | undefined;
      let uiPort: number | undefined;
      const server = await supervise({
        ...supervision,
        name: 'Temporal dev server',
        start: () =>
          startTemporalDevServer({
            cli,
            log,
            dbFile,
            namespace: env.TEMPORAL_NAMESPACE,
            ui: env.TEMPORAL_UI === 'on',
            port,
            uiPort,
          }),
        onStarted: (s) => {
          ({ port, uiPort, uiUrl } = s);
          temporalAddress = s.address;
          stackFile.temporalPid = s.pid;
          saveStackFile();
        },
      });
      stack.push({ name: 'Temporal dev server', stop: server.stop });
    } else {
      log.info(`using Temporal at ${temporalAddress}`);
    }
    // The native connection, as the api and the worker have. (On grpc-js, a call retrying when
    // Ctrl-C closed the channel during the seed threw from its timer and crashed the launcher.)
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const connection = await NativeConnection.connect({ address: temporalAddress! });
    stack.push({ name: 'Temporal client', stop: () => connection.close() });
    await ensureSearchAttributes(connection, env.TEMPORAL_NAMESPACE);
    // And lets `npm run reconcile` find the workflows.
    stackFile.temporalAddress = temporalAddress;
    saveStackFile();

    // 4. Console
    await buildConsoleIfStale(() => log.info('building the console (vite build)…'));

    // 5. Worker and api
    const workflowBundle = await bundle;
    const childEnv = {
      ...process.env,
      DATABASE_URL: dbUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      NODE_ENV: 'production',
      WORKFLOW_BUNDLE: workflowBundle,
    };
    const child = (name: 'worker' | 'api', entry: string) =>
      supervise({
        ...supervision,
        name,
        start: () => startNodeChild({ name, entry: path.join(PROJECT_ROOT, entry), env: childEnv, log }),
        onStarted: (c, restart) => {
          if (restart === 0) log.info(`${name} started (pid ${c.pid})`);
        },
        // The dead worker's heartbeat goes at once: /readyz says "not ready" until the next one beats.
        onDown: (c) => {
          if (name === 'worker')
            void clearHeartbeat(orm, env.TEMPORAL_TASK_QUEUE, `${c.pid}@${os.hostname()}`).catch(
              () => undefined,
            );
        },
      });
    log.info('starting the worker…');
    stack.push(await child('worker', 'worker/main.ts'));
    await accounts;
    const total = env.DEMO_SEED === 'small' ? 10 : DEMO_PROJECTS.length;
    if (seeding) await writeSeedProgress(orm, { done: 0, total });
    log.info('starting the api…');
    stack.push(await child('api', 'api/src/main.ts'));

    // 6. Demo projects, on the first start of an embedded stack (or to finish an interrupted seed)
    if (seeding) {
      log.info(`seeding the demo county: ${total} projects through their workflows…`);
      const temporal = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
      // The api's archive storage: the seed's documents are where the api will read them.
      const storage = archiveStorageFromEnv(env);
      const taskQueue = env.TEMPORAL_TASK_QUEUE;
      try {
        await seedDemoProjects({
          audit,
          orm,
          temporal,
          taskQueue,
          log,
          storage,
          small: env.DEMO_SEED === 'small',
        });
        await seedDemoBulletin({ orm, audit, log, storage });
        await seedDemoSupervision({
          orm,
          audit,
          temporal,
          taskQueue,
          log,
          storage,
          secret: complaintSecret(auditKey),
        });
      } catch (err) {
        if (shuttingDown) return;
        log.error(
          `the demo seed stopped: ${describeError(err)}. Start again (npm start) to resume it: ` +
            'every project continues from the stage it reached, nothing is done twice.',
        );
        return void shutdown(1);
      }
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
    log.error(describeError(err));
    await shutdown(1);
  }
}

void main();
