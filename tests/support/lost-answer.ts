import { expect } from 'vitest';
import type { TestStack } from './stack.js';

/** An `Idempotency-Key` header. */
export const key = (k: string) => ({ 'Idempotency-Key': k });

/**
 * What a kill between a write's commit and its stored answer leaves of the request sent with key
 * `k`: a claim with no answer, gone stale (past the two minutes after which it is taken over).
 */
export async function answerLost(stack: TestStack, k: string): Promise<void> {
  const res = await stack.db.query(
    `UPDATE idempotent_request SET status = NULL, response = NULL, created_at = now() - interval '3 minutes'
      WHERE key = $1`,
    [k],
  );
  expect(res.rowCount).toBe(1);
}
