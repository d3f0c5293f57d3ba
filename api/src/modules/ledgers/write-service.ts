/**
 * Ledger writes. Ledger entries are ordinary writes in PostgreSQL (not stage changes, so not
 * workflow Updates). Each writer below checks its entry (money rules against the rows it locks,
 * the village it names) and hands its statement, from db/writes, to `inWriteTransaction`: one
 * transaction in the caller's scope holding the project lookup, both layers' level check, the
 * Idempotency-Key claim, the entry, its ledger_event and its audit row. The database's constraints
 * check the entry again beneath. The api answers with the whole ledger view and, when the write
 * appended an entry with an id of its own, that id (`written`, domain/ledgers.ts
 * `ledgerEntryWriteSchema`), taken from the write's own INSERT … RETURNING: never looked up again
 * afterwards, where another writer's identical entry could be taken for it.
 */
import type { z } from 'zod';
import { canWriteLedger } from '#domain/access.js';
import { AppError } from '#domain/errors.js';
import { checkDisbursement, checkSettlement } from '#domain/ledgers/money-checks.js';
import { type FundDocumentDto, type LedgersDto } from '#domain/ledgers/outputs.js';
import { type FundDocumentInput } from '#domain/ledgers/inputs.js';
import { type LEDGER_WRITES, type LedgerWritePath } from '#domain/ledgers/writes.js';
import { type LedgerKind } from '#domain/ledgers/kinds.js';
import { sumFen } from '#domain/money.js';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { executeAll, scopedEm, scopeOf, type Statement, type Tx } from '#db/scope.js';
import {
  departmentLedgerUpsert,
  disbursementsInsert,
  fundDocumentInsert,
  fundSourceLinkUpdate,
  lockFundDocument,
  lockMoneyState,
  settlementInsert,
} from '#db/writes/department-ledger.js';
import {
  adjustmentInsert,
  decisionInsert,
  implementationUpsert,
  progressFromLedger,
  progressUpsert,
} from '#db/writes/implementing-ledger.js';
import { ledgerEventInsert } from '#db/writes/ledger-event.js';
import { insertedId } from '#db/writes/rows.js';
import {
  afterCareCheckInsert,
  afterCareUpsert,
  beneficiariesUpsert,
  noticeInsert,
  opinionInsert,
  visitsInsert,
} from '#db/writes/site-ledger.js';
import { invalid, mapDbError, projectNotFound, type Caller } from '../../http.js';
import { claimInTransaction, earlier, keyEntryUpdate, requestKey } from '../../idempotency.js';
import type { ProjectRepository } from '../projects/repository.js';
import type { LedgerRepository } from './repository.js';
import type { FoundProject, LedgerService } from './service.js';

/** The body of the ledger write at `path` (its schema in domain/ledgers.ts `LEDGER_WRITES`). */
export type LedgerWriteBody<P extends LedgerWritePath> = z.output<(typeof LEDGER_WRITES)[P]['body']>;
/** The api's answer to a write: the ledgers, and the entry appended when there is one. */
export type LedgerWriteDto = LedgersDto & { written?: { id: string } };

/**
 * What a write's own statement created: the id its INSERT … RETURNING id gave, for an entry with an
 * id of its own; nothing for a record kept in place (one per project, or per project and month).
 */
type Written = { id: string } | void;
type Done = { project: FoundProject; written: Written };

export interface LedgerWriteDeps {
  orm: Orm;
  repo: LedgerRepository;
  projects: ProjectRepository;
  audit: AuditLog;
  /** The reads the api's answer is built from. */
  ledgers: LedgerService;
}

/** A write whose Idempotency-Key an earlier write holds: nothing is written, its entry answers. */
class AlreadyWritten extends Error {
  constructor(readonly project: FoundProject) {
    super('already written');
  }
}

const LEVEL_NAMES: Record<LedgerKind, string> = {
  department: '主管部门操作账号',
  implementing: '业主（实施）单位操作账号',
  site: '建设地点（村）操作账号',
};

/** The ledger writers the api uses: each answers with the whole ledger view (and `written`). */
export function createLedgerWrites(deps: LedgerWriteDeps) {
  return buildWriters(deps, async (caller, { project, written }): Promise<LedgerWriteDto> => {
    const ledgers = await deps.ledgers.view(caller, project);
    return written ? { ...ledgers, written: { id: written.id } } : ledgers;
  });
}

/** The same writers answering nothing: for bulk writes (the demo seed), which skip the view. */
export function createLedgerRecorders(deps: LedgerWriteDeps) {
  return buildWriters(deps, async () => undefined);
}

