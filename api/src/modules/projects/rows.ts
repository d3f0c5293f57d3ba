/**
 * The project's row as the reads select it (one statement however many villages and fund sources),
 * and its DTO: shared by the list, the export and the single-project reads.
 */
import type { ProjectScope } from '#domain/access.js';
import { allowedActions, type Stage } from '#domain/lifecycle.js';
import { fenFromDb } from '#domain/money.js';
import type { FundSourceKind, HistoryEntry, ProjectDto } from '#domain/schemas.js';
import { overdueOf, type OverdueRow } from './overdue.js';

export interface ProjectRow {
  id: string;
  code: string;
  name: string;
  year: number;
  type: string;
  nature: ProjectDto['nature'];
  stage: Stage;
  location: string | null;
  approval_document_no: string;
  budget_fen: string;
  progress_percent: number;
  planned_start: string;
  planned_completion: string;
  planned_acceptance: string;
  planned_reimbursement: string;
  created_at: Date | string;
  updated_at: Date | string;
  department_id: string;
  department_code: string;
  department_name: string;
  owner_unit_id: string;
  owner_code: string;
  owner_name: string;
  villages: { id: string; code: string; name: string; parent_id: string | null }[];
  sources: { kind: FundSourceKind; amount_fen: string; document_no: string | null }[];
}

export interface HistoryRow {
  seq: number;
  action: string;
  from_stage: Stage | null;
  to_stage: Stage;
  actor_name: string;
  by_system: boolean;
  at: Date | string;
  payload: Record<string, unknown>;
}

/** A project's history as one JSON column of the project's row (the page after a step). */
export const HISTORY_COLUMN = `COALESCE((SELECT json_agg(json_build_object('seq', h.seq, 'action', h.action,
      'from_stage', h.from_stage, 'to_stage', h.to_stage, 'actor_name', h.actor_name, 'by_system', h.actor_id IS NULL, 'at', h.at, 'payload', h.payload)
      ORDER BY h.seq) FROM project_history h WHERE h.project_id = p.id), '[]') AS history`;

export const SELECT = `
  SELECT p.id, p.code, p.name, p.year, p.type, p.nature, p.stage, p.location, p.approval_document_no,
         p.budget_fen, p.progress_percent,
         to_char(p.planned_start, 'YYYY-MM-DD') AS planned_start,
         to_char(p.planned_completion, 'YYYY-MM-DD') AS planned_completion,
         to_char(p.planned_acceptance, 'YYYY-MM-DD') AS planned_acceptance,
         to_char(p.planned_reimbursement, 'YYYY-MM-DD') AS planned_reimbursement,
         p.created_at, p.updated_at,
         d.id AS department_id, d.code AS department_code, d.name AS department_name,
         o.id AS owner_unit_id, o.code AS owner_code, o.name AS owner_name,
         -- Villages (in code order) and fund sources (in position order) ride along as JSON, so a
         -- project, however many, is one statement; amounts stay text, never JSON numbers.
         COALESCE((SELECT json_agg(json_build_object('id', v.id, 'code', v.code, 'name', v.name, 'parent_id', v.parent_id)
                                   ORDER BY v.code)
                     FROM project_village pv JOIN org_unit v ON v.id = pv.village_id
                    WHERE pv.project_id = p.id), '[]') AS villages,
         COALESCE((SELECT json_agg(json_build_object('kind', s.kind, 'amount_fen', s.amount_fen::text, 'document_no', s.document_no)
                                   ORDER BY s.position)
                     FROM project_fund_source s WHERE s.project_id = p.id), '[]') AS sources
    FROM project p
    JOIN org_unit d ON d.id = p.department_id
    JOIN org_unit o ON o.id = p.owner_unit_id`;

/** The driver may hand timestamps back as Date or as text, depending on type parsers. */
export function iso(v: Date | string): string {
  return new Date(v).toISOString();
}

export function toDto(r: ProjectRow): ProjectDto & { scope: ProjectScope } {
  const vs = r.villages;
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    year: r.year,
    type: r.type,
    nature: r.nature,
    stage: r.stage,
    department: { code: r.department_code, name: r.department_name },
    ownerUnit: { code: r.owner_code, name: r.owner_name },
    villages: vs.map((v) => ({ code: v.code, name: v.name })),
    location: r.location,
    approvalDocumentNo: r.approval_document_no,
    budgetFen: fenFromDb(r.budget_fen),
    fundSources: r.sources.map((x) => ({
      kind: x.kind,
      amountFen: fenFromDb(x.amount_fen),
      documentNo: x.document_no,
    })),
    plannedDates: {
      start: r.planned_start,
      completion: r.planned_completion,
      acceptance: r.planned_acceptance,
      reimbursement: r.planned_reimbursement,
    },
    progressPercent: r.progress_percent,
    allowedActions: allowedActions(r.stage),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    scope: {
      departmentId: r.department_id,
      ownerUnitId: r.owner_unit_id,
      villageIds: vs.map((v) => v.id),
      townshipIds: [...new Set(vs.map((v) => v.parent_id).filter((x): x is string => x !== null))],
    },
  };
}

/** A project and its lateness, as the list answers it. */
export function listItemOf(
  r: ProjectRow & { overdue: OverdueRow | null },
): ProjectDto & { scope: ProjectScope } {
  // Not `{ ...toDto(r), overdue }`: that gives every item a hidden class of its own, left in the
  // old space (tests/unit/list-items.test.ts says why).
  return Object.assign(toDto(r), { overdue: overdueOf(r.overdue) });
}

/** History rows as the API answers them. */
export function historyOf(rows: HistoryRow[]): HistoryEntry[] {
  return rows.map((r) => ({
    seq: r.seq,
    action: r.action,
    fromStage: r.from_stage,
    toStage: r.to_stage,
    actorName: r.actor_name,
    bySystem: r.by_system,
    at: iso(r.at),
    payload: r.payload,
  }));
}
