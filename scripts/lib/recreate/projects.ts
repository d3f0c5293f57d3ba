/**
 * The project workflows of a database, as they must be started again: every project not yet
 * closed or cancelled, its record and its state read from PostgreSQL (stage, last seq, progress,
 * planned dates) and its deadline ladders rebuilt from the alerts on record
 * (domain/deadline-state.ts). The run starts at its stage with `recorded` set, so it writes no
 * creation; its next step or ladder alert takes the next seq.
 */
import type { SearchAttributePair } from '@temporalio/common';
import type { Orm } from '#db/orm.js';
import { SYSTEM_SCOPE, queryInScope } from '#db/scope.js';
import { rebuildDeadlineState, type RecordedAlert } from '#domain/deadline-state.js';
import {
  clockDate,
  monthOf,
  type DeadlineConfig,
  type IsWorkday,
  type LadderClock,
} from '#domain/deadlines.js';
import { TERMINAL_STAGES, type Stage } from '#domain/lifecycle.js';
import type { Actor, NewProjectRecord, ProjectState } from '#domain/project-records.js';
import type { FundSourceKind } from '#domain/schemas.js';
import {
  departmentKey,
  overdueKey,
  ownerUnitKey,
  stageKey,
  townshipsKey,
  villagesKey,
  yearKey,
  type ProjectWorkflowInput,
} from '#workflows/project.messages.js';
import { pgArray } from './sql.js';

export interface ProjectToRecreate {
  code: string;
  workflowId: string;
  input: ProjectWorkflowInput;
  searchAttributes: SearchAttributePair[];
}

export interface PlanDeps {
  config: DeadlineConfig;
  isWorkday: IsWorkday;
  nowMs: number;
}

const ms = (v: unknown) => (v instanceof Date ? v.getTime() : new Date(String(v)).getTime());

/** Codes of the projects whose workflow should be running (not closed or cancelled), in code order. */
export async function unfinishedProjectCodes(orm: Orm, codes?: readonly string[]): Promise<string[]> {
  const [rows] = await queryInScope(orm, SYSTEM_SCOPE, [
    {
      sql: `SELECT code FROM project WHERE stage <> ALL(?::text[])
              ${codes?.length ? 'AND code = ANY(?::text[])' : ''} ORDER BY code`,
      params: [pgArray(TERMINAL_STAGES), ...(codes?.length ? [pgArray(codes)] : [])],
    },
  ]);
  return (rows as { code: string }[]).map((r) => r.code);
}

