/**
 * Import jobs (ledger_import) and what an import's rows are checked against. A job's progress is
 * written as the system, each update in its own transaction, so that pollers see it while the
 * import's own transaction is still open; the job is polled, and the recorded money read, in the
 * importer's scope.
 */
import type { Principal } from '#domain/access.js';
import type { ImportKind, ImportStatus, StoredImportRowError } from '#domain/imports.js';
import { fenFromDb, type Fen } from '#domain/money.js';
import type { Orm } from '#db/orm.js';
import { scopedEm, scopeOf, systemEm, type Tx } from '#db/scope.js';
import type { Sql } from '#db/tx.js';

export interface ImportRow {
  id: string;
  kind: ImportKind;
  file_name: string;
  status: ImportStatus['status'];
  total_rows: number;
  processed_rows: number;
  imported_rows: number;
  errors: StoredImportRowError[];
  /** In the house form "中文 (English)", said in the reader's language. */
  message: string | null;
  created_by: string | null;
  created_at: string;
  finished_at: string | null;
  /** Running, but its process has stopped beating: see settleStale. */
  stale: boolean;
}

/** How long a running job's process may go without a beat before the job is taken for interrupted. */
export const IMPORT_STALE_SECONDS = 60;
const STALE = `status = 'running' AND beat_at < now() - make_interval(secs => ${IMPORT_STALE_SECONDS})`;

/** The columns of ledger_import a running import updates. */
export interface ImportProgress {
  status?: ImportStatus['status'];
  total_rows?: number;
  processed_rows?: number;
  imported_rows?: number;
  errors?: StoredImportRowError[];
  message?: string;
  finished_at?: string;
}

/** What the projects of an import already hold, keyed `projectId/position` and `projectId/voucherNo`. */
export interface RecordedMoney {
  allocated: Map<string, Fen>;
  paid: Map<string, Fen>;
  settled: Set<string>;
  vouchers: Set<string>;
}

