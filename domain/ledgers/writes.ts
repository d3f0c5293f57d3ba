/** Every ledger write: its path, method, body and answer, read by the api's routes and the console's client. */
import { z } from 'zod';
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
} from './inputs.js';
import { ledgersSchema } from './outputs.js';

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
