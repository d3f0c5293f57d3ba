/**
 * A level's ledger of every project in the caller's scope as an xlsx file: the ledger as the
 * detail tables show it, and a second sheet of its rows in the import's own columns, so that an
 * export re-imports as is.
 */
import { excelJs } from '../../document-libs.js';
import { cstDate } from '#domain/deadlines.js';
import { buildDetailTable, type DetailTable } from '#domain/detail-table.js';
import { IMPORT_DEFS, type ImportKind } from '#domain/imports.js';
import { LEDGER_LABELS, type LedgerKind } from '#domain/ledgers/kinds.js';
import { type LedgersDto } from '#domain/ledgers/outputs.js';
import type { Caller } from '../../http.js';
import { addLedgerSheet, yuan } from '../ledgers/render-xlsx.js';
import type { LedgerService } from '../ledgers/service.js';
import type { ProjectService } from '../projects/service.js';

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

/** The sheet's second line: who exported it and the county's day it was done. */
export function exportLine(unitName: string, now: Date): string {
  return `导出单位：${unitName}  导出时间：${cstDate(now.getTime())}`;
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
      const [detail, ledgers, alerts] = await Promise.all([
        deps.projects.detail(who, p.id),
        deps.ledgers.ledgers(who, p.id),
        deps.projects.alerts(who, p.id),
      ]);
      tables.push(buildDetailTable(detail, ledgers, alerts.items, now));
      views.push({ code: p.code, ledgers });
    }
    if (page * 200 >= total) break;
  }
  const { Workbook } = await excelJs();
  const wb = new Workbook();
  wb.creator = '三账一表';
  addLedgerSheet(
    wb,
    LEDGER_LABELS[level],
    `${year ?? ''}${year ? '年度' : ''}${LEDGER_LABELS[level]}`,
    exportLine(who.actor.name, now),
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
