/**
 * The ledger entries each level writes. Every writer runs inside `service.write` (level check,
 * one transaction, ledger_event) and re-checks the money rules against the rows it has locked.
 * A writer that appends an entry with an id of its own returns that id, from its INSERT's
 * RETURNING clause; one that keeps a record in place (one per project, or per month) returns
 * nothing.
 */
import { AppError } from '../../../../domain/errors.js';
import { checkDisbursement, checkSettlement } from '../../../../domain/ledgers/money-checks.js';
import type { z } from 'zod';
import type {
  adjustmentInputSchema,
  afterCareCheckInputSchema,
  afterCareInputSchema,
  beneficiaryInputSchema,
  decisionInputSchema,
  departmentLedgerInputSchema,
  DisbursementInput,
  implementationInputSchema,
  noticeInputSchema,
  opinionInputSchema,
  ProgressInput,
  settlementInputSchema,
  VisitInput,
} from '../../../../domain/ledgers/inputs.js';
import type { Caller } from '../projects/service.js';
import { invalid, moneyState, type LedgerService, type Tx } from './service.js';

type In<S extends z.ZodType> = z.infer<S>;

/** Runs an `INSERT … RETURNING id` and gives the id of the row it inserted. */
async function insertReturningId(tx: Tx, sql: string, params: unknown[]): Promise<{ id: string }> {
  const [row] = (await tx.execute<{ id: string }[]>(`${sql} RETURNING id`, params, 'all')) as [
    { id: string },
  ];
  return { id: row.id };
}

