/**
 * The worker process: connects to Temporal and PostgreSQL, registers the workflow bundle and the
 * activities, and polls the task queue until told to stop.
 */
import { fileURLToPath } from 'node:url';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import {
  NativeConnection,
  Worker,
  bundleWorkflowCode,
  type BundleOptions,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { createActivities } from '#activities/index.js';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import type { NotificationChannel } from '#activities/notify.activities.js';
import type { DeliveryConfig } from '#activities/notify/delivery-config.js';
import type { DeadlineConfig } from '#domain/deadlines.js';
import type { ComplaintSlaConfig } from '#domain/complaint-records.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Bundles workflow code once (webpack + swc); callers reuse the result for every worker. */
export async function bundleWorkflows(
  opts: Pick<BundleOptions, 'workflowsPath' | 'webpackConfigHook'> = { workflowsPath: WORKFLOWS_PATH },
): Promise<{ code: string }> {
  return bundleWorkflowCode({ ...opts, logger: quietBundlerLogger });
}

const quietBundlerLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (m: string) => process.stderr.write(`[bundler] ${m}\n`),
  error: (m: string) => process.stderr.write(`[bundler] ${m}\n`),
};

export async function createWorker(opts: {
  address: string;
  namespace: string;
  taskQueue: string;
  orm: Orm;
  audit: AuditLog;
  workflowBundle: WorkflowBundleOption;
  identity?: string;
  /** Deadline-ladder periods (from DEADLINE_* variables); defaults to real days. */
  deadlines?: DeadlineConfig;
  /** Where notifications go; the in-app inbox when not given. */
  channels?: NotificationChannel[];
  /** Which outside deliveries the notify activity queues; none when not given. */
  delivery?: DeliveryConfig;
  /** RECTIFICATION_SERIAL_PREFIX */
  rectificationSerialPrefix?: string;
  /** COMPLAINT_* time limits */
  complaintSla?: ComplaintSlaConfig;
}): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address: opts.address });
  const client = new Client({ connection, namespace: opts.namespace });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: opts.workflowBundle,
    activities: createActivities({
      orm: opts.orm,
      audit: opts.audit,
      ...(opts.deadlines ? { deadlines: opts.deadlines } : {}),
      ...(opts.channels ? { channels: opts.channels } : {}),
      ...(opts.delivery ? { delivery: opts.delivery } : {}),
      ...(opts.rectificationSerialPrefix
        ? { rectificationSerialPrefix: opts.rectificationSerialPrefix }
        : {}),
      ...(opts.complaintSla ? { complaintSla: opts.complaintSla } : {}),
      workflowKnown: async (workflowId) => {
        try {
          await client.workflow.getHandle(workflowId).describe();
          return true;
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) return false;
          throw err;
        }
      },
    }),
    ...(opts.identity ? { identity: opts.identity } : {}),
  });
  return { worker, connection };
}
