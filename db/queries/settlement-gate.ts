/**
 * The 报账 gate: settlement = Σ disbursed ≤ budget (docs/domain.md, money invariants). The 报账 step
 * carries the settled amount in its payload, and the workflow cannot read the ledgers (an Update
 * validator is synchronous), so the project service asks this before the `reimburse` Update: a
 * refused amount leaves no trace, as with the acceptance gate. Disbursements are refused once a
 * settlement exists and only ever appended, so the figures read here cannot fall under the amount
 * checked between this read and the Update.
 */
import type { Bilingual } from '#domain/errors.js';
import { checkSettlement } from '#domain/ledgers/money-checks.js';
import { fenFromDb, type Fen } from '#domain/money.js';
import { executeAll, type Tx } from '../tx.js';

export type SettlementGate =
  { ok: true } | { ok: false; message: Bilingual; settledAmountFen: Fen; disbursedFen: Fen; budgetFen: Fen };

export async function settlementGate(
  tx: Tx,
  projectId: string,
  settledAmountFen: Fen,
): Promise<SettlementGate> {
  const [rows] = await executeAll(tx, [
    {
      sql: `SELECT p.budget_fen,
                   (SELECT COALESCE(sum(d.amount_fen), 0) FROM disbursement d WHERE d.project_id = p.id) AS disbursed_fen
              FROM project p WHERE p.id = ?`,
      params: [projectId],
      // Planned once per connection: under row-level security planning costs more than the read.
      prepare: true,
    },
  ]);
  const row = rows![0] as { budget_fen: string; disbursed_fen: string } | undefined;
  if (!row) throw new Error(`project ${projectId} vanished before its settlement check`);
  const budgetFen = fenFromDb(row.budget_fen);
  const disbursedFen = fenFromDb(row.disbursed_fen);
  const problem = checkSettlement(settledAmountFen, disbursedFen, budgetFen);
  if (!problem) return { ok: true };
  return { ok: false, message: problem, settledAmountFen, disbursedFen, budgetFen };
}
