/**
 * The workflow tests need only a Temporal server and the workflow bundle: no PostgreSQL, no api,
 * no activities of ours (each test mocks them). TEMPORAL_ADDRESS if set, else the CLI's dev
 * server, in memory. The time-skipping test server is a separate download, so the tests run real
 * timers on ladders whose "day" lasts a second.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { createLogger } from '#platform/log.js';
import { ensureTemporalCli } from '#platform/temporal-cli.js';
import { startTemporalDevServer } from '#platform/temporal-server.js';
import { bundleWorkflows } from '#worker/worker.js';

export default async function setup(project: TestProject) {
  const log = createLogger('workflow-test-setup', 'warn');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sanzhang-workflow-test-'));
  let stop = async () => {};
  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    const cli = await ensureTemporalCli(log);
    const server = await startTemporalDevServer({ cli, log, namespace: 'default', ui: false });
    stop = server.stop;
    temporalAddress = server.address;
  }
  const workflowBundlePath = path.join(tmp, 'workflow-bundle.js');
  fs.writeFileSync(workflowBundlePath, (await bundleWorkflows()).code);

  project.provide('temporalAddress', temporalAddress);
  project.provide('workflowBundlePath', workflowBundlePath);
  return async () => {
    await stop().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  };
}
