/** What each ledger write accepts: the api validates with these, the console's forms check with them. */
import { z } from 'zod';
import { IMPLEMENTATION_METHODS } from '../lifecycle.js';
import { fen, happenedOn, isoDate, reportedMonth, safeString, smallInt } from '../schemas.js';
import { isValidUscc } from '../uscc.js';
import { schemaMessage, schemaText } from '../errors.js';

const text = (max: number) => safeString().trim().min(1).max(max);
const optionalText = (max: number) => safeString().trim().max(max).optional();
const positiveFen = fen.refine((n) => n > 0, {
  error: schemaMessage({ zh: '金额须大于 0', en: 'the amount must be greater than 0' }),
});
export const usccSchema = z
  .string()
  .trim()
  .normalize('NFKC')
  .toUpperCase()
  .refine(isValidUscc, {
    error: schemaMessage({
      zh: '统一社会信用代码无效（校验位不符，GB 32100-2015）',
      en: 'not a valid unified social credit code (its check character is wrong, GB 32100-2015)',
    }),
  });

export const fundDocumentInputSchema = z.object({
  documentNo: text(100),
  title: text(200),
  issuer: text(100),
  issuedOn: isoDate,
  amountFen: positiveFen,
});
export type FundDocumentInput = z.infer<typeof fundDocumentInputSchema>;

export const departmentLedgerInputSchema = z.object({
  approvedOn: happenedOn.optional(),
  approvalIssuer: optionalText(100),
  constructionContent: optionalText(2000),
});

export const fundSourceLinkSchema = z.object({ fundDocumentNo: text(100) });

export const disbursementInputSchema = z.object({
  sourcePosition: z.number().int().min(0).max(19),
  paidOn: happenedOn,
  amountFen: positiveFen,
  payee: text(200),
  voucherNo: text(100),
  approver: text(100),
  note: optionalText(1000),
});
export type DisbursementInput = z.infer<typeof disbursementInputSchema>;

export const settlementInputSchema = z.object({
  settledOn: happenedOn,
  settledAmountFen: fen,
  voucherNo: optionalText(100),
  note: optionalText(1000),
});

export const decisionInputSchema = z.object({
  meeting: text(200),
  heldOn: happenedOn,
  attendees: z.array(text(50)).min(1).max(100),
  resolution: text(2000),
});

export const implementationInputSchema = z
  .object({
    method: z.enum(IMPLEMENTATION_METHODS),
    recordNo: optionalText(100),
    contractorName: optionalText(200),
    contractorUscc: usccSchema.optional(),
    contractNo: optionalText(100),
    contractAmountFen: fen.optional(),
    contractSignedOn: happenedOn.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.contractorName && !v.contractorUscc)
      ctx.addIssue({
        code: 'custom',
        path: ['contractorUscc'],
        message: schemaText({
          zh: '承包单位须填写统一社会信用代码',
          en: 'the contractor’s unified social credit code is required',
        }),
      });
  });

export const progressInputSchema = z.object({
  month: reportedMonth,
  percent: z.number().int().min(0).max(100),
  narrative: text(2000),
});
export type ProgressInput = z.infer<typeof progressInputSchema>;

export const adjustmentInputSchema = z.object({
  documentNo: text(100),
  adjustedOn: happenedOn,
  content: text(2000),
  reason: text(2000),
});

export const visitInputSchema = z.object({
  villageCode: text(40),
  visitedOn: happenedOn,
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
  .refine((n) => n.postedFrom <= n.postedTo, {
    error: schemaMessage({
      zh: '公示结束日期不能早于开始日期',
      en: 'the notice cannot end before it starts',
    }),
    path: ['postedTo'],
  });

export const opinionInputSchema = z.object({
  gatheredOn: happenedOn,
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
      ctx.addIssue({
        code: 'custom',
        path: ['poorHouseholds'],
        message: schemaText({
          zh: '建档立卡贫困户数不能超过受益户数',
          en: 'registered poor households cannot outnumber beneficiary households',
        }),
      });
    if (b.people < b.households)
      ctx.addIssue({
        code: 'custom',
        path: ['people'],
        message: schemaText({
          zh: '受益人数不能少于受益户数',
          en: 'beneficiaries cannot be fewer than beneficiary households',
        }),
      });
  });

export const afterCareInputSchema = z.object({ owner: text(200), duty: text(1000) });
export const afterCareCheckInputSchema = z.object({
  checkedOn: happenedOn,
  checker: text(100),
  result: text(1000),
});
