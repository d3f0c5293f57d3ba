/**
 * The implementing unit's ledger tables (业主（实施）单位台账): collective decisions, the
 * implementation record, monthly progress and adjustment records. Every writer of these tables —
 * the api's ledger writes, the ledger imports and the 录入月度进度 step's activity — takes its
 * statement from here, so each table's columns and conflict rule are written once.
 */
import type { Fen } from '#domain/money.js';
import type { ImplementationMethod } from '#domain/lifecycle.js';
import type { Statement } from '../scope.js';
import { insertRows } from './rows.js';

/** A collective decision (集体决策), appended; its id comes back. */
export function decisionInsert(r: {
  projectId: string;
  meeting: string;
  heldOn: string;
  attendees: readonly string[];
  resolution: string;
  actorId: string | null;
}): Statement {
  return {
    sql: `INSERT INTO collective_decision (project_id, meeting, held_on, attendees, resolution, created_by)
          VALUES (?, ?, ?, ?::text[], ?, ?) RETURNING id`,
    params: [
      r.projectId,
      r.meeting,
      r.heldOn,
      `{${r.attendees.map(pgArrayItem).join(',')}}`,
      r.resolution,
      r.actorId,
    ],
  };
}

/** The implementation record (实施方式、承包单位与合同), one per project: replaced whole. */
export function implementationUpsert(r: {
  projectId: string;
  method: ImplementationMethod;
  recordNo: string | null;
  contractorName: string | null;
  contractorUscc: string | null;
  contractNo: string | null;
  contractAmountFen: Fen | null;
  contractSignedOn: string | null;
  actorId: string | null;
}): Statement {
  return {
    sql: `INSERT INTO implementation_record (project_id, method, record_no, contractor_name, contractor_uscc, contract_no,
            contract_amount_fen, contract_signed_on, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now())
          ON CONFLICT (project_id) DO UPDATE SET method = EXCLUDED.method, record_no = EXCLUDED.record_no,
            contractor_name = EXCLUDED.contractor_name, contractor_uscc = EXCLUDED.contractor_uscc,
            contract_no = EXCLUDED.contract_no, contract_amount_fen = EXCLUDED.contract_amount_fen,
            contract_signed_on = EXCLUDED.contract_signed_on, updated_by = EXCLUDED.updated_by, updated_at = now()`,
    params: [
      r.projectId,
      r.method,
      r.recordNo,
      r.contractorName,
      r.contractorUscc,
      r.contractNo,
      r.contractAmountFen === null ? null : String(r.contractAmountFen),
      r.contractSignedOn,
      r.actorId,
    ],
  };
}

export interface ProgressRow {
  projectId: string;
  month: string;
  percent: number;
  narrative: string;
  /** The import that brought the row in; null for a report through the api or a step. */
  importId: string | null;
  actorId: string | null;
  /** When it was reported (a step's own time); the transaction's time when left out. */
  at?: string;
}

/**
 * Monthly progress (月度进度): one row per project and month, the latest report of a month
 * replacing the earlier one whoever wrote it — a ledger entry, an imported row or the 录入月度进度
 * step, which is the same entry.
 */
export function progressUpsert(rows: readonly ProgressRow[]): Statement {
  const upsert = insertRows(
    'INSERT INTO monthly_progress (project_id, month, percent, narrative, import_id, created_by, created_at) VALUES',
    '(?, ?, ?, ?, ?, ?, COALESCE(?::timestamptz, now()))',
    rows,
    (r) => [r.projectId, r.month, r.percent, r.narrative, r.importId, r.actorId, r.at ?? null],
    `ON CONFLICT (project_id, month) DO UPDATE SET percent = EXCLUDED.percent, narrative = EXCLUDED.narrative,
       import_id = EXCLUDED.import_id, created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at`,
  );
  // One report (a step's, or the ledger form's) is planned once per connection: under the
  // policies an INSERT … ON CONFLICT cost ~2 ms to plan and a fraction of that to run.
  return rows.length === 1 ? Object.assign(upsert, { prepare: true }) : upsert;
}

/**
 * The projects' own progress figure from their latest monthly row, while under way: run after
 * every write of a month's row (the step 录入月度进度, the ledger's form, an import), so that a
 * month entered late does not take the figure back.
 */
export function progressFromLedger(projectIds: readonly string[]): Statement {
  return { sql: `SELECT project_progress_from_ledger(ARRAY[?]::uuid[])`, params: [projectIds] };
}

/** An adjustment record (调项记录), appended; its id comes back. */
export function adjustmentInsert(r: {
  projectId: string;
  documentNo: string;
  adjustedOn: string;
  content: string;
  reason: string;
  actorId: string | null;
}): Statement {
  return {
    sql: `INSERT INTO adjustment_record (project_id, document_no, adjusted_on, content, reason, created_by)
          VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
    params: [r.projectId, r.documentNo, r.adjustedOn, r.content, r.reason, r.actorId],
  };
}

/** One element of a PostgreSQL text[] literal, quoted so commas and quotes stay inside it. */
function pgArrayItem(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
