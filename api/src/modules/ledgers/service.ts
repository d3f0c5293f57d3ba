/**
 * Ledger use cases. Ledger entries are ordinary writes in PostgreSQL (not stage changes, so not
 * workflow Updates): each is checked here (scope, level, money rules) and again by the database's
 * constraints, written in one transaction together with its ledger_event, and answered with the
 * whole ledger view, completeness and reconciliation included — and, when the write appended an
 * entry with an id of its own, that id (`written`, domain/ledgers/writes.ts `ledgerEntryWriteSchema`).
 */
import { canWriteLedger, isCountyWide, type Principal } from '../../../../domain/access.js';
import { AppError } from '../../../../domain/errors.js';
import { checkDisbursement, checkSettlement } from '../../../../domain/ledgers/money-checks.js';
import { ledgerCompleteness } from '../../../../domain/ledgers/completeness.js';
import { reconcileLedgers } from '../../../../domain/ledgers/reconciliation.js';
import type { LedgerKind } from '../../../../domain/ledgers/kinds.js';
import type { LedgersDto, FundDocumentDto } from '../../../../domain/ledgers/outputs.js';
import type { FundDocumentInput } from '../../../../domain/ledgers/inputs.js';
import { fenFromDb, sumFen } from '../../../../domain/money.js';
import type { AuditLog } from '../../../../db/audit.js';
import type { Orm } from '../../../../db/orm.js';
import { scopedEm, scopeOf, type Tx } from '../../../../db/scope.js';
import type { ProjectRepository } from '../projects/repository.js';
import type { Caller } from '../projects/service.js';
import { loadLedgerData, workflowSettledFen } from '../../../../db/queries/ledger-data.js';
import { CLAIM_IN_TRANSACTION, earlier, requestKey } from '../../idempotency.js';

/** A write whose Idempotency-Key an earlier write holds: nothing is written, its entry answers. */
class AlreadyWritten extends Error {
  constructor(
    readonly project: FoundProject,
    readonly entryId: string | null,
  ) {
    super('already written');
  }
}

export type { Tx };
type FoundProject = NonNullable<Awaited<ReturnType<ProjectRepository['find']>>>;

/**
 * What a write's own statement created: the id its INSERT … RETURNING id gave, for an entry with an
 * id of its own; nothing for a record kept in place (one per project, or per project and month).
 */
export type Written = { id: string } | void;
/** The api's answer to a write: the ledgers, and the entry appended when there is one. */
export type LedgerWriteDto = LedgersDto & { written?: { id: string } };

const LEVEL_NAMES: Record<LedgerKind, string> = {
  department: '主管部门操作账号',
  implementing: '业主（实施）单位操作账号',
  site: '建设地点（村）操作账号',
};

/** Maps a database refusal to the api's error: constraints are the backstop of the domain checks. */
export function mapDbError(err: unknown): never {
  const e = err as { code?: string; constraint?: string; message?: string; detail?: string };
  if (e?.code === '23514' || e?.code === '23502' || e?.code === '22P02' || e?.code === '22001')
    throw new AppError(
      'VALIDATION_FAILED',
      `数据库约束拒绝 (${e.constraint ?? e.code}): ${firstLine(e.message)}`,
      [{ path: 'body', message: e.constraint ?? e.code }],
    );
  if (e?.code === '23505')
    throw new AppError('CONFLICT', `记录已存在 (duplicate: ${e.constraint ?? 'unique'})`, [
      { path: 'body', message: e.detail ?? e.constraint },
    ]);
  if (e?.code === '23503') throw new AppError('VALIDATION_FAILED', `引用的记录不存在 (${e.constraint})`);
  throw err;
}
function firstLine(s?: string) {
  return (s ?? '').split('\n')[0]!.replace(/^.* - /, '');
}

export function invalid(path: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `请求内容不合法: ${path}: ${message}`, [{ path, message }]);
}

