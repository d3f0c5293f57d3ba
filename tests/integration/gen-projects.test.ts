/**
 * The benchmarks' project generator (`npm run gen:projects`, scripts/bench/lib/gen-projects.ts) at
 * the far end of its range: the millionth project is made like the first (its arithmetic once
 * overflowed a 32-bit integer past the 271,196th), with the overdue alerts it promises (once chosen
 * so that no project under way ever got one), and what it writes through the real tables' triggers
 * leaves the rollups equal to the detail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRange } from '#scripts/bench/lib/gen-projects.js';
import { listReaderDifferences } from '../support/list-reader-check.js';
import { rollupDifferences } from '../support/rollup-check.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
}, 240_000);
afterAll(async () => {
  await stack?.stop();
});

describe('gen:projects', () => {
  it('makes projects 999,937 to 1,000,000 with their rows and alerts, and the rollups count them', async () => {
    const client = await stack.db.connect();
    try {
      await generateRange(client, 999_937, 1_000_000);
    } finally {
      client.release();
    }
    const { rows } = await stack.db.query(
      `SELECT count(*)::int AS n, count(DISTINCT stage)::int AS stages,
              (SELECT count(*)::int FROM project_history h JOIN project p ON p.id = h.project_id
                WHERE p.code LIKE 'BR-%') AS history
         FROM project WHERE code LIKE 'BR-%'`,
    );
    expect(rows[0]).toMatchObject({ n: 64, stages: 8 });
    expect(rows[0].history).toBeGreaterThan(64);
    // A quarter of the projects under way are overdue on their completion (every fifth escalated).
    const late = await stack.db.query(
      `SELECT count(DISTINCT a.project_id)::int AS n FROM alert a JOIN project p ON p.id = a.project_id
        WHERE p.code LIKE 'BR-%' AND a.status = 'active' AND a.step <> 'reminder'`,
    );
    expect(late.rows[0].n).toBeGreaterThan(0);
    const rollup = await stack.db.query(
      `SELECT sum(projects)::int AS n, sum(overdue_projects)::int AS late FROM project_rollup`,
    );
    expect(rollup.rows[0]).toEqual({ n: 64, late: late.rows[0].n });
    expect(await rollupDifferences(stack.db)).toEqual([]);
    expect(await listReaderDifferences(stack.db)).toEqual([]);
  }, 120_000);
});
