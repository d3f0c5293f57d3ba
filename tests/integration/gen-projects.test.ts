/**
 * The benchmarks' project generator (`npm run gen:projects`, scripts/bench/lib/gen-projects.ts) at
 * the far end of its range: the millionth project is made like the first (its arithmetic once
 * overflowed a 32-bit integer past the 271,196th), and what it writes through the real tables'
 * triggers leaves the rollups equal to the detail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRange } from '#scripts/bench/lib/gen-projects.js';
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
  it('makes projects 999,981 to 1,000,000 with their rows, and the rollups count them', async () => {
    const client = await stack.db.connect();
    try {
      await generateRange(client, 999_981, 1_000_000);
    } finally {
      client.release();
    }
    const { rows } = await stack.db.query(
      `SELECT count(*)::int AS n, count(DISTINCT stage)::int AS stages,
              (SELECT count(*)::int FROM project_history h JOIN project p ON p.id = h.project_id
                WHERE p.code LIKE 'BR-%') AS history
         FROM project WHERE code LIKE 'BR-%'`,
    );
    expect(rows[0]).toMatchObject({ n: 20, stages: 8 });
    expect(rows[0].history).toBeGreaterThan(20);
    const rollup = await stack.db.query(`SELECT sum(projects)::int AS n FROM project_rollup`);
    expect(rollup.rows[0].n).toBe(20);
    expect(await rollupDifferences(stack.db)).toEqual([]);
  }, 120_000);
});