/** The workflow input and search attributes of these projects, read in one transaction. */
export async function projectsToRecreate(
  orm: Orm,
  codes: readonly string[],
  deps: PlanDeps,
): Promise<ProjectToRecreate[]> {
  if (codes.length === 0) return [];
  const byCode = pgArray(codes);
  const [projects = [], villages = [], sources = [], history = [], alerts = []] = await queryInScope(
    orm,
    SYSTEM_SCOPE,
    [
      {
        sql: `SELECT p.id, p.code, p.workflow_id, p.name, p.year, p.type, p.nature, p.location,
              p.department_id, d.code AS department_code, p.owner_unit_id, o.code AS owner_unit_code,
              p.approval_document_no, p.budget_fen::text AS budget_fen, p.stage, p.stage_seq,
              p.progress_percent, p.created_at,
              to_char(p.planned_start, 'YYYY-MM-DD') AS planned_start,
              to_char(p.planned_completion, 'YYYY-MM-DD') AS planned_completion,
              to_char(p.planned_acceptance, 'YYYY-MM-DD') AS planned_acceptance,
              to_char(p.planned_reimbursement, 'YYYY-MM-DD') AS planned_reimbursement
            FROM project p JOIN org_unit d ON d.id = p.department_id JOIN org_unit o ON o.id = p.owner_unit_id
            WHERE p.code = ANY(?::text[]) ORDER BY p.code`,
        params: [byCode],
      },
      {
        sql: `SELECT pv.project_id, v.id, v.code, t.code AS township_code
            FROM project_village pv JOIN project p ON p.id = pv.project_id
            JOIN org_unit v ON v.id = pv.village_id LEFT JOIN org_unit t ON t.id = v.parent_id
            WHERE p.code = ANY(?::text[]) ORDER BY v.code`,
        params: [byCode],
      },
      {
        sql: `SELECT s.project_id, s.kind, s.amount_fen::text AS amount_fen, s.document_no
            FROM project_fund_source s JOIN project p ON p.id = s.project_id
            WHERE p.code = ANY(?::text[]) ORDER BY s.project_id, s.position`,
        params: [byCode],
      },
      {
        // The last seq (alerts included), who registered the project, when its works began, and
        // the months whose progress was reported.
        sql: `SELECT h.project_id, max(h.seq) AS last_seq,
              max(h.actor_id::text) FILTER (WHERE h.seq = 0) AS creator_id,
              max(h.actor_name) FILTER (WHERE h.seq = 0) AS creator_name,
              max(u.username) FILTER (WHERE h.seq = 0) AS creator_username,
              max(h.at) FILTER (WHERE h.action = 'start') AS started_at,
              array_remove(array_agg(DISTINCT h.payload->>'month')
                FILTER (WHERE h.action = 'reportProgress'), NULL) AS reported_months
            FROM project_history h JOIN project p ON p.id = h.project_id
            LEFT JOIN app_user u ON u.id = h.actor_id
            WHERE p.code = ANY(?::text[]) GROUP BY h.project_id`,
        params: [byCode],
      },
      {
        sql: `SELECT a.project_id, a.kind, a.period, a.arm, a.step, a.status
            FROM alert a JOIN project p ON p.id = a.project_id WHERE p.code = ANY(?::text[])`,
        params: [byCode],
      },
    ],
  );
  const group = <T extends { project_id: string }>(rows: unknown[]) => {
    const out = new Map<string, T[]>();
    for (const r of rows as T[]) out.set(r.project_id, [...(out.get(r.project_id) ?? []), r]);
    return out;
  };
  const villagesOf = group<{ project_id: string; id: string; code: string; township_code: string | null }>(
    villages,
  );
  const sourcesOf = group<{
    project_id: string;
    kind: string;
    amount_fen: string;
    document_no: string | null;
  }>(sources);
  const historyOf = group<{
    project_id: string;
    last_seq: number;
    creator_id: string | null;
    creator_name: string | null;
    creator_username: string | null;
    started_at: unknown;
    reported_months: string[] | null;
  }>(history);
  const alertsOf = group<RecordedAlert & { project_id: string }>(alerts);
  const at = new Date(deps.nowMs).toISOString();

  return (projects as Record<string, unknown>[]).map((p) => {
    const id = p.id as string;
    const vs = villagesOf.get(id) ?? [];
    const h = historyOf.get(id)?.[0];
    const stage = p.stage as Stage;
    const plannedDates = {
      start: p.planned_start as string,
      completion: p.planned_completion as string,
      acceptance: p.planned_acceptance as string,
      reimbursement: p.planned_reimbursement as string,
    };
    const project: NewProjectRecord = {
      id,
      code: p.code as string,
      workflowId: p.workflow_id as string,
      name: p.name as string,
      year: Number(p.year),
      type: p.type as string,
      nature: p.nature as NewProjectRecord['nature'],
      departmentId: p.department_id as string,
      departmentCode: p.department_code as string,
      ownerUnitId: p.owner_unit_id as string,
      ownerUnitCode: p.owner_unit_code as string,
      villageIds: vs.map((v) => v.id),
      villageCodes: vs.map((v) => v.code),
      townshipCodes: [...new Set(vs.flatMap((v) => (v.township_code ? [v.township_code] : [])))].sort(),
      location: (p.location as string | null) ?? null,
      approvalDocumentNo: p.approval_document_no as string,
      budgetFen: Number(p.budget_fen),
      fundSources: (sourcesOf.get(id) ?? []).map((s) => ({
        kind: s.kind as FundSourceKind,
        amountFen: Number(s.amount_fen),
        documentNo: s.document_no ?? null,
      })),
      plannedDates,
    };
    // A project's clock is set when its deadlines are first planned, at its registration (real
    // days read only the calendar from it).
    const clock: LadderClock = {
      dayMs: deps.config.dayMs,
      originMs: deps.config.sharedOriginMs ?? ms(p.created_at),
    };
    const deadlines = rebuildDeadlineState(
      {
        stage,
        plannedDates,
        progressFrom: h?.started_at ? monthOf(clockDate(clock, ms(h.started_at))) : null,
        reportedMonths: h?.reported_months ?? [],
        alerts: alertsOf.get(id) ?? [],
      },
      { config: deps.config, clock, nowMs: deps.nowMs, isWorkday: deps.isWorkday },
    );
    const state: ProjectState = {
      projectId: id,
      code: project.code,
      stage,
      seq: Number(h?.last_seq ?? 0),
      recorded: true,
      progressPercent: Number(p.progress_percent),
      plannedDates,
      deadlines,
    };
    const createdBy: Actor = {
      id: h?.creator_id ?? null,
      username: h?.creator_username ?? 'system',
      name: h?.creator_name ?? '系统',
    };
    return {
      code: project.code,
      workflowId: project.workflowId,
      input: { project, createdBy, state, recreated: { at, stageSeq: Number(p.stage_seq) } },
      // What the lost run had set by now: its registration's, its stage's and its overdue kinds.
      searchAttributes: [
        { key: stageKey, value: stage },
        { key: departmentKey, value: project.departmentCode },
        { key: ownerUnitKey, value: project.ownerUnitCode },
        { key: villagesKey, value: project.villageCodes },
        { key: yearKey, value: project.year },
        { key: townshipsKey, value: project.townshipCodes ?? [] },
        ...(deadlines.overdueShown.length ? [{ key: overdueKey, value: deadlines.overdueShown }] : []),
      ],
    };
  });
}
