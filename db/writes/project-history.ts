/**
 * project_history, the append-only record of every accepted step and every fired ladder step of a
 * project. Only the activities write it (a step's, or a deadline's), each row under the request
 * that caused it (`request_id`), so a retried write finds its own row. Its INSERT lives here.
 */
import type { Statement } from '../scope.js';

export interface HistoryRow {
  projectId: string;
  seq: number;
  action: string;
  fromStage: string | null;
  toStage: string;
  actor: { id: string | null; name: string };
  at: string;
  payload: unknown;
  requestId?: string | null;
}

/**
 * The row's INSERT. A step's row yields to a row already at its seq (`onConflict: 'seq'`, sent as
 * a prepared statement: every step sends it); a ladder step's row yields to any row it collides
 * with, seq or request, and answers its id when it was written (`'any'`).
 */
export function historyInsert(r: HistoryRow, onConflict: 'seq' | 'any'): Statement {
  return {
    sql: `INSERT INTO project_history (project_id, seq, action, from_stage, to_stage, actor_id, actor_name, at, payload, request_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::text)
     ${onConflict === 'seq' ? 'ON CONFLICT (project_id, seq) DO NOTHING' : 'ON CONFLICT DO NOTHING RETURNING id'}`,
    params: [
      r.projectId,
      r.seq,
      r.action,
      r.fromStage,
      r.toStage,
      r.actor.id,
      r.actor.name,
      r.at,
      JSON.stringify(r.payload),
      r.requestId ?? null,
    ],
    prepare: onConflict === 'seq',
  };
}
