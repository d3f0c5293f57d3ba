import { sumFen, type Fen } from '../money.js';
import { isContracted } from './completeness.js';
import type { LedgerData, ReconciliationFlag } from './outputs.js';

/**
 * Flags where the same project's money differs between ledgers (or between a ledger and the
 * workflow's own record of the settlement). Flags, not refusals: each ledger is written by a
 * different level at a different time, and the mismatch is what the supervisors must see.
 */
export function reconcileLedgers(d: LedgerData, workflowSettledFen: Fen | null): ReconciliationFlag[] {
  const flags: ReconciliationFlag[] = [];
  const budget = d.project.budgetFen;
  for (const n of d.site.notices) {
    if (n.announcedAmountFen !== null && n.announcedAmountFen !== budget) {
      flags.push({
        code: 'noticeAmountMismatch',
        message: `公示金额与主管部门台账批复预算不一致（${n.place}）`,
        ledgers: ['site', 'department'],
        amounts: { announcedFen: n.announcedAmountFen, budgetFen: budget },
      });
    }
  }
  const contract = d.implementing.implementation?.contractAmountFen ?? null;
  if (contract !== null && contract > budget) {
    flags.push({
      code: 'contractExceedsBudget',
      message: '实施单位台账合同金额超过主管部门台账批复预算',
      ledgers: ['implementing', 'department'],
      amounts: { contractFen: contract, budgetFen: budget },
    });
  }
  const disbursed = sumFen(d.department.disbursements.map((x) => x.amountFen));
  if (contract !== null && contract > 0 && disbursed > contract && isContracted(d)) {
    flags.push({
      code: 'disbursedExceedsContract',
      message: '主管部门台账拨付合计超过实施单位台账合同金额',
      ledgers: ['department', 'implementing'],
      amounts: { disbursedFen: disbursed, contractFen: contract },
    });
  }
  const settled = d.department.settlement?.settledAmountFen ?? null;
  if (settled !== null && workflowSettledFen !== null && settled !== workflowSettledFen) {
    flags.push({
      code: 'settlementMismatch',
      message: '报账结算金额与流程报账记录不一致',
      ledgers: ['department'],
      amounts: { ledgerFen: settled, workflowFen: workflowSettledFen },
    });
  }
  return flags;
}
