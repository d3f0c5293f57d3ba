/** Entrypoint of the worker process (started by `npm start`, or on its own in production). */
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { createAuditLog } from '#db/audit.js';
import { checkpointFile, ormQuery, startAuditCheckpoints } from '#db/audit-checkpoint.js';
import { initORM } from '#db/orm.js';
import { startRedFlagScans } from '#db/queries/red-flag-scan.js';
import { loadAuditKey } from '#platform/audit-key.js';
import { loadEnv, redFlagConfig } from '#platform/env.js';
import { createLogger } from '#platform/log.js';
import { startDispatcher } from './dispatcher.js';
import { startHeartbeat } from './heartbeat.js';
import { ensureRankingSchedule } from './ranking-schedule.js';
import { workerSettingsFromEnv } from './settings-from-env.js';
import { bundleWorkflows, createWorker } from './worker.js';

const log = createLogger('worker');

async function main() {
  const env = loadEnv();
  if (!env.DATABASE_URL || !env.TEMPORAL_ADDRESS)
    throw new Error('the worker needs DATABASE_URL and TEMPORAL_ADDRESS');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const orm = await initORM(env.DATABASE_URL);
  const auditKey = loadAuditKey(env);
  // The launcher hands every worker it starts the bundle it built or kept (worker/bundle-cache.ts).
  const workflowBundle = env.WORKFLOW_BUNDLE ? { codePath: env.WORKFLOW_BUNDLE } : await bundleWorkflows();
  const settings = workerSettingsFromEnv(env, orm, log);
  const { worker, connection } = await createWorker({
    address: env.TEMPORAL_ADDRESS,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    orm,
    audit: createAuditLog(auditKey),
    workflowBundle,
    ...settings.activities,
  });
  if (env.RANKING_SCHEDULE === 'on') {
    // Every worker ensures the monthly ranking's schedule (worker/ranking-schedule.ts). A failure
    // is logged, not fatal: the projects' workflows need this worker more than the ranking does.
    const clientConnection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
    try {
      const client = new Client({ connection: clientConnection, namespace: env.TEMPORAL_NAMESPACE });
      const what = await ensureRankingSchedule(client, {
        scheduleId: env.RANKING_SCHEDULE_ID,
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        catchupDays: env.RANKING_CATCHUP_DAYS,
      });
      log.info(`ranking schedule "${env.RANKING_SCHEDULE_ID}" ${what}`);
    } catch (err) {
      log.error(`ranking schedule: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      await clientConnection.close();
    }
  }
  // The SDK shuts the worker down gracefully on SIGINT/SIGTERM (finishing in-flight tasks).
  log.info(`polling task queue "${env.TEMPORAL_TASK_QUEUE}" on ${env.TEMPORAL_ADDRESS}`);
  process.send?.({ type: 'ready' });
  // Anchors the audit chains outside the database (see db/audit-checkpoint.ts).
  const checkpoints =
    env.AUDIT_CHECKPOINT_SECONDS > 0
      ? startAuditCheckpoints({
          query: ormQuery(orm),
          key: auditKey,
          file: checkpointFile(env.dataDir),
          log,
          intervalMs: env.AUDIT_CHECKPOINT_SECONDS * 1000,
        })
      : undefined;
  const heartbeat = startHeartbeat({ worker, orm, taskQueue: env.TEMPORAL_TASK_QUEUE, log });
  // Risk red flags, rescanned in the background; each scan is idempotent (docs/supervision.md).
  const redFlags =
    env.RED_FLAG_SCAN_MINUTES > 0
      ? startRedFlagScans({
          orm,
          audit: createAuditLog(auditKey),
          config: redFlagConfig(env),
          intervalMs: env.RED_FLAG_SCAN_MINUTES * 60_000,
          log,
        })
      : undefined;
  // Outside deliveries, off the workflow task slots; on SIGTERM it finishes the sends in flight.
  const dispatcher = settings.dispatcher ? startDispatcher(settings.dispatcher) : undefined;
  await worker.run();
  await dispatcher?.stop();
  await heartbeat.stop();
  await redFlags?.stop();
  await checkpoints?.stop();
  await connection.close();
  await orm.close();
  log.info('stopped');
}

main().catch((err: unknown) => {
  log.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
