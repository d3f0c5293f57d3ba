/**
 * One typed configuration object, read once from environment variables, each with a safe
 * default. Every variable is listed in docs/configuration.md. Invalid values stop the process with a clear line.
 */
import type { ComplaintSlaConfig } from '#domain/complaint-records.js';
import path from 'node:path';
import { z } from 'zod';
import type { DeadlineConfig } from '#domain/deadlines.js';
import type { RedFlagConfig } from '#domain/red-flags.js';
import { parseClockTime, parseQuietWindow } from '#domain/notifications/delivery-time.js';
import { parseRateLimit } from '#domain/notifications/rate-limit.js';

const clockTime = (what: string) =>
  z.string().refine((v) => parseClockTime(v) !== null, { error: `${what}: HH:MM or HH:MM:SS` });
const rate = z.string().refine((v) => parseRateLimit(v) !== null, { error: 'sends/seconds, e.g. 20/60' });
import { SEVERITIES } from '#domain/notify-schemas.js';
import type { ChannelsConfig } from '#activities/notify/channels/config.js';

/** One chat robot of DINGTALK_ROBOTS / WECOM_ROBOTS. */
function robotSchema<D extends boolean>(dingtalk: D) {
  const base = {
    name: z.string().regex(/^[\w.-]{1,64}$/, { error: 'letters, digits, _ . - (at most 64)' }),
    webhook: z.url({ protocol: /^https?$/, error: "the robot's webhook URL (http or https)" }),
    /** Org unit codes whose notifications it carries; empty or absent: all. */
    orgUnits: z.array(z.string().min(1)).default([]),
    minSeverity: z.enum(SEVERITIES).default('info'),
  };
  // DingTalk's 加签 secret (SEC…); without it the robot must be guarded by keywords or an IP allow-list.
  return dingtalk ? z.strictObject({ ...base, secret: z.string().min(1).optional() }) : z.strictObject(base);
}

