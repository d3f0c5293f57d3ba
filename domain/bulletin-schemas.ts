/**
 * The API contract of 通知公告 (notices to units with read receipts), 政策法规 (the policy library)
 * and 网络寻呼 (threads between units), and who may do what with them (docs/bulletin.md).
 */
import { z } from 'zod';
import { isCountyWide, type Principal } from './access.js';
import {
  isoDate,
  orgCodeSchema,
  orgRefSchema,
  ORG_KINDS,
  PROJECT_YEAR_MAX,
  PROJECT_YEAR_MIN,
  safeString,
} from './schemas.js';
import { schemaMessage } from './errors.js';

const text = (max: number) => safeString().trim().min(1).max(max);
const page = {
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
};
const paged = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    total: z.number().int(),
    page: z.number().int(),
    pageSize: z.number().int(),
  });
const attachmentIds = z.array(z.uuid()).max(20).default([]);

// ── who may ───────────────────────────────────────────────────────────────────────────────────
/** Notices and policies are written by the county offices' operators and supervisors, and administrators. */
export function canPublishBulletin(p: Principal): boolean {
  return (
    p.roles.includes('admin') ||
    (p.orgKind === 'office' && (p.roles.includes('operator') || p.roles.includes('supervisor')))
  );
}
/** A query account (查询) only reads; every other account writes messages and uploads attachments. */
export function canWriteMessages(p: Principal): boolean {
  return p.roles.some((r) => r !== 'viewer');
}
/** A notice is read by its author's unit, the units it is addressed to, and county-wide accounts. */
export function canReadNotice(
  p: Principal,
  n: { authorUnitId: string; recipientUnitIds: readonly string[] },
) {
  return isCountyWide(p) || n.authorUnitId === p.orgUnitId || n.recipientUnitIds.includes(p.orgUnitId);
}
/** Who has read a notice: county-wide accounts (the offices that publish among them). */
export function canSeeReceipts(
  p: Principal,
  n: { authorUnitId: string; recipientUnitIds: readonly string[] },
) {
  return canReadNotice(p, n) && (isCountyWide(p) || n.authorUnitId === p.orgUnitId);
}
/** A thread is its participant units' alone: county-wide accounts outside it do not see it either. */
export function isThreadMember(p: Principal, t: { unitIds: readonly string[] }) {
  return t.unitIds.includes(p.orgUnitId);
}

// ── attachments ───────────────────────────────────────────────────────────────────────────────
export const attachmentUploadQuerySchema = z.object({ fileName: text(200) });
export const attachmentSchema = z.object({
  id: z.uuid(),
  fileName: z.string(),
  contentType: z.string(),
  sizeBytes: z.number().int(),
  sha256: z.string(),
  uploadedAt: z.string(),
});
export type AttachmentDto = z.infer<typeof attachmentSchema>;

// ── 通知公告 ──────────────────────────────────────────────────────────────────────────────────
export const NOTICE_CATEGORIES = ['notice', 'announcement', 'meeting', 'briefing', 'other'] as const;
export type NoticeCategory = (typeof NOTICE_CATEGORIES)[number];
/** Kinds of unit a notice may be addressed to as a whole ("all townships"). */
export const AUDIENCE_KINDS = ['office', 'department', 'township', 'village'] as const;

export const createNoticeSchema = z
  .object({
    title: text(200),
    body: text(50_000),
    category: z.enum(NOTICE_CATEGORIES),
    issuer: text(100),
    issuedOn: isoDate,
    /** Units by code, and kinds of unit as a whole: the union is addressed. */
    unitCodes: z.array(orgCodeSchema).max(500).default([]),
    unitKinds: z.array(z.enum(AUDIENCE_KINDS)).max(AUDIENCE_KINDS.length).default([]),
    attachmentIds,
  })
  .refine((n) => n.unitCodes.length + n.unitKinds.length > 0, {
    path: ['unitCodes'],
    error: schemaMessage({ zh: '请选择接收单位', en: 'choose at least one unit or kind of unit' }),
  });
export type CreateNoticeInput = z.infer<typeof createNoticeSchema>;

export const noticeListQuerySchema = z.object({
  unread: z.enum(['true', 'false']).optional(),
  category: z.enum(NOTICE_CATEGORIES).optional(),
  ...page,
});
export type NoticeListQuery = z.infer<typeof noticeListQuerySchema>;