export async function insertDisbursement(
  tx: Tx,
  projectId: string,
  input: DisbursementInput,
  actorId: string | null,
  importId: string | null = null,
): Promise<{ id: string }> {
  return insertReturningId(
    tx,
    `INSERT INTO disbursement (project_id, source_position, paid_on, amount_fen, payee, voucher_no, approver, note, import_id, created_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      projectId,
      input.sourcePosition,
      input.paidOn,
      String(input.amountFen),
      input.payee,
      input.voucherNo,
      input.approver,
      input.note ?? null,
      importId,
      actorId,
    ],
  );
}

type WriteFn<R> = (...args: Parameters<LedgerService['write']>) => Promise<R>;

/** The ledger writers the api uses: each answers with the whole ledger view (and `written`). */
export function createLedgerWrites(service: LedgerService) {
  return buildWriters(service.write);
}
/** The same writers answering nothing: for bulk writes (the demo seed). */
export function createLedgerRecorders(service: LedgerService) {
  return buildWriters(service.record);
}

function buildWriters<R>(write: WriteFn<R>) {
  return {
    department(caller: Caller, id: string, input: In<typeof departmentLedgerInputSchema>) {
      return write(caller, id, 'department', 'departmentLedger', input, async (tx, p) => {
        await tx.execute(
          `INSERT INTO department_ledger (project_id, approved_on, approval_issuer, construction_content, updated_by, updated_at)
           VALUES (?, ?, ?, ?, ?, now())
           ON CONFLICT (project_id) DO UPDATE SET approved_on = COALESCE(EXCLUDED.approved_on, department_ledger.approved_on),
             approval_issuer = COALESCE(EXCLUDED.approval_issuer, department_ledger.approval_issuer),
             construction_content = COALESCE(EXCLUDED.construction_content, department_ledger.construction_content),
             updated_by = EXCLUDED.updated_by, updated_at = now()`,
          [
            p.id,
            input.approvedOn ?? null,
            input.approvalIssuer ?? null,
            input.constructionContent ?? null,
            caller.actor.id,
          ],
          'run',
        );
      });
    },

    disbursement(caller: Caller, id: string, input: DisbursementInput) {
      return write(caller, id, 'department', 'disbursement', input, async (tx, p) => {
        const m = await moneyState(tx, p.id);
        if (m.settled) throw invalid('body', '项目已报账结算，不能再拨付 (the project is settled)');
        const problem = checkDisbursement(m.sources.get(input.sourcePosition), input.amountFen);
        if (problem)
          throw invalid(
            input.sourcePosition in p.fundSources ? 'body.amountFen' : 'body.sourcePosition',
            problem,
          );
        return insertDisbursement(tx, p.id, input, caller.actor.id);
      });
    },

    settlement(caller: Caller, id: string, input: In<typeof settlementInputSchema>) {
      return write(caller, id, 'department', 'settlement', input, async (tx, p) => {
        const m = await moneyState(tx, p.id);
        if (m.settled) throw new AppError('CONFLICT', '该项目已结算 (already settled)');
        const problem = checkSettlement(input.settledAmountFen, m.disbursedFen, p.budgetFen);
        if (problem) throw invalid('body.settledAmountFen', problem);
        await tx.execute(
          `INSERT INTO settlement (project_id, settled_on, settled_amount_fen, voucher_no, note, created_by) VALUES (?, ?, ?, ?, ?, ?)`,
          [
            p.id,
            input.settledOn,
            String(input.settledAmountFen),
            input.voucherNo ?? null,
            input.note ?? null,
            caller.actor.id,
          ],
          'run',
        );
      });
    },

    decision(caller: Caller, id: string, input: In<typeof decisionInputSchema>) {
      return write(caller, id, 'implementing', 'collectiveDecision', input, async (tx, p) => {
        return insertReturningId(
          tx,
          `INSERT INTO collective_decision (project_id, meeting, held_on, attendees, resolution, created_by) VALUES (?, ?, ?, ?::text[], ?, ?)`,
          [
            p.id,
            input.meeting,
            input.heldOn,
            `{${input.attendees.map(pgArrayItem).join(',')}}`,
            input.resolution,
            caller.actor.id,
          ],
        );
      });
    },

    implementation(caller: Caller, id: string, input: In<typeof implementationInputSchema>) {
      return write(caller, id, 'implementing', 'implementation', input, async (tx, p) => {
        await tx.execute(
          `INSERT INTO implementation_record (project_id, method, record_no, contractor_name, contractor_uscc, contract_no,
             contract_amount_fen, contract_signed_on, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now())
           ON CONFLICT (project_id) DO UPDATE SET method = EXCLUDED.method, record_no = EXCLUDED.record_no,
             contractor_name = EXCLUDED.contractor_name, contractor_uscc = EXCLUDED.contractor_uscc,
             contract_no = EXCLUDED.contract_no, contract_amount_fen = EXCLUDED.contract_amount_fen,
             contract_signed_on = EXCLUDED.contract_signed_on, updated_by = EXCLUDED.updated_by, updated_at = now()`,
          [
            p.id,
            input.method,
            input.recordNo ?? null,
            input.contractorName ?? null,
            input.contractorUscc ?? null,
            input.contractNo ?? null,
            input.contractAmountFen === undefined ? null : String(input.contractAmountFen),
            input.contractSignedOn ?? null,
            caller.actor.id,
          ],
          'run',
        );
      });
    },

    progress(caller: Caller, id: string, input: ProgressInput) {
      return write(caller, id, 'implementing', 'monthlyProgress', input, async (tx, p) => {
        await upsertProgress(tx, p.id, input, caller.actor.id);
      });
    },

    adjustment(caller: Caller, id: string, input: In<typeof adjustmentInputSchema>) {
      return write(caller, id, 'implementing', 'adjustment', input, async (tx, p) => {
        return insertReturningId(
          tx,
          `INSERT INTO adjustment_record (project_id, document_no, adjusted_on, content, reason, created_by) VALUES (?, ?, ?, ?, ?, ?)`,
          [p.id, input.documentNo, input.adjustedOn, input.content, input.reason, caller.actor.id],
        );
      });
    },

    visit(caller: Caller, id: string, input: VisitInput) {
      return write(caller, id, 'site', 'supervisionVisit', input, async (tx, p) => {
        return insertVisit(tx, p, caller, input);
      });
    },

    notice(caller: Caller, id: string, input: In<typeof noticeInputSchema>) {
      return write(caller, id, 'site', 'publicNotice', input, async (tx, p) => {
        const villageId = ownVillage(p, caller, input.villageCode);
        return insertReturningId(
          tx,
          `INSERT INTO public_notice (project_id, village_id, place, posted_from, posted_to, content, announced_amount_fen,
             complaint_phone, objection_count, objections, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            p.id,
            villageId,
            input.place,
            input.postedFrom,
            input.postedTo,
            input.content,
            input.announcedAmountFen === undefined ? null : String(input.announcedAmountFen),
            input.complaintPhone ?? null,
            input.objectionCount,
            input.objections ?? null,
            caller.actor.id,
          ],
        );
      });
    },

    opinion(caller: Caller, id: string, input: In<typeof opinionInputSchema>) {
      return write(caller, id, 'site', 'opinion', input, async (tx, p) => {
        return insertReturningId(
          tx,
          `INSERT INTO opinion_record (project_id, gathered_on, method, participants, summary, created_by) VALUES (?, ?, ?, ?, ?, ?)`,
          [p.id, input.gatheredOn, input.method, input.participants, input.summary, caller.actor.id],
        );
      });
    },

    beneficiaries(caller: Caller, id: string, input: In<typeof beneficiaryInputSchema>) {
      return write(caller, id, 'site', 'beneficiaries', input, async (tx, p) => {
        await tx.execute(
          `INSERT INTO beneficiary (project_id, households, poor_households, people, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, now())
           ON CONFLICT (project_id) DO UPDATE SET households = EXCLUDED.households, poor_households = EXCLUDED.poor_households,
             people = EXCLUDED.people, updated_by = EXCLUDED.updated_by, updated_at = now()`,
          [p.id, input.households, input.poorHouseholds, input.people, caller.actor.id],
          'run',
        );
      });
    },

    afterCare(caller: Caller, id: string, input: In<typeof afterCareInputSchema>) {
      return write(caller, id, 'site', 'afterCare', input, async (tx, p) => {
        await tx.execute(
          `INSERT INTO after_care (project_id, owner, duty, updated_by, updated_at) VALUES (?, ?, ?, ?, now())
           ON CONFLICT (project_id) DO UPDATE SET owner = EXCLUDED.owner, duty = EXCLUDED.duty,
             updated_by = EXCLUDED.updated_by, updated_at = now()`,
          [p.id, input.owner, input.duty, caller.actor.id],
          'run',
        );
      });
    },

    afterCareCheck(caller: Caller, id: string, input: In<typeof afterCareCheckInputSchema>) {
      return write(caller, id, 'site', 'afterCareCheck', input, async (tx, p) => {
        return insertReturningId(
          tx,
          `INSERT INTO after_care_check (project_id, checked_on, checker, result, created_by) VALUES (?, ?, ?, ?, ?)`,
          [p.id, input.checkedOn, input.checker, input.result, caller.actor.id],
        );
      });
    },
  };
}

