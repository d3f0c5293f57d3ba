/**
 * Imports of existing ledgers from spreadsheets (xlsx/CSV): the columns of each kind, with the
 * Chinese headers county staff use, and the row rules. A row arrives as text cells (the parser turns
 * numbers and dates into their exact text); money is parsed from 元 text into 分 without floating point.
 */
import { z } from 'zod';
import type { LedgerKind } from './ledgers/kinds.js';
import { parseYuan } from './money.js';
import { DATE_MAX, DATE_MIN, NOT_AFTER_TODAY, notAfterToday, reportedMonth, safeString } from './schemas.js';
import { schemaMessage, schemaText, type Bilingual } from './errors.js';

export const IMPORT_KINDS = ['disbursements', 'progress', 'visits'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export interface ImportColumn {
  key: string;
  header: string;
  required: boolean;
}

export const IMPORT_DEFS: Record<
  ImportKind,
  { ledger: LedgerKind; sheet: string; label: string; columns: ImportColumn[] }
> = {
  disbursements: {
    ledger: 'department',
    sheet: '资金拨付',
    label: '资金拨付台账',
    columns: [
      { key: 'projectCode', header: '项目编号', required: true },
      { key: 'source', header: '资金来源', required: true },
      { key: 'paidOn', header: '拨付日期', required: true },
      { key: 'amount', header: '金额（元）', required: true },
      { key: 'payee', header: '收款单位', required: true },
      { key: 'voucherNo', header: '凭证号', required: true },
      { key: 'approver', header: '审批人', required: true },
      { key: 'note', header: '备注', required: false },
    ],
  },
  progress: {
    ledger: 'implementing',
    sheet: '月度进度',
    label: '月度进度台账',
    columns: [
      { key: 'projectCode', header: '项目编号', required: true },
      { key: 'month', header: '月份', required: true },
      { key: 'percent', header: '进度（%）', required: true },
      { key: 'narrative', header: '进展情况', required: true },
    ],
  },
  visits: {
    ledger: 'site',
    sheet: '义务监督',
    label: '义务监督台账',
    columns: [
      { key: 'projectCode', header: '项目编号', required: true },
      { key: 'villageCode', header: '村编码', required: true },
      { key: 'visitedOn', header: '监督日期', required: true },
      { key: 'supervisor', header: '监督员', required: true },
      { key: 'findings', header: '监督情况', required: true },
    ],
  },
};

const cell = (max: number) =>
  safeString()
    .trim()
    .min(1, { error: schemaMessage({ zh: '不能为空', en: 'must not be empty' }) })
    .max(max, { error: schemaMessage({ zh: `不能超过 ${max} 字`, en: `at most ${max} characters` }) });
/**
 * What Chinese spreadsheets hold as text, read as the forms the rules check: a date typed 2026/5/6,
 * 2026.5.6 or 2026年5月6日, a month 2026年5月, a percentage 50%, any of them and the codes in full width
 * from an input method; what matches none of these is left as it was, for the rule to refuse.
 */
const fromSheet = (s: string) => s.normalize('NFKC').trim();
function sheetDate(s: string): string {
  const m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(fromSheet(s));
  return m ? `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}` : s.trim();
}
function sheetMonth(s: string): string {
  const m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$/.exec(fromSheet(s));
  return m ? `${m[1]}-${m[2]!.padStart(2, '0')}` : s.trim();
}
const sheetPercent = (s: string) => fromSheet(s).replace(/\s*%$/, '');
/** A project's code as a sheet's cell holds it (the import looks the projects up by it). */
export const sheetCode = fromSheet;

const date = z
  .string()
  .overwrite(sheetDate)
  // Each rule only of what passed the one before: one reason a cell, not three.
  .regex(/^\d{4}-\d{2}-\d{2}$/, {
    error: schemaMessage({ zh: '日期格式应为 YYYY-MM-DD', en: 'a date as YYYY-MM-DD' }),
    abort: true,
  })
  .refine(
    (s) =>
      !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
    {
      error: schemaMessage({ zh: '不是有效日期', en: 'not a valid date' }),
      abort: true,
    },
  )
  .refine((s) => s >= DATE_MIN && s <= DATE_MAX, {
    error: schemaMessage({
      zh: `日期须在 ${DATE_MIN} 至 ${DATE_MAX} 之间`,
      en: `a date from ${DATE_MIN} to ${DATE_MAX}`,
    }),
  })
  // A payment or a visit is imported once done, as it is recorded in the console (happenedOn).
  .refine(notAfterToday, { error: schemaMessage(NOT_AFTER_TODAY) });
const yuan = z
  .string()
  .trim()
  .transform((s, ctx) => {
    const f = parseYuan(s);
    if (f === null || f <= 0) {
      ctx.addIssue({
        code: 'custom',
        message: schemaText({
          zh: `金额「${s}」无效：应为大于 0 的元金额，最多两位小数`,
          en: `amount 「${s}」 is not valid: yuan greater than 0, at most two decimals`,
        }),
      });
      return z.NEVER;
    }
    return f;
  });

export const IMPORT_ROW_SCHEMAS = {
  disbursements: z.object({
    projectCode: cell(40).overwrite(sheetCode),
    source: cell(40),
    paidOn: date,
    amount: yuan,
    payee: cell(200),
    voucherNo: cell(100),
    approver: cell(100),
    note: safeString().trim().max(1000).optional(),
  }),
  progress: z.object({
    projectCode: cell(40).overwrite(sheetCode),
    month: z.string().overwrite(sheetMonth).pipe(reportedMonth),
    percent: z
      .string()
      .overwrite(sheetPercent)
      .regex(/^(100|\d{1,2})$/, {
        error: schemaMessage({ zh: '进度应为 0–100 的整数', en: 'progress is a whole number from 0 to 100' }),
      })
      .transform(Number),
    narrative: cell(2000),
  }),
  visits: z.object({
    projectCode: cell(40).overwrite(sheetCode),
    villageCode: cell(40).overwrite(sheetCode),
    visitedOn: date,
    supervisor: cell(100),
    findings: cell(2000),
  }),
} satisfies Record<ImportKind, z.ZodType>;

export interface ImportRowError {
  /** Row number in the file (the header is row 1 of its sheet, or its own line in a CSV). */
  row: number;
  /** The column's header, as the file names it. */
  column: string | null;
  message: string;
}

/**
 * A bad row as its import keeps it: the report is read later, by a caller of either language, so
 * its message is kept in both (a plain string is one kept before, said as it is).
 */
export interface StoredImportRowError extends Omit<ImportRowError, 'message'> {
  message: Bilingual | string;
}

export const importQuerySchema = z.object({
  kind: z.enum(IMPORT_KINDS),
  /** all: any bad row → nothing imported (default). valid: the good rows are imported, in one transaction. */
  mode: z.enum(['all', 'valid']).default('all'),
  /** Wait for the result instead of answering 202 at once. */
  wait: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
});

export const importStatusSchema = z.object({
  id: z.uuid(),
  kind: z.enum(IMPORT_KINDS),
  fileName: z.string(),
  status: z.enum(['running', 'succeeded', 'rejected', 'failed']),
  totalRows: z.number().int(),
  processedRows: z.number().int(),
  /** 0–100: validation is the first half, writing the second. */
  progressPercent: z.number().int(),
  importedRows: z.number().int(),
  errors: z.array(z.object({ row: z.number().int(), column: z.string().nullable(), message: z.string() })),
  message: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type ImportStatus = z.infer<typeof importStatusSchema>;