export const noticeSummarySchema = z.object({
  id: z.uuid(),
  title: z.string(),
  category: z.enum(NOTICE_CATEGORIES),
  issuer: z.string(),
  issuedOn: z.string(),
  authorUnit: orgRefSchema,
  publishedAt: z.string(),
  /** When the caller first opened it, or null (未读). */
  readAt: z.string().nullable(),
  attachmentCount: z.number().int(),
});
export const noticeListSchema = paged(noticeSummarySchema).extend({ unread: z.number().int() });
export const noticeSchema = noticeSummarySchema.extend({
  body: z.string(),
  author: z.string().nullable(),
  audience: z.object({ unitKinds: z.array(z.enum(AUDIENCE_KINDS)), unitCodes: z.array(z.string()) }),
  recipients: z.array(orgRefSchema.extend({ kind: z.enum(ORG_KINDS) })),
  attachments: z.array(attachmentSchema),
  /** Whether the caller may see who has read it. */
  canSeeReceipts: z.boolean(),
});
export type NoticeDto = z.infer<typeof noticeSchema>;
export const noticeReadSchema = z.object({ readAt: z.string() });
export const noticeReceiptsSchema = z.object({
  total: z.number().int(),
  read: z.number().int(),
  units: z.array(
    orgRefSchema.extend({
      kind: z.enum(ORG_KINDS),
      /** Accounts of the unit that opened it, first read first; empty: 未读. */
      readers: z.array(z.object({ name: z.string(), username: z.string(), readAt: z.string() })),
    }),
  ),
});
export type NoticeReceiptsDto = z.infer<typeof noticeReceiptsSchema>;

// ── 政策法规 ──────────────────────────────────────────────────────────────────────────────────
export const POLICY_LEVELS = ['national', 'municipal', 'county'] as const;
export const POLICY_CATEGORIES = ['funds', 'projects', 'supervision', 'industry', 'other'] as const;
export const POLICY_STATUSES = ['effective', 'repealed'] as const;

const policyFields = {
  title: text(200),
  documentNo: safeString().trim().max(100).default(''),
  issuer: text(100),
  level: z.enum(POLICY_LEVELS),
  category: z.enum(POLICY_CATEGORIES),
  issuedOn: isoDate,
  effectiveOn: isoDate.nullable().default(null),
  status: z.enum(POLICY_STATUSES).default('effective'),
  body: safeString().max(200_000).default(''),
};
export const createPolicySchema = z.object({ ...policyFields, attachmentIds });
export type CreatePolicyInput = z.infer<typeof createPolicySchema>;
/** An edit replaces every field; attachments named here are added to those it has. */
export const updatePolicySchema = createPolicySchema;

export const policyListQuerySchema = z.object({
  q: safeString().trim().max(100).optional(),
  level: z.enum(POLICY_LEVELS).optional(),
  category: z.enum(POLICY_CATEGORIES).optional(),
  status: z.enum(POLICY_STATUSES).optional(),
  year: z.coerce
    .number()
    .int()
    .min(PROJECT_YEAR_MIN - 50)
    .max(PROJECT_YEAR_MAX)
    .optional(),
  ...page,
});
export type PolicyListQuery = z.infer<typeof policyListQuerySchema>;

export const policySummarySchema = z.object({
  id: z.uuid(),
  title: z.string(),
  documentNo: z.string(),
  issuer: z.string(),
  level: z.enum(POLICY_LEVELS),
  category: z.enum(POLICY_CATEGORIES),
  issuedOn: z.string(),
  effectiveOn: z.string().nullable(),
  status: z.enum(POLICY_STATUSES),
  /** With `q`: whether the title holds it (title hits come first), and a passage of the body around it. */
  titleHit: z.boolean(),
  snippet: z.string().nullable(),
});
export const policyListSchema = paged(policySummarySchema);
export const policySchema = policySummarySchema.extend({
  body: z.string(),
  attachments: z.array(attachmentSchema),
  updatedAt: z.string(),
});
export type PolicyDto = z.infer<typeof policySchema>;

// ── 网络寻呼 ──────────────────────────────────────────────────────────────────────────────────
export const createThreadSchema = z.object({
  subject: text(200),
  /** The other units (the caller's own unit always takes part). */
  unitCodes: z.array(orgCodeSchema).min(1).max(50),
  body: text(20_000),
  attachmentIds,
});
export type CreateThreadInput = z.infer<typeof createThreadSchema>;
export const postMessageSchema = z.object({ body: text(20_000), attachmentIds });
export type PostMessageInput = z.infer<typeof postMessageSchema>;
export const threadListQuerySchema = z.object({
  ...page,
  /** Words of the subject (any case). */
  q: safeString().trim().max(100).optional(),
});

export const threadSummarySchema = z.object({
  id: z.uuid(),
  subject: z.string(),
  units: z.array(orgRefSchema),
  createdAt: z.string(),
  lastMessageAt: z.string(),
  messageCount: z.number().int(),
  /** Messages the caller has not read (their own count as read). */
  unread: z.number().int(),
});
export const threadListSchema = paged(threadSummarySchema).extend({ unread: z.number().int() });
export const messageSchema = z.object({
  id: z.uuid(),
  body: z.string(),
  author: z.string().nullable(),
  authorUnit: orgRefSchema,
  createdAt: z.string(),
  attachments: z.array(attachmentSchema),
  /** Whether the caller had read it before this view. */
  read: z.boolean(),
  /** Accounts of other units that have read it. */
  readBy: z.array(z.object({ name: z.string(), unit: z.string(), readAt: z.string() })),
});
export const threadSchema = threadSummarySchema.extend({ messages: z.array(messageSchema) });
export type ThreadDto = z.infer<typeof threadSchema>;
export const threadReadSchema = z.object({ marked: z.number().int() });
