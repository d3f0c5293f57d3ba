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
import { formatYuan } from '@domain/money';
import type { LedgersDto, LedgerWriteBodies, LedgerWritePath } from '../../api/client';

/**
 * How each ledger entry's form is laid out: which input shows each field of the body. What is
 * required, and every limit, comes from the shared input schema (domain/ledgers/inputs.ts) the form
 * validates with before it sends; this table only chooses widgets and labels.
 */
export type LedgerFieldKind =
  | 'text'
  | 'textarea'
  | 'date'
  /** The day something was done: never after today. */
  | 'day'
  | 'month'
  | 'percent'
  | 'int'
  | 'yuan'
  | 'method'
  | 'village'
  | 'source'
  | 'list';

export interface LedgerFieldSpec<K extends string = string> {
  key: K;
  kind: LedgerFieldKind;
  /** i18n key under ledger.fields */
  label: string;
}

/** The fields of a write's body (for every path of a union, all of their fields). */
type FieldKey<P extends LedgerWritePath> = P extends LedgerWritePath
  ? Extract<keyof LedgerWriteBodies[P], string>
  : never;

export interface LedgerFormSpec<P extends LedgerWritePath = LedgerWritePath> {
  /** i18n key under ledger.forms */
  name: string;
  /**
   * The write's own input schema: what it parses is the body `api.writeLedger` takes for the path.
   * Every one is an object, so a field's own rule can be asked for (isOptional).
   */
  schema: z.ZodObject & z.ZodType<LedgerWriteBodies[P]>;
  fields: LedgerFieldSpec<FieldKey<P>>[];
}

const f = <K extends string>(key: K, kind: LedgerFieldKind, label: string = key): LedgerFieldSpec<K> => ({
  key,
  kind,
  label,
});

/** Keyed by path, so that a form's schema and fields are checked against that path's body. */
export const LEDGER_FORMS: { [P in LedgerWritePath]: LedgerFormSpec<P> } = {
  department: {
    name: 'approval',
    schema: departmentLedgerInputSchema,
    fields: [f('approvedOn', 'day'), f('approvalIssuer', 'text'), f('constructionContent', 'textarea')],
  },
  'department/disbursements': {
    name: 'disbursement',
    schema: disbursementInputSchema,
    fields: [
      f('sourcePosition', 'source'),
      f('paidOn', 'day'),
      f('amountFen', 'yuan', 'amount'),
      f('payee', 'text'),
      f('voucherNo', 'text'),
      f('approver', 'text'),
      f('note', 'textarea'),
    ],
  },
  'department/settlement': {
    name: 'settlement',
    schema: settlementInputSchema,
    fields: [
      f('settledOn', 'day'),
      f('settledAmountFen', 'yuan', 'settledAmount'),
      f('voucherNo', 'text'),
      f('note', 'textarea'),
    ],
  },
  'implementing/decisions': {
    name: 'decision',
    schema: decisionInputSchema,
    fields: [f('meeting', 'text'), f('heldOn', 'day'), f('attendees', 'list'), f('resolution', 'textarea')],
  },
  'implementing/implementation': {
    name: 'implementation',
    schema: implementationInputSchema,
    fields: [
      f('method', 'method'),
      f('recordNo', 'text'),
      f('contractorName', 'text'),
      f('contractorUscc', 'text'),
      f('contractNo', 'text'),
      f('contractAmountFen', 'yuan', 'contractAmount'),
      f('contractSignedOn', 'day'),
    ],
  },
  'implementing/progress': {
    name: 'progress',
    schema: progressInputSchema,
    fields: [f('month', 'month'), f('percent', 'percent'), f('narrative', 'textarea')],
  },
  'implementing/adjustments': {
    name: 'adjustment',
    schema: adjustmentInputSchema,
    fields: [
      f('documentNo', 'text'),
      f('adjustedOn', 'day'),
      f('content', 'textarea'),
      f('reason', 'textarea'),
    ],
  },
  'site/visits': {
    name: 'visit',
    schema: visitInputSchema,
    fields: [
      f('villageCode', 'village'),
      f('visitedOn', 'day'),
      f('supervisor', 'text'),
      f('findings', 'textarea'),
    ],
  },
  'site/notices': {
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
  'site/opinions': {
    name: 'opinion',
    schema: opinionInputSchema,
    fields: [
      f('gatheredOn', 'day'),
      f('method', 'text', 'opinionMethod'),
      f('participants', 'int'),
      f('summary', 'textarea'),
    ],
  },
  'site/beneficiaries': {
    name: 'beneficiaries',
    schema: beneficiaryInputSchema,
    fields: [f('households', 'int'), f('poorHouseholds', 'int'), f('people', 'int')],
  },
  'site/after-care': {
    name: 'afterCare',
    schema: afterCareInputSchema,
    fields: [f('owner', 'text'), f('duty', 'textarea')],
  },
  'site/after-care-checks': {
    name: 'afterCareCheck',
    schema: afterCareCheckInputSchema,
    fields: [f('checkedOn', 'day'), f('checker', 'text'), f('result', 'textarea')],
  },
};

export const formOf = <P extends LedgerWritePath>(path: P): LedgerFormSpec<P> => LEDGER_FORMS[path];

/** A text field the schema lets us leave out is left out when blank, rather than sent as "". */
export function isOptional(schema: z.ZodObject, key: string): boolean {
  const field: z.ZodType | undefined = schema.shape[key];
  return field?.safeParse(undefined).success ?? true;
}

/**
 * The values a form starts from: a form that replaces a record starts from the record as it is; a
 * new entry from the writer's own village (`ownVillage`) or the first fund source. Values are the
 * inputs' (money as 元 text), not the body's.
 */
export function initialValues(
  path: LedgerWritePath,
  d: LedgersDto,
  ownVillage: string | undefined,
): Record<string, unknown> {
  const yuanText = (v: number | null | undefined) => (typeof v === 'number' ? formatYuan(v) : undefined);
  switch (path) {
    case 'department':
      return {
        approvedOn: d.department.approvedOn ?? undefined,
        approvalIssuer: d.department.approvalIssuer ?? undefined,
        constructionContent: d.department.constructionContent ?? undefined,
      };
    case 'implementing/implementation': {
      const i = d.implementing.implementation;
      return i
        ? {
            method: i.method,
            recordNo: i.recordNo ?? undefined,
            contractorName: i.contractorName ?? undefined,
            contractorUscc: i.contractorUscc ?? undefined,
            contractNo: i.contractNo ?? undefined,
            contractAmountFen: yuanText(i.contractAmountFen),
            contractSignedOn: i.contractSignedOn ?? undefined,
          }
        : {};
    }
    case 'site/beneficiaries':
      return { ...(d.site.beneficiaries ?? {}) };
    case 'site/after-care':
      return { ...(d.site.afterCare ?? {}) };
    case 'site/visits':
    case 'site/notices':
      return { villageCode: ownVillage, ...(path === 'site/notices' ? { objectionCount: 0 } : {}) };
    case 'department/disbursements':
      return { sourcePosition: d.department.fundSources[0]?.position };
    case 'department/settlement':
      return { settledAmountFen: yuanText(d.department.disbursedFen) };
    default:
      return {};
  }
}

/** "张三、李四, 王五" → ["张三", "李四", "王五"] (any of the separators people type). */
export function splitList(text: string): string[] {
  return text
    .split(/[,，、;；\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}
