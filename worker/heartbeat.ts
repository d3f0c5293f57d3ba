/**
 * The worker's heartbeat for the api's /readyz (db/queries/stack-status.ts): a row in app_meta,
 * rewritten every few seconds while the Temporal worker runs, deleted when it stops. A worker that
 * dies, even by SIGKILL, stops beating, and the api says so within a few seconds.
 */
import os from 'node:os';
import type { Worker } from '@temporalio/worker';
import type { Orm } from '#db/orm.js';
import { HEARTBEAT_EVERY_MS, clearHeartbeat, writeHeartbeat } from '#db/queries/stack-status.js';
import type { Logger } from '#platform/log.js';

export function startHeartbeat(opts: {
  worker: Pick<Worker, 'getState'>;
  orm: Orm;
  taskQueue: string;
  log?: Logger;
}): { stop(): Promise<void> } {
  const identity = `${process.pid}@${os.hostname()}`;
  let warned = false;
  const beat = () => {
    if (opts.worker.getState() !== 'RUNNING') return;
    writeHeartbeat(opts.orm, opts.taskQueue, identity).then(
      () => (warned = false),
      (err: unknown) => {
        // Once per outage: PostgreSQL down is reported by /readyz itself.
        if (!warned)
          opts.log?.warn(`heartbeat not written: ${err instanceof Error ? err.message : String(err)}`);
        warned = true;
      },
    );
  };
  const timer = setInterval(beat, HEARTBEAT_EVERY_MS);
  // The first beat as soon as `run()` has set the worker running.
  setImmediate(beat);
  return {
    stop: async () => {
      clearInterval(timer);
      await clearHeartbeat(opts.orm, opts.taskQueue, identity).catch(() => undefined);
    },
  };
}
