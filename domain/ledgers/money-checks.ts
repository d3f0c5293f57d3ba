/** Checks on a ledger write's amounts that refuse it (the api answers 409), unlike reconciliation flags. */
import { sumFen, type Fen } from '../money.js';

/** Σ disbursed from a source after this payment must stay within what the source allocates. */
export function checkDisbursement(
  source: { amountFen: Fen; disbursedFen: Fen } | undefined,
  amountFen: Fen,
): string | null {
  if (!source) return '资金来源不存在 (no such fund source)';
  if (sumFen([source.disbursedFen, amountFen]) > source.amountFen)
    return `拨付后累计 ${sumFen([source.disbursedFen, amountFen])} 分，超过该资金来源下达的 ${source.amountFen} 分`;
  return null;
}

export function checkSettlement(settledFen: Fen, disbursedFen: Fen, budgetFen: Fen): string | null {
  if (settledFen !== disbursedFen) return `结算金额 ${settledFen} 分与累计拨付 ${disbursedFen} 分不一致`;
  if (settledFen > budgetFen) return `结算金额 ${settledFen} 分超过批复预算 ${budgetFen} 分`;
  return null;
}
