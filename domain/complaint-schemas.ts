/**
 * The api contract of complaints (监督举报): the public submission and lookup, and the console's
 * list, detail and steps. Who may do what: the supervision office acknowledges, assigns, answers,
 * closes and reopens; an operator of the unit assigned handles; county-wide accounts and that unit
 * read. Only the office ever sees who reported (docs/complaints.md).
 */
import { z } from 'zod';
import type { Principal } from './access.js';
import { COMPLAINT_STATUSES, SLA_PHASES } from './complaint-records.js';
import { isSupervisionOffice } from './rectification-schemas.js';
import { orgCodeSchema, projectCodeSchema, safeString } from './schemas.js';
import { schemaMessage } from './errors.js';

export { isSupervisionOffice };

const text = (max: number) => safeString().trim().min(1).max(max);

export const COMPLAINT_CATEGORIES = ['funds', 'quality', 'progress', 'conduct', 'other'] as const;
export const COMPLAINT_CATEGORY_LABELS: Record<
  (typeof COMPLAINT_CATEGORIES)[number],
  { zh: string; en: string }
> = {
  funds: { zh: '资金使用', en: 'use of funds' },
  quality: { zh: '工程质量', en: 'quality of works' },
  progress: { zh: '建设进度', en: 'progress' },
  conduct: { zh: '干部作风', en: 'officials’ conduct' },
  other: { zh: '其他', en: 'other' },
};

/** Limits of the reporter's photos: images only (checked by their first bytes), bounded in count and size. */
export const COMPLAINT_PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export const DEFAULT_COMPLAINT_LIMITS = {
  maxPhotos: 3,
  maxPhotoBytes: 5 * 1024 * 1024,
  /** Submissions per client address per hour. */
  submitPerHour: 5,
  /** Receipt lookups per client address per minute. */
  lookupPerMinute: 20,
  /** A form sent back sooner than this after it was served is a robot's. */
  minFillMs: 3000,
};
export type ComplaintLimits = typeof DEFAULT_COMPLAINT_LIMITS;

/**
 * The submission's fields (the photos travel beside them in the multipart body). `website` is the
 * honeypot: a field people never see and robots fill in. `formToken` comes with the form (or
 * `GET /public/api/complaints/form-token`): signed, it tells when the form was served.
 */
export const submitComplaintSchema = z
  .object({
    project: projectCodeSchema.optional(),
    village: orgCodeSchema.optional(),
    category: z.enum(COMPLAINT_CATEGORIES),
    description: text(2000).min(5, {
      error: schemaMessage({ zh: '请至少写 5 个字', en: 'at least 5 characters' }),
    }),
    anonymous: z.boolean().default(true),
    name: safeString().trim().min(1).max(50).optional(),
    phone: z
      .string()
      .trim()
      .normalize('NFKC')
      .regex(/^[0-9+ -]{5,20}$/, {
        error: schemaMessage({ zh: '电话号码格式不对', en: 'not a phone number' }),
      })
      .optional(),
    website: z.string().max(200).optional(),
    formToken: z.string().max(200),
  })
  .strict();
export type SubmitComplaintInput = z.infer<typeof submitComplaintSchema>;

export const submittedComplaintSchema = z.object({
  receipt: z.string(),
  /** The receipt as shown: `XXXX-XXXX-XXXX`. */
  receiptDisplay: z.string(),
  status: z.enum(COMPLAINT_STATUSES),
});

export const lookupComplaintSchema = z.object({ receipt: z.string().max(40) }).strict();

/** What the public learns from a receipt: the status and the office's public answer, nothing else. */
export const complaintLookupSchema = z.object({
  receiptDisplay: z.string(),
  status: z.enum(COMPLAINT_STATUSES),
  subject: z.object({ kind: z.enum(['project', 'village']), code: z.string(), name: z.string().nullable() }),
  category: z.enum(COMPLAINT_CATEGORIES),
  submittedAt: z.string(),
  answeredAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  publicAnswer: z.string().nullable(),
});

// ── the console ───────────────────────────────────────────────────────────────────────────────
export const complaintListQuerySchema = z.object({
  status: z.enum(COMPLAINT_STATUSES).optional(),
  unitCode: orgCodeSchema.optional(),
  category: z.enum(COMPLAINT_CATEGORIES).optional(),
  overdue: z.enum(['true', 'false']).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
export type ComplaintListQuery = z.infer<typeof complaintListQuerySchema>;

const unitRef = z.object({ id: z.uuid(), code: z.string(), name: z.string() });

export const complaintItemSchema = z.object({
  id: z.uuid(),
  status: z.enum(COMPLAINT_STATUSES),
  subject: z.object({ kind: z.enum(['project', 'village']), code: z.string(), name: z.string().nullable() }),
  subjectUnit: unitRef.nullable(),
  category: z.enum(COMPLAINT_CATEGORIES),
  summary: z.string(),
  unit: unitRef.nullable(),
  submittedAt: z.string(),
  slaPhase: z.enum(SLA_PHASES).nullable(),
  slaDueDate: z.string().nullable(),
  slaStep: z.enum(['overdue', 'escalated']).nullable(),
  reopenCount: z.number().int(),
});
export const complaintListSchema = z.object({
  items: z.array(complaintItemSchema),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
});

export const complaintDetailSchema = complaintItemSchema.extend({
  description: z.string(),
  publicAnswer: z.string().nullable(),
  photos: z.array(z.object({ id: z.uuid(), contentType: z.string(), sizeBytes: z.number().int() })),
  events: z.array(
    z.object({
      step: z.string(),
      at: z.string(),
      actorName: z.string(),
      /** Written by the villager who reported (no account behind it): named in the reader's language. */
      byReporter: z.boolean(),
      unit: unitRef.nullable(),
      text: z.string().nullable(),
      evidence: z.array(z.object({ id: z.uuid(), fileName: z.string(), contentType: z.string() })),
    }),
  ),
  /** The supervision office only: the receipt and who reported. Absent for everyone else. */
  receipt: z.string().optional(),
  reporter: z
    .object({ anonymous: z.boolean(), name: z.string().nullable(), phone: z.string().nullable() })
    .optional(),
});

export const assignComplaintSchema = z.object({
  unitCode: orgCodeSchema,
  note: safeString().trim().max(2000).optional(),
});
export const handleComplaintSchema = z.object({
  action: text(5000),
  evidenceIds: z.array(z.uuid()).max(20).default([]),
});
export const answerComplaintSchema = z.object({ answer: text(5000) });
export const reopenComplaintSchema = z.object({ reason: text(2000) });
export const noteComplaintSchema = z.object({ note: safeString().trim().max(2000).optional() });

/** A complaint is handled by an operator of the unit it is assigned to. */
export function canHandleComplaint(p: Principal, c: { unitId: string | null }): boolean {
  return p.roles.includes('operator') && c.unitId !== null && p.orgUnitId === c.unitId;
}
