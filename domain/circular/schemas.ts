/**
 * The monthly circular's (月通报) API contract: a draft generated from the month's stored ranking
 * report and the other facts of the month (domain/circular/draft.ts), edited section by section by
 * the supervision office, then published to every unit and never changed again.
 */
import { z } from 'zod';
import { isCountyWide, type Principal } from '../access.js';
import { safeString } from '../schemas.js';
import { MONTH_PATTERN } from '../ranking/report.js';
import { schemaMessage, schemaText } from '../errors.js';

/** The five parts of a 月通报, in order. */
export const CIRCULAR_SECTION_KEYS = [
  'overview', // 一、总体情况
  'ranking', // 二、排名情况
  'overdue', // 三、逾期项目
  'rectification', // 四、整改和约谈情况
  'requirements', // 五、下步工作要求
] as const;
export type CircularSectionKey = (typeof CIRCULAR_SECTION_KEYS)[number];

export const CIRCULAR_STATUSES = ['draft', 'published'] as const;
export type CircularStatus = (typeof CIRCULAR_STATUSES)[number];

/** A section's text may be long (a county lists many units) but not unbounded. */
export const SECTION_MAX = 20_000;

/**
 * Who writes circulars: the supervision office, i.e. an office unit's supervisor or operator (the
 * database's app_is_supervision_office() holds the same rule).
 */
export function canWriteCircular(p: Principal): boolean {
  return p.orgKind === 'office' && (p.roles.includes('supervisor') || p.roles.includes('operator'));
}
/** County-wide accounts read every edition, drafts included; every other account the published ones. */
export function canReadCircular(p: Principal, c: { status: CircularStatus }): boolean {
  return isCountyWide(p) || c.status === 'published';
}

const monthSchema = z.string().regex(MONTH_PATTERN, {
  error: schemaMessage({ zh: '月份格式应为 YYYY-MM', en: 'month must be YYYY-MM' }),
});
const body = (max: number) => safeString().trim().min(1).max(max);

export const generateCircularSchema = z.object({ month: monthSchema });
export type GenerateCircularInput = z.infer<typeof generateCircularSchema>;

export const sectionSchema = z.object({
  key: z.enum(CIRCULAR_SECTION_KEYS),
  heading: z.string(),
  body: z.string(),
});
export type CircularSection = z.infer<typeof sectionSchema>;

/**
 * An edit replaces the title and every section's text (the headings are the circular's fixed
 * parts); `revision` is the one the editor loaded, so a save over someone else's answers 409.
 */
export const editCircularSchema = z
  .object({
    revision: z.number().int().min(1).max(1_000_000),
    title: body(200),
    sections: z
      .array(z.object({ key: z.enum(CIRCULAR_SECTION_KEYS), body: body(SECTION_MAX) }))
      .length(CIRCULAR_SECTION_KEYS.length),
  })
  .superRefine((e, ctx) => {
    e.sections.forEach((s, i) => {
      if (s.key !== CIRCULAR_SECTION_KEYS[i])
        ctx.addIssue({
          code: 'custom',
          path: ['sections', i, 'key'],
          message: schemaText({ zh: `应为 ${CIRCULAR_SECTION_KEYS[i]}`, en: `sections keep their order` }),
        });
    });
  });
export type EditCircularInput = z.infer<typeof editCircularSchema>;

export const publishCircularSchema = z.object({ revision: z.number().int().min(1).max(1_000_000) });

export const exportQuerySchema = z.object({ format: z.enum(['pdf', 'docx']).default('pdf') });

const person = z.object({ username: z.string(), name: z.string() }).nullable();

export const circularSummarySchema = z.object({
  id: z.uuid(),
  month: z.string(),
  edition: z.number().int(),
  title: z.string(),
  status: z.enum(CIRCULAR_STATUSES),
  revision: z.number().int(),
  generatedAt: z.string(),
  editedAt: z.string().nullable(),
  publishedAt: z.string().nullable(),
});
export type CircularSummary = z.infer<typeof circularSummarySchema>;

export const circularSchema = circularSummarySchema.extend({
  sections: z.array(sectionSchema),
  generatedFrom: z.object({
    rankingMonth: z.string(),
    configVersion: z.string(),
    computedAt: z.string(),
    overdueProjects: z.number().int(),
    noticesIssued: z.number().int(),
    noticesClosed: z.number().int(),
    interviews: z.number().int(),
  }),
  generatedBy: person,
  editedBy: person,
  publishedBy: person,
  /** The office that published it (or generated the draft), as the document names it. */
  issuer: z.string(),
  canWrite: z.boolean(),
});
export type CircularDto = z.infer<typeof circularSchema>;

export const circularListSchema = z.object({
  items: z.array(circularSummarySchema),
  /** Months whose ranking is stored (what a draft can be generated from); empty for units. */
  rankingMonths: z.array(z.string()),
  canWrite: z.boolean(),
});
