/**
 * The ledger event log (ledger_event, append-only): one row for every change to a ledger, a fund
 * document or an archive, whoever made it — an api write, an import, a step's activity. Its one
 * INSERT lives here.
 */
import type { Statement } from '../scope.js';

export interface LedgerEvent {
  /** null for events of no single project (fund documents, the archive checklist). */
  projectId: string | null;
  ledger: 'department' | 'implementing' | 'site' | 'archive';
  kind: string;
  actor: { id: string | null; name: string };
  payload: unknown;
  /** When it happened (a step's own time); the transaction's time when left out. */
  at?: string;
}

export function ledgerEventInsert(e: LedgerEvent): Statement {
  return {
    sql: `INSERT INTO ledger_event (project_id, ledger, kind, actor_id, actor_name, at, payload)
          VALUES (?, ?, ?, ?, ?, COALESCE(?::timestamptz, now()), ?::jsonb)`,
    params: [
      e.projectId,
      e.ledger,
      e.kind,
      e.actor.id,
      e.actor.name,
      e.at ?? null,
      JSON.stringify(e.payload ?? {}),
    ],
  };
}