export function createLedgerService(deps: { orm: Orm; projects: ProjectRepository; audit: AuditLog }) {
  const { orm, projects } = deps;

  /** Both layers: the domain rule, then PostgreSQL's own verdict (RLS guards the rows as well). */
  async function mayWrite(caller: Caller, p: FoundProject, ledger: LedgerKind): Promise<boolean> {
    if (!canWriteLedger(caller, p.scope, ledger)) return false;
    const [row] = await scopedEm(orm, scopeOf(caller)).execute<{ ok: boolean }[]>(
      'SELECT app_may_write_ledger(?, ?) AS ok',
      [p.id, ledger],
      'all',
    );
    return row?.ok === true;
  }

  async function find(who: Principal, idOrCode: string): Promise<FoundProject> {
    const p = await projects.find(who, idOrCode);
    if (!p) throw new AppError('NOT_FOUND', `项目不存在或不在您的权限范围内 (project ${idOrCode} not found)`);
    return p;
  }

  async function view(who: Principal, p: FoundProject): Promise<LedgersDto> {
    const conn = scopedEm(orm, scopeOf(who));
    const data = await loadLedgerData(conn, p);
    return {
      ...data,
      completeness: ledgerCompleteness(data),
      reconciliation: reconcileLedgers(data, await workflowSettledFen(conn, p.id)),
    };
  }

  /** One ledger write: level check, then `fn` and its event in one transaction. */
  async function record(
    caller: Caller,
    idOrCode: string,
    ledger: LedgerKind,
    kind: string,
    payload: unknown,
    fn: (tx: Tx, p: FoundProject) => Promise<Written>,
  ): Promise<{ project: FoundProject; written: Written }> {
    // One transaction in the caller's scope: find the project, both layers' level check, the
    // write, its event and its audit row.
    try {
      return await scopedEm(orm, scopeOf(caller)).transactional(async (tx) => {
        const p = await projects.findIn(tx, caller, idOrCode);
        if (!p)
          throw new AppError('NOT_FOUND', `项目不存在或不在您的权限范围内 (project ${idOrCode} not found)`);
        const [may] = await tx.execute<{ ok: boolean }[]>(
          'SELECT app_may_write_ledger(?, ?) AS ok',
          [p.id, ledger],
          'all',
        );
        if (!canWriteLedger(caller, p.scope, ledger) || may?.ok !== true)
          throw new AppError(
            'FORBIDDEN',
            `${LEVEL_NAMES[ledger]}才能填写该台账 (only the ${ledger} level writes this ledger)`,
          );
        if (p.stage === 'cancelled')
          throw new AppError('TRANSITION_NOT_ALLOWED', '项目已终止，台账不再填写 (the project is cancelled)');
        // The key is claimed in this transaction: it exists exactly when the write does. A
        // concurrent twin waits here for the first to commit (unique index), then finds it.
        const idem = requestKey();
        if (idem) {
          const claimed = await tx.execute<unknown[]>(
            CLAIM_IN_TRANSACTION,
            [idem.userId, idem.key, idem.route, idem.hash, 201],
            'all',
          );
          if (claimed.length === 0) throw new AlreadyWritten(p, null);
        }
        const written = await fn(tx, p);
        if (idem && written)
          await tx.execute(
            'UPDATE idempotent_request SET entry_id = ? WHERE user_id = ? AND key = ?',
            [written.id, idem.userId, idem.key],
            'run',
          );
        // The event and the audit row name the entry they record, when it has an id of its own.
        const recorded = written ? { ...(payload as object), entryId: written.id } : (payload ?? null);
        await tx.execute(
          `INSERT INTO ledger_event (project_id, ledger, kind, actor_id, actor_name, payload) VALUES (?, ?, ?, ?, ?, ?::jsonb)`,
          [p.id, ledger, kind, caller.actor.id, caller.actor.name, JSON.stringify(recorded ?? {})],
          'run',
        );
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
        const row = await earlier(orm, requestKey()!);
        const id = row?.entry_id ?? null;
        return { project: err.project, written: id ? { id } : undefined };
      }
      if (err instanceof AppError) throw err;
      return mapDbError(err);
    }
  }

  /**
   * A write answered with the whole ledger view (what the api returns) and the id of the entry it
   * appended, taken from the write's own INSERT: never looked up again afterwards, where another
   * writer's identical entry could be taken for it.
   */
  async function write(...args: Parameters<typeof record>): Promise<LedgerWriteDto> {
    const { project, written } = await record(...args);
    const ledgers = await view(args[0], project);
    return written ? { ...ledgers, written: { id: written.id } } : ledgers;
  }

  return {
    projects,
    find,
    view,
    mayWrite,
    write,
    /** The same write without building the view afterwards (bulk writers: the demo seed). */
    record: async (...args: Parameters<typeof record>): Promise<void> => {
      await record(...args);
    },

    async ledgers(who: Principal, idOrCode: string): Promise<LedgersDto> {
      return view(who, await find(who, idOrCode));
    },

    async createFundDocument(caller: Caller, input: FundDocumentInput): Promise<FundDocumentDto> {
      if (!caller.roles.includes('operator') || caller.orgKind !== 'department')
        throw new AppError('FORBIDDEN', '只有主管部门操作账号可以登记资金文件 (department operators only)');
      let id = '';
      try {
        await scopedEm(orm, scopeOf(caller)).transactional(async (tx) => {
          const [row] = (await tx.execute<{ id: string }[]>(
            `INSERT INTO fund_document (department_id, document_no, title, issuer, issued_on, amount_fen, created_by)
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
            [
              caller.orgUnitId,
              input.documentNo,
              input.title,
              input.issuer,
              input.issuedOn,
              String(input.amountFen),
              caller.actor.id,
            ],
            'all',
          )) as [{ id: string }];
          id = row.id;
          await tx.execute(
            `INSERT INTO ledger_event (ledger, kind, actor_id, actor_name, payload) VALUES ('department', 'fundDocument', ?, ?, ?::jsonb)`,
            [caller.actor.id, caller.actor.name, JSON.stringify(input)],
            'run',
          );
          await deps.audit.append(tx, {
            actor: { id: caller.actor.id, username: caller.actor.username },
            via: 'api',
            action: 'ledger.department.fundDocument',
            entity: 'fund_document',
            entityId: row.id,
            after: input,
          });
        });
      } catch (err) {
        mapDbError(err);
      }
      const [doc] = await this.listFundDocuments(caller, id);
      return doc!;
    },

    async listFundDocuments(who: Principal, onlyId?: string): Promise<FundDocumentDto[]> {
      const where: string[] = [];
      const params: unknown[] = [];
      if (!isCountyWide(who)) {
        if (who.orgKind !== 'department')
          throw new AppError(
            'FORBIDDEN',
            '资金文件由主管部门和县级账号查看 (departments and county accounts only)',
          );
        where.push('f.department_id = ?');
        params.push(who.orgUnitId);
      }
      if (onlyId) {
        where.push('f.id = ?');
        params.push(onlyId);
      }
      const rows = await scopedEm(orm, scopeOf(who)).execute<
        {
          id: string;
          document_no: string;
          title: string;
          issuer: string;
          issued_on: string;
          amount_fen: string;
          d_code: string;
          d_name: string;
          allocated: string;
        }[]
      >(
        `SELECT f.id, f.document_no, f.title, f.issuer, to_char(f.issued_on, 'YYYY-MM-DD') AS issued_on, f.amount_fen,
                d.code AS d_code, d.name AS d_name,
                (SELECT COALESCE(sum(s.amount_fen), 0) FROM project_fund_source s WHERE s.fund_document_id = f.id) AS allocated
           FROM fund_document f JOIN org_unit d ON d.id = f.department_id
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY f.issued_on DESC, f.document_no`,
        params,
        'all',
      );
      return rows.map((r) => ({
        id: r.id,
        documentNo: r.document_no,
        title: r.title,
        issuer: r.issuer,
        issuedOn: r.issued_on,
        amountFen: fenFromDb(r.amount_fen),
        department: { code: r.d_code, name: r.d_name },
        allocatedFen: fenFromDb(r.allocated),
      }));
    },

    /** Links a fund source to the fund document that finances it; the document must cover it. */
    async linkFundSource(caller: Caller, idOrCode: string, position: number, documentNo: string) {
      return write(
        caller,
        idOrCode,
        'department',
        'linkFundSource',
        { position, documentNo },
        async (tx, p) => {
          const source = p.fundSources[position];
          if (!source) throw invalid('params.position', `没有第 ${position} 项资金来源`);
          const docs = (await tx.execute<
            { id: string; department_id: string; amount_fen: string; allocated: string }[]
          >(
            `SELECT f.id, f.department_id, f.amount_fen,
                  (SELECT COALESCE(sum(s.amount_fen), 0) FROM project_fund_source s
                    WHERE s.fund_document_id = f.id AND NOT (s.project_id = ? AND s.position = ?)) AS allocated
             FROM fund_document f WHERE f.document_no = ? FOR UPDATE`,
            [p.id, position, documentNo],
            'all',
          )) as { id: string; department_id: string; amount_fen: string; allocated: string }[];
          const doc = docs[0];
          if (!doc) throw invalid('body.fundDocumentNo', `资金文件不存在: ${documentNo}`);
          if (doc.department_id !== p.scope.departmentId)
            throw invalid('body.fundDocumentNo', '该资金文件不属于本项目的主管部门');
          const after = sumFen([fenFromDb(doc.allocated), source.amountFen]);
          if (after > fenFromDb(doc.amount_fen))
            throw invalid(
              'body.fundDocumentNo',
              `资金文件 ${documentNo} 下达 ${fenFromDb(doc.amount_fen)} 分，已安排 ${fenFromDb(doc.allocated)} 分，不足以安排本项 ${source.amountFen} 分`,
            );
          await tx.execute(
            `UPDATE project_fund_source SET fund_document_id = ?, document_no = ? WHERE project_id = ? AND position = ?`,
            [doc.id, documentNo, p.id, position],
            'run',
          );
        },
      );
    },
  };
}

export type LedgerService = ReturnType<typeof createLedgerService>;

/** Current Σ disbursed per source and settlement of a project, read inside the writing transaction. */
export async function moneyState(tx: Tx, projectId: string) {
  const sources = (await tx.execute<{ position: number; amount_fen: string; paid: string }[]>(
    `SELECT s.position, s.amount_fen,
            (SELECT COALESCE(sum(d.amount_fen), 0) FROM disbursement d
              WHERE d.project_id = s.project_id AND d.source_position = s.position) AS paid
       FROM project_fund_source s WHERE s.project_id = ? ORDER BY s.position FOR UPDATE`,
    [projectId],
    'all',
  )) as { position: number; amount_fen: string; paid: string }[];
  const settled = (await tx.execute<{ x: number }[]>(
    `SELECT 1 AS x FROM settlement WHERE project_id = ?`,
    [projectId],
    'all',
  )) as unknown[];
  return {
    sources: new Map(
      sources.map((s) => [
        s.position,
        { amountFen: fenFromDb(s.amount_fen), disbursedFen: fenFromDb(s.paid) },
      ]),
    ),
    disbursedFen: sumFen(sources.map((s) => fenFromDb(s.paid))),
    settled: settled.length > 0,
  };
}

export { checkDisbursement, checkSettlement };
