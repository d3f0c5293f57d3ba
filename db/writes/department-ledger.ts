/**
 * The department ledger's tables (主管部门台账): the approval record, fund documents and the fund
 * sources they finance, disbursements and the settlement. Every writer of these tables — the api's
 * ledger writes and the ledger imports — takes its statement from here, so each table's columns and
 * conflict rule are written once. Statements, not calls: the caller sends them in its own
 * transaction (in the caller's scope, so row-level security applies to every row).
 */
import { fenFromDb, sumFen, type Fen } from '#domain/money.js';
import { executeAll, type Statement, type Tx } from '../scope.js';
import { insertRows } from './rows.js';

/** The approval record, one per project: a field left out keeps the value it had. */
export function departmentLedgerUpsert(r: {
  projectId: string;
  approvedOn: string | null;
  approvalIssuer: string | null;
  constructionContent: string | null;
  actorId: string | null;
}): Statement {
  return {
    sql: `INSERT INTO department_ledger (project_id, approved_on, approval_issuer, construction_content, updated_by, updated_at)
          VALUES (?, ?, ?, ?, ?, now())
          ON CONFLICT (project_id) DO UPDATE SET approved_on = COALESCE(EXCLUDED.approved_on, department_ledger.approved_on),
            approval_issuer = COALESCE(EXCLUDED.approval_issuer, department_ledger.approval_issuer),
            construction_content = COALESCE(EXCLUDED.construction_content, department_ledger.construction_content),
            updated_by = EXCLUDED.updated_by, updated_at = now()`,
    params: [r.projectId, r.approvedOn, r.approvalIssuer, r.constructionContent, r.actorId],
  };
}

export interface DisbursementRow {
  projectId: string;
  sourcePosition: number;
  paidOn: string;
  amountFen: Fen;
  payee: string;
  voucherNo: string;
  approver: string;
  note: string | null;
  /** The import that brought the row in; null for an entry written through the api. */
  importId: string | null;
  actorId: string | null;
}

/** Disbursements (资金拨付), appended; each row's id comes back in order. */
export function disbursementsInsert(rows: readonly DisbursementRow[]): Statement {
  return insertRows(
    `INSERT INTO disbursement (project_id, source_position, paid_on, amount_fen, payee, voucher_no, approver, note,
       import_id, created_by) VALUES`,
    '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    rows,
    (r) => [
      r.projectId,
      r.sourcePosition,
      r.paidOn,
      String(r.amountFen),
      r.payee,
      r.voucherNo,
      r.approver,
      r.note,
      r.importId,
      r.actorId,
    ],
    'RETURNING id',
  );
}

/** The settlement (报账结算), one per project: a second one is refused by the primary key. */
export function settlementInsert(r: {
  projectId: string;
  settledOn: string;
  settledAmountFen: Fen;
  voucherNo: string | null;
  note: string | null;
  actorId: string | null;
}): Statement {
  return {
    sql: `INSERT INTO settlement (project_id, settled_on, settled_amount_fen, voucher_no, note, created_by)
          VALUES (?, ?, ?, ?, ?, ?)`,
    params: [r.projectId, r.settledOn, String(r.settledAmountFen), r.voucherNo, r.note, r.actorId],
  };
}

export interface MoneyState {
  /** Per fund source (by position): what it provides and what was paid from it. */
  sources: Map<number, { amountFen: Fen; disbursedFen: Fen }>;
  disbursedFen: Fen;
  settled: boolean;
}

/**
 * Σ disbursed per source and whether the project is settled, read under a lock on the project's
 * fund sources: a concurrent payment or settlement of the same project waits until this
 * transaction ends, so the money rules checked against these figures still hold at its commit.
 */
export async function lockMoneyState(tx: Tx, projectId: string): Promise<MoneyState> {
  const [sources, settled] = (await executeAll(tx, [
    {
      sql: `SELECT s.position, s.amount_fen,
                   (SELECT COALESCE(sum(d.amount_fen), 0) FROM disbursement d
                     WHERE d.project_id = s.project_id AND d.source_position = s.position) AS paid
              FROM project_fund_source s WHERE s.project_id = ? ORDER BY s.position FOR UPDATE`,
      params: [projectId],
    },
    { sql: `SELECT 1 AS x FROM settlement WHERE project_id = ?`, params: [projectId] },
  ])) as [{ position: number; amount_fen: string; paid: string }[], unknown[]];
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

/** A fund document (资金文件) a department registers; its id comes back. */
export function fundDocumentInsert(r: {
  departmentId: string;
  documentNo: string;
  title: string;
  issuer: string;
  issuedOn: string;
  amountFen: Fen;
  actorId: string | null;
}): Statement {
  return {
    sql: `INSERT INTO fund_document (department_id, document_no, title, issuer, issued_on, amount_fen, created_by)
          VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    params: [r.departmentId, r.documentNo, r.title, r.issuer, r.issuedOn, String(r.amountFen), r.actorId],
  };
}

export interface LockedFundDocument {
  id: string;
  amountFen: Fen;
  /** What the document finances already, the source being linked left out. */
  allocatedFen: Fen;
}

/**
 * The department's fund document a source is about to be linked to, locked: two sources linked to
 * the same document at once are counted one after the other against what it provides. A number is
 * its department's: another department may hold a document of the same number (a finance bureau's
 * document allocating to several).
 */
export async function lockFundDocument(
  tx: Tx,
  departmentId: string,
  documentNo: string,
  source: { projectId: string; position: number },
): Promise<LockedFundDocument | undefined> {
  const [rows] = await executeAll(tx, [
    {
      sql: `SELECT f.id, f.amount_fen,
                   (SELECT COALESCE(sum(s.amount_fen), 0) FROM project_fund_source s
                     WHERE s.fund_document_id = f.id AND NOT (s.project_id = ? AND s.position = ?)) AS allocated
              FROM fund_document f WHERE f.department_id = ? AND f.document_no = ? FOR UPDATE`,
      params: [source.projectId, source.position, departmentId, documentNo],
    },
  ]);
  const doc = rows![0] as { id: string; amount_fen: string; allocated: string } | undefined;
  return doc
    ? {
        id: doc.id,
        amountFen: fenFromDb(doc.amount_fen),
        allocatedFen: fenFromDb(doc.allocated),
      }
    : undefined;
}

/** Links a project's fund source to the fund document that finances it. */
export function fundSourceLinkUpdate(r: {
  projectId: string;
  position: number;
  fundDocumentId: string;
  documentNo: string;
}): Statement {
  return {
    sql: `UPDATE project_fund_source SET fund_document_id = ?, document_no = ? WHERE project_id = ? AND position = ?`,
    params: [r.fundDocumentId, r.documentNo, r.projectId, r.position],
  };
}