export type LedgerWrites = ReturnType<typeof createLedgerWrites>;
/** Either kind of writers (their answers ignored). */
export type AnyLedgerWriters = ReturnType<typeof buildWriters<unknown>>;

function buildWriters<R>(deps: LedgerWriteDeps, answer: (caller: Caller, done: Done) => Promise<R>) {
  const inTransaction = transactionOf(deps);
  /** One ledger write: `fn` inside the write's transaction, then the answer. */
  const write = async (
    caller: Caller,
    idOrCode: string,
    ledger: LedgerKind,
    kind: string,
    payload: unknown,
    fn: (tx: Tx, p: FoundProject) => Promise<Written>,
  ): Promise<R> => answer(caller, await inTransaction(caller, idOrCode, ledger, kind, payload, fn));
  const run = async (tx: Tx, statement: Statement): Promise<void> => {
    await executeAll(tx, [statement]);
  };
  const actorOf = (caller: Caller) => caller.actor.id;

  return {
    department: (caller: Caller, idOrCode: string, input: LedgerWriteBody<'department'>) =>
      write(caller, idOrCode, 'department', 'departmentLedger', input, (tx, p) =>
        run(
          tx,
          departmentLedgerUpsert({
            projectId: p.id,
            approvedOn: input.approvedOn ?? null,
            approvalIssuer: input.approvalIssuer ?? null,
            constructionContent: input.constructionContent ?? null,
            actorId: actorOf(caller),
          }),
        ),
      ),

    disbursement: (caller: Caller, idOrCode: string, input: LedgerWriteBody<'department/disbursements'>) =>
      write(caller, idOrCode, 'department', 'disbursement', input, async (tx, p) => {
        const m = await lockMoneyState(tx, p.id);
        if (m.settled) throw invalid('body', '项目已报账结算，不能再拨付 (the project is settled)');
        const problem = checkDisbursement(m.sources.get(input.sourcePosition), input.amountFen);
        if (problem)
          throw invalid(
            input.sourcePosition in p.fundSources ? 'body.amountFen' : 'body.sourcePosition',
            problem,
          );
        return insertedId(
          tx,
          disbursementsInsert([
            { projectId: p.id, ...input, note: input.note ?? null, importId: null, actorId: actorOf(caller) },
          ]),
        );
      }),

    settlement: (caller: Caller, idOrCode: string, input: LedgerWriteBody<'department/settlement'>) =>
      write(caller, idOrCode, 'department', 'settlement', input, async (tx, p) => {
        const m = await lockMoneyState(tx, p.id);
        if (m.settled) throw new AppError('CONFLICT', '该项目已结算 (already settled)');
        const problem = checkSettlement(input.settledAmountFen, m.disbursedFen, p.budgetFen);
        if (problem) throw invalid('body.settledAmountFen', problem);
        await run(
          tx,
          settlementInsert({
            projectId: p.id,
            settledOn: input.settledOn,
            settledAmountFen: input.settledAmountFen,
            voucherNo: input.voucherNo ?? null,
            note: input.note ?? null,
            actorId: actorOf(caller),
          }),
        );
      }),

    /** Links a fund source to the fund document that finances it; the document must cover it. */
    linkFundSource: (caller: Caller, idOrCode: string, position: number, documentNo: string) =>
      write(caller, idOrCode, 'department', 'linkFundSource', { position, documentNo }, async (tx, p) => {
        const source = p.fundSources[position];
        if (!source)
          throw invalid('params.position', {
            zh: `没有第 ${position} 项资金来源`,
            en: `the project has no fund source ${position}`,
          });
        // The document number is the issuer's own (often Chinese, 城水审〔2026〕8号): quoted in English.
        const doc = await lockFundDocument(tx, p.scope.departmentId, documentNo, {
          projectId: p.id,
          position,
        });
        if (!doc)
          throw invalid('body.fundDocumentNo', {
            zh: `本项目主管部门没有该资金文件: ${documentNo}`,
            en: `the project's department has no fund document 「${documentNo}」`,
          });
        if (sumFen([doc.allocatedFen, source.amountFen]) > doc.amountFen)
          throw invalid('body.fundDocumentNo', {
            zh: `资金文件 ${documentNo} 下达 ${doc.amountFen} 分，已安排 ${doc.allocatedFen} 分，不足以安排本项 ${source.amountFen} 分`,
            en: `the fund document 「${documentNo}」 provides ${doc.amountFen} fen, ${doc.allocatedFen} fen of it already allocated: not enough for ${source.amountFen} fen`,
          });
        await run(
          tx,
          fundSourceLinkUpdate({ projectId: p.id, position, fundDocumentId: doc.id, documentNo }),
        );
      }),

    decision: (caller: Caller, idOrCode: string, input: LedgerWriteBody<'implementing/decisions'>) =>
      write(caller, idOrCode, 'implementing', 'collectiveDecision', input, (tx, p) =>
        insertedId(tx, decisionInsert({ projectId: p.id, ...input, actorId: actorOf(caller) })),
      ),

    implementation: (
      caller: Caller,
      idOrCode: string,
      input: LedgerWriteBody<'implementing/implementation'>,
    ) =>
      write(caller, idOrCode, 'implementing', 'implementation', input, (tx, p) =>
        run(
          tx,
          implementationUpsert({
            projectId: p.id,
            method: input.method,
            recordNo: input.recordNo ?? null,
            contractorName: input.contractorName ?? null,
            contractorUscc: input.contractorUscc ?? null,
            contractNo: input.contractNo ?? null,
            contractAmountFen: input.contractAmountFen ?? null,
            contractSignedOn: input.contractSignedOn ?? null,
            actorId: actorOf(caller),
          }),
        ),
      ),

    progress: (caller: Caller, idOrCode: string, input: LedgerWriteBody<'implementing/progress'>) =>
      write(caller, idOrCode, 'implementing', 'monthlyProgress', input, async (tx, p) => {
        await run(
          tx,
          progressUpsert([{ projectId: p.id, ...input, importId: null, actorId: actorOf(caller) }]),
        );
        await run(tx, progressFromLedger([p.id]));
      }),

    adjustment: (caller: Caller, idOrCode: string, input: LedgerWriteBody<'implementing/adjustments'>) =>
      write(caller, idOrCode, 'implementing', 'adjustment', input, (tx, p) =>
        insertedId(tx, adjustmentInsert({ projectId: p.id, ...input, actorId: actorOf(caller) })),
      ),

    visit: (caller: Caller, idOrCode: string, input: LedgerWriteBody<'site/visits'>) =>
      write(caller, idOrCode, 'site', 'supervisionVisit', input, (tx, p) =>
        insertedId(
          tx,
          visitsInsert([
            {
              projectId: p.id,
              villageId: ownVillage(p, caller, input.villageCode),
              visitedOn: input.visitedOn,
              supervisor: input.supervisor,
              findings: input.findings,
              importId: null,
              actorId: actorOf(caller),
            },
          ]),
        ),
      ),

    notice: (caller: Caller, idOrCode: string, input: LedgerWriteBody<'site/notices'>) =>
      write(caller, idOrCode, 'site', 'publicNotice', input, (tx, p) =>
        insertedId(
          tx,
          noticeInsert({
            projectId: p.id,
            villageId: ownVillage(p, caller, input.villageCode),
            place: input.place,
            postedFrom: input.postedFrom,
            postedTo: input.postedTo,
            content: input.content,
            announcedAmountFen: input.announcedAmountFen ?? null,
            complaintPhone: input.complaintPhone ?? null,
            objectionCount: input.objectionCount,
            objections: input.objections ?? null,
            actorId: actorOf(caller),
          }),
        ),
      ),

    opinion: (caller: Caller, idOrCode: string, input: LedgerWriteBody<'site/opinions'>) =>
      write(caller, idOrCode, 'site', 'opinion', input, (tx, p) =>
        insertedId(tx, opinionInsert({ projectId: p.id, ...input, actorId: actorOf(caller) })),
      ),

    beneficiaries: (caller: Caller, idOrCode: string, input: LedgerWriteBody<'site/beneficiaries'>) =>
      write(caller, idOrCode, 'site', 'beneficiaries', input, (tx, p) =>
        run(tx, beneficiariesUpsert({ projectId: p.id, ...input, actorId: actorOf(caller) })),
      ),

    afterCare: (caller: Caller, idOrCode: string, input: LedgerWriteBody<'site/after-care'>) =>
      write(caller, idOrCode, 'site', 'afterCare', input, (tx, p) =>
        run(tx, afterCareUpsert({ projectId: p.id, ...input, actorId: actorOf(caller) })),
      ),

    afterCareCheck: (caller: Caller, idOrCode: string, input: LedgerWriteBody<'site/after-care-checks'>) =>
      write(caller, idOrCode, 'site', 'afterCareCheck', input, (tx, p) =>
        insertedId(tx, afterCareCheckInsert({ projectId: p.id, ...input, actorId: actorOf(caller) })),
      ),

    /** Registers a fund document (资金文件): department operators, for their own department. */
    async createFundDocument(caller: Caller, input: FundDocumentInput): Promise<FundDocumentDto> {
      if (!caller.roles.includes('operator') || caller.orgKind !== 'department')
        throw new AppError('FORBIDDEN', '只有主管部门操作账号可以登记资金文件 (department operators only)');
      let id = '';
      try {
        await scopedEm(deps.orm, scopeOf(caller)).transactional(async (tx) => {
          const [inserted] = await executeAll(tx, [
            fundDocumentInsert({ departmentId: caller.orgUnitId, ...input, actorId: actorOf(caller) }),
            ledgerEventInsert({
              projectId: null,
              ledger: 'department',
              kind: 'fundDocument',
              actor: caller.actor,
              payload: input,
            }),
          ]);
          id = (inserted![0] as { id: string }).id;
          await deps.audit.append(tx, {
            actor: { id: caller.actor.id, username: caller.actor.username },
            via: 'api',
            action: 'ledger.department.fundDocument',
            entity: 'fund_document',
            entityId: id,
            after: input,
          });
        });
      } catch (err) {
        if ((err as { constraint?: string }).constraint === 'fund_document_department_number_key')
          throw new AppError(
            'CONFLICT',
            `本部门已登记该文号的资金文件 (your department has registered this document number)`,
            [
              {
                path: 'body.documentNo',
                message: {
                  zh: `已登记：${input.documentNo}`,
                  en: `already registered: 「${input.documentNo}」`,
                },
              },
            ],
          );
        mapDbError(err);
      }
      const [doc] = await deps.ledgers.listFundDocuments(caller, id);
      return doc!;
    },
  };
}

