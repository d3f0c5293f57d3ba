/**
 * The API contract of 约谈 records, the negative list (负面清单) and a unit's annual assessment
 * (docs/supervision.md). The supervision office writes; county-wide accounts read everything; a
 * unit reads the talks it was part of, its own entries and its own year.
 */
import { z } from 'zod';
import { isCountyWide, type Principal } from './access.js';
import { cstDate, DEADLINE_KINDS } from './deadlines.js';
import { attachmentSchema } from './bulletin-schemas.js';
import { isSupervisionOffice } from './rectification-schemas.js';
import {
  DATE_MAX,
  DATE_MIN,
  happenedOn,
  isoDate,
  notAfterToday,
  orgCodeSchema,
  orgRefSchema,
  safeString,
} from './schemas.js';
import { schemaMessage, schemaText } from './errors.js';

const text = (max: number) => safeString().trim().min(1).max(max);
const attachmentIds = z.array(z.uuid()).max(20).default([]);

// ── who may ───────────────────────────────────────────────────────────────────────────────────
export { isSupervisionOffice };
/** A talk: county-wide accounts, and the units of the people talked to. */
export function canReadInterview(p: Principal, r: { subjectUnitIds: readonly string[] }): boolean {
  return isCountyWide(p) || r.subjectUnitIds.includes(p.orgUnitId);
}
/** A unit's year: county-wide accounts, and the unit itself. */
export function canReadAssessment(p: Principal, unitId: string): boolean {
  return isCountyWide(p) || p.orgUnitId === unitId;
}

// ── 约谈 records ──────────────────────────────────────────────────────────────────────────────
export const INTERVIEW_KINDS = ['individual', 'collective'] as const;

export const interviewSubjectInputSchema = z.object({
  unitCode: orgCodeSchema,
  name: text(50),
  title: safeString().trim().max(100).default(''),
});

export const createInterviewSchema = z
  .object({
    kind: z.enum(INTERVIEW_KINDS),
    /** When the talk was held (ISO date-time with offset). */
    heldAt: z.iso
      .datetime({
        offset: true,
        error: schemaMessage({
          zh: '时间格式应为 ISO 8601（含时区）',
          en: 'a time in ISO 8601 with its offset',
        }),
      })
      .refine((d) => d.slice(0, 10) >= DATE_MIN && d.slice(0, 10) <= DATE_MAX, {
        error: schemaMessage({
          zh: `时间须在 ${DATE_MIN} 至 ${DATE_MAX} 之间`,
          en: `a time from ${DATE_MIN} to ${DATE_MAX}`,
        }),
        abort: true,
      })
      // A record of a talk held: a day ahead is a mistyped date, which would count in that month's
      // ranking and that year's assessment. Later today is allowed (the form offers 09:00).
      .refine((d) => !Number.isFinite(Date.parse(d)) || notAfterToday(cstDate(Date.parse(d))), {
        error: schemaMessage({
          zh: '约谈时间不能晚于今天',
          en: 'a talk is recorded once held: not after today',
        }),
      }),
    location: safeString().trim().max(200).default(''),
    /** Who talked: names and posts, as written in the record. */
    interviewers: text(500),
    subjects: z.array(interviewSubjectInputSchema).min(1).max(50),
    reason: text(2000),
    /** What was agreed (整改要求、承诺). */
    agreed: text(5000),
    followUpDue: isoDate.optional(),
    /** The open 约谈 flags this talk deals with; each is closed by this record. */
    flagIds: z.array(z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)).max(20).default([]),
    /** A project the talk is about (its code or id), when not given by a flag. */
    project: z.string().trim().min(1).max(64).optional(),
    /** The record this one corrects (records are never changed; a correction is a new record). */
    correctsId: z.uuid().optional(),
    /** Also list each unit talked to on the negative list (source: this talk). */
    addToNegativeList: z.boolean().default(false),
    attachmentIds,
  })
  .superRefine((v, ctx) => {
    if (v.kind === 'individual' && v.subjects.length !== 1)
      ctx.addIssue({
        code: 'custom',
        path: ['subjects'],
        message: schemaText({
          zh: '个别约谈应只有一名被约谈人',
          en: 'an individual talk has exactly one subject',
        }),
      });
    // The county's date of the talk: a reply cannot be due before the talk that asked for it.
    // (Refinements run even when a field failed: a heldAt that is no time is reported as such.)
    const held = Date.parse(v.heldAt);
    if (v.followUpDue && Number.isFinite(held) && v.followUpDue < cstDate(held))
      ctx.addIssue({
        code: 'custom',
        path: ['followUpDue'],
        message: schemaText({
          zh: '整改回复期限不能早于约谈日期',
          en: 'the reply cannot be due before the talk',
        }),
      });
  });
