/**
 * `npm run reconcile [-- CODE …] [--concurrency=N]`: compares PostgreSQL with the project
 * workflows' histories (see scripts/lib/reconcile) and prints every difference. Exit 0 when they
 * agree, 1 when they differ, 2 when it could not check.
 *
 * Where: DATABASE_URL and TEMPORAL_ADDRESS (TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE) when set;
 * else the running `npm start` stack of DATA_DIR (its stack.json); else the stopped embedded
 * stack under DATA_DIR, started headless for the check (no worker: histories need none).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { initORM } from '#db/orm.js';
import { loadEnv } from '#platform/env.js';
import { createLogger } from '#platform/log.js';
import { startEmbeddedPostgres } from '#platform/postgres.js';
import { readStackFile } from '#platform/stack-file.js';
import { ensureTemporalCli } from '#platform/temporal-cli.js';
import { startTemporalDevServer } from '#platform/temporal-server.js';
import { formatReport, reconcile } from './lib/reconcile/index.js';

const log = createLogger('reconcile', 'warn', true);

async function main(): Promise<number> {
  const env = loadEnv();
  const args = process.argv.slice(2);
  const concurrencyArg = args.find((a) => a.startsWith('--concurrency='));
  const concurrency = concurrencyArg ? Number(concurrencyArg.split('=')[1]) : 16;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new Error(`--concurrency must be a positive integer, not ${concurrencyArg}`);
  const codes = args.filter((a) => !a.startsWith('--'));

  const stops: (() => Promise<void>)[] = [];
  try {
    const running = readStackFile(env.dataDir);
    let databaseUrl = env.DATABASE_URL ?? running?.databaseUrl;
    if (!databaseUrl) {
      const dir = path.join(env.dataDir, 'pg');
      if (!fs.existsSync(path.join(dir, 'PG_VERSION')))
        throw new Error(`no database: set DATABASE_URL, or run npm start first (looked in ${dir})`);
      const pg = await startEmbeddedPostgres({ dir, database: 'sanzhang', log });
      stops.push(pg.stop);
      databaseUrl = pg.url;
    }
    let address = env.TEMPORAL_ADDRESS ?? running?.temporalAddress;
    if (!address) {
      const dbFile = path.join(env.dataDir, 'temporal.db');
      if (!fs.existsSync(dbFile))
        throw new Error(
          `no Temporal server: set TEMPORAL_ADDRESS, or run npm start first (looked for ${dbFile})`,
        );
      const server = await startTemporalDevServer({
        cli: await ensureTemporalCli(log),
        log,
        dbFile,
        namespace: env.TEMPORAL_NAMESPACE,
        ui: false,
      });
      stops.push(server.stop);
      address = server.address;
    }
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const connection = await NativeConnection.connect({ address });
    stops.push(() => connection.close());
    const orm = await initORM(databaseUrl);
    stops.push(() => orm.close());
    const result = await reconcile({
      orm,
      client: new Client({ connection, namespace: env.TEMPORAL_NAMESPACE }),
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      codes,
      concurrency,
    });
    process.stdout.write(`${formatReport(result)}\n`);
    return result.differences.length === 0 ? 0 : 1;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`reconcile: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