export type LedgerWrites = ReturnType<typeof createLedgerWrites>;
/** Either kind of writers (their answers ignored). */
export type AnyLedgerWriters = ReturnType<typeof buildWriters<unknown>>;

type ProjectLike = { id: string; villages: { code: string }[]; scope: { villageIds: readonly string[] } };

/** The village of a site entry: one of the project's villages, and the writer's own. */
function ownVillage(p: ProjectLike, caller: Caller, villageCode: string): string {
  const i = p.villages.findIndex((v) => v.code === villageCode);
  if (i < 0) throw invalid('body.villageCode', `不是本项目的建设地点: ${villageCode}`);
  const villageId = p.scope.villageIds[i]!;
  if (villageId !== caller.orgUnitId)
    throw new AppError('FORBIDDEN', '只能填写本村的建设地点台账 (only your own village)');
  return villageId;
}

export async function insertVisit(
  tx: Tx,
  p: ProjectLike,
  caller: Caller,
  input: VisitInput,
  importId: string | null = null,
): Promise<{ id: string }> {
  const villageId = ownVillage(p, caller, input.villageCode);
  return insertReturningId(
    tx,
    `INSERT INTO supervision_visit (project_id, village_id, visited_on, supervisor, findings, import_id, created_by)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [p.id, villageId, input.visitedOn, input.supervisor, input.findings, importId, caller.actor.id],
  );
}

export async function upsertProgress(
  tx: Tx,
  projectId: string,
  input: ProgressInput,
  actorId: string | null,
  importId: string | null = null,
): Promise<void> {
  await tx.execute(
    `INSERT INTO monthly_progress (project_id, month, percent, narrative, import_id, created_by) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (project_id, month) DO UPDATE SET percent = EXCLUDED.percent, narrative = EXCLUDED.narrative,
       import_id = EXCLUDED.import_id, created_by = EXCLUDED.created_by, created_at = now()`,
    [projectId, input.month, input.percent, input.narrative, importId, actorId],
    'run',
  );
}

function pgArrayItem(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
