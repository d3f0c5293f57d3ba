/**
 * What the public portal shows (docs/portal.md): ONE allow-list of fields, as strict zod schemas.
 * A public answer is built field by field from the database's public functions and parsed with
 * these schemas before it leaves; a strict object refuses any key it does not name, so an internal
 * field cannot reach the public by being added to a query. Pure: no I/O.
 *
 * Personal data never appears: no payee, voucher, approver, supervisor, attendee, beneficiary
 * household, objection, reporter or account name is ever selected. The few free texts that are
 * public (a notice's content, the construction content, the after-care owner and duty) pass
 * `publicText`, which masks anything shaped like a mobile or ID number (and a private landline), and
 * a person's name in the after-care owner is masked (张*三); a name inside a free text is not.
 */
import { z } from 'zod';
import { schemaMessage } from './errors.js';
import { STAGES, IMPLEMENTATION_METHODS, type Stage } from './lifecycle.js';
import { FUND_SOURCE_KINDS, projectCodeSchema } from './schemas.js';

const fen = z.number().int().nonnegative();
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const unit = z.strictObject({ code: z.string(), name: z.string() });

/** A project in a list (county, township, village pages and the JSON list). */
export const publicProjectSummarySchema = z.strictObject({
  code: z.string(),
  name: z.string(),
  year: z.number().int(),
  type: z.string(),
  stage: z.enum(STAGES),
  progressPercent: z.number().int(),
  budgetFen: fen,
  disbursedFen: fen,
  township: unit.nullable(),
  villages: z.array(unit),
  plannedStart: date,
  plannedCompletion: date,
  updatedAt: z.string(),
});
export type PublicProjectSummary = z.infer<typeof publicProjectSummarySchema>;

/** The stages whose first arrival is shown as an actual date beside the planned one. */
export const ACTUAL_DATE_STAGES = [
  'approved',
  'underway',
  'completed',
  'accepted',
  'reimbursed',
  'afterCare',
  'closed',
  'cancelled',
] as const satisfies readonly Stage[];

/** The minimum 公示 period (days, both ends counted) of the national guidance on fund notices. */
export const MIN_NOTICE_DAYS = 10;

export const publicProjectSchema = publicProjectSummarySchema.extend({
  nature: z.string(),
  location: z.string().nullable(),
  approvalDocumentNo: z.string(),
  department: unit,
  ownerUnit: unit,
  plannedAcceptance: date,
  plannedReimbursement: date,
  constructionContent: z.string().nullable(),
  actualDates: z.strictObject(
    Object.fromEntries(ACTUAL_DATE_STAGES.map((s) => [s, date.nullable()])) as Record<
      (typeof ACTUAL_DATE_STAGES)[number],
      z.ZodNullable<typeof date>
    >,
  ),
  fundSources: z.array(
    z.strictObject({
      position: z.number().int(),
      kind: z.enum(FUND_SOURCE_KINDS),
      amountFen: fen,
      disbursedFen: fen,
      documentNo: z.string().nullable(),
      issuer: z.string().nullable(),
    }),
  ),
  disbursements: z.array(
    z.strictObject({ id: z.string(), paidOn: date, amountFen: fen, sourceKind: z.enum(FUND_SOURCE_KINDS) }),
  ),
  settlement: z.strictObject({ settledOn: date, settledAmountFen: fen }).nullable(),
  implementation: z
    .strictObject({
      method: z.enum(IMPLEMENTATION_METHODS),
      contractorName: z.string().nullable(),
      contractAmountFen: fen.nullable(),
      contractSignedOn: date.nullable(),
    })
    .nullable(),
  notices: z.array(
    z.strictObject({
      id: z.string(),
      village: z.string(),
      place: z.string(),
      postedFrom: date,
      postedTo: date,
      days: z.number().int(),
      meetsMinimum: z.boolean(),
      content: z.string(),
      announcedAmountFen: fen.nullable(),
    }),
  ),
  afterCare: z.strictObject({ owner: z.string(), duty: z.string() }).nullable(),
  photos: z.array(z.strictObject({ id: z.string(), item: z.string(), uploadedOn: date })),
});
export type PublicProject = z.infer<typeof publicProjectSchema>;

export const CHANGE_KINDS = [
  'stage',
  'progress',
  'adjustment',
  'disbursement',
  'settlement',
  'fundSource',
  'implementation',
  'notice',
  'afterCare',
  'project',
] as const;

export const publicChangePageSchema = z.strictObject({
  items: z.array(z.strictObject({ at: z.string(), projectCode: z.string(), kind: z.enum(CHANGE_KINDS) })),
  /** Where to continue: pass it back as `since`. */
  next: z.string(),
  /** More changes are already waiting after `next` (ask again at once). */
  more: z.boolean(),
});
export type PublicChangePage = z.infer<typeof publicChangePageSchema>;

export const publicProjectCodeParam = projectCodeSchema;
export const publicUnitCodeParam = z.string().regex(/^[a-z0-9][a-z0-9-]{1,39}$/, {
  error: schemaMessage({
    zh: '单位编码只能由小写字母、数字和连字符组成（2–40 位）',
    en: 'a unit code is 2–40 lower-case letters, digits and hyphens',
  }),
});

/**
 * Every key path a schema allows: `fundSources[].kind`, `township.code`. The tests compare the
 * keys of real answers with this list and this list with a literal one, so a field cannot be added
 * to the public view without the change showing up in review.
 */
