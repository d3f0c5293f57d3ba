/**
 * One typed configuration object, read once from environment variables, each with a safe
 * default. Every variable is listed in docs/configuration.md. Invalid values stop the process with a clear line.
 */
import path from 'node:path';
import { z } from 'zod';
import type { DeadlineConfig } from '#domain/deadlines.js';

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
  DEMO_PASSWORD: z.string().min(8).default('Sanzhang@2026'),
  /** on: the whole demo county (200 projects); small: its ten handcrafted projects; off: none. */
  DEMO_SEED: z.enum(['on', 'small', 'off']).default('on'),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).default(30),
  /** How long a request waits for a step's answer before 504 (the step is then done once or not at all). */
  STEP_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).default(12),
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
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  DEADLINE_ALERTS: z.enum(['on', 'off']).default('on'),
  DEADLINE_REMINDER_DAYS: z.coerce.number().int().min(0).max(365).default(7),
  DEADLINE_GRACE1_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  DEADLINE_GRACE2_DAYS: z.coerce.number().int().min(1).max(365).default(15),
  DEADLINE_DAY_COUNT: z.enum(['calendar', 'working']).default('calendar'),
  DEADLINE_DAY_SECONDS: z.coerce.number().min(0.05).max(86_400).default(86_400),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
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
  };
}
