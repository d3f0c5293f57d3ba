/** Checks on a ledger write's amounts that refuse it (the api answers 409), unlike reconciliation flags. */
import type { Bilingual } from '../errors.js';
import { sumFen, type Fen } from '../money.js';

/** Σ disbursed from a source after this payment must stay within what the source allocates. */
export function checkDisbursement(
  source: { amountFen: Fen; disbursedFen: Fen } | undefined,
  amountFen: Fen,
): Bilingual | null {
  if (!source) return { zh: '资金来源不存在', en: 'no such fund source' };
  const after = sumFen([source.disbursedFen, amountFen]);
  if (after > source.amountFen)
    return {
      zh: `拨付后累计 ${after} 分，超过该资金来源下达的 ${source.amountFen} 分`,
      en: `${after} fen disbursed in all after this payment, more than the ${source.amountFen} fen the fund source allocates`,
    };
  return null;
}

export function checkSettlement(settledFen: Fen, disbursedFen: Fen, budgetFen: Fen): Bilingual | null {
  if (settledFen !== disbursedFen)
    return {
      zh: `结算金额 ${settledFen} 分与累计拨付 ${disbursedFen} 分不一致`,
      en: `the settled amount of ${settledFen} fen differs from the ${disbursedFen} fen disbursed`,
    };
  if (settledFen > budgetFen)
    return {
      zh: `结算金额 ${settledFen} 分超过批复预算 ${budgetFen} 分`,
      en: `the settled amount of ${settledFen} fen exceeds the approved budget of ${budgetFen} fen`,
    };
  return null;
}