export function allowedPaths(schema: z.ZodType, prefix = ''): string[] {
  const s = unwrap(schema);
  if (s instanceof z.ZodObject) {
    return Object.entries(s.shape as Record<string, z.ZodType>).flatMap(([k, v]) => {
      const here = prefix ? `${prefix}.${k}` : k;
      return [here, ...allowedPaths(v, here)];
    });
  }
  if (s instanceof z.ZodArray) return allowedPaths(s.element as z.ZodType, `${prefix}[]`);
  return [];
}
function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  while (cur instanceof z.ZodNullable || cur instanceof z.ZodOptional)
    cur = cur.unwrap() as unknown as z.ZodType;
  return cur;
}

/** Every key path of a JSON value, as `allowedPaths` writes them. */
export function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => keyPaths(v, `${prefix}[]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => {
      const here = prefix ? `${prefix}.${k}` : k;
      return [here, ...keyPaths(v, here)];
    });
  return [];
}

// As people write them: in one run, or grouped by spaces, hyphens or dots (138 1234 5678,
// 138.1234.5678), a mobile with the country's +86 or 86 before it.
const ID_NUMBER = /(?<![\dA-Za-z])\d{6}[ -]?\d{8}[ -]?\d{3}[\dXx](?![\dA-Za-z])/g;
const MOBILE = /(?<![\d+])(?:\+?86[ -]?)?1[3-9](?:[ .·-]?\d){9}(?![\d])/g;
const LANDLINE = /(?<!\d)0\d{2,3}[ -]?\d{7,8}(?!\d)/g;
/**
 * A landline a notice publishes on purpose, its supervision or complaint phone (监督举报电话
 * 023-59221234): an office's number, left as it is when its label stands right before it (a
 * person's name between, 村监督小组组长张三 023-…, is a person's phone). A mobile is masked
 * whatever its label says.
 */
const PUBLISHED_PHONE = /(?:(?:监督|举报|投诉|信访)(?:举报)?(?:电话|热线)|热线|办公室电话)[:：\s]*$/;
/** An amount, not a phone: a decimal with 分 (135820000.00), or a number said in 元/万/亿. */
const AMOUNT = { match: /^[\d\s]+\.\d{1,2}$/, unit: /^\s*[元万亿]/ };

/** Chinese numerals written for a phone's digits (一三八……), one unit for one. */
const NUMERALS: Record<string, string> = {
  〇: '0',
  零: '0',
  一: '1',
  幺: '1',
  二: '2',
  三: '3',
  四: '4',
  五: '5',
  六: '6',
  七: '7',
  八: '8',
  九: '9',
};

/**
 * Full-width letters, digits and marks (a Chinese input method's １３８), the ideographic space and
 * Chinese numerals in their ASCII forms, one UTF-16 unit for one, so a match's position is the
 * same in both texts.
 */
const asciiForms = (s: string) =>
  s
    .replace(/[\uff01-\uff5e\u3000]/g, (c) =>
      c === '\u3000' ? ' ' : String.fromCharCode(c.charCodeAt(0) - 0xfee0),
    )
    .replace(/[〇零一幺二三四五六七八九]/g, (c) => NUMERALS[c]!);

/**
 * A free text made fit for the public: mobile and ID numbers masked, all but their ends, and a
 * landline unless it is published as a supervision or complaint phone. Short numbers (the 12317
 * hotline) are not a person's and stay. Names in free text are not found (docs/portal.md).
 */
export function publicText(s: string): string {
  let shown = s;
  // Numbers are found in the ASCII forms and masked in the text as written; each mask keeps the
  // length, and hides its whole number from the patterns after it.
  let seen = asciiForms(s);
  for (const pattern of [ID_NUMBER, MOBILE, LANDLINE]) {
    for (const m of [...seen.matchAll(pattern)]) {
      const [from, to] = [m.index, m.index + m[0].length];
      if (pattern === LANDLINE && PUBLISHED_PHONE.test(seen.slice(Math.max(0, from - 20), from))) continue;
      if (pattern === MOBILE && (AMOUNT.match.test(m[0]) || AMOUNT.unit.test(seen.slice(to, to + 3))))
        continue;
      const masked = shown.slice(from, from + 3) + '*'.repeat(to - from - 5) + shown.slice(to - 2, to);
      shown = shown.slice(0, from) + masked + shown.slice(to);
      seen = seen.slice(0, from) + '*'.repeat(to - from) + seen.slice(to);
    }
  }
  return shown;
}

/** Suffixes of units and bodies: a name ending in one is an organisation, not a person. */
const ORG_SUFFIX =
  /(委员会|村委会|居委会|公司|合作社|协会|中心|集团|局|委|办|站|所|院|队|社|厂|部|组|镇|乡|村|街道|政府|学校|医院)$/;

/**
 * A person's name masked as 张*三 (two characters: 张*); an organisation's name unchanged. A
 * short Han-only name without an organisation's suffix is taken for a person's.
 */
export function maskPersonName(s: string): string {
  const t = s.trim();
  if (ORG_SUFFIX.test(t) || !/^[\u4e00-\u9fff·]{2,4}$/.test(t)) return publicText(t);
  const chars = [...t];
  return chars.length === 2 ? `${chars[0]}*` : `${chars[0]}${'*'.repeat(chars.length - 2)}${chars.at(-1)}`;
}

/** Days of a notice period, both ends counted (2026-03-01 … 2026-03-10 is 10 days). */
export function noticeDays(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}
