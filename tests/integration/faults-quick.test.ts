/**
 * The fault suite's quick cases (the whole suite: `npm run test:faults`): a smaller burst of steps
 * on a stack of separate processes, once with the worker killed, once with the Temporal server
 * killed (SIGKILL) and started again. Every request answered 2xx must have happened exactly once,
 * every failed one at most once, and PostgreSQL must equal the workflow histories.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printFigures, runFaultCase, setUpProjects, type Fault } from '../faults/support/burst.js';
import { startFaultStack, type FaultStack } from '../faults/support/fault-stack.js';

let stack: FaultStack;

beforeAll(async () => {
  stack = await startFaultStack();
});
afterAll(async () => {
  await stack?.stop();
});

const CASES: [string, Fault][] = [
  ['quick-worker-kill', { part: 'worker', signal: 'SIGKILL', afterShare: 0.2, downMs: 500 }],
  ['quick-temporal-kill', { part: 'temporal', signal: 'SIGKILL', afterShare: 0.2, downMs: 500 }],
];

describe('exactly once under faults (quick: 100 concurrent steps on 10 projects)', () => {
  for (const [name, fault] of CASES) {
    it(`${name}: every 2xx step recorded once, every failed one at most once, PostgreSQL = histories`, async () => {
      const projects = await setUpProjects(stack, name.toUpperCase(), 10);
      const f = await runFaultCase({ stack, name, projects, steps: 100, fault, settleMs: 30_000 });
      printFigures(f);
      expect(f.ok).toBeGreaterThan(0);
      expect({
        lost: f.lost,
        duplicated: f.duplicated,
        failedTwice: f.failedTwice,
        reconcileDifferences: f.reconcileDifferences,
      }).toEqual({ lost: 0, duplicated: 0, failedTwice: 0, reconcileDifferences: 0 });
    });
  }
});
