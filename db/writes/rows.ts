/**
 * What the ledger table writers share: one INSERT for any number of rows (an api write is one row,
 * an import chunk hundreds, in one statement either way), and the id an entry's INSERT returns.
 */
import { executeAll, type Statement, type Tx } from '../scope.js';

/**
 * `head` (up to VALUES) with one `tuple` of placeholders per row, then `tail` (ON CONFLICT …,
 * RETURNING …). Callers pass at least one row.
 */
export function insertRows<R>(
  head: string,
  tuple: string,
  rows: readonly R[],
  paramsOf: (row: R) => unknown[],
  tail = '',
): Statement {
  return {
    sql: `${head} ${rows.map(() => tuple).join(', ')}${tail ? ` ${tail}` : ''}`,
    params: rows.flatMap(paramsOf),
  };
}

/** Runs an entry's `INSERT … RETURNING id` and gives the id of the row it inserted. */
export async function insertedId(tx: Tx, insert: Statement): Promise<{ id: string }> {
  const [rows] = await executeAll(tx, [insert]);
  return { id: (rows![0] as { id: string }).id };
}
