/**
 * The bare-Temporal floor's worker, in its own process like the platform's worker: the floor
 * workflow and one no-op activity (see floor.workflow.ts).
 */
import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue: process.env.FLOOR_TASK_QUEUE!,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./floor.workflow.ts', import.meta.url)),
      logger: {
        log() {},
        trace() {},
        debug() {},
        info() {},
        warn() {},
        error: (m: string) => console.error(m),
      },
    }),
    activities: { noop: async () => {} },
  });
  process.send?.({ type: 'ready' });
  await worker.run(); // shuts down on SIGTERM
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
