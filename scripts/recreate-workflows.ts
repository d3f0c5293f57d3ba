/**
 * `npm run recreate-workflows [-- CODE …]`: starts, from PostgreSQL, the workflow of every project,
 * complaint and rectification notice that is not finished and whose workflow the Temporal server
 * does not know — what a restore into a new environment needs (scripts/lib/recreate,
 * docs/operations.md). Safe to run again: it never starts a workflow twice. With project codes,
 * only those projects.
 *
 * Where: DATABASE_URL and TEMPORAL_ADDRESS (TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE) when set;
 * else the running `npm start` stack of DATA_DIR (its stack.json). The deadline and complaint
 * settings (DEADLINE_*, COMPLAINT_*) must be the worker's. Exit 0 when every unfinished record has
 * a running workflow, 1 when some workflow is closed in Temporal while the database says it runs,
 * 2 when it could not run.
 */
import { Client, Connection } from '@temporalio/client';
import { initORM } from '#db/orm.js';
import { complaintSlaConfig, deadlineConfig, loadEnv } from '#platform/env.js';
import { createLogger } from '#platform/log.js';
import { readStackFile } from '#platform/stack-file.js';
import { ensureNamespace, ensureSearchAttributes } from '#platform/temporal-server.js';
import { formatRecreate, recreateWorkflows } from './lib/recreate/index.js';

const log = createLogger('recreate-workflows', 'info', true);

async function main(): Promise<number> {
  const env = loadEnv();
  const codes = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const running = readStackFile(env.dataDir);
  const databaseUrl = env.DATABASE_URL ?? running?.databaseUrl;
  const address = env.TEMPORAL_ADDRESS ?? running?.temporalAddress;
  if (!databaseUrl || !address)
    throw new Error(
      `set DATABASE_URL and TEMPORAL_ADDRESS, or start the stack first (npm start; no stack.json in ${env.dataDir})`,
    );
  const stops: (() => Promise<void>)[] = [];
  try {
    const connection = await Connection.connect({ address });
    stops.push(() => connection.close());
    // A fresh server may not have our namespace and search attributes yet (npm run migrate adds them too).
    await ensureNamespace(connection, env.TEMPORAL_NAMESPACE);
    await ensureSearchAttributes(connection, env.TEMPORAL_NAMESPACE);
    const orm = await initORM(databaseUrl);
    stops.push(() => orm.close());
    const result = await recreateWorkflows({
      orm,
      client: new Client({ connection, namespace: env.TEMPORAL_NAMESPACE }),
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      deadlines: deadlineConfig(env),
      complaintSla: complaintSlaConfig(env),
      codes,
      onProgress: (kind, t) =>
        log.info(`${kind}: ${t.started + t.running + t.closed} of ${t.unfinished} done`),
    });
    process.stdout.write(`${formatRecreate(result)}\n`);
    return result.closed.length ? 1 : 0;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`recreate-workflows: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
