/** The monthly ranking's API contract (api/src/modules/ranking): params, bodies and answers. */
import { z } from 'zod';
import { MONTH_PATTERN } from './report.js';
import { schemaMessage } from '../errors.js';
import { isoDate } from '../schemas.js';

export const monthParam = z.string().regex(MONTH_PATTERN, {
  error: schemaMessage({ zh: '月份格式应为 YYYY-MM（2000–2099 年）', en: 'a month as YYYY-MM, 2000–2099' }),
});

/** No month: the month just over (the previous month, Asia/Shanghai); a month: that one (backfill). */
export const rankingRunBodySchema = z.strictObject({ month: monthParam.optional() });

export const rankingExportQuerySchema = z.object({
  format: z.enum(['xlsx', 'pdf'], {
    error: schemaMessage({ zh: '导出格式应为 xlsx 或 pdf', en: 'the format is xlsx or pdf' }),
  }),
});

/** The standings as of a day's end (today when none is given): its month so far, not stored. */
export const rankingPreviewQuerySchema = z.object({ asOf: isoDate.optional() });

const digits = z.string().regex(/^\d+$/);
const indicatorResultSchema = z.object({
  key: z.string(),
  num: digits,
  den: digits,
  rate: z.string().nullable(),
  pointsCenti: z.number().int(),
  points: z.string(),
  available: z.boolean(),
});
export const rankingRowSchema = z.object({
  unitId: z.string(),
  unitCode: z.string(),
  unitName: z.string(),
  // Today's inputs (RANKING_INPUTS), or an older config version's in a report computed with it.
  inputs: z.record(z.string(), digits),
  indicators: z.array(indicatorResultSchema),
  totalCenti: z.number().int(),
  total: z.string(),
  rank: z.number().int().nullable(),
  previousRank: z.number().int().nullable(),
  movement: z.number().int().nullable(),
});
const indicatorConfigSchema = z.object({
  key: z.string(),
  label: z.object({ zh: z.string(), en: z.string() }),
  formula: z.object({ zh: z.string(), en: z.string() }),
  scale: z.enum(['ratio', 'complement', 'deduction', 'unavailable']),
  num: z.array(z.union([z.string(), z.number()])),
  den: z.array(z.union([z.string(), z.number()])),
  weight: z.number(),
  perItemCenti: z.number().optional(),
});
export const rankingReportSchema = z.object({
  month: z.string(),
  year: z.number().int(),
  monthNumber: z.number().int(),
  periodStart: z.string(),
  cutoff: z.string(),
  timezone: z.literal('Asia/Shanghai'),
  computedAt: z.string(),
  previousMonth: z.string().nullable(),
  config: z.object({
    version: z.string(),
    timezone: z.literal('Asia/Shanghai'),
    minProjects: z.number().int(),
    ties: z.literal('shared'),
    indicators: z.array(indicatorConfigSchema),
  }),
  groups: z.object({ department: z.array(rankingRowSchema), township: z.array(rankingRowSchema) }),
});
export const rankingMonthListSchema = z.object({
  items: z.array(
    z.object({
      month: z.string(),
      configVersion: z.string(),
      computedAt: z.string(),
      trigger: z.enum(['schedule', 'manual', 'backfill']),
    }),
  ),
});
export const rankingRunResultSchema = z.object({
  month: z.string(),
  created: z.boolean(),
  workflowId: z.string(),
});
const projectFactSchema = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  budgetFen: digits,
  disbursedFen: digits,
  reachedStage: z.string(),
  dueStart: z.boolean(),
  dueCompletion: z.boolean(),
  dueReimbursement: z.boolean(),
  overdueDays: z.number().int().nullable(),
  progressDue: z.boolean(),
  progressOnTime: z.boolean(),
  visitOnTime: z.boolean(),
});
/** A unit's row of a month, and the projects behind its project figures (recomputed as of the cutoff). */
export const rankingUnitSchema = z.object({
  month: z.string(),
  group: z.enum(['department', 'township']),
  row: rankingRowSchema,
  projects: z.array(projectFactSchema),
});
/** A unit's rows over the months (the annual assessment reads these). */
export const rankingUnitHistorySchema = z.object({
  items: z.array(
    z.object({ month: z.string(), group: z.enum(['department', 'township']), row: rankingRowSchema }),
  ),
});
/** A month so far, computed on request and never stored: the same report, as of `asOf`'s end. */
export const rankingPreviewSchema = z.object({ asOf: z.string(), report: rankingReportSchema });
