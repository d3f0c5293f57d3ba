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
import { AppError, textIn, type Bilingual } from '#domain/errors.js';
import {
  IMPORT_DEFS,
  IMPORT_ROW_SCHEMAS,
  sheetCode,
  type ImportKind,
  type ImportStatus,
  type StoredImportRowError,
} from '#domain/imports.js';
import { formatYuan, sumFen } from '#domain/money.js';
import { parseInBoth, type Lang } from '#domain/parse-in.js';
import { FUND_SOURCE_LABELS, type FundSourceKind } from '#domain/schemas.js';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { executeAll, scopedEm, scopeOf, type Statement } from '#db/scope.js';
import type { Sql } from '#db/tx.js';
import { disbursementsInsert, type DisbursementRow } from '#db/writes/department-ledger.js';
import { progressFromLedger, progressUpsert, type ProgressRow } from '#db/writes/implementing-ledger.js';
import { ledgerEventInsert } from '#db/writes/ledger-event.js';
import { visitsInsert, type VisitRow } from '#db/writes/site-ledger.js';
import type { Logger } from '#platform/log.js';
import { mapDbError, type Caller } from '../../http.js';
import { writeOnce } from '../../idempotency.js';
import type { ProjectRepository } from '../projects/repository.js';
import { parseLedgerFile, type ParsedRow } from './parse.js';
import {
  IMPORT_STALE_SECONDS,
  recordedVisitsIn,
  visitKey,
  type ImportProgress,
  type ImportRepository,
  type ImportRow,
} from './repository.js';

const PROGRESS_EVERY = 250;
const CHUNK = 500;
const MAX_ERRORS = 1000;
/**
 * A running job's beat: a twelfth of IMPORT_STALE_SECONDS, so that only a process gone (not one
 * parsing a large file on a busy machine) lets a job be taken for interrupted. Were it taken so
 * wrongly, its own last word (succeeded or failed) still comes after, unconditioned.
 */
