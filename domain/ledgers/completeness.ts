/** Which items each ledger must hold by a stage, and how many of them it does. */
import { stageRank, type Stage } from '../lifecycle.js';
import { CONTRACTED_METHODS, LEDGER_LABELS, LEDGERS, type LedgerKind } from './kinds.js';
import type { Completeness, LedgerData } from './outputs.js';

interface ItemRule {
  ledger: LedgerKind;
  item: string;
  label: string;
  /** The label in English (the console's own words for it are in its locale files). */
  en: string;
  /** Required once the project has reached this stage. */
  from: Stage;
  applies?: (d: LedgerData) => boolean;
  filled: (d: LedgerData) => boolean;
}

/** The project is let out to a contractor (so it has a contract and a contract amount). */
export const isContracted = (d: LedgerData) =>
  d.implementing.implementation !== null && CONTRACTED_METHODS.includes(d.implementing.implementation.method);

export const LEDGER_ITEMS: readonly ItemRule[] = [
  {
    ledger: 'department',
    item: 'approvalDocument',
    label: '立项批复文号',
    en: 'Approval document no.',
    from: 'approved',
    filled: (d) => d.department.approvalDocumentNo.length > 0,
  },
  {
    ledger: 'department',
    item: 'approvedOn',
    label: '立项批复日期',
    en: 'Approval date',
    from: 'approved',
    filled: (d) => d.department.approvedOn !== null,
  },
  {
    ledger: 'department',
    item: 'constructionContent',
    label: '建设内容及规模',
    en: 'Content and scale',
    from: 'approved',
    filled: (d) => !!d.department.constructionContent,
  },
  {
    ledger: 'department',
    item: 'fundDocuments',
    label: '资金来源对应资金文件',
    en: 'Fund document for each source',
    from: 'approved',
    filled: (d) => d.department.fundSources.every((s) => s.fundDocument !== null),
  },
  {
    ledger: 'department',
    item: 'disbursements',
    label: '资金拨付记录',
    en: 'Disbursement records',
    from: 'underway',
    filled: (d) => d.department.disbursements.length > 0,
  },
  {
    ledger: 'department',
    item: 'settlement',
    label: '报账结算',
    en: 'Settlement',
    from: 'reimbursed',
    filled: (d) => d.department.settlement !== null,
  },
  {
    ledger: 'implementing',
    item: 'collectiveDecision',
    label: '集体决策记录',
    en: 'Collective decision',
    from: 'methodFixed',
    filled: (d) => d.implementing.decisions.length > 0,
  },
  {
    ledger: 'implementing',
    item: 'implementationMethod',
    label: '实施方式及记录',
    en: 'Implementation method',
    from: 'methodFixed',
    filled: (d) => d.implementing.implementation !== null,
  },
  {
    ledger: 'implementing',
    item: 'contractor',
    label: '承包单位及统一社会信用代码',
    en: 'Contractor and credit code',
    from: 'methodFixed',
    applies: isContracted,
    filled: (d) => !!d.implementing.implementation?.contractorUscc,
  },
  {
    ledger: 'implementing',
    item: 'contractAmount',
    label: '合同金额',
    en: 'Contract amount',
    from: 'methodFixed',
    applies: isContracted,
    filled: (d) => d.implementing.implementation?.contractAmountFen != null,
  },
  {
    ledger: 'implementing',
    item: 'monthlyProgress',
    label: '月度进度',
    en: 'Monthly progress',
    from: 'underway',
    filled: (d) => d.implementing.progress.length > 0,
  },
  {
    ledger: 'implementing',
    item: 'finalProgress',
    label: '竣工进度（100%）',
    en: 'Final progress (100%)',
    from: 'completed',
    filled: (d) => d.implementing.progress.some((p) => p.percent === 100),
  },
  {
    ledger: 'site',
    item: 'publicNotice',
    label: '公示记录',
    en: 'Public notice',
    from: 'designApproved',
    filled: (d) => d.site.notices.length > 0,
  },
  {
    ledger: 'site',
    item: 'opinions',
    label: '征求意见记录',
    en: 'Opinions gathered',
    from: 'designApproved',
    filled: (d) => d.site.opinions.length > 0,
  },
  {
    ledger: 'site',
    item: 'beneficiaries',
    label: '受益情况',
    en: 'Beneficiaries',
    from: 'designApproved',
    filled: (d) => d.site.beneficiaries !== null,
  },
  {
    ledger: 'site',
    item: 'supervisionVisit',
    label: '义务监督记录',
    en: 'Supervision visit',
    from: 'underway',
    filled: (d) => d.site.visits.length > 0,
  },
  {
    ledger: 'site',
    item: 'afterCare',
    label: '管护主体及职责',
    en: 'After-care owner and duty',
    from: 'reimbursed',
    filled: (d) => d.site.afterCare !== null,
  },
  {
    ledger: 'site',
    item: 'afterCareCheck',
    label: '管护检查记录',
    en: 'After-care check',
    from: 'afterCare',
    filled: (d) => d.site.afterCareChecks.length > 0,
  },
];

/**
 * Completeness of each ledger for the project's stage (or `asOf`, e.g. 'completed' for the
 * acceptance gate): which items are due by then and which of them are filled.
 */
export function ledgerCompleteness(d: LedgerData, asOf: Stage = d.project.stage): Completeness[] {
  const rank = stageRank(asOf);
  return LEDGERS.map((ledger) => {
    const due = LEDGER_ITEMS.filter(
      (r) => r.ledger === ledger && stageRank(r.from) <= rank && (r.applies?.(d) ?? true),
    );
    const missing = due.filter((r) => !r.filled(d)).map((r) => ({ item: r.item, label: r.label }));
    const filled = due.length - missing.length;
    return {
      ledger,
      label: LEDGER_LABELS[ledger],
      required: due.length,
      filled,
      percent: due.length === 0 ? 100 : Math.floor((filled * 100) / due.length),
      complete: missing.length === 0,
      missing,
    };
  });
}
