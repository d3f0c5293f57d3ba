import type { z } from 'zod';
import {
  adjustmentInputSchema,
  afterCareCheckInputSchema,
  afterCareInputSchema,
  beneficiaryInputSchema,
  decisionInputSchema,
  departmentLedgerInputSchema,
  disbursementInputSchema,
  implementationInputSchema,
  noticeInputSchema,
  opinionInputSchema,
  progressInputSchema,
  settlementInputSchema,
  visitInputSchema,
} from '@domain/ledgers/inputs';
import type { LedgerKind, LedgerWritePath } from '../../api/client';

/**
 * How each ledger entry's form is laid out: which input shows each field of the body. What is
 * required, and every limit, comes from the shared input schema (domain/ledgers/inputs.ts) the form
 * validates with before it sends; this table only chooses widgets and labels.
 */
export type LedgerFieldKind =
  | 'text'
  | 'textarea'
  | 'date'
  | 'month'
  | 'percent'
  | 'int'
  | 'yuan'
  | 'method'
  | 'village'
  | 'source'
  | 'list';

export interface LedgerFieldSpec {
  key: string;
  kind: LedgerFieldKind;
  /** i18n key under ledger.fields */
  label: string;
}

export interface LedgerFormSpec {
  path: LedgerWritePath;
  ledger: LedgerKind;
  /** i18n key under ledger.forms */
  name: string;
  schema: z.ZodType;
  fields: LedgerFieldSpec[];
}

const f = (key: string, kind: LedgerFieldKind, label = key): LedgerFieldSpec => ({ key, kind, label });

export const LEDGER_FORMS: LedgerFormSpec[] = [
  {
    path: 'department',
    ledger: 'department',
    name: 'approval',
    schema: departmentLedgerInputSchema,
    fields: [f('approvedOn', 'date'), f('approvalIssuer', 'text'), f('constructionContent', 'textarea')],
  },
  {
    path: 'department/disbursements',
    ledger: 'department',
    name: 'disbursement',
    schema: disbursementInputSchema,
    fields: [
      f('sourcePosition', 'source'),
      f('paidOn', 'date'),
      f('amountFen', 'yuan', 'amount'),
      f('payee', 'text'),
      f('voucherNo', 'text'),
      f('approver', 'text'),
      f('note', 'textarea'),
    ],
  },
  {
    path: 'department/settlement',
    ledger: 'department',
    name: 'settlement',
    schema: settlementInputSchema,
    fields: [
      f('settledOn', 'date'),
      f('settledAmountFen', 'yuan', 'settledAmount'),
      f('voucherNo', 'text'),
      f('note', 'textarea'),
    ],
  },
  {
    path: 'implementing/decisions',
    ledger: 'implementing',
    name: 'decision',
    schema: decisionInputSchema,
    fields: [f('meeting', 'text'), f('heldOn', 'date'), f('attendees', 'list'), f('resolution', 'textarea')],
  },
  {
    path: 'implementing/implementation',
    ledger: 'implementing',
    name: 'implementation',
    schema: implementationInputSchema,
    fields: [
      f('method', 'method'),
      f('recordNo', 'text'),
      f('contractorName', 'text'),
      f('contractorUscc', 'text'),
      f('contractNo', 'text'),
      f('contractAmountFen', 'yuan', 'contractAmount'),
      f('contractSignedOn', 'date'),
    ],
  },
  {
    path: 'implementing/progress',
    ledger: 'implementing',
    name: 'progress',
    schema: progressInputSchema,
    fields: [f('month', 'month'), f('percent', 'percent'), f('narrative', 'textarea')],
  },
  {
    path: 'implementing/adjustments',
    ledger: 'implementing',
    name: 'adjustment',
    schema: adjustmentInputSchema,
    fields: [
      f('documentNo', 'text'),
      f('adjustedOn', 'date'),
      f('content', 'textarea'),
      f('reason', 'textarea'),
    ],
  },
  {
    path: 'site/visits',
    ledger: 'site',
    name: 'visit',
    schema: visitInputSchema,
    fields: [
      f('villageCode', 'village'),
      f('visitedOn', 'date'),
      f('supervisor', 'text'),
      f('findings', 'textarea'),
    ],
  },
  {
    path: 'site/notices',
    ledger: 'site',
    name: 'notice',
    schema: noticeInputSchema,
    fields: [
      f('villageCode', 'village'),
      f('place', 'text'),
      f('postedFrom', 'date'),
      f('postedTo', 'date'),
      f('content', 'textarea'),
      f('announcedAmountFen', 'yuan', 'announcedAmount'),
      f('complaintPhone', 'text'),
      f('objectionCount', 'int'),
      f('objections', 'textarea'),
    ],
  },
  {
    path: 'site/opinions',
    ledger: 'site',
    name: 'opinion',
    schema: opinionInputSchema,
    fields: [
      f('gatheredOn', 'date'),
      f('method', 'text', 'opinionMethod'),
      f('participants', 'int'),
      f('summary', 'textarea'),
    ],
  },
  {
    path: 'site/beneficiaries',
    ledger: 'site',
    name: 'beneficiaries',
    schema: beneficiaryInputSchema,
    fields: [f('households', 'int'), f('poorHouseholds', 'int'), f('people', 'int')],
  },
  {
    path: 'site/after-care',
    ledger: 'site',
    name: 'afterCare',
    schema: afterCareInputSchema,
    fields: [f('owner', 'text'), f('duty', 'textarea')],
  },
  {
    path: 'site/after-care-checks',
    ledger: 'site',
    name: 'afterCareCheck',
    schema: afterCareCheckInputSchema,
    fields: [f('checkedOn', 'date'), f('checker', 'text'), f('result', 'textarea')],
  },
];

export const formsOf = (ledger: LedgerKind) => LEDGER_FORMS.filter((x) => x.ledger === ledger);
export const formOf = (path: LedgerWritePath) => LEDGER_FORMS.find((x) => x.path === path)!;

/**
 * A text field the schema lets us leave out is left out when blank, rather than sent as "". The
 * schemas are objects (some wrapped in a refinement, whose shape sits one level down).
 */
export function isOptional(schema: z.ZodType, key: string): boolean {
  const s = schema as unknown as {
    shape?: Record<string, { safeParse(v: unknown): { success: boolean } }>;
    def?: { in?: { shape?: Record<string, { safeParse(v: unknown): { success: boolean } }> } };
  };
  const shape = s.shape ?? s.def?.in?.shape;
  return shape?.[key]?.safeParse(undefined).success ?? true;
}

/** "张三、李四, 王五" → ["张三", "李四", "王五"] (any of the separators people type). */
export function splitList(text: string): string[] {
  return text
    .split(/[,，、;；\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}
