/**
 * The site ledger's tables (建设地点（村）台账): supervision visits, public notices, opinions,
 * beneficiaries, after-care and its checks. Every writer of these tables — the api's ledger writes
 * and the ledger imports — takes its statement from here, so each table's columns and conflict
 * rule are written once.
 */
import type { Fen } from '#domain/money.js';
import type { Statement } from '../scope.js';
import { insertRows } from './rows.js';

export interface VisitRow {
  projectId: string;
  /** The village the visit was made in: one of the project's, and the writer's own. */
  villageId: string;
  visitedOn: string;
  supervisor: string;
  findings: string;
  /** The import that brought the row in; null for an entry written through the api. */
  importId: string | null;
  actorId: string | null;
}

/** Supervision visits (义务监督记录), appended; each row's id comes back in order. */
export function visitsInsert(rows: readonly VisitRow[]): Statement {
  return insertRows(
    `INSERT INTO supervision_visit (project_id, village_id, visited_on, supervisor, findings, import_id, created_by)
     VALUES`,
    '(?, ?, ?, ?, ?, ?, ?)',
    rows,
    (r) => [r.projectId, r.villageId, r.visitedOn, r.supervisor, r.findings, r.importId, r.actorId],
    'RETURNING id',
  );
}

/** A public notice (公示记录), appended; its id comes back. */
export function noticeInsert(r: {
  projectId: string;
  villageId: string;
  place: string;
  postedFrom: string;
  postedTo: string;
  content: string;
  announcedAmountFen: Fen | null;
  complaintPhone: string | null;
  objectionCount: number;
  objections: string | null;
  actorId: string | null;
}): Statement {
  return {
    sql: `INSERT INTO public_notice (project_id, village_id, place, posted_from, posted_to, content, announced_amount_fen,
            complaint_phone, objection_count, objections, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          RETURNING id`,
    params: [
      r.projectId,
      r.villageId,
      r.place,
      r.postedFrom,
      r.postedTo,
      r.content,
      r.announcedAmountFen === null ? null : String(r.announcedAmountFen),
      r.complaintPhone,
      r.objectionCount,
      r.objections,
      r.actorId,
    ],
  };
}

/** Opinions gathered (征求意见记录), appended; its id comes back. */
export function opinionInsert(r: {
  projectId: string;
  gatheredOn: string;
  method: string;
  participants: number;
  summary: string;
  actorId: string | null;
}): Statement {
  return {
    sql: `INSERT INTO opinion_record (project_id, gathered_on, method, participants, summary, created_by)
          VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
    params: [r.projectId, r.gatheredOn, r.method, r.participants, r.summary, r.actorId],
  };
}

/** Beneficiaries (受益情况), one record per project: replaced whole. */
export function beneficiariesUpsert(r: {
  projectId: string;
  households: number;
  poorHouseholds: number;
  people: number;
  actorId: string | null;
}): Statement {
  return {
    sql: `INSERT INTO beneficiary (project_id, households, poor_households, people, updated_by, updated_at)
          VALUES (?, ?, ?, ?, ?, now())
          ON CONFLICT (project_id) DO UPDATE SET households = EXCLUDED.households,
            poor_households = EXCLUDED.poor_households, people = EXCLUDED.people,
            updated_by = EXCLUDED.updated_by, updated_at = now()`,
    params: [r.projectId, r.households, r.poorHouseholds, r.people, r.actorId],
  };
}

/** Who looks after the work and how (后续管护), one record per project: replaced whole. */
export function afterCareUpsert(r: {
  projectId: string;
  owner: string;
  duty: string;
  actorId: string | null;
}): Statement {
  return {
    sql: `INSERT INTO after_care (project_id, owner, duty, updated_by, updated_at) VALUES (?, ?, ?, ?, now())
          ON CONFLICT (project_id) DO UPDATE SET owner = EXCLUDED.owner, duty = EXCLUDED.duty,
            updated_by = EXCLUDED.updated_by, updated_at = now()`,
    params: [r.projectId, r.owner, r.duty, r.actorId],
  };
}

/** An after-care check (管护检查记录), appended; its id comes back. */
export function afterCareCheckInsert(r: {
  projectId: string;
  checkedOn: string;
  checker: string;
  result: string;
  actorId: string | null;
}): Statement {
  return {
    sql: `INSERT INTO after_care_check (project_id, checked_on, checker, result, created_by) VALUES (?, ?, ?, ?, ?)
          RETURNING id`,
    params: [r.projectId, r.checkedOn, r.checker, r.result, r.actorId],
  };
}
