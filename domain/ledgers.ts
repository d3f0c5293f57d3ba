/**
 * The three ledgers (三账, DOMAIN.md §3): input and output schemas, which level writes each,
 * completeness per ledger, and cross-ledger reconciliation. Pure: the api loads the facts, this
 * module judges them, so the console, the detail table and the acceptance gate agree.
 */
import { z } from 'zod';
import { IMPLEMENTATION_METHODS, type ImplementationMethod, type Stage } from './lifecycle.js';
import { sumFen, type Fen } from './money.js';
import {
  fen,
  FUND_SOURCE_KINDS,
  isoDate,
  orgRefSchema,
  safeString,
  smallInt,
  stageSchema,
} from './schemas.js';
import { isValidUscc } from './uscc.js';

export const LEDGERS = ['department', 'implementing', 'site'] as const;
export type LedgerKind = (typeof LEDGERS)[number];
export const LEDGER_LABELS: Record<LedgerKind, string> = {
  department: '主管部门项目台账',
  implementing: '实施单位项目台账',
  site: '建设地点项目台账',
};

const text = (max: number) => safeString().trim().min(1).max(max);
const optionalText = (max: number) => safeString().trim().max(max).optional();
const positiveFen = fen.refine((n) => n > 0, { error: '金额须大于 0' });
export const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: '月份格式应为 YYYY-MM' });
export const usccSchema = z
  .string()
  .trim()
  .toUpperCase()
  .refine(isValidUscc, { error: '统一社会信用代码无效（校验位不符，GB 32100-2015）' });

// ---- inputs -------------------------------------------------------------------------------

export const fundDocumentInputSchema = z.object({
  documentNo: text(100),
  title: text(200),
  issuer: text(100),
  issuedOn: isoDate,
  amountFen: positiveFen,
});
export type FundDocumentInput = z.infer<typeof fundDocumentInputSchema>;

export const departmentLedgerInputSchema = z.object({
  approvedOn: isoDate.optional(),
  approvalIssuer: optionalText(100),
  constructionContent: optionalText(2000),
});

export const fundSourceLinkSchema = z.object({ fundDocumentNo: text(100) });

export const disbursementInputSchema = z.object({
  sourcePosition: z.number().int().min(0).max(19),
  paidOn: isoDate,
  amountFen: positiveFen,
  payee: text(200),
  voucherNo: text(100),
  approver: text(100),
  note: optionalText(1000),
});
export type DisbursementInput = z.infer<typeof disbursementInputSchema>;

export const settlementInputSchema = z.object({
  settledOn: isoDate,
  settledAmountFen: fen,
  voucherNo: optionalText(100),
  note: optionalText(1000),
});

export const decisionInputSchema = z.object({
  meeting: text(200),
  heldOn: isoDate,
  attendees: z.array(text(50)).min(1).max(100),
  resolution: text(2000),
});

/** Methods let out to a contractor; self-build and work-for-relief have none. */
export const CONTRACTED_METHODS: readonly ImplementationMethod[] = [
  'openTender',
  'invitedTender',
  'negotiation',
];

export const implementationInputSchema = z
  .object({
    method: z.enum(IMPLEMENTATION_METHODS),
    recordNo: optionalText(100),
    contractorName: optionalText(200),
    contractorUscc: usccSchema.optional(),
    contractNo: optionalText(100),
    contractAmountFen: fen.optional(),
    contractSignedOn: isoDate.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.contractorName && !v.contractorUscc)
      ctx.addIssue({ code: 'custom', path: ['contractorUscc'], message: '承包单位须填写统一社会信用代码' });
  });

export const progressInputSchema = z.object({
  month: monthSchema,
  percent: z.number().int().min(0).max(100),
  narrative: text(2000),
});
export type ProgressInput = z.infer<typeof progressInputSchema>;

export const adjustmentInputSchema = z.object({
  documentNo: text(100),
  adjustedOn: isoDate,
  content: text(2000),
  reason: text(2000),
});

export const visitInputSchema = z.object({
  villageCode: text(40),
  visitedOn: isoDate,
  supervisor: text(100),
  findings: text(2000),
});
export type VisitInput = z.infer<typeof visitInputSchema>;

export const noticeInputSchema = z
  .object({
    villageCode: text(40),
    place: text(200),
    postedFrom: isoDate,
    postedTo: isoDate,
    content: text(2000),
    announcedAmountFen: positiveFen.optional(),
    complaintPhone: optionalText(40),
    objectionCount: smallInt().default(0),
    objections: optionalText(2000),
  })
  .refine((n) => n.postedFrom <= n.postedTo, { error: '公示结束日期不能早于开始日期', path: ['postedTo'] });