/** A JSON array in one variable: a parse error names the variable, a bad item its index and field. */
function jsonArray<T extends z.ZodType>(item: T) {
  return z
    .string()
    .transform((raw, ctx) => {
      try {
        return JSON.parse(raw) as unknown;
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: `not JSON: ${(e as Error).message}` });
        return z.NEVER;
      }
    })
    .pipe(
      z.array(item).refine((list) => new Set(list.map((r: any) => r.name)).size === list.length, {
        error: 'robot names must be unique',
      }),
    );
}

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().url().optional(),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('projects'),
  TEMPORAL_CLI_PATH: z.string().optional(),
  TEMPORAL_UI: z.enum(['on', 'off']).default('on'),
  /** A workflow bundle built beforehand, for the worker to load instead of bundling at start. */
  WORKFLOW_BUNDLE: z.string().optional(),
  DEMO_PASSWORD: z.string().min(8).default('Sanzhang@2026'),
  /** on: the whole demo county (200 projects); small: its ten handcrafted projects; off: none. */
  DEMO_SEED: z.enum(['on', 'small', 'off']).default('on'),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).default(30),
  /** How long a request waits for a step's answer before 504 (the step is then done once or not at all). */
  STEP_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).default(12),
  /**
   * How long the api answers reads from a session kept in memory before looking it up again; any
   * change to the account or session drops it at once (api/src/modules/auth/session-cache.ts). 0: off.
   */
  SESSION_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  COOKIE_SECURE: z.enum(['auto', 'on', 'off']).default('auto'),
  AUDIT_KEY: z.string().min(32).optional(),
  /** How often the worker appends a signed checkpoint of the audit chains to DATA_DIR (0: never). */
  AUDIT_CHECKPOINT_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  /** A file holding the audit key (a container secret, e.g. /run/secrets/audit_key). */
  AUDIT_KEY_FILE: z.string().optional(),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
  LOGIN_LOCK_MINUTES: z.coerce.number().int().min(1).default(15),
  LOGIN_IP_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  /** fs: files under DATA_DIR/archives; s3: an S3-compatible store (S3_* below). */
  ARCHIVE_STORAGE: z.enum(['fs', 's3']).default('fs'),
  S3_ENDPOINT: z.string().url().optional(),
  S3_BUCKET: z.string().optional(),
  S3_REGION: z.string().default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  S3_PREFIX: z.string().default(''),
  ARCHIVE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(20 * 1024 * 1024),
  /**
   * Whose X-Forwarded-* headers to believe: off (none), a hop count, or addresses/subnets
   * (Express's `trust proxy`: `loopback`, `10.0.0.0/8`, …). Set it only when a proxy is there.
   */
  TRUST_PROXY: z
    .string()
    .regex(/^(off|\d+|[\w.:/]+(\s*,\s*[\w.:/]+)*)$/, { error: 'off, a hop count, or addresses/subnets' })
    .default('off'),
  /** The public portal's address as printed on posters (QR codes) and in open data. */
  PUBLIC_BASE_URL: z
    .url({ protocol: /^https?$/ })
    .transform((u) => u.replace(/\/+$/, ''))
    .default('http://127.0.0.1:3000'),
  /** The supervision hotline on every public project page and poster (12317: the national one). */
  COMPLAINT_PHONE: z
    .string()
    .trim()
    .regex(/^[0-9-]{3,20}$/)
    .default('12317'),
  /** Requests per minute each client address may send to /public. */
  PUBLIC_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(120),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  DEADLINE_ALERTS: z.enum(['on', 'off']).default('on'),
  DEADLINE_REMINDER_DAYS: z.coerce.number().int().min(0).max(365).default(7),
  DEADLINE_GRACE1_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  DEADLINE_GRACE2_DAYS: z.coerce.number().int().min(1).max(365).default(15),
  DEADLINE_DAY_COUNT: z.enum(['calendar', 'working']).default('calendar'),
  DEADLINE_DAY_SECONDS: z.coerce.number().min(0.05).max(86_400).default(86_400),
  /** An ISO instant: the shared origin of shortened-day ladder clocks (demos, benchmarks). */
  DEADLINE_CLOCK_ORIGIN: z.iso.datetime({ offset: true }).optional(),
  /** Complaints' time limits (docs/complaints.md), in DEADLINE_DAY_SECONDS-long days. */
  COMPLAINT_ACK_DAYS: z.coerce.number().int().min(1).max(365).default(2),
  COMPLAINT_ASSIGN_DAYS: z.coerce.number().int().min(1).max(365).default(3),
  COMPLAINT_ANSWER_DAYS: z.coerce.number().int().min(1).max(365).default(15),
  COMPLAINT_ESCALATE_DAYS: z.coerce.number().int().min(1).max(365).default(3),
  COMPLAINT_DAY_COUNT: z.enum(['calendar', 'working']).default('working'),
  COMPLAINT_REOPEN_DAYS: z.coerce.number().int().min(0).max(365).default(30),
  /** The serial's prefix of rectification notices: 城口监督整改〔2026〕7号. */
  RECTIFICATION_SERIAL_PREFIX: z
    .string()
    .trim()
    .min(1)
    .max(20)
    .regex(/^[^\s〔〕]+$/, { error: 'no spaces or 〔〕 brackets' })
    .default('城口监督整改'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** The monthly ranking's Schedule, created (or brought up to date) by every worker at start. */
  RANKING_SCHEDULE: z.enum(['on', 'off']).default('on'),
  RANKING_SCHEDULE_ID: z
    .string()
    .regex(/^[\w.-]{1,100}$/, { error: 'letters, digits, _ . - (at most 100)' })
    .default('monthly-ranking'),
  /** How late a missed run (the cluster or every worker down on the 1st) still starts. */
  RANKING_CATCHUP_DAYS: z.coerce.number().int().min(1).max(365).default(7),

  // ── risk red flags (docs/supervision.md#risk-red-flags) ────────────────────────────────────
  /** 依法必须招标的限额, in 分 (default 400 万元). */
  TENDER_THRESHOLD_FEN: z.coerce.number().int().min(1).max(1e12).default(400_0000_00),
  /** "Just under" the threshold: at least this share of it (0 < ratio < 1). */
  RED_FLAG_TENDER_BAND: z.coerce.number().gt(0).lt(1).default(0.8),
  RED_FLAG_SPLIT_MIN_PROJECTS: z.coerce.number().int().min(2).max(100).default(2),
  RED_FLAG_CONTRACTOR_SHARE: z.coerce.number().gt(0).max(1).default(0.5),
  RED_FLAG_CONTRACTOR_MIN_PROJECTS: z.coerce.number().int().min(1).max(1000).default(3),
  RED_FLAG_VISIT_MONTHS: z.coerce.number().int().min(1).max(60).default(2),
  /** How often the worker scans (minutes); 0: only when the office asks. */
  RED_FLAG_SCAN_MINUTES: z.coerce.number().int().min(0).max(10_080).default(360),

  // ── notifications: channels ─────────────────────────────────────────────────────────────────
  /** The console's absolute base URL, for the links in e-mails, SMS and robot messages. */
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3000'),
  /** smtp://user:pass@host:587 (STARTTLS when offered) or smtps://host:465; unset: no e-mail. */
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'smtp://… or smtps://…' }).optional(),
  SMTP_FROM: z.string().optional(),
  SMS_VENDOR: z.enum(['none', 'aliyun', 'tencent']).default('none'),
  ALIYUN_SMS_ACCESS_KEY_ID: z.string().optional(),
  ALIYUN_SMS_ACCESS_KEY_SECRET: z.string().optional(),
  /** A host (HTTPS) or a full http(s)://host:port URL (a test stand-in). */
  ALIYUN_SMS_ENDPOINT: z.string().default('dysmsapi.aliyuncs.com'),
  ALIYUN_SMS_SIGN_NAME: z.string().optional(),
  TENCENT_SMS_SECRET_ID: z.string().optional(),
  TENCENT_SMS_SECRET_KEY: z.string().optional(),
  TENCENT_SMS_ENDPOINT: z.string().default('sms.tencentcloudapi.com'),
  TENCENT_SMS_REGION: z.string().default('ap-guangzhou'),
  TENCENT_SMS_SDK_APP_ID: z.string().optional(),
  TENCENT_SMS_SIGN_NAME: z.string().optional(),
  /** The vendor's template code (Aliyun SMS_…) or id (Tencent, digits) for deadline alerts. */
  SMS_TEMPLATE_DEADLINE: z.string().optional(),
  /** …and for free-text notices (one variable: the title). Unset: notices are not sent by SMS. */
  SMS_TEMPLATE_TEXT: z.string().optional(),
  DINGTALK_ROBOTS: jsonArray(robotSchema(true)).default([]),
  WECOM_ROBOTS: jsonArray(robotSchema(false)).default([]),
  /** A JSON line per outbound message in a file: a development channel that always works. */
  NOTIFY_OUTBOX: z.enum(['on', 'off']).default('on'),
  NOTIFY_OUTBOX_FILE: z.string().optional(),
  // ── notifications: delivery ──
  /** off: the worker queues deliveries but sends none (another process's dispatcher does). */
  NOTIFY_DISPATCHER: z.enum(['on', 'off']).default('on'),
  /** SMS quiet hours (held until the window ends, never dropped); `off`: none. */
  NOTIFY_QUIET_HOURS: z
    .string()
    .refine((v) => v === 'off' || parseQuietWindow(v) !== null, { error: 'HH:MM-HH:MM or off' })
    .default('22:00-07:00'),
  NOTIFY_TIMEZONE: z
    .string()
    .refine(
      (v) => {
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: v });
          return true;
        } catch {
          return false;
        }
      },
      { error: 'an IANA time zone, e.g. Asia/Shanghai' },
    )
    .default('Asia/Shanghai'),
  NOTIFY_CRITICAL_BYPASS_QUIET: z.enum(['on', 'off']).default('on'),
  NOTIFY_DIGEST_AT: clockTime('NOTIFY_DIGEST_AT').default('08:00'),
  NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  NOTIFY_RETRY_BASE_SECONDS: z.coerce.number().min(0.01).max(86_400).default(30),
  NOTIFY_RETRY_MAX_SECONDS: z.coerce.number().min(0.01).max(86_400).default(3600),
  NOTIFY_LEASE_SECONDS: z.coerce.number().min(1).max(3600).default(120),
  NOTIFY_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  NOTIFY_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(50),
  NOTIFY_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  NOTIFY_RATE_ROBOT: rate.default('20/60'),
  NOTIFY_RATE_SMS: rate.default('50/1'),
  NOTIFY_RATE_EMAIL: rate.default('20/1'),
});

