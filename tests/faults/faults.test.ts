/**
 * Exactly once, whatever fails: during a burst of hundreds of concurrent steps one process of the
 * stack is killed (SIGKILL: the worker, the api, the Temporal server, PostgreSQL; and a graceful
 * SIGTERM of the Temporal server) and started again. Afterwards every request answered 2xx has
 * happened exactly once, every failed one at most once, and PostgreSQL equals the workflow
 * histories (the reconciliation finds nothing).
 *
 *   npm run test:faults                       (FAULT_STEPS=500 steps on FAULT_PROJECTS=50 projects)
 *   FAULT_STEPS=800 npm run test:faults -- -t temporal
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printFigures, runFaultCase, setUpProjects, type Fault, type Figures } from './support/burst.js';
import { startFaultStack, type FaultStack } from './support/fault-stack.js';
import { reconcileCli } from './support/reconcile-cli.js';

const STEPS = Number(process.env.FAULT_STEPS ?? 500);
const PROJECTS = Number(process.env.FAULT_PROJECTS ?? 50);

let stack: FaultStack;
const figures: Figures[] = [];

beforeAll(async () => {
  stack = await startFaultStack();
});

afterAll(async () => {
  if (figures.length) {
    console.log(
      [
        '| case | requests | 2xx | failed | retries | lost | duplicated | failed, done once | failed, done twice | reconcile | time |',
        '|---|---|---|---|---|---|---|---|---|---|---|',
        ...figures.map(
          (f) =>
            `| ${f.case} | ${f.requests} | ${f.ok} | ${f.failed} | ${f.retries} | ${f.lost} | ${f.duplicated} | ` +
            `${f.failedButDone} | ${f.failedTwice} | ${f.reconcileDifferences} | ${(f.totalMs / 1000).toFixed(0)} s |`,
        ),
      ].join('\n'),
    );
  }
  await stack?.stop();
});

const CASES: [string, Fault][] = [
  ['worker-kill', { part: 'worker', signal: 'SIGKILL', afterShare: 0.25, downMs: 1000 }],
  ['api-kill', { part: 'api', signal: 'SIGKILL', afterShare: 0.25, downMs: 1000 }],
  ['temporal-kill', { part: 'temporal', signal: 'SIGKILL', afterShare: 0.25, downMs: 1000 }],
  ['temporal-term', { part: 'temporal', signal: 'SIGTERM', afterShare: 0.25, downMs: 1000 }],
  ['postgres-kill', { part: 'postgres', signal: 'SIGKILL', afterShare: 0.25, downMs: 1000 }],
];

describe(`exactly once under faults (${STEPS} concurrent steps on ${PROJECTS} projects)`, () => {
  for (const [name, fault] of CASES) {
    it(`${name}: every 2xx step recorded once, every failed one at most once, PostgreSQL = histories`, async () => {
      const projects = await setUpProjects(stack, name.toUpperCase(), PROJECTS);
      const f = await runFaultCase({ stack, name, projects, steps: STEPS, fault });
      figures.push(f);
      printFigures(f);
      expect(f.ok).toBeGreaterThan(0);
      expect({
        lost: f.lost,
        duplicated: f.duplicated,
        failedTwice: f.failedTwice,
        reconcileDifferences: f.reconcileDifferences,
      }).toEqual({ lost: 0, duplicated: 0, failedTwice: 0, reconcileDifferences: 0 });
      // A part down is a 503 or 504 the client may send again, never the 500 of a program error.
      expect(f.attemptFailures['500'] ?? 0, 'attempts answered 500').toBe(0);
    });
  }

  it("npm run reconcile checks every project of the run (the operator's command) and finds nothing", async () => {
    const res = await reconcileCli(stack.env);
    const lines = res.out.trim().split('\n');
    console.log(
      `── npm run reconcile over every project (${(res.ms / 1000).toFixed(1)} s, process start included):\n` +
        (lines.length > 7 ? [...lines.slice(0, 6), '…', lines.at(-1)] : lines).join('\n'),
    );
    expect(res.out).toMatch(/project\(s\)/);
    expect(res.code, lines.slice(0, 20).join('\n')).toBe(0);
  });
});
