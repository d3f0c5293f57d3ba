/**
 * The API contract of the statistics (统计分析, docs/statistics.md): the projects in the caller's
 * scope counted and summed by one dimension (rows) or crossed by two (rows × columns), each cell
 * naming the list filters that show the projects behind it.
 */
import { z } from 'zod';
import {
  PROJECT_YEAR_MAX,
  PROJECT_YEAR_MIN,
  FUND_SOURCE_KINDS,
  fenTotal,
  orgRefSchema,
  stageSchema,
} from './schemas.js';
import { schemaText } from './errors.js';

/**
 * The dimensions, each named as the project list's filter of the same value, so a cell's keys are
 * the list's query as they stand. year, department, type and stage give a project one value;
 * township, village and fundSource may give it several (villages in two townships, two sources).
 */
export const STAT_DIMENSIONS = [
  'year',
  'department',
  'township',
  'village',
  'fundSource',
  'type',
  'stage',
] as const;
export type StatDimension = (typeof STAT_DIMENSIONS)[number];
/** The dimensions that give every project exactly one value: their cells partition the projects. */
export const EXCLUSIVE_DIMENSIONS: readonly StatDimension[] = ['year', 'department', 'type', 'stage'];

export const statisticsQuerySchema = z
  .object({
    rows: z.enum(STAT_DIMENSIONS).default('township'),
    /** Absent: one dimension (a row per value and the total). */
    columns: z.enum(STAT_DIMENSIONS).optional(),
    // The project list's filters, with the same meaning (GET /api/projects).
    year: z.coerce.number().int().min(PROJECT_YEAR_MIN).max(PROJECT_YEAR_MAX).optional(),
    department: z.string().max(40).optional(),
    township: z.string().max(40).optional(),
    village: z.string().max(40).optional(),
    stage: stageSchema.optional(),
    type: z.string().trim().max(50).optional(),
    fundSource: z.enum(FUND_SOURCE_KINDS).optional(),
  })
  .superRefine((q, ctx) => {
    if (q.columns !== undefined && q.columns === q.rows)
      ctx.addIssue({
        code: 'custom',
        path: ['columns'],
        message: schemaText({
          zh: '行与列须为不同维度',
          en: 'rows and columns must be different dimensions',
        }),
      });
  });
export type StatisticsQuery = z.infer<typeof statisticsQuerySchema>;

const count = z.number().int().nonnegative();

/**
 * The figures of a set of projects. Money is decimal strings of 分 summed in numeric (exact at any
 * size); cancelled projects count in `projects` but carry no money, as on the dashboard.
 */
export const statFiguresSchema = z.object({
  projects: count,
  /** 批复预算: Σ the projects' fund sources (= their budgets). */
  budgetFen: fenTotal,
  /** 已下达: Σ the fund sources linked to a fund document (资金文件) in the department ledger. */
  allocatedFen: fenTotal,
  /** 已拨付: Σ the department ledger's disbursements. */
  disbursedFen: fenTotal,
  /** disbursed × 10000 ÷ budget, truncated; null when nothing is budgeted. */
  disbursedBasisPoints: z.number().int().nonnegative().nullable(),
  /** Projects with an overdue deadline now (an active alert past the reminder). */
  overdueProjects: count,
});
export type StatFigures = z.infer<typeof statFiguresSchema>;

/** One value of a dimension: its key is the list filter's value, its label what people read. */
const memberSchema = statFiguresSchema.extend({ key: z.string(), label: z.string() });

const axisSchema = z.object({
  dimension: z.enum(STAT_DIMENSIONS),
  /** true: each project has one value, so the members' figures add up to the total. */
  exclusive: z.boolean(),
  /** Each value with the figures of its projects (row or column totals), in the dimension's order. */
  members: z.array(memberSchema),
});

export const statisticsSchema = z.object({
  scope: z.object({
    kind: z.enum(['county', 'department', 'township', 'village', 'none']),
    unit: orgRefSchema,
  }),
  /** The filters applied (the query without the dimensions). */
  filter: z.record(z.string(), z.union([z.string(), z.number()])),
  rows: axisSchema,
  columns: axisSchema.nullable(),
  /** The non-empty cells of rows × columns (empty when there are no columns). */
  cells: z.array(statFiguresSchema.extend({ row: z.string(), column: z.string() })),
  total: statFiguresSchema,
});
export type StatisticsDto = z.infer<typeof statisticsSchema>;