export type Env = z.infer<typeof schema> & { dataDir: string };

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema
    .refine(
      (e) =>
        e.ARCHIVE_STORAGE !== 's3' ||
        (e.S3_ENDPOINT && e.S3_BUCKET && e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY),
      {
        error: 'ARCHIVE_STORAGE=s3 needs S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY',
        path: ['ARCHIVE_STORAGE'],
      },
    )
    .refine((e) => !e.SMTP_URL || e.SMTP_FROM, { error: 'SMTP_URL needs SMTP_FROM', path: ['SMTP_FROM'] })
    .refine(
      (e) =>
        e.SMS_VENDOR !== 'aliyun' ||
        (e.ALIYUN_SMS_ACCESS_KEY_ID && e.ALIYUN_SMS_ACCESS_KEY_SECRET && e.ALIYUN_SMS_SIGN_NAME),
      {
        error:
          'SMS_VENDOR=aliyun needs ALIYUN_SMS_ACCESS_KEY_ID, ALIYUN_SMS_ACCESS_KEY_SECRET and ALIYUN_SMS_SIGN_NAME',
        path: ['SMS_VENDOR'],
      },
    )
    .refine(
      (e) =>
        e.SMS_VENDOR !== 'tencent' ||
        (e.TENCENT_SMS_SECRET_ID &&
          e.TENCENT_SMS_SECRET_KEY &&
          e.TENCENT_SMS_SDK_APP_ID &&
          e.TENCENT_SMS_SIGN_NAME),
      {
        error:
          'SMS_VENDOR=tencent needs TENCENT_SMS_SECRET_ID, TENCENT_SMS_SECRET_KEY, TENCENT_SMS_SDK_APP_ID and TENCENT_SMS_SIGN_NAME',
        path: ['SMS_VENDOR'],
      },
    )
    .refine((e) => e.SMS_VENDOR === 'none' || e.SMS_TEMPLATE_DEADLINE, {
      error: 'an SMS vendor needs SMS_TEMPLATE_DEADLINE',
      path: ['SMS_TEMPLATE_DEADLINE'],
    })
    .safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid configuration:\n${lines}`);
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.DATA_DIR) };
}

/** The deadline ladder's configuration (docs/domain.md §5), read by the worker's planning activity. */
export function deadlineConfig(env: Env): DeadlineConfig {
  return {
    enabled: env.DEADLINE_ALERTS === 'on',
    dayMs: Math.round(env.DEADLINE_DAY_SECONDS * 1000),
    reminderDays: env.DEADLINE_REMINDER_DAYS,
    grace1Days: env.DEADLINE_GRACE1_DAYS,
    grace2Days: env.DEADLINE_GRACE2_DAYS,
    dayCount: env.DEADLINE_DAY_COUNT,
    ...(env.DEADLINE_CLOCK_ORIGIN ? { sharedOriginMs: Date.parse(env.DEADLINE_CLOCK_ORIGIN) } : {}),
  };
}

/** Complaints' time limits, read by the worker's planning activity. */
export function complaintSlaConfig(env: Env): ComplaintSlaConfig {
  return {
    acknowledgeDays: env.COMPLAINT_ACK_DAYS,
    assignDays: env.COMPLAINT_ASSIGN_DAYS,
    answerDays: env.COMPLAINT_ANSWER_DAYS,
    escalateDays: env.COMPLAINT_ESCALATE_DAYS,
    dayCount: env.COMPLAINT_DAY_COUNT,
    reopenDays: env.COMPLAINT_REOPEN_DAYS,
  };
}

/** The red flag rules' settings, read by the api (scans on demand) and the worker (periodic scans). */
export function redFlagConfig(env: Env): RedFlagConfig {
  return {
    tenderThresholdFen: env.TENDER_THRESHOLD_FEN,
    tenderBand: env.RED_FLAG_TENDER_BAND,
    splitMinProjects: env.RED_FLAG_SPLIT_MIN_PROJECTS,
    contractorShare: env.RED_FLAG_CONTRACTOR_SHARE,
    contractorMinProjects: env.RED_FLAG_CONTRACTOR_MIN_PROJECTS,
    visitGapMonths: env.RED_FLAG_VISIT_MONTHS,
  };
}

/** The delivery settings the notify activity and the dispatcher share (docs/notifications.md). */
export function deliverySettings(env: Env) {
  const rates = {
    robot: parseRateLimit(env.NOTIFY_RATE_ROBOT)!,
    sms: parseRateLimit(env.NOTIFY_RATE_SMS)!,
    email: parseRateLimit(env.NOTIFY_RATE_EMAIL)!,
  };
  return {
    quiet: env.NOTIFY_QUIET_HOURS === 'off' ? null : parseQuietWindow(env.NOTIFY_QUIET_HOURS),
    timeZone: env.NOTIFY_TIMEZONE,
    criticalBypassQuiet: env.NOTIFY_CRITICAL_BYPASS_QUIET === 'on',
    digestAt: parseClockTime(env.NOTIFY_DIGEST_AT)!,
    dispatcher: {
      enabled: env.NOTIFY_DISPATCHER === 'on',
      maxAttempts: env.NOTIFY_MAX_ATTEMPTS,
      retryBaseMs: env.NOTIFY_RETRY_BASE_SECONDS * 1000,
      retryMaxMs: env.NOTIFY_RETRY_MAX_SECONDS * 1000,
      leaseMs: env.NOTIFY_LEASE_SECONDS * 1000,
      pollMs: env.NOTIFY_POLL_MS,
      batchSize: env.NOTIFY_BATCH_SIZE,
      concurrency: env.NOTIFY_CONCURRENCY,
      /** Robots each have their own bucket; SMS per vendor account; e-mail per server. */
      rateLimit: (channel: string) =>
        channel === 'sms'
          ? rates.sms
          : channel === 'email'
            ? rates.email
            : channel === 'outbox'
              ? null
              : rates.robot,
    },
  };
}

/** The outbound channels' configuration (docs/notifications.md), a plain object the adapters are built from. */
export function channelsConfig(env: Env): ChannelsConfig {
  const sms: ChannelsConfig['sms'] =
    env.SMS_VENDOR === 'aliyun'
      ? {
          vendor: 'aliyun',
          accessKeyId: env.ALIYUN_SMS_ACCESS_KEY_ID!,
          accessKeySecret: env.ALIYUN_SMS_ACCESS_KEY_SECRET!,
          endpoint: env.ALIYUN_SMS_ENDPOINT,
          signName: env.ALIYUN_SMS_SIGN_NAME!,
        }
      : env.SMS_VENDOR === 'tencent'
        ? {
            vendor: 'tencent',
            secretId: env.TENCENT_SMS_SECRET_ID!,
            secretKey: env.TENCENT_SMS_SECRET_KEY!,
            endpoint: env.TENCENT_SMS_ENDPOINT,
            region: env.TENCENT_SMS_REGION,
            sdkAppId: env.TENCENT_SMS_SDK_APP_ID!,
            signName: env.TENCENT_SMS_SIGN_NAME!,
          }
        : null;
  const robot = (r: Env['WECOM_ROBOTS'][number] & { secret?: string }) => ({
    ...r,
    secret: r.secret ?? null,
  });
  return {
    publicUrl: env.PUBLIC_URL.replace(/\/+$/, ''),
    email: env.SMTP_URL ? { url: env.SMTP_URL, from: env.SMTP_FROM! } : null,
    sms,
    smsTemplates: { deadline: env.SMS_TEMPLATE_DEADLINE ?? null, text: env.SMS_TEMPLATE_TEXT ?? null },
    dingtalk: env.DINGTALK_ROBOTS.map(robot),
    wecom: env.WECOM_ROBOTS.map(robot),
    outbox:
      env.NOTIFY_OUTBOX === 'on'
        ? { file: path.resolve(env.NOTIFY_OUTBOX_FILE ?? path.join(env.dataDir, 'outbox.jsonl')) }
        : null,
  };
}
