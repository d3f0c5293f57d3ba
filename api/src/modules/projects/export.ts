/**
 * The project list as an xlsx file: the same scope, filters and order as `GET /api/projects`, every
 * page at once. Rows are streamed: the repository reads them through a cursor batch by batch and
 * each batch is compressed and written to the response before the next is read, so memory holds one
 * batch whatever the county's size. The file is written by our own small writer (xlsx-writer.ts),
 * not exceljs: exceljs rendered each cell's style to XML to look up its id, which made it most of
 * the api's CPU in a large export. A cap (EXPORT_MAX_ROWS) refuses, before any byte is sent, an
 * export that a spreadsheet could not usefully hold.
 *
 * Money leaves integer 分 only here: formatYuan gives the exact 元 text with two decimals (string
 * arithmetic, no division), and the cell holds the number that text denotes.
 */
import type { Response } from 'express';
import { STAGE_LABELS } from '#domain/lifecycle.js';
import { formatYuan, sumFen, type Fen } from '#domain/money.js';
import {
  FUND_SOURCE_KINDS,
  FUND_SOURCE_LABELS,
  PROJECT_NATURE_LABELS,
  type ProjectDto,
  type ProjectExportQuery,
} from '#domain/schemas.js';
import type { Principal } from '#domain/access.js';
import type { ProjectRepository } from './repository.js';
import { XlsxSheetWriter, type XlsxColumn } from './xlsx-writer.js';

export const EXPORT_MAX_ROWS = 100_000;
const BATCH = 500;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const yuan = (f: Fen): number => Number(formatYuan(f).replace(/,/g, ''));

interface Column extends XlsxColumn {
  value: (p: ProjectDto) => string | number;
}

export const EXPORT_COLUMNS: Column[] = [
  { header: '项目编号', width: 14, value: (p) => p.code },
  { header: '项目名称', width: 36, value: (p) => p.name },
  { header: '年度', width: 7, value: (p) => p.year },
  { header: '项目类型', width: 10, value: (p) => p.type },
  { header: '建设性质', width: 8, value: (p) => PROJECT_NATURE_LABELS[p.nature] },
  { header: '主管部门', width: 14, value: (p) => p.department.name },
  { header: '业主单位', width: 10, value: (p) => p.ownerUnit.name },
  { header: '建设地点', width: 16, value: (p) => p.villages.map((v) => v.name).join('、') },
  { header: '当前阶段', width: 9, value: (p) => STAGE_LABELS[p.stage].zh },
  { header: '批复预算（元）', width: 15, money: true, value: (p) => yuan(p.budgetFen) },
  ...FUND_SOURCE_KINDS.map((k): Column => ({
    header: `${FUND_SOURCE_LABELS[k]}（元）`,
    width: 15,
    money: true,
    value: (p) => yuan(sumFen(p.fundSources.filter((s) => s.kind === k).map((s) => s.amountFen))),
  })),
  { header: '计划开工', width: 11, value: (p) => p.plannedDates.start },
  { header: '计划竣工', width: 11, value: (p) => p.plannedDates.completion },
  { header: '计划验收', width: 11, value: (p) => p.plannedDates.acceptance },
  { header: '计划报账', width: 11, value: (p) => p.plannedDates.reimbursement },
  { header: '进度（%）', width: 8, value: (p) => p.progressPercent },
  { header: '立项文号', width: 20, value: (p) => p.approvalDocumentNo },
];

export async function streamProjectsXlsx(
  repo: ProjectRepository,
  who: Principal,
  q: ProjectExportQuery,
  res: Response,
): Promise<void> {
  let sheet: XlsxSheetWriter | undefined;
  // The header goes out with the first batch: a refusal (too many rows) is still a JSON 422.
  const open = () => {
    res
      .status(200)
      .type(XLSX)
      .setHeader(
        'Content-Disposition',
        `attachment; filename="projects.xlsx"; filename*=UTF-8''${encodeURIComponent('项目列表.xlsx')}`,
      );
    return new XlsxSheetWriter(res, '项目列表', EXPORT_COLUMNS);
  };
  try {
    await repo.eachBatch(who, q, { batch: BATCH, max: EXPORT_MAX_ROWS }, async (items) => {
      sheet ??= open();
      for (const p of items) sheet.addRow(EXPORT_COLUMNS.map((c) => c.value(p)));
      await sheet.flush();
    });
    sheet ??= open(); // an empty list still gives a file with its header row
    await sheet.end();
  } catch (err) {
    // Once bytes are out no status can say so: cut the connection, so the client sees a broken
    // download rather than waiting on a response that will never end.
    if (res.headersSent) res.destroy();
    throw err;
  }
}
