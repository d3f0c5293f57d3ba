/**
 * The API contract of notifications: the in-app inbox, a user's own delivery settings, and the
 * administrator's delivery log, channel status and template previews. The facts a notification
 * carries are here too: templates render them per channel and language, so no channel parses a
 * sentence written for another.
 */
import { z } from 'zod';
import { SLA_PHASES } from './complaint-records.js';
import { DEADLINE_KINDS, LADDER_STEPS } from './deadlines.js';
import { contactEmailSchema, mobilePhoneSchema, safeString } from './schemas.js';

/** What a notification is about, as data (rendered by `domain/notifications/templates.ts`). */
export const notificationFactsSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('deadline'),
    projectId: z.uuid(),
    projectCode: z.string(),
    projectName: z.string(),
    deadline: z.enum(DEADLINE_KINDS),
    /** The month of a monthly progress deadline (YYYY-MM), else empty. */
    period: z.string(),
    dueDate: z.string(),
    step: z.enum(LADDER_STEPS),
    daysLate: z.number().int(),
    /** Earlier steps of the same ladder that came due together and are announced by this one. */
    earlierSteps: z.array(z.enum(LADDER_STEPS)),
  }),
  /** A step of a rectification notice's ladder (整改通知书): its problems are late or nearly so. */
  z.object({
    kind: z.literal('rectification'),
    noticeId: z.uuid(),
    serial: z.string(),
    title: z.string(),
    step: z.enum(LADDER_STEPS),
    dueDate: z.string(),
    daysLate: z.number().int(),
    /** The numbers (序号) of the problems this step is about. */
    problems: z.array(z.number().int()),
  }),
  /**
   * A step of a complaint's time limit (监督举报): acknowledging, assigning or answering it is late.
   * It names the subject, never the reporter.
   */
  z.object({
    kind: z.literal('complaint'),
    complaintId: z.uuid(),
    /** A project (`CK2026-001 村道硬化`) or a village (`罗江村`); kind null: a label not read as either. */
    subject: z.object({ kind: z.enum(['project', 'village']).nullable(), text: z.string() }),
    phase: z.enum(SLA_PHASES),
    step: z.enum(['overdue', 'escalated']),
    dueDate: z.string(),
    daysLate: z.number().int(),
  }),
  /** Free text written by a person (a notice, a message between units). */
  z.object({ kind: z.literal('text'), title: z.string(), body: z.string(), path: z.string().nullable() }),
]);
export type NotificationFacts = z.infer<typeof notificationFactsSchema>;

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

// ── inbox ──────────────────────────────────────────────────────────────────────────────────────

export const inboxQuerySchema = z.object({
  unread: z.enum(['true', 'false']).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

export const inboxMessageSchema = z.object({
  id: z.string(),
  title: z.string(),
  body: z.string(),
  severity: z.enum(SEVERITIES),
  category: z.string(),
  projectId: z.uuid().nullable(),
  projectCode: z.string().nullable(),
  /** Where the message leads in the console (a path such as /projects/<id>), or null. */
  link: z.string().nullable(),
  createdAt: z.string(),
  readAt: z.string().nullable(),
});
export type InboxMessageDto = z.infer<typeof inboxMessageSchema>;

export const inboxListSchema = z.object({
  items: z.array(inboxMessageSchema),
  total: z.number().int(),
  unread: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
});
export const inboxUnreadSchema = z.object({ unread: z.number().int() });

// ── a user's own settings ────────────────────────────────────────────────────────────────────

export const NOTIFY_LOCALES = ['zh-CN', 'en'] as const;

export const notificationSettingsSchema = z.object({
  email: contactEmailSchema.nullable(),
  phone: mobilePhoneSchema.nullable(),
  /** Which outside channels this user wants (the inbox always gets everything). */
  channels: z.object({ email: z.boolean(), sms: z.boolean() }),
  /** Reminders (not overdue, escalation or 约谈) by e-mail once a day instead of one by one. */
  digest: z.boolean(),
  /** The language of this user's outside messages (the inbox shows what the activity wrote). */
  locale: z.enum(NOTIFY_LOCALES),
});
export type NotificationSettingsDto = z.infer<typeof notificationSettingsSchema>;
/**
 * What a PUT takes: `locale` may be left out (a client written before it existed keeps the
 * language already chosen).
 */
export const notificationSettingsInputSchema = notificationSettingsSchema.extend({
  locale: z.enum(NOTIFY_LOCALES).optional(),
});
export type NotificationSettingsInput = z.infer<typeof notificationSettingsInputSchema>;

// ── the administrator's view ─────────────────────────────────────────────────────────────────

export const DELIVERY_CHANNELS = ['email', 'sms', 'dingtalk', 'wecom', 'outbox'] as const;
/**
 * queued: waiting for its time, its rate limit or a retry; sending: claimed by a dispatcher;
 * sent; failed: will not be tried again (non-retryable refusal or attempts exhausted); unknown:
 * the dispatcher died during the vendor call, so it is not resent by itself (SMS vendors are
 * not idempotent): an administrator looks and may resend.
 */
/** `cancelled`: not sent, for good: when it came due its account, the account's settings or its alert said no. */
export const DELIVERY_STATUSES = ['queued', 'sending', 'sent', 'failed', 'unknown', 'cancelled'] as const;

export const deliveryQuerySchema = z.object({
  channel: z.enum(DELIVERY_CHANNELS).optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  /** Matches the notification key, the title or the address. */
  q: safeString().trim().max(100).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
});

export const deliverySchema = z.object({
  id: z.uuid(),
  notificationKey: z.string(),
  channel: z.enum(DELIVERY_CHANNELS),
  /** The account it is for, or null for a chat robot (then `address` is the robot's name). */
  recipient: z.object({ username: z.string(), displayName: z.string() }).nullable(),
  /** Masked for phone numbers and e-mail addresses (138****5678, z***@example.cn). */
  address: z.string(),
  title: z.string(),
  severity: z.enum(SEVERITIES),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int(),
  /** Not sent before this instant (quiet hours, the daily digest, a retry's back-off). */
  notBefore: z.string(),
  vendorId: z.string().nullable(),
  lastErrorCode: z.string().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});
export const deliveryListSchema = z.object({
  items: z.array(deliverySchema),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
});
export const deliveryAttemptSchema = z.object({
  no: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  outcome: z.enum(['sent', 'retry', 'failed', 'unknown']).nullable(),
  vendorId: z.string().nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
});
export const deliveryDetailSchema = deliverySchema.extend({ attemptLog: z.array(deliveryAttemptSchema) });

export const channelStatusSchema = z.object({
  channels: z.array(
    z.object({
      name: z.enum(['inbox', ...DELIVERY_CHANNELS]),
      live: z.boolean(),
      /** What it sends through, without secrets (e.g. "smtp://mail.example.cn:25", "aliyun", robot names). */
      detail: z.string(),
    }),
  ),
});

export const templatePreviewQuerySchema = z.object({
  deadline: z.enum(DEADLINE_KINDS).default('start'),
  step: z.enum(LADDER_STEPS).default('overdue'),
  locale: z.enum(['zh-CN', 'en']).default('zh-CN'),
});
export const templatePreviewSchema = z.object({
  subject: z.string(),
  text: z.string(),
  markdown: z.string(),
  link: z.string().nullable(),
  sms: z.object({ templateCode: z.string(), params: z.record(z.string(), z.string()) }).nullable(),
});