export const opinionInputSchema = z.object({
  gatheredOn: isoDate,
  method: text(100),
  participants: smallInt(1),
  summary: text(2000),
});

export const beneficiaryInputSchema = z
  .object({
    households: smallInt(),
    poorHouseholds: smallInt(),
    people: smallInt(),
  })
  .superRefine((b, ctx) => {
    if (b.poorHouseholds > b.households)
      ctx.addIssue({ code: 'custom', path: ['poorHouseholds'], message: '建档立卡贫困户数不能超过受益户数' });
    if (b.people < b.households)
      ctx.addIssue({ code: 'custom', path: ['people'], message: '受益人数不能少于受益户数' });
  });

export const afterCareInputSchema = z.object({ owner: text(200), duty: text(1000) });
export const afterCareCheckInputSchema = z.object({
  checkedOn: isoDate,
  checker: text(100),
  result: text(1000),
});

// ---- outputs ------------------------------------------------------------------------------

export const fundDocumentSchema = fundDocumentInputSchema.extend({
  id: z.uuid(),
  department: orgRefSchema,
  allocatedFen: fen,
});
export type FundDocumentDto = z.infer<typeof fundDocumentSchema>;

const entry = { id: z.uuid(), createdAt: z.string() };

export const completenessSchema = z.object({
  ledger: z.enum(LEDGERS),
  label: z.string(),
  required: z.number().int(),
  filled: z.number().int(),
  percent: z.number().int(),
  complete: z.boolean(),
  missing: z.array(z.object({ item: z.string(), label: z.string() })),
});
export type Completeness = z.infer<typeof completenessSchema>;

export const reconciliationFlagSchema = z.object({
  code: z.string(),
  message: z.string(),
  ledgers: z.array(z.enum(LEDGERS)),
  amounts: z.record(z.string(), fen),
});
export type ReconciliationFlag = z.infer<typeof reconciliationFlagSchema>;

export const ledgersSchema = z.object({
  project: z.object({
    id: z.uuid(),
    code: z.string(),
    name: z.string(),
    stage: stageSchema,
    budgetFen: fen,
  }),
  department: z.object({
    approvalDocumentNo: z.string(),
    approvedOn: isoDate.nullable(),
    approvalIssuer: z.string().nullable(),
    constructionContent: z.string().nullable(),
    fundSources: z.array(
      z.object({
        position: z.number().int(),
        kind: z.enum(FUND_SOURCE_KINDS),
        amountFen: fen,
        documentNo: z.string().nullable(),
        fundDocument: z
          .object({ documentNo: z.string(), issuer: z.string(), issuedOn: isoDate, amountFen: fen })
          .nullable(),
        disbursedFen: fen,
        balanceFen: fen,
      }),
    ),
    disbursements: z.array(
      z.object({
        ...entry,
        sourcePosition: z.number().int(),
        paidOn: isoDate,
        amountFen: fen,
        payee: z.string(),
        voucherNo: z.string(),
        approver: z.string(),
        note: z.string().nullable(),
      }),
    ),
    disbursedFen: fen,
    settlement: z
      .object({
        settledOn: isoDate,
        settledAmountFen: fen,
        voucherNo: z.string().nullable(),
        note: z.string().nullable(),
      })
      .nullable(),
  }),
  implementing: z.object({
    decisions: z.array(
      z.object({
        ...entry,
        meeting: z.string(),
        heldOn: isoDate,
        attendees: z.array(z.string()),
        resolution: z.string(),
      }),
    ),
    implementation: z
      .object({
        method: z.enum(IMPLEMENTATION_METHODS),
        recordNo: z.string().nullable(),
        contractorName: z.string().nullable(),
        contractorUscc: z.string().nullable(),
        contractNo: z.string().nullable(),
        contractAmountFen: fen.nullable(),
        contractSignedOn: isoDate.nullable(),
      })
      .nullable(),
    progress: z.array(z.object({ month: z.string(), percent: z.number().int(), narrative: z.string() })),
    adjustments: z.array(
      z.object({
        ...entry,
        documentNo: z.string(),
        adjustedOn: isoDate,
        content: z.string(),
        reason: z.string(),
      }),
    ),
  }),
  site: z.object({
    visits: z.array(
      z.object({
        ...entry,
        village: orgRefSchema,
        visitedOn: isoDate,
        supervisor: z.string(),
        findings: z.string(),
        photos: z.array(z.uuid()),
      }),
    ),
    notices: z.array(
      z.object({
        ...entry,
        village: orgRefSchema,
        place: z.string(),
        postedFrom: isoDate,
        postedTo: isoDate,
        content: z.string(),
        announcedAmountFen: fen.nullable(),
        complaintPhone: z.string().nullable(),
        objectionCount: z.number().int(),
        objections: z.string().nullable(),
      }),
    ),
    opinions: z.array(
      z.object({
        ...entry,
        gatheredOn: isoDate,
        method: z.string(),
        participants: z.number().int(),
        summary: z.string(),
      }),
    ),
    beneficiaries: z
      .object({ households: z.number().int(), poorHouseholds: z.number().int(), people: z.number().int() })
      .nullable(),
    afterCare: z.object({ owner: z.string(), duty: z.string() }).nullable(),
    afterCareChecks: z.array(
      z.object({ ...entry, checkedOn: isoDate, checker: z.string(), result: z.string() }),
    ),
  }),
  completeness: z.array(completenessSchema),
  reconciliation: z.array(reconciliationFlagSchema),
});
export type LedgersDto = z.infer<typeof ledgersSchema>;
export type LedgerData = Omit<LedgersDto, 'completeness' | 'reconciliation'>;

