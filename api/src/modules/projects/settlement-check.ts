/**
 * Refuses a 报账 whose settled amount breaks settlement = Σ disbursed ≤ budget, before the Update
 * (see db/queries/settlement-gate.ts for why the workflow cannot check it itself).
 */
import type { Principal } from '#domain/access.js';
import { AppError } from '#domain/errors.js';
import { formatYuan } from '#domain/money.js';
import type { Orm } from '#db/orm.js';
import { settlementGate } from '#db/queries/settlement-gate.js';
import { inScope, scopeOf } from '#db/scope.js';

export async function assertSettlementMatches(
  orm: Orm,
  caller: Principal,
  projectId: string,
  settledAmountFen: number,
): Promise<void> {
  // In the caller's scope: it may read this project, hence its disbursements.
  const gate = await inScope(orm, scopeOf(caller), (em) => settlementGate(em, projectId, settledAmountFen));
  if (gate.ok) return;
  const [settled, disbursed, budget] = [gate.settledAmountFen, gate.disbursedFen, gate.budgetFen].map(
    formatYuan,
  );
  throw new AppError(
    'TRANSITION_NOT_ALLOWED',
    {
      zh: `报账金额须等于累计拨付且不超过批复预算：报账 ${settled} 元，累计拨付 ${disbursed} 元，批复预算 ${budget} 元（${gate.message.zh}）`,
      en: `the settled amount must equal the amount disbursed and stay within the approved budget: settled ${settled} yuan, disbursed ${disbursed} yuan, budget ${budget} yuan (${gate.message.en})`,
    },
    {
      path: 'body.settledAmountFen',
      settledAmountFen: gate.settledAmountFen,
      disbursedFen: gate.disbursedFen,
      budgetFen: gate.budgetFen,
    },
  );
}
