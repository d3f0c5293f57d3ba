/**
 * The API contract of rectification notices (整改通知书, docs/supervision.md): the supervision
 * office issues a notice to one unit about listed problems, the unit answers each problem with
 * what it did and evidence, the office accepts or sends it back, and may withdraw the notice.
 */
import { z } from 'zod';
import type { Principal } from './access.js';
import { orgCodeSchema, orgRefSchema, safeString } from './schemas.js';

const text = (max: number) => safeString().trim().min(1).max(max);

// ── who may ───────────────────────────────────────────────────────────────────────────────────
/** The supervision office: an office unit's supervisor or operator. */
export function isSupervisionOffice(p: Principal): boolean {
  return p.orgKind === 'office' && (p.roles.includes('supervisor') || p.roles.includes('operator'));
}
/** A notice is answered by an operator of the unit it is addressed to. */
export function canAnswerRectification(p: Principal, n: { unitId: string }): boolean {
  return p.roles.includes('operator') && p.orgUnitId === n.unitId;
}

// ── requests ──────────────────────────────────────────────────────────────────────────────────
export const DAY_COUNTS = ['calendar', 'working'] as const;

export const rectificationProblemInputSchema = z.object({
  /** The project the problem is about (id or code), if it is about one. */
  project: z.string().trim().min(1).max(64).optional(),
  description: text(2000),
  /** 依据: the law, regulation or policy the problem breaches. */
  basis: text(1000),
  /** 限时整改: days to rectify, counted as the notice's `dayCount` says. */
  deadlineDays: z.number().int().min(1).max(365),
});

export const issueRectificationSchema = z.object({
  /** The addressee unit's code. */
  unitCode: orgCodeSchema,
  title: text(200),
  dayCount: z.enum(DAY_COUNTS).default('working'),
  problems: z.array(rectificationProblemInputSchema).min(1).max(50),
  /** The red flag this notice was raised from, if any. */
  redFlagId: z.coerce.number().int().min(1).optional(),
});
export type IssueRectificationInput = z.infer<typeof issueRectificationSchema>;

/** The unit's answer to one problem: what it did, and the evidence (archive documents by id). */
export const answerProblemSchema = z.object({
  action: text(5000),
  evidenceIds: z.array(z.uuid()).max(20).default([]),
});

/** The office's verdict on one answered problem. A send-back names its reasons and a new term. */
export const verifyProblemSchema = z.discriminatedUnion('verdict', [
  z.object({ verdict: z.literal('accept'), comment: safeString().trim().max(2000).default('') }),
  z.object({
    verdict: z.literal('sendBack'),
    reasons: text(2000),
    deadlineDays: z.number().int().min(1).max(365),
  }),
]);

export const withdrawRectificationSchema = z.object({ reason: text(2000) });

export const RECTIFICATION_STATUSES = ['open', 'closed', 'withdrawn'] as const;
export const PROBLEM_STATUSES = ['open', 'answered', 'sentBack', 'accepted', 'withdrawn'] as const;

export const rectificationListQuerySchema = z.object({
  status: z.enum(RECTIFICATION_STATUSES).optional(),
  unitCode: orgCodeSchema.optional(),
  year: z.coerce.number().int().min(2000).max(2100).optional(),
  overdue: z.enum(['true', 'false']).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

// ── views ─────────────────────────────────────────────────────────────────────────────────────
export const evidenceSchema = z.object({
  id: z.uuid(),
  fileName: z.string(),
  sha256: z.string(),
  sizeBytes: z.number().int(),
});

/** One turn of the exchange on a problem: an answer or a verdict. */
export const problemEventSchema = z.object({
  kind: z.enum(['answer', 'accept', 'sendBack']),
  at: z.string(),
  by: z.string(),
  text: z.string(),
  /** A send-back's new deadline. */
  dueDate: z.string().nullable(),
  evidence: z.array(evidenceSchema),
});

export const rectificationProblemSchema = z.object({
  id: z.number().int(),
  seq: z.number().int(),
  project: z.object({ id: z.uuid(), code: z.string(), name: z.string() }).nullable(),
  description: z.string(),
  basis: z.string(),
  deadlineDays: z.number().int(),
  firstDueDate: z.string(),
  dueDate: z.string(),
  status: z.enum(PROBLEM_STATUSES),
  acceptedAt: z.string().nullable(),
  events: z.array(problemEventSchema),
});

export const rectificationSummarySchema = z.object({
  id: z.uuid(),
  serial: z.string(),
  title: z.string(),
  unit: orgRefSchema,
  issuedAt: z.string(),
  dueDate: z.string(),
  dayCount: z.enum(DAY_COUNTS),
  status: z.enum(RECTIFICATION_STATUSES),
  /** Problems not yet accepted, and how many days the notice is past its due date (0 if not). */
  openProblems: z.number().int(),
  daysOverdue: z.number().int(),
  /** The ladder step reached: null, reminder, overdue, escalated or interview. */
  ladderStep: z.string().nullable(),
});

export const rectificationDetailSchema = rectificationSummarySchema.extend({
  issuer: orgRefSchema,
  closedAt: z.string().nullable(),
  closedOnTime: z.boolean().nullable(),
  withdrawnReason: z.string().nullable(),
  redFlagId: z.number().int().nullable(),
  problems: z.array(rectificationProblemSchema),
});

export const rectificationListSchema = z.object({
  items: z.array(rectificationSummarySchema),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
});
