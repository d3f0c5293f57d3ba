/** The three ledgers of a project as the api answers them, with their completeness and flags. */
import { z } from 'zod';
import { IMPLEMENTATION_METHODS } from '../lifecycle.js';
import { fen, FUND_SOURCE_KINDS, isoDate, orgRefSchema, stageSchema } from '../schemas.js';
import { fundDocumentInputSchema } from './inputs.js';
import { LEDGERS } from './kinds.js';

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