/**
 * The transaction every ledger entry is written in, in the caller's scope: find the project, both
 * layers' level check, claim the request's Idempotency-Key, `fn` (the entry), its event and its
 * audit row. A refusal of the database maps to the api's error.
 */
function transactionOf(deps: LedgerWriteDeps) {
  return async (
    caller: Caller,
    idOrCode: string,
    ledger: LedgerKind,
    kind: string,
    payload: unknown,
    fn: (tx: Tx, p: FoundProject) => Promise<Written>,
  ): Promise<Done> => {
    try {
      return await scopedEm(deps.orm, scopeOf(caller)).transactional(async (tx) => {
        const p = await deps.projects.findIn(tx, caller, idOrCode);
        if (!p) throw projectNotFound(idOrCode);
        const may = await deps.repo.mayWriteIn(tx, p.id, ledger);
        if (!canWriteLedger(caller, p.scope, ledger) || !may)
          throw new AppError(
            'FORBIDDEN',
            `${LEVEL_NAMES[ledger]}才能填写该台账 (only the ${ledger} level writes this ledger)`,
          );
        if (p.stage === 'cancelled')
          throw new AppError('TRANSITION_NOT_ALLOWED', '项目已终止，台账不再填写 (the project is cancelled)');
        // The key is claimed in this transaction: it exists exactly when the write does.
        const idem = requestKey();
        if (idem && !(await claimInTransaction(tx, idem))) throw new AlreadyWritten(p);
        const written = await fn(tx, p);
        // The event and the audit row name the entry they record, when it has an id of its own.
        const recorded = written ? { ...(payload as object), entryId: written.id } : (payload ?? null);
        await executeAll(tx, [
          ...(idem && written ? [keyEntryUpdate(idem, written.id)] : []),
          ledgerEventInsert({ projectId: p.id, ledger, kind, actor: caller.actor, payload: recorded }),
        ]);
        await deps.audit.append(tx, {
          actor: { id: caller.actor.id, username: caller.actor.username },
          via: 'api',
          action: `ledger.${ledger}.${kind}`,
          entity: 'project',
          entityId: p.id,
          after: recorded,
        });
        return { project: p, written };
      });
    } catch (err) {
      if (err instanceof AlreadyWritten) {
        const row = await earlier(deps.orm, requestKey()!);
        const id = row?.entry_id ?? null;
        return { project: err.project, written: id ? { id } : undefined };
      }
      if (err instanceof AppError) throw err;
      return mapDbError(err);
    }
  };
}

/** The village of a site entry: one of the project's villages, and the writer's own. */
function ownVillage(p: FoundProject, caller: Caller, villageCode: string): string {
  const i = p.villages.findIndex((v) => v.code === villageCode);
  if (i < 0)
    throw invalid('body.villageCode', {
      zh: `不是本项目的建设地点: ${villageCode}`,
      en: `not a village of this project: “${villageCode}”`,
    });
  const villageId = p.scope.villageIds[i]!;
  if (villageId !== caller.orgUnitId)
    throw new AppError('FORBIDDEN', '只能填写本村的建设地点台账 (only your own village)');
  return villageId;
}
