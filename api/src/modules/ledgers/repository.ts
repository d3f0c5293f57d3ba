/**
 * Reads of the ledgers module in the caller's scope (row-level security applies beneath every
 * statement). The ledger entries' own writes live with their tables in db/writes; the three
 * ledgers of a project are loaded by db/queries/ledger-data.ts, which the acceptance gate shares.
 */
import type { Principal } from '#domain/access.js';
import type { FundDocumentDto, LedgerData } from '#domain/ledgers/outputs.js';
import type { LedgerKind } from '#domain/ledgers/kinds.js';
import { fenFromDb, type Fen } from '#domain/money.js';
import type { ProjectDto } from '#domain/schemas.js';
import type { Orm } from '#db/orm.js';
import {
  ledgerDataOf,
  ledgerReads,
  workflowSettledFenOf,
  workflowSettledRead,
  type LedgerRows,
} from '#db/queries/ledger-data.js';
import { executeAll, inScope, queryInScope, scopedEm, scopeOf, type Tx } from '#db/scope.js';

interface FundDocumentRow {
  id: string;
  document_no: string;
  title: string;
  issuer: string;
  issued_on: string;
  amount_fen: string;
  d_code: string;
  d_name: string;
  allocated: string;
}

export function createLedgerRepository(orm: Orm) {
  return {
    /** A project's three ledgers, and the settled amount its workflow recorded (to reconcile them). */
    async load(
      who: Principal,
      project: Pick<ProjectDto, 'id' | 'code' | 'name' | 'stage' | 'budgetFen' | 'approvalDocumentNo'>,
    ): Promise<{ data: LedgerData; workflowSettledFen: Fen | null }> {
      // One transaction, one round trip: every ledger as of the same moment.
      const reads = ledgerReads(project.id);
      const rows = await queryInScope(orm, scopeOf(who), [...reads, workflowSettledRead(project.id)]);
      return {
        data: ledgerDataOf(project, rows.slice(0, reads.length) as LedgerRows),
        workflowSettledFen: workflowSettledFenOf(rows[reads.length] as { v: string | null }[]),
      };
    },

    /** PostgreSQL's own verdict on a ledger write: the second layer beneath domain/access.ts. */
    async mayWrite(who: Principal, projectId: string, ledger: LedgerKind): Promise<boolean> {
      return inScope(orm, scopeOf(who), (tx) => mayWriteIn(tx, projectId, ledger));
    },

    /** The same, inside the writing transaction. */
    mayWriteIn,

    /** Fund documents, newest first: of one department, or one by id, or all (county accounts). */
    async fundDocuments(
      who: Principal,
      filter: { departmentId?: string; id?: string },
    ): Promise<FundDocumentDto[]> {
      const where: string[] = [];
      const params: unknown[] = [];
      if (filter.departmentId) {
        where.push('f.department_id = ?');
        params.push(filter.departmentId);
      }
      if (filter.id) {
        where.push('f.id = ?');
        params.push(filter.id);
      }
      const rows = await scopedEm(orm, scopeOf(who)).execute<FundDocumentRow[]>(
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
  };
}

async function mayWriteIn(conn: Tx, projectId: string, ledger: LedgerKind): Promise<boolean> {
  const [rows] = await executeAll(conn, [
    { sql: 'SELECT app_may_write_ledger(?, ?) AS ok', params: [projectId, ledger] },
  ]);
  return (rows![0] as { ok: boolean } | undefined)?.ok === true;
}

export type LedgerRepository = ReturnType<typeof createLedgerRepository>;
