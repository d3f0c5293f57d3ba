/**
 * Determinism guard: every recorded workflow history under tests/fixtures/histories must replay
 * against today's workflow code. A change to the command sequence without `patched()` fails here.
 * Record a new fixture with `RECORD_HISTORIES=1 npx vitest run --project integration`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflows } from '#worker/worker.js';

const DIR = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json'));

let workflowBundle: { code: string };
beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  workflowBundle = await bundleWorkflows();
}, 120_000);

describe('recorded workflow histories replay', () => {
  it('has fixtures to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s', async (file) => {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')));
    await Worker.runReplayHistory({ workflowBundle }, history, path.basename(file, '.json'));
  });
});
