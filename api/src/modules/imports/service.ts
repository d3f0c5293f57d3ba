/**
 * Imports of existing ledgers. Every row is validated first (shape, project and scope, level,
 * money against what is already recorded and what earlier rows of the file add); by default one bad
 * row means nothing is imported. The good rows are then written in ONE transaction, so a failure
 * half-way (or a database constraint) leaves nothing behind: never half-imported.
 * The import runs in the background with its progress in `ledger_import`, polled by the client.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { canWriteLedger } from '#domain/access.js';
import { AppError } from '#domain/errors.js';
import {
  IMPORT_DEFS,
  IMPORT_ROW_SCHEMAS,
  type ImportKind,
  type ImportRowError,
  type ImportStatus,
} from '#domain/imports.js';
import { formatYuan, sumFen } from '#domain/money.js';
import { FUND_SOURCE_LABELS, type FundSourceKind } from '#domain/schemas.js';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { executeAll, scopedEm, scopeOf, type Statement } from '#db/scope.js';
import { disbursementsInsert, type DisbursementRow } from '#db/writes/department-ledger.js';
import { progressUpsert, type ProgressRow } from '#db/writes/implementing-ledger.js';
import { ledgerEventInsert } from '#db/writes/ledger-event.js';
import { visitsInsert, type VisitRow } from '#db/writes/site-ledger.js';
import type { Logger } from '#platform/log.js';
import { mapDbError, type Caller } from '../../http.js';
import type { ProjectRepository } from '../projects/repository.js';
import { parseLedgerFile, type ParsedRow } from './parse.js';
import type { ImportProgress, ImportRepository } from './repository.js';

const PROGRESS_EVERY = 250;
const CHUNK = 500;
const MAX_ERRORS = 1000;

type Project = Awaited<ReturnType<ProjectRepository['findByCodes']>>[number];
/** A row of the file as its kind's schema reads it. */
type RowOf<K extends ImportKind> = z.output<(typeof IMPORT_ROW_SCHEMAS)[K]>;
/** A row that passed every check, as the table row it becomes. */
type GoodRow = { row: number; projectId: string } & (
  | { kind: 'disbursements'; entry: DisbursementRow }
  | { kind: 'progress'; entry: ProgressRow }
  | { kind: 'visits'; entry: VisitRow }
);

export function createImportService(deps: {
  orm: Orm;
  repo: ImportRepository;
  projects: ProjectRepository;
  log: Logger;
  audit: AuditLog;
}) {
  const { orm, repo, projects } = deps;
  const running = new Map<string, Promise<void>>();
  const setProgress = (id: string, fields: ImportProgress) => repo.setProgress(id, fields);

  async function status(id: string, caller?: Caller): Promise<ImportStatus> {
    const r = await repo.find(id);
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
    const { paid, allocated, settled, vouchers } = await repo.recordedMoney(
      caller,
      kind === 'disbursements' ? ids : [],
    );
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
      const v = shape.data;
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
      // Each branch reads the row by its own kind's schema, the one `shape` was parsed with.
      const base = { row: r.row, projectId: project.id, importId: id, actorId: caller.actor.id };
      if (kind === 'disbursements') {
        const d = v as RowOf<'disbursements'>;
        const position = resolveSource(project, d.source);
        if (typeof position === 'string') {
          fail(r.row, header('source'), position);
          continue;
        }
        if (settled.has(project.id)) {
          fail(r.row, header('projectCode'), '项目已报账结算，不能再拨付');
          continue;
        }
        const vk = `${project.id}/${d.voucherNo}`;
        if (vouchers.has(vk)) {
          fail(r.row, header('voucherNo'), `凭证号重复: ${d.voucherNo}`);
          continue;
        }
        const key = `${project.id}/${position}`;
        const after = sumFen([paid.get(key) ?? 0, d.amount]);
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
        good.push({
          row: r.row,
          projectId: project.id,
          kind,
          entry: {
            ...base,
            sourcePosition: position,
            paidOn: d.paidOn,
            amountFen: d.amount,
            payee: d.payee,
            voucherNo: d.voucherNo,
            approver: d.approver,
            note: d.note ?? null,
          },
        });
      } else if (kind === 'progress') {
        const m = v as RowOf<'progress'>;
        const mk = `${project.id}/${m.month}`;
        if (months.has(mk)) {
          fail(r.row, header('month'), `同一项目同一月份重复: ${m.month}`);
          continue;
        }
        months.add(mk);
        good.push({
          row: r.row,
          projectId: project.id,
          kind,
          entry: { ...base, month: m.month, percent: m.percent, narrative: m.narrative },
        });
      } else {
        const w = v as RowOf<'visits'>;
        const vi = project.villages.findIndex((x) => x.code === w.villageCode);
        if (vi < 0 || project.scope.villageIds[vi] !== caller.orgUnitId) {
          fail(r.row, header('villageCode'), `不是本村的建设地点: ${w.villageCode}`);
          continue;
        }
        good.push({
          row: r.row,
          projectId: project.id,
          kind,
          entry: {
            ...base,
            villageId: caller.orgUnitId,
            visitedOn: w.visitedOn,
            supervisor: w.supervisor,
            findings: w.findings,
          },
        });
      }
    }
    await setProgress(id, { processed_rows: parsed.length });
    return { good, errors };
  }

  async function write(id: string, caller: Caller, kind: ImportKind, good: GoodRow[]): Promise<void> {
    await scopedEm(orm, scopeOf(caller)).transactional(async (tx) => {
      for (let start = 0; start < good.length; start += CHUNK) {
        const chunk = good.slice(start, start + CHUNK);
        await executeAll(tx, [entriesInsert(kind, chunk)]);
        // Progress from outside the transaction, so pollers see it while we write.
        await setProgress(id, { imported_rows: start + chunk.length });
      }
      const byProject = new Map<string, number>();
      for (const g of good) byProject.set(g.projectId, (byProject.get(g.projectId) ?? 0) + 1);
      await executeAll(
        tx,
        [...byProject].map(([projectId, rows]) =>
          ledgerEventInsert({
            projectId,
            ledger: IMPORT_DEFS[kind].ledger,
            kind: 'import',
            actor: caller.actor,
            payload: { importId: id, kind, rows },
          }),
        ),
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
      await repo.create({ id, kind: q.kind, fileName: fileName.slice(0, 200), actorId: caller.actor.id });
      const job = run(id, caller, q.kind, q.mode, bytes).finally(() => running.delete(id));
      running.set(id, job);
      if (!q.wait) return status(id);
      await job;
      const s = await status(id);
      if (s.status !== 'succeeded')
        throw new AppError(
          'VALIDATION_FAILED',
          s.message ?? '导入未执行 (the import was not carried out)',
          s,
        );
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

/** One INSERT for a chunk of an import's rows (all of one kind), from the rows' own table module. */
function entriesInsert(kind: ImportKind, chunk: GoodRow[]): Statement {
  switch (kind) {
    case 'disbursements':
      return disbursementsInsert(chunk.flatMap((g) => (g.kind === 'disbursements' ? [g.entry] : [])));
    case 'progress':
      return progressUpsert(chunk.flatMap((g) => (g.kind === 'progress' ? [g.entry] : [])));
    case 'visits':
      return visitsInsert(chunk.flatMap((g) => (g.kind === 'visits' ? [g.entry] : [])));
  }
}
