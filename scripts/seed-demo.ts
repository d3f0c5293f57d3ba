/**
 * `npm run seed:demo`: the demo county on an external database (the embedded stack seeds itself).
 * Needs DATABASE_URL and TEMPORAL_ADDRESS; runs a worker in-process while the demo projects'
 * workflows take their steps, with the settings a deployment's worker takes from the same
 * environment (worker/settings-from-env.ts). Safe to run twice: a seed that finished is not
 * walked again (as `npm start` does not), and one that was interrupted is finished, what exists
 * kept.
 */
import { archiveStorageFromEnv } from '#api/modules/archives/storage-from-env.js';
import { complaintSecret } from '#api/modules/complaints/service.js';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createAuditLog } from '#db/audit.js';
import { initORM, migrateAsOwner } from '#db/orm.js';
import { loadAuditKey } from '#platform/audit-key.js';
import { loadEnv } from '#platform/env.js';
import { createLogger } from '#platform/log.js';
import { cachedWorkflowBundle, workflowBundleFile } from '#worker/bundle-cache.js';
import { workerSettingsFromEnv } from '#worker/settings-from-env.js';
import { createWorker } from '#worker/worker.js';
import {
  isDemoSeeded,
  markDemoSeeded,
  seedDemoBulletin,
  seedDemoProjects,
  seedDemoSupervision,
  seedDemoUnitHeads,
  seedOrgsAndUsers,
} from './lib/demo-seed.js';
import { describeError } from './lib/seed-retry.js';

const log = createLogger('seed');

async function main() {
  const env = loadEnv();
  if (!env.DATABASE_URL || !env.TEMPORAL_ADDRESS)
    throw new Error('seed:demo needs DATABASE_URL and TEMPORAL_ADDRESS');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  await migrateAsOwner(env.DATABASE_URL);
  const orm = await initORM(env.DATABASE_URL);
  if (await isDemoSeeded(orm)) {
    // Checking every project again would bundle the workflows and start a worker for nothing.
    log.info('the demo county is already seeded; nothing to do');
    await orm.close();
    return;
  }
  const auditKey = loadAuditKey(env);
  const audit = createAuditLog(auditKey);
  await seedOrgsAndUsers(orm, env.DEMO_PASSWORD, audit);
  await seedDemoUnitHeads(orm, env.DEMO_PASSWORD, audit);
  log.info('org units and demo accounts ready');
  const { worker, connection: workerConnection } = await createWorker({
    address: env.TEMPORAL_ADDRESS,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    orm,
    audit,
    // The launcher's bundle file, kept while its inputs are unchanged (worker/bundle-cache.ts).
    workflowBundle: {
      codePath: (await cachedWorkflowBundle(workflowBundleFile(env.dataDir))).codePath,
    },
    // The deployment's own settings: its workers poll the same queue and may take any activity.
    // Outside deliveries are queued here and sent by those workers' dispatchers.
    ...workerSettingsFromEnv(env, orm, log).activities,
  });
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
  await worker.runUntil(async () => {
    await seedDemoProjects({
      orm,
      temporal,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      log,
      audit,
      storage: archiveStorageFromEnv(env),
    });
    await seedDemoBulletin({ orm, audit, log, storage: archiveStorageFromEnv(env) });
    await seedDemoSupervision({
      orm,
      audit,
      temporal,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      log,
      storage: archiveStorageFromEnv(env),
      secret: complaintSecret(auditKey),
    });
    await markDemoSeeded(orm);
  });
  await connection.close();
  await workerConnection.close();
  await orm.close();
}

main().catch((err: unknown) => {
  log.error(describeError(err));
  process.exit(1);
});
