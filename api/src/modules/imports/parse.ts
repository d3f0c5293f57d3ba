/**
 * Reads an uploaded ledger (xlsx or CSV) into text rows keyed by column. Every cell becomes text:
 * numbers as their shortest exact decimal (so 12.34 stays "12.34" and money is parsed from text),
 * dates as YYYY-MM-DD. CSV may be UTF-8 (with or without BOM) or GB18030, as Chinese Excel saves it.
 */
import type ExcelJS from 'exceljs';
import { excelJs } from '../../document-libs.js';
import { AppError, type Bilingual } from '#domain/errors.js';
import type { ImportColumn } from '#domain/imports.js';

export interface ParsedRow {
  row: number;
  cells: Record<string, string>;
}

const XLSX_MAGIC = [0x50, 0x4b, 0x03, 0x04];

function badFile(message: Bilingual): AppError {
  return new AppError('VALIDATION_FAILED', message, [{ path: 'body', message }]);
}

function text(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((r) => r.text).join('');
    if ('result' in v) return text(v.result as ExcelJS.CellValue);
    if ('text' in v) return String(v.text);
    if ('error' in v) return '';
  }
  return String(v);
}

/** Maps the header row to column keys; null when this row is not the header. */
function headerMap(cells: string[], columns: ImportColumn[]): Map<number, string> | null {
  const norm = (s: string) => s.replace(/\s+/g, '').replace(/[()]/g, (c) => (c === '(' ? '（' : '）'));
  const map = new Map<number, string>();
  cells.forEach((c, i) => {
    const col = columns.find((k) => norm(k.header) === norm(c) || k.key === c.trim());
    if (col) map.set(i, col.key);
  });
  return columns.filter((c) => c.required).every((c) => [...map.values()].includes(c.key)) ? map : null;
}

function toRows(table: { row: number; cells: string[] }[], columns: ImportColumn[]): ParsedRow[] {
  const headerAt = table.findIndex((r) => headerMap(r.cells, columns) !== null);
  if (headerAt < 0) {
    const needed = columns
      .filter((c) => c.required)
      .map((c) => `「${c.header}」`)
      .join('');
    throw badFile({
      zh: `找不到表头：需要列 ${needed}`,
      en: `no header row found: the columns ${needed} are needed`,
    });
  }
  const map = headerMap(table[headerAt]!.cells, columns)!;
  const rows: ParsedRow[] = [];
  for (const r of table.slice(headerAt + 1)) {
    if (r.cells.every((c) => c.trim() === '')) continue; // blank line
    const cells: Record<string, string> = {};
    for (const [i, key] of map) cells[key] = (r.cells[i] ?? '').trim();
    rows.push({ row: r.row, cells });
  }
  return rows;
}

export async function parseLedgerFile(
  bytes: Buffer,
  columns: ImportColumn[],
  preferredSheet: string,
): Promise<ParsedRow[]> {
  if (XLSX_MAGIC.every((b, i) => bytes[i] === b)) {
    const { Workbook } = await excelJs();
    const wb = new Workbook();
    try {
      await wb.xlsx.load(bytes as unknown as ArrayBuffer);
    } catch {
      throw badFile({ zh: '无法读取 xlsx 文件', en: 'not a readable xlsx file' });
    }
    const sheets = [wb.getWorksheet(preferredSheet), ...wb.worksheets].filter(
      (s): s is ExcelJS.Worksheet => !!s,
    );
    for (const ws of sheets) {
      const table: { row: number; cells: string[] }[] = [];
      ws.eachRow({ includeEmpty: false }, (row, n) => {
        const cells: string[] = [];
        row.eachCell({ includeEmpty: true }, (c, col) => (cells[col - 1] = text(c.value)));
        table.push({ row: n, cells: Array.from(cells, (c) => c ?? '') });
      });
      if (table.slice(0, 10).some((r) => headerMap(r.cells, columns))) return toRows(table, columns);
    }
    return toRows([], columns);
  }
  return toRows(parseCsv(decode(bytes)), columns);
}

function decode(bytes: Buffer): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}

/** RFC 4180: quoted fields may hold commas, quotes ("") and line breaks. */
export function parseCsv(s: string): { row: number; cells: string[] }[] {
  const out: { row: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowStart = 1;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quoted) {
      if (ch === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      cells.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && s[i + 1] === '\n') i++;
      cells.push(field);
      out.push({ row: rowStart, cells });
      cells = [];
      field = '';
      line++;
      rowStart = line;
    } else field += ch;
  }
  if (field !== '' || cells.length) {
    cells.push(field);
    out.push({ row: rowStart, cells });
  }
  return out;
}
