/**
 * Imports of existing ledgers. Every row is validated first (shape, project and scope, level,
 * money against what is already recorded and what earlier rows of the file add); by default one bad
 * row means nothing is imported. The good rows are then written in ONE transaction, so a failure
 * half-way (or a database constraint) leaves nothing behind: never half-imported.
 * The import runs in the background with its progress in `ledger_import`, polled by the client.
 */
import { randomUUID } from 'node:crypto';
import { canWriteLedger } from '../../../../domain/access.js';
import { AppError } from '../../../../domain/errors.js';
import {
  IMPORT_DEFS,
  IMPORT_ROW_SCHEMAS,
  type ImportKind,
  type ImportRowError,
  type ImportStatus,
} from '../../../../domain/imports.js';
import { formatYuan, fenFromDb, sumFen, type Fen } from '../../../../domain/money.js';
import { FUND_SOURCE_LABELS, type FundSourceKind } from '../../../../domain/schemas.js';
import type { AuditLog } from '../../../../db/audit.js';
import type { Orm } from '../../../../db/orm.js';
import { scopedEm, scopeOf, systemEm } from '../../../../db/scope.js';
import type { Logger } from '../../../../platform/log.js';
import { mapDbError } from '../ledgers/service.js';
import type { ProjectRepository } from '../projects/repository.js';
import type { Caller } from '../projects/service.js';
import { parseLedgerFile, type ParsedRow } from './parse.js';

const PROGRESS_EVERY = 250;
const CHUNK = 500;
const MAX_ERRORS = 1000;

type Project = Awaited<ReturnType<ProjectRepository['findByCodes']>>[number];
interface GoodRow {
  row: number;
  project: Project;
  values: Record<string, unknown>;
}

