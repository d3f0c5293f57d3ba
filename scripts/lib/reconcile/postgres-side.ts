/**
 * What PostgreSQL holds of each project's workflow: the project row (stage, stage_seq) and its
 * history rows, read with the system identity (row-level security lets it see every project).
 */
import type { Orm } from '#db/orm.js';
import { SYSTEM_SCOPE, queryInScope } from '#db/scope.js';

export interface PgProject {
  id: string;
  code: string;
  workflowId: string;
  stage: string;
  stageSeq: number;
}

export interface PgHistoryRow {
  projectId: string;
  seq: number;
  action: string;
  toStage: string;
  actorId: string | null;
  payload: Record<string, unknown>;
  /** The identity of the request that wrote the row; undefined where the column does not exist. */
  requestId?: string | null;
}

export interface PgSide {
  /** Whether project_history has a request_id column (rows are then matched by it). */
  hasRequestId: boolean;
  projects: PgProject[];
  rows: Map<string, PgHistoryRow[]>;
}

/** Projects (all, or those with the given codes) and their history rows, ordered by seq. */
export async function readPostgres(orm: Orm, codes?: readonly string[]): Promise<PgSide> {
  const [col] = await queryInScope(orm, SYSTEM_SCOPE, [
    {
      sql: `SELECT EXISTS (SELECT 1 FROM information_schema.columns
              WHERE table_name = 'project_history' AND column_name = 'request_id') AS present`,
      params: [],
    },
  ]);
  const hasRequestId = (col![0] as { present: boolean }).present;
  const filter = codes?.length ? 'WHERE p.code = ANY(?::text[])' : '';
  const params = codes?.length ? [`{${codes.map((c) => `"${c.replace(/["\\]/g, '')}"`).join(',')}}`] : [];
  const [projects, rows] = await queryInScope(orm, SYSTEM_SCOPE, [
    {
      sql: `SELECT p.id, p.code, p.workflow_id, p.stage, p.stage_seq FROM project p ${filter} ORDER BY p.code`,
      params,
    },
    {
      sql: `SELECT h.project_id, h.seq, h.action, h.to_stage, h.actor_id, h.payload
              ${hasRequestId ? ', h.request_id' : ''}
            FROM project_history h JOIN project p ON p.id = h.project_id ${filter}
            ORDER BY h.project_id, h.seq`,
      params,
    },
  ]);
  const byProject = new Map<string, PgHistoryRow[]>();
  for (const r of rows as Record<string, unknown>[]) {
    const row: PgHistoryRow = {
      projectId: r.project_id as string,
      seq: Number(r.seq),
      action: r.action as string,
      toStage: r.to_stage as string,
      actorId: (r.actor_id as string | null) ?? null,
      payload: (r.payload as Record<string, unknown>) ?? {},
      ...(hasRequestId ? { requestId: (r.request_id as string | null) ?? null } : {}),
    };
    const list = byProject.get(row.projectId) ?? [];
    list.push(row);
    byProject.set(row.projectId, list);
  }
  return {
    hasRequestId,
    projects: (projects as Record<string, unknown>[]).map((p) => ({
      id: p.id as string,
      code: p.code as string,
      workflowId: p.workflow_id as string,
      stage: p.stage as string,
      stageSeq: Number(p.stage_seq),
    })),
    rows: byProject,
  };
}