export type CreateInterviewInput = z.infer<typeof createInterviewSchema>;

export const interviewListQuerySchema = z.object({
  unitCode: orgCodeSchema.optional(),
  kind: z.enum(INTERVIEW_KINDS).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  q: safeString().trim().max(100).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
export type InterviewListQuery = z.infer<typeof interviewListQuerySchema>;

const subjectSchema = z.object({ unit: orgRefSchema, name: z.string(), title: z.string() });
export const interviewSummarySchema = z.object({
  id: z.uuid(),
  kind: z.enum(INTERVIEW_KINDS),
  heldAt: z.string(),
  location: z.string(),
  interviewers: z.string(),
  reason: z.string(),
  followUpDue: z.string().nullable(),
  subjects: z.array(subjectSchema),
  project: z.object({ code: z.string(), name: z.string() }).nullable(),
  correctsId: z.uuid().nullable(),
  /** A later record that corrects this one, if any. */
  correctedById: z.uuid().nullable(),
  createdAt: z.string(),
});
export const interviewDetailSchema = interviewSummarySchema.extend({
  agreed: z.string(),
  recorder: orgRefSchema,
  createdBy: z.string().nullable(),
  flags: z.array(z.object({ id: z.number().int(), source: z.string(), reason: z.string() })),
  attachments: z.array(attachmentSchema),
});
export const interviewListSchema = z.object({
  items: z.array(interviewSummarySchema),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
});

/**
 * The project deadline a ladder's 约谈 was raised for, beside the reason written then (in Chinese,
 * as filed): what the console words in the reader's language. Null for other sources.
 */
export const ladderGroundsSchema = z
  .object({
    kind: z.enum(DEADLINE_KINDS),
    period: z.string(),
    dueDate: z.string(),
    daysLate: z.number().int(),
  })
  .nullable();

/**
 * The same for a rectification notice's ladder: the notice, the problems (their numbers) that came
 * due together, their term and the days late. Null for other sources.
 */
export const noticeLadderGroundsSchema = z
  .object({
    serial: z.string(),
    problems: z.array(z.number().int()),
    dueDate: z.string(),
    daysLate: z.number().int(),
  })
  .nullable();

export const interviewFlagSchema = z.object({
  id: z.number().int(),
  source: z.enum(['projectLadder', 'rectification']),
  unit: orgRefSchema,
  project: z.object({ code: z.string(), name: z.string() }).nullable(),
  notice: z.object({ id: z.uuid(), serial: z.string() }).nullable(),
  reason: z.string(),
  ladder: ladderGroundsSchema,
  noticeLadder: noticeLadderGroundsSchema,
  raisedAt: z.string(),
  recordId: z.uuid().nullable(),
  closedAt: z.string().nullable(),
});
export const interviewFlagListQuerySchema = z.object({
  status: z.enum(['open', 'closed', 'all']).default('open'),
  unitCode: orgCodeSchema.optional(),
  /** One flag by its number (the talk form opened from a flag), whatever page it is on. */
  id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(50),
});
export type InterviewFlagListQuery = z.infer<typeof interviewFlagListQuerySchema>;
export const interviewFlagListSchema = z.object({
  items: z.array(interviewFlagSchema),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
});

// ── 负面清单 ─────────────────────────────────────────────────────────────────────────────────
export const NEGATIVE_SOURCES = ['projectLadder', 'rectification', 'interview', 'manual'] as const;
export const monthSchema = z.string().regex(/^(20\d\d|2100)-(0[1-9]|1[0-2])$/, {
  error: schemaMessage({ zh: '月份格式应为 YYYY-MM（2000–2100 年）', en: 'a month as YYYY-MM, 2000–2100' }),
});

export const createNegativeEntrySchema = z.object({
  unitCode: orgCodeSchema,
  /** The project (code or id), if the entry is about one. */
  project: z.string().trim().min(1).max(64).optional(),
  /** The unit's principal leader at the time (主要负责人); by default its account marked so. */
  leaderName: text(50).optional(),
  reason: text(2000),
  /** The day the unit was listed: not after today (a day ahead is a mistyped date). */
  listedOn: happenedOn,
});
export const liftNegativeEntrySchema = z.object({ reason: text(2000), attachmentIds });
export const negativeListQuerySchema = z.object({
  status: z.enum(['listed', 'lifted', 'all']).default('listed'),
  unitCode: orgCodeSchema.optional(),
  source: z.enum(NEGATIVE_SOURCES).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(50),
});
export type NegativeListQuery = z.infer<typeof negativeListQuerySchema>;
export const publishMonthSchema = z.object({ month: monthSchema });

export const negativeEntrySchema = z.object({
  id: z.number().int(),
  unit: orgRefSchema,
  leaderName: z.string(),
  project: z.object({ code: z.string(), name: z.string() }).nullable(),
  source: z.enum(NEGATIVE_SOURCES),
  /** The alert, notice or talk the entry came from (null: listed by hand). */
  sourceRef: z.string().nullable(),
  reason: z.string(),
  ladder: ladderGroundsSchema,
  noticeLadder: noticeLadderGroundsSchema,
  listedOn: z.string(),
  listedAt: z.string(),
  liftedAt: z.string().nullable(),
  liftReason: z.string().nullable(),
  liftedBy: z.string().nullable(),
  evidence: z.array(attachmentSchema),
});
export const negativeListSchema = z.object({
  items: z.array(negativeEntrySchema),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
});
export const publicationSchema = z.object({
  month: z.string(),
  publishedAt: z.string(),
  publishedBy: z.string().nullable(),
  entryCount: z.number().int(),
});
export const publicationListSchema = z.object({ items: z.array(publicationSchema) });
export const publicationDetailSchema = publicationSchema.extend({
  entries: z.array(
    z.object({
      seq: z.number().int(),
      entryId: z.number().int(),
      unit: z.object({ name: z.string() }),
      leaderName: z.string(),
      project: z.object({ name: z.string() }).nullable(),
      source: z.string(),
      reason: z.string(),
      listedOn: z.string(),
      liftedOn: z.string().nullable(),
      liftReason: z.string().nullable(),
    }),
  ),
});

// ── 年度考核 ─────────────────────────────────────────────────────────────────────────────────
export const assessmentQuerySchema = z.object({
  year: z.coerce.number().int().min(2000).max(2100),
});
export const annualAssessmentSchema = z.object({
  unit: orgRefSchema.extend({ kind: z.string() }),
  year: z.number().int(),
  summary: z.object({
    notices: z.number().int(),
    noticesClosedOnTime: z.number().int(),
    noticesOpen: z.number().int(),
    talks: z.number().int(),
    negativeEntries: z.number().int(),
    negativeEntriesLifted: z.number().int(),
  }),
  notices: z.array(
    z.object({
      id: z.uuid(),
      serial: z.string(),
      title: z.string(),
      issuedOn: z.string(),
      dueDate: z.string(),
      status: z.string(),
      closedOnTime: z.boolean().nullable(),
    }),
  ),
  talks: z.array(interviewSummarySchema),
  negativeEntries: z.array(negativeEntrySchema),
  /** The twelve months' ranks (filled from the monthly ranking reports). */
  ranks: z.array(
    z.object({
      month: z.string(),
      rank: z.number().int().nullable(),
      /** The month's total score, 2 decimals; null without a stored report for the unit. */
      total: z.string().nullable(),
      /** Places moved since the month before (positive: up). */
      movement: z.number().int().nullable(),
    }),
  ),
});