const BEAT_MS = (IMPORT_STALE_SECONDS * 1000) / 12;
/** How often a retry waiting for a job another process runs looks at its progress. */
const FINISHED_POLL_MS = 1000;

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

  /** An import's job, its report and messages in the reader's language. */
  async function status(id: string, lang: Lang, caller?: Caller): Promise<ImportStatus> {
    let r = await repo.find(id, caller);
    // An import is its author's: others do not learn that it exists (row-level security says so too).
    if (!r || (caller && r.created_by !== caller.actor.id))
      throw new AppError('NOT_FOUND', `导入任务不存在 (import ${id} not found)`);
    if (r.stale) {
      await repo.settleStale(id);
      r = (await repo.find(id, caller))!;
    }
    return statusIn(r, lang);
  }

  function statusIn(r: ImportRow, lang: Lang): ImportStatus {
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
      errors: r.errors.map((e) => ({ row: e.row, column: e.column, message: textIn(e.message, lang) })),
      message: r.message === null ? null : textIn(r.message, lang),
      createdAt: new Date(r.created_at).toISOString(),
      finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
    };
  }

  /**
   * Waits until a job recorded by an earlier run of the request is done: here when this process
   * runs it, else by its progress (a job whose process died is settled once its beat stops).
   */
  async function finished(id: string, caller: Caller): Promise<void> {
    const here = running.get(id);
    if (here) return here;
    while ((await status(id, 'zh-CN', caller)).status === 'running')
      await new Promise((resolve) => setTimeout(resolve, FINISHED_POLL_MS));
  }

  /** Validates every row; returns the good ones and a report of the bad ones. */
  async function validate(
    id: string,
    caller: Caller,
    kind: ImportKind,
    parsed: ParsedRow[],
  ): Promise<{ good: GoodRow[]; errors: StoredImportRowError[] }> {
    const def = IMPORT_DEFS[kind];
    const header = (key: string) => def.columns.find((c) => c.key === key)?.header ?? key;
    const errors: StoredImportRowError[] = [];
    // Kept in both languages: whoever reads the report later reads it in theirs.
    const fail = (row: number, column: string | null, message: Bilingual) =>
      errors.push({ row, column, message });

    const codes = [...new Set(parsed.map((r) => sheetCode(r.cells.projectCode ?? '')).filter(Boolean))];
    const found = new Map((await projects.findByCodes(caller, codes)).map((p) => [p.code, p]));
    const ids = [...found.values()].map((p) => p.id);

    // What is already recorded, for the money and uniqueness rules.
    const { paid, allocated, settled, vouchers } = await repo.recordedMoney(
      caller,
      kind === 'disbursements' ? ids : [],
    );
    const months = new Set<string>();
    const visits = kind === 'visits' ? await repo.recordedVisits(caller, ids) : new Set<string>();

    const good: GoodRow[] = [];
    for (const [i, r] of parsed.entries()) {
      if (i > 0 && i % PROGRESS_EVERY === 0) await setProgress(id, { processed_rows: i });
      // One kind's schema; its row is read by that kind below.
      const shape = parseInBoth<RowOf<ImportKind>>(IMPORT_ROW_SCHEMAS[kind], r.cells);
      if (!shape.success) {
        for (const issue of shape.issues)
          fail(r.row, issue.path.length ? header(String(issue.path[0])) : null, issue.message);
        continue;
      }
      const v = shape.data;
      const project = found.get(v.projectCode);
      if (!project) {
        fail(r.row, header('projectCode'), {
          zh: `项目不存在或不在您的权限范围内: ${v.projectCode}`,
          en: `no such project in your scope: 「${v.projectCode}」`,
        });
        continue;
      }
      if (!canWriteLedger(caller, project.scope, def.ledger)) {
        fail(r.row, header('projectCode'), {
          zh: `您无权填写该项目的${def.label} (${v.projectCode})`,
          en: `you may not write this project’s ${IMPORT_LEDGER_EN[kind]}: 「${v.projectCode}」`,
        });
        continue;
      }
      if (project.stage === 'cancelled') {
        fail(r.row, header('projectCode'), {
          zh: `项目已终止: ${v.projectCode}`,
          en: `the project is cancelled: 「${v.projectCode}」`,
        });
        continue;
      }
      // Each branch reads the row by its own kind's schema, the one `shape` was parsed with.
      const base = { row: r.row, projectId: project.id, importId: id, actorId: caller.actor.id };
      if (kind === 'disbursements') {
        const d = v as RowOf<'disbursements'>;
        const position = resolveSource(project, d.source);
        if (typeof position !== 'number') {
          fail(r.row, header('source'), position);
          continue;
        }
        if (settled.has(project.id)) {
          fail(r.row, header('projectCode'), {
            zh: '项目已报账结算，不能再拨付',
            en: 'the project is settled: no more disbursements',
          });
          continue;
        }
        const vk = `${project.id}/${d.voucherNo}`;
        if (vouchers.has(vk)) {
          fail(r.row, header('voucherNo'), {
            zh: `凭证号重复: ${d.voucherNo}`,
            en: `voucher number used already: 「${d.voucherNo}」`,
          });
          continue;
        }
        const key = `${project.id}/${position}`;
        const after = sumFen([paid.get(key) ?? 0, d.amount]);
        const limit = allocated.get(key)!;
        if (after > limit) {
          fail(r.row, header('amount'), {
            zh: `该资金来源累计拨付将达 ${formatYuan(after)} 元，超过下达的 ${formatYuan(limit)} 元`,
            en: `the fund source’s disbursements would reach ${formatYuan(after)} yuan, more than the ${formatYuan(limit)} yuan it provides`,
          });
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
          fail(r.row, header('month'), {
            zh: `同一项目同一月份重复: ${m.month}`,
            en: `the same project and month twice: ${m.month}`,
          });
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
          fail(r.row, header('villageCode'), {
            zh: `不是本村的建设地点: ${w.villageCode}`,
            en: `not a site of your village: 「${w.villageCode}」`,
          });
          continue;
        }
        const vk = visitKey({ ...w, projectId: project.id, villageId: caller.orgUnitId });
        if (visits.has(vk)) {
          fail(r.row, header('visitedOn'), {
            zh: `该走访已记录（${w.visitedOn}，${w.supervisor}，同样的监督情况）`,
            en: `this visit is recorded already (${w.visitedOn}, ${w.supervisor}, the same findings)`,
          });
          continue;
        }
        visits.add(vk);
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
      if (kind === 'visits') await refuseVisitsRecordedMeanwhile(tx, caller, good);
      for (let start = 0; start < good.length; start += CHUNK) {
        const chunk = good.slice(start, start + CHUNK);
        await executeAll(tx, [entriesInsert(kind, chunk)]);
        // Progress from outside the transaction, so pollers see it while we write.
        await setProgress(id, { imported_rows: start + chunk.length });
      }
      const byProject = new Map<string, number>();
      for (const g of good) byProject.set(g.projectId, (byProject.get(g.projectId) ?? 0) + 1);
      if (kind === 'progress' && byProject.size > 0)
        await executeAll(tx, [progressFromLedger([...byProject.keys()])]);
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

  /**
   * Two imports of one sheet at once both pass validation: each read the visits recorded before
   * either wrote. A village imports only its own visits, so the village's lock serialises its
   * writes, and under it the visits are read again: if another import wrote any of these
   * meanwhile, this one writes nothing.
   */
  async function refuseVisitsRecordedMeanwhile(tx: Sql, caller: Caller, good: GoodRow[]): Promise<void> {
    await tx.execute(`SELECT pg_advisory_xact_lock(hashtext('visit-import:' || ?))`, [caller.orgUnitId]);
    const recorded = await recordedVisitsIn(tx, [...new Set(good.map((g) => g.projectId))]);
    const again = good.filter((g) => g.kind === 'visits' && recorded.has(visitKey(g.entry)));
    if (again.length)
      throw new AppError('CONFLICT', {
        zh: `另一次导入已记录了其中 ${again.length} 条走访（第 ${again[0]!.row} 行起），本次未导入任何数据`,
        en: `another import recorded ${again.length} of these visits meanwhile (from row ${again[0]!.row}); nothing imported`,
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
          message: '文件中没有数据行 (the file has no data rows)',
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
          ? `导入 ${good.length} 行，跳过 ${errors.length} 个错误 (${good.length} rows imported, ${errors.length} errors skipped)`
          : `导入 ${good.length} 行 (${good.length} rows imported)`,
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
      lang: Lang,
    ): Promise<ImportStatus> {
      if (!caller.roles.includes('operator'))
        throw new AppError('FORBIDDEN', '只有操作账号可以导入台账 (operators only)');
      // Once per Idempotency-Key: the job is recorded against the key in the transaction that adds
      // it, so a retry whose answer was lost after that commit answers the same job (waiting for
      // it when asked to) and neither adds a second job nor runs the file again, which would then
      // be rejected for the very rows the first imported.
      let job: Promise<void> | undefined;
      const id = await writeOnce(orm, async (record) => {
        const id = randomUUID();
        await repo.create(
          { id, kind: q.kind, fileName: fileName.slice(0, 200), actorId: caller.actor.id },
          record,
        );
        // The job's sign of life for pollers on any api: without it, a job whose process died is settled.
        const beat = setInterval(() => void repo.beat(id).catch(() => undefined), BEAT_MS);
        beat.unref();
        job = run(id, caller, q.kind, q.mode, bytes).finally(() => {
          clearInterval(beat);
          running.delete(id);
        });
        running.set(id, job);
        return id;
      });
      if (!q.wait) return status(id, lang);
      if (job) await job;
      else await finished(id, caller);
      const r = (await repo.find(id))!;
      const s = statusIn(r, lang);
      if (s.status !== 'succeeded')
        throw new AppError(
          'VALIDATION_FAILED',
          r.message ?? '导入未执行 (the import was not carried out)',
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

/** The ledger an import kind writes, for an English row message (IMPORT_DEFS' label is Chinese). */
const IMPORT_LEDGER_EN: Record<ImportKind, string> = {
  disbursements: 'disbursement ledger',
  progress: 'monthly progress ledger',
  visits: 'volunteer supervision ledger',
};

/** The position of the fund source a row names (its number or its kind), or why there is none. */
function resolveSource(p: Project, text: string): number | Bilingual {
  if (/^\d+$/.test(text)) {
    const n = Number(text) - 1;
    return p.fundSources[n]
      ? n
      : {
          zh: `资金来源序号 ${text} 不存在（该项目有 ${p.fundSources.length} 个资金来源）`,
          en: `no fund source number ${text} (the project has ${p.fundSources.length})`,
        };
  }
  const matches = p.fundSources
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => FUND_SOURCE_LABELS[s.kind as FundSourceKind] === text || s.kind === text);
  if (matches.length === 1) return matches[0]!.i;
  if (matches.length > 1)
    return {
      zh: `该项目有多个「${text}」，请填写资金来源序号`,
      en: `the project has several 「${text}」: give the fund source’s number`,
    };
  return { zh: `该项目没有资金来源「${text}」`, en: `the project has no fund source 「${text}」` };
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