export function createImportService(deps: {
  orm: Orm;
  projects: ProjectRepository;
  log: Logger;
  audit: AuditLog;
}) {
  const { orm, projects } = deps;
  const em = () => systemEm(orm);
  const running = new Map<string, Promise<void>>();

  async function setProgress(id: string, fields: Record<string, unknown>) {
    const keys = Object.keys(fields);
    await em().execute(
      `UPDATE ledger_import SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE id = ?`,
      [...keys.map((k) => (k === 'errors' ? JSON.stringify(fields[k]) : fields[k])), id],
      'run',
    );
  }

  async function status(id: string, caller?: Caller): Promise<ImportStatus> {
    const rows = await em().execute<
      {
        id: string;
        kind: ImportKind;
        file_name: string;
        status: ImportStatus['status'];
        total_rows: number;
        processed_rows: number;
        imported_rows: number;
        errors: ImportRowError[];
        message: string | null;
        created_by: string | null;
        created_at: string;
        finished_at: string | null;
      }[]
    >(`SELECT * FROM ledger_import WHERE id = ?`, [id], 'all');
    const r = rows[0];
    // An import is its author's: others do not learn that it exists.
    if (!r || (caller && r.created_by !== caller.actor.id))
      throw new AppError('NOT_FOUND', `导入任务不存在 (import ${id} not found)`);
    const total = Math.max(r.total_rows, 1);
    const done = r.status === 'running' ? r.processed_rows + r.imported_rows : 2 * total;
    return {
      id: r.id,
      kind: r.kind,
      fileName: r.file_name,
      status: r.status,
      totalRows: r.total_rows,
      processedRows: r.processed_rows,
      progressPercent: Math.min(100, Math.floor((done * 100) / (2 * total))),
      importedRows: r.status === 'succeeded' ? r.imported_rows : 0,
      errors: r.errors,
      message: r.message,
      createdAt: new Date(r.created_at).toISOString(),
      finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
    };
  }

  /** Validates every row; returns the good ones and a report of the bad ones. */
  async function validate(
    id: string,
    caller: Caller,
    kind: ImportKind,
    parsed: ParsedRow[],
  ): Promise<{ good: GoodRow[]; errors: ImportRowError[] }> {
    const def = IMPORT_DEFS[kind];
    const header = (key: string) => def.columns.find((c) => c.key === key)?.header ?? key;
    const errors: ImportRowError[] = [];
    const fail = (row: number, column: string | null, message: string) =>
      errors.push({ row, column, message });

    const codes = [...new Set(parsed.map((r) => r.cells.projectCode).filter(Boolean))] as string[];
    const found = new Map((await projects.findByCodes(caller, codes)).map((p) => [p.code, p]));
    const ids = [...found.values()].map((p) => p.id);

    // What is already recorded, for the money and uniqueness rules.
    const paid = new Map<string, Fen>();
    const allocated = new Map<string, Fen>();
    const settled = new Set<string>();
    const vouchers = new Set<string>();
    if (kind === 'disbursements' && ids.length) {
      const conn = scopedEm(orm, scopeOf(caller));
      for (const s of await conn.execute<
        { project_id: string; position: number; amount_fen: string; paid: string }[]
      >(
        `SELECT s.project_id, s.position, s.amount_fen,
                (SELECT COALESCE(sum(d.amount_fen), 0) FROM disbursement d WHERE d.project_id = s.project_id AND d.source_position = s.position) AS paid
           FROM project_fund_source s WHERE s.project_id = ANY(ARRAY[?]::uuid[])`,
        [ids],
        'all',
      )) {
        allocated.set(`${s.project_id}/${s.position}`, fenFromDb(s.amount_fen));
        paid.set(`${s.project_id}/${s.position}`, fenFromDb(s.paid));
      }
      for (const r of await conn.execute<{ project_id: string }[]>(
        `SELECT project_id FROM settlement WHERE project_id = ANY(ARRAY[?]::uuid[])`,
        [ids],
        'all',
      ))
        settled.add(r.project_id);
      for (const r of await conn.execute<{ project_id: string; voucher_no: string }[]>(
        `SELECT project_id, voucher_no FROM disbursement WHERE project_id = ANY(ARRAY[?]::uuid[])`,
        [ids],
        'all',
      ))
        vouchers.add(`${r.project_id}/${r.voucher_no}`);
    }
    const months = new Set<string>();

    const good: GoodRow[] = [];
    for (const [i, r] of parsed.entries()) {
      if (i > 0 && i % PROGRESS_EVERY === 0) await setProgress(id, { processed_rows: i });
      const shape = IMPORT_ROW_SCHEMAS[kind].safeParse(r.cells);
      if (!shape.success) {
        for (const issue of shape.error.issues)
          fail(r.row, issue.path.length ? header(String(issue.path[0])) : null, issue.message);
        continue;
      }
      const v = shape.data as Record<string, unknown> & { projectCode: string };
      const project = found.get(v.projectCode);
      if (!project) {
        fail(r.row, header('projectCode'), `项目不存在或不在您的权限范围内: ${v.projectCode}`);
        continue;
      }
      if (!canWriteLedger(caller, project.scope, def.ledger)) {
        fail(r.row, header('projectCode'), `您无权填写该项目的${def.label} (${v.projectCode})`);
        continue;
      }
      if (project.stage === 'cancelled') {
        fail(r.row, header('projectCode'), `项目已终止: ${v.projectCode}`);
        continue;
      }
      if (kind === 'disbursements') {
        const position = resolveSource(project, String(v.source));
        if (typeof position === 'string') {
          fail(r.row, header('source'), position);
          continue;
        }
        if (settled.has(project.id)) {
          fail(r.row, header('projectCode'), '项目已报账结算，不能再拨付');
          continue;
        }
        const vk = `${project.id}/${String(v.voucherNo)}`;
        if (vouchers.has(vk)) {
          fail(r.row, header('voucherNo'), `凭证号重复: ${String(v.voucherNo)}`);
          continue;
        }
        const key = `${project.id}/${position}`;
        const after = sumFen([paid.get(key) ?? 0, v.amount as Fen]);
        const limit = allocated.get(key)!;
        if (after > limit) {
          fail(
            r.row,
            header('amount'),
            `该资金来源累计拨付将达 ${formatYuan(after)} 元，超过下达的 ${formatYuan(limit)} 元`,
          );
          continue;
        }
        paid.set(key, after);
        vouchers.add(vk);
        good.push({ row: r.row, project, values: { ...v, sourcePosition: position } });
      } else if (kind === 'progress') {
        const mk = `${project.id}/${String(v.month)}`;
        if (months.has(mk)) {
          fail(r.row, header('month'), `同一项目同一月份重复: ${String(v.month)}`);
          continue;
        }
        months.add(mk);
        good.push({ row: r.row, project, values: v });
      } else {
        const vi = project.villages.findIndex((x) => x.code === v.villageCode);
        if (vi < 0 || project.scope.villageIds[vi] !== caller.orgUnitId) {
          fail(r.row, header('villageCode'), `不是本村的建设地点: ${String(v.villageCode)}`);
          continue;
        }
        good.push({ row: r.row, project, values: { ...v, villageId: caller.orgUnitId } });
      }
    }
    await setProgress(id, { processed_rows: parsed.length });
    return { good, errors };
  }

  async function write(id: string, caller: Caller, kind: ImportKind, good: GoodRow[]): Promise<void> {
    await scopedEm(orm, scopeOf(caller)).transactional(async (tx) => {
      for (let start = 0; start < good.length; start += CHUNK) {
        const chunk = good.slice(start, start + CHUNK);
        const { sql, params } = insertSql(kind, chunk, id, caller.actor.id);
        await tx.execute(sql, params, 'run');
        // Progress from outside the transaction, so pollers see it while we write.
        await setProgress(id, { imported_rows: start + chunk.length });
      }
      const byProject = new Map<string, number>();
      for (const g of good) byProject.set(g.project.id, (byProject.get(g.project.id) ?? 0) + 1);
      for (const [projectId, rows] of byProject)
        await tx.execute(
          `INSERT INTO ledger_event (project_id, ledger, kind, actor_id, actor_name, payload) VALUES (?, ?, 'import', ?, ?, ?::jsonb)`,
          [
            projectId,
            IMPORT_DEFS[kind].ledger,
            caller.actor.id,
            caller.actor.name,
            JSON.stringify({ importId: id, kind, rows }),
          ],
          'run',
        );
      await deps.audit.append(tx, {
        actor: { id: caller.actor.id, username: caller.actor.username },
        via: 'api',
        action: `ledger.import.${kind}`,
        entity: 'ledger_import',
        entityId: id,
        after: { kind, rows: good.length, projects: byProject.size },
      });
    });
  }

  async function run(id: string, caller: Caller, kind: ImportKind, mode: 'all' | 'valid', bytes: Buffer) {
    try {
      const def = IMPORT_DEFS[kind];
      const parsed = await parseLedgerFile(bytes, def.columns, def.sheet);
      await setProgress(id, { total_rows: parsed.length, message: '正在校验 (validating)' });
      if (parsed.length === 0) {
        await setProgress(id, {
          status: 'rejected',
          message: '文件中没有数据行',
          finished_at: new Date().toISOString(),
        });
        return;
      }
      const { good, errors } = await validate(id, caller, kind, parsed);
      if ((errors.length && mode === 'all') || good.length === 0) {
        await setProgress(id, {
          status: 'rejected',
          errors: errors.slice(0, MAX_ERRORS),
          message: `${new Set(errors.map((e) => e.row)).size} 行有错误，未导入任何数据 (nothing imported)`,
          finished_at: new Date().toISOString(),
        });
        return;
      }
      await setProgress(id, { message: '正在写入 (writing)' });
      try {
        await write(id, caller, kind, good);
      } catch (err) {
        mapDbError(err);
      }
      await setProgress(id, {
        status: 'succeeded',
        imported_rows: good.length,
        errors: errors.slice(0, MAX_ERRORS),
        message: errors.length
          ? `导入 ${good.length} 行，跳过 ${errors.length} 个错误`
          : `导入 ${good.length} 行`,
        finished_at: new Date().toISOString(),
      });
    } catch (err) {
      const message =
        err instanceof AppError ? err.message : '导入失败，未导入任何数据 (import failed; nothing imported)';
      if (!(err instanceof AppError))
        deps.log.error(`import ${id}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      await setProgress(id, {
        status: 'failed',
        imported_rows: 0,
        message,
        finished_at: new Date().toISOString(),
      }).catch(() => undefined);
    }
  }

  return {
    status,

    async start(
      caller: Caller,
      q: { kind: ImportKind; mode: 'all' | 'valid'; wait: boolean },
      fileName: string,
      bytes: Buffer,
    ): Promise<ImportStatus> {
      if (!caller.roles.includes('operator'))
        throw new AppError('FORBIDDEN', '只有操作账号可以导入台账 (operators only)');
      const id = randomUUID();
      await em().execute(
        `INSERT INTO ledger_import (id, kind, file_name, status, created_by, message) VALUES (?, ?, ?, 'running', ?, '正在读取文件')`,
        [id, q.kind, fileName.slice(0, 200), caller.actor.id],
        'run',
      );
      const job = run(id, caller, q.kind, q.mode, bytes).finally(() => running.delete(id));
      running.set(id, job);
      if (!q.wait) return status(id);
      await job;
      const s = await status(id);
      if (s.status !== 'succeeded') throw new AppError('VALIDATION_FAILED', s.message ?? '导入未执行', s);
      return s;
    },

    /** Waits for imports still running in this process (tests, shutdown). */
    async drain() {
      await Promise.all(running.values());
    },
  };
}

export type ImportService = ReturnType<typeof createImportService>;

function resolveSource(p: Project, text: string): number | string {
  if (/^\d+$/.test(text)) {
    const n = Number(text) - 1;
    return p.fundSources[n]
      ? n
      : `资金来源序号 ${text} 不存在（该项目有 ${p.fundSources.length} 个资金来源）`;
  }
  const matches = p.fundSources
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => FUND_SOURCE_LABELS[s.kind as FundSourceKind] === text || s.kind === text);
  if (matches.length === 1) return matches[0]!.i;
  if (matches.length > 1) return `该项目有多个「${text}」，请填写资金来源序号`;
  return `该项目没有资金来源「${text}」`;
}

function insertSql(kind: ImportKind, rows: GoodRow[], importId: string, actorId: string | null) {
  const params: unknown[] = [];
  const tuples: string[] = [];
  for (const { project, values: v } of rows) {
    if (kind === 'disbursements') {
      tuples.push('(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
      params.push(
        project.id,
        v.sourcePosition,
        v.paidOn,
        String(v.amount),
        v.payee,
        v.voucherNo,
        v.approver,
        v.note ?? null,
        importId,
        actorId,
      );
    } else if (kind === 'progress') {
      tuples.push('(?, ?, ?, ?, ?, ?)');
      params.push(project.id, v.month, v.percent, v.narrative, importId, actorId);
    } else {
      tuples.push('(?, ?, ?, ?, ?, ?, ?)');
      params.push(project.id, v.villageId, v.visitedOn, v.supervisor, v.findings, importId, actorId);
    }
  }
  const sql = {
    disbursements: `INSERT INTO disbursement (project_id, source_position, paid_on, amount_fen, payee, voucher_no, approver, note, import_id, created_by) VALUES `,
    progress: `INSERT INTO monthly_progress (project_id, month, percent, narrative, import_id, created_by) VALUES `,
    visits: `INSERT INTO supervision_visit (project_id, village_id, visited_on, supervisor, findings, import_id, created_by) VALUES `,
  }[kind];
  const conflict =
    kind === 'progress'
      ? ` ON CONFLICT (project_id, month) DO UPDATE SET percent = EXCLUDED.percent, narrative = EXCLUDED.narrative,
            import_id = EXCLUDED.import_id, created_by = EXCLUDED.created_by, created_at = now()`
      : '';
  return { sql: sql + tuples.join(', ') + conflict, params };
}
