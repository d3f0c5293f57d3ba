/**
 * The project list's keyset pages stay index ranges under row-level security. Beneath a policy,
 * PostgreSQL tests a condition before the policy's only if it is leakproof, and only such a
 * condition can become an index condition; the default order's key was once `(-year)` (unary minus
 * is not leakproof), so the page after a cursor read and sorted every project in scope: 30 s at a
 * million. Sequential scans are switched off here so that the plan shows what the index may be
 * given, whatever the table's size.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cursorCondition, encodeCursor, listOrder, orderSql } from '#api/modules/projects/keyset.js';
import { inScope, type DbScope } from '#db/scope.js';
import { generateRange } from '#scripts/bench/lib/gen-projects.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
const scopes: Record<string, DbScope> = {};
beforeAll(async () => {
  stack = await startTestStack();
  const client = await stack.db.connect();
  try {
    await generateRange(client, 1, 400);
    await client.query('ANALYZE project');
  } finally {
    client.release();
  }
  const unit = async (code: string) =>
    (await stack.db.query<{ id: string }>(`SELECT id FROM org_unit WHERE code = $1`, [code])).rows[0]!.id;
  scopes.county = { kind: 'county', unitId: await unit('ck'), roles: ['leader'] };
  scopes.township = { kind: 'township', unitId: await unit('mbz'), roles: ['operator'] };
}, 240_000);
afterAll(async () => {
  await stack?.stop();
});

/** The plan of the page after `values` in `sort`'s order, in `scope`, with no sequential scan. */
async function planAfter(scope: DbScope, sort: { sort?: 'budget'; order?: 'desc' }, values: unknown[]) {
  const order = listOrder(sort);
  const cursor = cursorCondition(order, 'after', encodeCursor(order, values));
  return inScope(stack.orm, scope, async (tx) => {
    await tx.execute('SET LOCAL enable_seqscan = off');
    await tx.execute('SET LOCAL enable_bitmapscan = off');
    const rows = await tx.execute<{ 'QUERY PLAN': string }[]>(
      `EXPLAIN SELECT p.id FROM project p WHERE TRUE AND ${cursor.sql} ORDER BY ${orderSql(order)} LIMIT 21`,
      cursor.params,
    );
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

describe('the project list by cursor', () => {
  for (const who of ['county', 'township']) {
    it(`starts the default order's page at the cursor in the index, for a ${who} account`, async () => {
      const plan = await planAfter(scopes[who]!, {}, [-2026, 'BR-200']);
      expect(plan).toMatch(/Index Cond: \(ROW\(.*\) > ROW\(/);
      expect(plan).not.toMatch(/\bSort\b/);
    });

    it(`starts the budget order's page at the cursor in the index, for a ${who} account`, async () => {
      const plan = await planAfter(scopes[who]!, { sort: 'budget', order: 'desc' }, [1_500_000, 'BR-200']);
      expect(plan).toMatch(/Index Cond: \(ROW\(budget_fen, code\) < ROW\(/);
      expect(plan).not.toMatch(/\bSort\b/);
    });
  }
});