// ---- what a write answers -----------------------------------------------------------------

/**
 * The answer of a write that keeps a record in place: the department ledger, the implementation,
 * beneficiaries and after-care (one per project), the settlement (one per project, written once),
 * a month's progress (one per project and month) and a fund-source link. They are keyed by the
 * project (and the month), which the caller already knows, and have no id of their own.
 */
export const ledgerRecordWriteSchema = ledgersSchema.describe(
  'The three ledgers as they are after the write. The record written is kept once per project (or per month) and has no id of its own: the answer carries no `written`.',
);

/**
 * The answer of a write that appends an entry with an id of its own (a disbursement, decision,
 * adjustment, visit, notice, opinion or after-care check): the three ledgers and, in `written`, the
 * id the entry's INSERT returned in the write's own transaction. A client links files to that id
 * (archives' `entryId`), never to an entry it found by comparing ledgers: another writer's
 * identical entry may have landed meanwhile.
 */
export const ledgerEntryWriteSchema = ledgersSchema
  .extend({
    written: z
      .object({
        id: z.uuid().describe('id of the entry this write created (the INSERT’s RETURNING id)'),
      })
      .describe('The entry this write appended; it also appears in its section of the ledgers.'),
  })
  .describe('The three ledgers as they are after the write, and the entry this write appended.');

/**
 * Every ledger write: its path under /api/projects/:id/ledgers/, its method, its body and its
 * answer. The api's routes and the console's typed client both read this table; an entry appended
 * (POST with an id of its own) answers with `written`, a record kept in place does not.
 */
export const LEDGER_WRITES = {
  department: { method: 'put', body: departmentLedgerInputSchema, answer: ledgerRecordWriteSchema },
  'department/disbursements': {
    method: 'post',
    body: disbursementInputSchema,
    answer: ledgerEntryWriteSchema,
  },
  'department/settlement': { method: 'post', body: settlementInputSchema, answer: ledgerRecordWriteSchema },
  'implementing/decisions': { method: 'post', body: decisionInputSchema, answer: ledgerEntryWriteSchema },
  'implementing/implementation': {
    method: 'put',
    body: implementationInputSchema,
    answer: ledgerRecordWriteSchema,
  },
  'implementing/progress': { method: 'post', body: progressInputSchema, answer: ledgerRecordWriteSchema },
  'implementing/adjustments': {
    method: 'post',
    body: adjustmentInputSchema,
    answer: ledgerEntryWriteSchema,
  },
  'site/visits': { method: 'post', body: visitInputSchema, answer: ledgerEntryWriteSchema },
  'site/notices': { method: 'post', body: noticeInputSchema, answer: ledgerEntryWriteSchema },
  'site/opinions': { method: 'post', body: opinionInputSchema, answer: ledgerEntryWriteSchema },
  'site/beneficiaries': { method: 'put', body: beneficiaryInputSchema, answer: ledgerRecordWriteSchema },
  'site/after-care': { method: 'put', body: afterCareInputSchema, answer: ledgerRecordWriteSchema },
  'site/after-care-checks': {
    method: 'post',
    body: afterCareCheckInputSchema,
    answer: ledgerEntryWriteSchema,
  },
} as const;
export type LedgerWritePath = keyof typeof LEDGER_WRITES;

// ---- completeness -------------------------------------------------------------------------