export function createImportRepository(orm: Orm) {
  const system = () => systemEm(orm);

  return {
    /** A new running job; `record` runs in the insert's transaction (what writeOnce records). */
    async create(
      job: { id: string; kind: ImportKind; fileName: string; actorId: string | null },
      record: (tx: Tx, id: string) => Promise<void> = async () => undefined,
    ) {
      await system().transactional(async (tx) => {
        await tx.execute(
          `INSERT INTO ledger_import (id, kind, file_name, status, created_by, message) VALUES (?, ?, ?, 'running', ?, '正在读取文件 (reading the file)')`,
          [job.id, job.kind, job.fileName, job.actorId],
          'run',
        );
        await record(tx, job.id);
      });
    },

    async setProgress(id: string, fields: ImportProgress): Promise<void> {
      const keys = Object.keys(fields) as (keyof ImportProgress)[];
      await system().execute(
        `UPDATE ledger_import SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE id = ?`,
        [...keys.map((k) => (k === 'errors' ? JSON.stringify(fields[k]) : fields[k])), id],
        'run',
      );
    },

    /** The running process's sign of life, every few seconds while the job runs. */
    async beat(id: string): Promise<void> {
      await system().execute(
        `UPDATE ledger_import SET beat_at = now() WHERE id = ? AND status = 'running'`,
        [id],
        'run',
      );
    },

    /**
     * Settles a job whose process died (no beat): its rows went in one transaction, which either
     * committed, leaving ledger events that name the import, or left nothing. Only a job still
     * stale is touched, so a late beat or a second reader changes nothing.
     */
    async settleStale(id: string): Promise<void> {
      await system().execute(
        `WITH written AS (
           SELECT sum((payload ->> 'rows')::int)::int AS n FROM ledger_event
            WHERE kind = 'import' AND payload ->> 'importId' = ?)
         UPDATE ledger_import SET finished_at = now(),
                status = CASE WHEN w.n > 0 THEN 'succeeded' ELSE 'failed' END,
                imported_rows = coalesce(w.n, 0),
                message = CASE WHEN w.n > 0 THEN format('导入 %s 行 (%s rows imported)', w.n, w.n)
                  ELSE '导入中断，未导入任何数据，请重新导入 (the import was interrupted; nothing imported: import the file again)' END
           FROM written w WHERE id = ? AND ${STALE}`,
        [id, id],
        'run',
      );
    },

    /** A job, as its author reads it (row-level security shows no one else's), or as the system. */
    async find(id: string, who?: Principal): Promise<ImportRow | undefined> {
      const rows = await (who ? scopedEm(orm, scopeOf(who)) : system()).execute<ImportRow[]>(
        `SELECT *, ${STALE} AS stale FROM ledger_import WHERE id = ?`,
        [id],
        'all',
      );
      return rows[0];
    },

    /** Per fund source what it provides and what was paid; the settled projects; the vouchers used. */
    async recordedMoney(who: Principal, projectIds: string[]): Promise<RecordedMoney> {
      const recorded: RecordedMoney = {
        allocated: new Map(),
        paid: new Map(),
        settled: new Set(),
        vouchers: new Set(),
      };
      if (projectIds.length === 0) return recorded;
      const conn = scopedEm(orm, scopeOf(who));
      for (const s of await conn.execute<
        { project_id: string; position: number; amount_fen: string; paid: string }[]
      >(
        `SELECT s.project_id, s.position, s.amount_fen,
                (SELECT COALESCE(sum(d.amount_fen), 0) FROM disbursement d WHERE d.project_id = s.project_id AND d.source_position = s.position) AS paid
           FROM project_fund_source s WHERE s.project_id = ANY(ARRAY[?]::uuid[])`,
        [projectIds],
        'all',
      )) {
        recorded.allocated.set(`${s.project_id}/${s.position}`, fenFromDb(s.amount_fen));
        recorded.paid.set(`${s.project_id}/${s.position}`, fenFromDb(s.paid));
      }
      for (const r of await conn.execute<{ project_id: string }[]>(
        `SELECT project_id FROM settlement WHERE project_id = ANY(ARRAY[?]::uuid[])`,
        [projectIds],
        'all',
      ))
        recorded.settled.add(r.project_id);
      for (const r of await conn.execute<{ project_id: string; voucher_no: string }[]>(
        `SELECT project_id, voucher_no FROM disbursement WHERE project_id = ANY(ARRAY[?]::uuid[])`,
        [projectIds],
        'all',
      ))
        recorded.vouchers.add(`${r.project_id}/${r.voucher_no}`);
      return recorded;
    },

    /** The visits these projects hold, as `visitKey` names them: a sheet imported twice adds none. */
    async recordedVisits(who: Principal, projectIds: string[]): Promise<Set<string>> {
      if (projectIds.length === 0) return new Set();
      return recordedVisitsIn(scopedEm(orm, scopeOf(who)), projectIds);
    },
  };
}

interface VisitKeyParts {
  projectId: string;
  villageId: string;
  visitedOn: string;
  supervisor: string;
  findings: string;
}
/** The keys of the visits recorded for the projects, read through `conn` (a scope or a transaction). */
export async function recordedVisitsIn(conn: Sql, projectIds: string[]): Promise<Set<string>> {
  const rows = await conn.execute<VisitKeyParts[]>(
    `SELECT project_id AS "projectId", village_id AS "villageId", to_char(visited_on, 'YYYY-MM-DD') AS "visitedOn",
            supervisor, findings FROM supervision_visit WHERE project_id = ANY(ARRAY[?]::uuid[])`,
    [projectIds],
    'all',
  );
  return new Set(rows.map(visitKey));
}

/** A visit is the one already recorded when all it says is the same: the day, the site, who and what. */
export const visitKey = (v: VisitKeyParts) =>
  JSON.stringify([v.projectId, v.villageId, v.visitedOn, v.supervisor, v.findings]);

export type ImportRepository = ReturnType<typeof createImportRepository>;
