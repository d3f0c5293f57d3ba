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
  throw new AppError(
    'TRANSITION_NOT_ALLOWED',
    `报账金额须等于累计拨付且不超过批复预算：报账 ${formatYuan(gate.settledAmountFen)} 元，` +
      `累计拨付 ${formatYuan(gate.disbursedFen)} 元，批复预算 ${formatYuan(gate.budgetFen)} 元 (${gate.message})`,
    {
      path: 'body.settledAmountFen',
      settledAmountFen: gate.settledAmountFen,
      disbursedFen: gate.disbursedFen,
      budgetFen: gate.budgetFen,
    },
  );
}