/** Stages in order of progress; side stages count as the main stage they sit at. */
export const PROGRESS_ORDER: Stage[] = [
  'approved',
  'designApproved',
  'methodFixed',
  'underway',
  'completed',
  'accepted',
  'reimbursed',
  'afterCare',
  'closed',
];
export function stageRank(stage: Stage): number {
  if (stage === 'rectifying') return PROGRESS_ORDER.indexOf('completed');
  if (stage === 'cancelled') return 0;
  return PROGRESS_ORDER.indexOf(stage);
}

interface ItemRule {
  ledger: LedgerKind;
  item: string;
  label: string;
  /** Required once the project has reached this stage. */
  from: Stage;
  applies?: (d: LedgerData) => boolean;
  filled: (d: LedgerData) => boolean;
}

const contracted = (d: LedgerData) =>
  d.implementing.implementation !== null && CONTRACTED_METHODS.includes(d.implementing.implementation.method);

export const LEDGER_ITEMS: readonly ItemRule[] = [
  {
    ledger: 'department',
    item: 'approvalDocument',
    label: '立项批复文号',
    from: 'approved',
    filled: (d) => d.department.approvalDocumentNo.length > 0,
  },
  {
    ledger: 'department',
    item: 'approvedOn',
    label: '立项批复日期',
    from: 'approved',
    filled: (d) => d.department.approvedOn !== null,
  },
  {
    ledger: 'department',
    item: 'constructionContent',
    label: '建设内容及规模',
    from: 'approved',
    filled: (d) => !!d.department.constructionContent,
  },
  {
    ledger: 'department',
    item: 'fundDocuments',
    label: '资金来源对应资金文件',
    from: 'approved',
    filled: (d) => d.department.fundSources.every((s) => s.fundDocument !== null),
  },
  {
    ledger: 'department',
    item: 'disbursements',
    label: '资金拨付记录',
    from: 'underway',
    filled: (d) => d.department.disbursements.length > 0,
  },
  {
    ledger: 'department',
    item: 'settlement',
    label: '报账结算',
    from: 'reimbursed',
    filled: (d) => d.department.settlement !== null,
  },
  {
    ledger: 'implementing',
    item: 'collectiveDecision',
    label: '集体决策记录',
    from: 'methodFixed',
    filled: (d) => d.implementing.decisions.length > 0,
  },
  {
    ledger: 'implementing',
    item: 'implementationMethod',
    label: '实施方式及记录',
    from: 'methodFixed',
    filled: (d) => d.implementing.implementation !== null,
  },
  {
    ledger: 'implementing',
    item: 'contractor',
    label: '承包单位及统一社会信用代码',
    from: 'methodFixed',
    applies: contracted,
    filled: (d) => !!d.implementing.implementation?.contractorUscc,
  },
  {
    ledger: 'implementing',
    item: 'contractAmount',
    label: '合同金额',
    from: 'methodFixed',
    applies: contracted,
    filled: (d) => d.implementing.implementation?.contractAmountFen != null,
  },
  {
    ledger: 'implementing',
    item: 'monthlyProgress',
    label: '月度进度',
    from: 'underway',
    filled: (d) => d.implementing.progress.length > 0,
  },
  {
    ledger: 'implementing',
    item: 'finalProgress',
    label: '竣工进度（100%）',
    from: 'completed',
    filled: (d) => d.implementing.progress.some((p) => p.percent === 100),
  },
  {
    ledger: 'site',
    item: 'publicNotice',
    label: '公示记录',
    from: 'designApproved',
    filled: (d) => d.site.notices.length > 0,
  },
  {
    ledger: 'site',
    item: 'opinions',
    label: '征求意见记录',
    from: 'designApproved',
    filled: (d) => d.site.opinions.length > 0,
  },
  {
    ledger: 'site',
    item: 'beneficiaries',
    label: '受益情况',
    from: 'designApproved',
    filled: (d) => d.site.beneficiaries !== null,
  },
  {
    ledger: 'site',
    item: 'supervisionVisit',
    label: '义务监督记录',
    from: 'underway',
    filled: (d) => d.site.visits.length > 0,
  },
  {
    ledger: 'site',
    item: 'afterCare',
    label: '管护主体及职责',
    from: 'reimbursed',
    filled: (d) => d.site.afterCare !== null,
  },
  {
    ledger: 'site',
    item: 'afterCareCheck',
    label: '管护检查记录',
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

// ---- reconciliation -----------------------------------------------------------------------

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
  if (contract !== null && contract > 0 && disbursed > contract && contracted(d)) {
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

// ---- domain checks on money ----------------------------------------------------------------

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
