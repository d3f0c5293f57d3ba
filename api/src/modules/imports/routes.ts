import ExcelJS from 'exceljs';
import { z } from 'zod';
import { buildDetailTable, type DetailTable } from '../../../../domain/detail-table.js';
import {
  IMPORT_DEFS,
  importQuerySchema,
  importStatusSchema,
  type ImportKind,
} from '../../../../domain/imports.js';
import { LEDGER_LABELS, LEDGERS, type LedgerKind } from '../../../../domain/ledgers/kinds.js';
import type { LedgersDto } from '../../../../domain/ledgers/outputs.js';
import { AppError } from '../../../../domain/errors.js';
import { textProblem } from '../../../../domain/schemas.js';
import { defineRoute, type RouteDef } from '../../http.js';
import { addLedgerSheet, yuan } from '../ledgers/render-xlsx.js';
import type { LedgerService } from '../ledgers/service.js';
import { callerOf } from '../projects/routes.js';
import type { Caller, ProjectService } from '../projects/service.js';
import type { ImportService } from './service.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const LEVEL_KIND: Record<LedgerKind, ImportKind> = {
  department: 'disbursements',
  implementing: 'progress',
  site: 'visits',
};

/** Rows of a level's importable sheet, in the import's own columns (an export re-imports as is). */
function importRows(kind: ImportKind, code: string, l: LedgersDto): (string | number)[][] {
  if (kind === 'disbursements')
    return l.department.disbursements.map((d) => [
      code,
      d.sourcePosition + 1,
      d.paidOn,
      yuan(d.amountFen),
      d.payee,
      d.voucherNo,
      d.approver,
      d.note ?? '',
    ]);
  if (kind === 'progress') return l.implementing.progress.map((p) => [code, p.month, p.percent, p.narrative]);
  return l.site.visits.map((v) => [code, v.village.code, v.visitedOn, v.supervisor, v.findings]);
}

export async function exportLedgerXlsx(
  deps: { projects: ProjectService; ledgers: LedgerService },
  who: Caller,
  level: LedgerKind,
  year: number | undefined,
): Promise<Buffer> {
  const tables: DetailTable[] = [];
  const views: { code: string; ledgers: LedgersDto }[] = [];
  const now = new Date();
  for (let page = 1; ; page++) {
    const { items, total } = await deps.projects.list(who, {
      page,
      pageSize: 200,
      ...(year ? { year } : {}),
    });
    for (const p of items) {
      const [detail, ledgers] = await Promise.all([
        deps.projects.detail(who, p.id),
        deps.ledgers.ledgers(who, p.id),
      ]);
      tables.push(buildDetailTable(detail, ledgers, now));
      views.push({ code: p.code, ledgers });
    }
    if (page * 200 >= total) break;
  }
  const wb = new ExcelJS.Workbook();
  wb.creator = '三账一表';
  addLedgerSheet(
    wb,
    LEDGER_LABELS[level],
    `${year ?? ''}${year ? '年度' : ''}${LEDGER_LABELS[level]}`,
    `导出单位：${who.actor.name}  导出时间：${now.toISOString().slice(0, 10)}`,
    tables,
  );
  const kind = LEVEL_KIND[level];
  const def = IMPORT_DEFS[kind];
  const ws = wb.addWorksheet(def.sheet, { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = def.columns.map((c) => ({ header: c.header, width: Math.max(12, c.header.length * 3) }));
  ws.getRow(1).font = { bold: true };
  for (const v of views) for (const r of importRows(kind, v.code, v.ledgers)) ws.addRow(r);
  if (kind === 'disbursements') ws.getColumn(4).numFmt = '0.00';
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export function importRoutes(
  service: ImportService,
  exportDeps: { projects: ProjectService; ledgers: LedgerService },
): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/ledger-imports',
      summary: '导入台账 (xlsx/CSV; all-or-nothing by default; 202 + progress, or ?wait=true for the report)',
      tags: ['imports'],
      access: 'operator',
      rawBody: { contentTypes: [XLSX, 'text/csv'], maxBytes: 50 * 1024 * 1024 },
      query: importQuerySchema,
      response: importStatusSchema,
      successStatus: 202,
      errors: [401, 403, 413, 422],
      handler: async ({ user, query, req, res }) => {
        const name = fileNameOf(req.get('x-file-name'));
        const s = await service.start(callerOf(user!), query, name, req.body as Buffer);
        res.status(query.wait ? 200 : 202).json(s);
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/ledger-imports/:id',
      summary: '导入进度与校验报告 (progress and the row-by-row report)',
      tags: ['imports'],
      access: 'own',
      response: importStatusSchema,
      errors: [401, 404],
      handler: async ({ user, params }) => service.status(params.id!, callerOf(user!)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/ledgers/:level/export',
      summary:
        '导出台账 (xlsx: the level’s ledger of every project in your scope, plus its rows in import format)',
      tags: ['imports'],
      access: 'authenticated',
      query: z.object({ year: z.coerce.number().int().min(2000).max(2100).optional() }),
      errors: [401, 422],
      handler: async ({ user, params, query, res }) => {
        const level = LEDGERS.find((l) => l === params.level);
        if (!level)
          throw new AppError('VALIDATION_FAILED', `台账层级应为 ${LEDGERS.join(' / ')}`, [
            { path: 'params.level', message: 'department | implementing | site' },
          ]);
        const body = await exportLedgerXlsx(exportDeps, callerOf(user!), level, query.year);
        const file = `${LEDGER_LABELS[level]}${query.year ? `-${query.year}` : ''}.xlsx`;
        res
          .status(200)
          .type(XLSX)
          .setHeader(
            'Content-Disposition',
            `attachment; filename="ledger.xlsx"; filename*=UTF-8''${encodeURIComponent(file)}`,
          )
          .send(body);
        return undefined;
      },
    }),
  ];
}

/** The X-File-Name header, percent-decoded; a malformed or unstorable one is the caller's 422. */
function fileNameOf(header: string | undefined): string {
  let name: string | null;
  try {
    name = decodeURIComponent(header ?? 'upload');
  } catch {
    name = null;
  }
  if (name === null || textProblem(name) !== null || name.length > 200)
    throw new AppError(
      'VALIDATION_FAILED',
      '文件名不合法 (X-File-Name: malformed percent-encoding or text)',
      [{ path: 'headers.x-file-name', message: '文件名不合法' }],
    );
  return name;
}
