/**
 * Queues a notification's outside deliveries: one `notification_delivery` row per (notification
 * key, recipient, channel), rendered now in the recipient's language, with the instant it may go
 * (quiet hours for SMS, the digest time for reminders of users who chose it). The unique key makes
 * it idempotent: a retried or replayed activity inserts nothing new (ON CONFLICT DO NOTHING), so
 * the dispatcher sees each message once whatever happened to the worker.
 */
import { SYSTEM_SCOPE, inScope } from '#db/scope.js';
import type { Orm } from '#db/orm.js';
import { SEVERITIES, type NotificationFacts, type Severity } from '#domain/notify-schemas.js';
import { nextTimeOfDay, smsNotBefore } from '#domain/notifications/delivery-time.js';
import type { DeliveryConfig, RenderedMessage } from './delivery-config.js';

/** An account the notification reaches, with what it can and wants to receive outside. */
export interface ContactRecipient {
  userId: string;
  username: string;
  email: string | null;
  phone: string | null;
  emailOn: boolean;
  smsOn: boolean;
  digest: boolean;
  locale: 'zh-CN' | 'en';
}

export interface QueuedNotification {
  key: string;
  projectId: string | null;
  severity: Severity;
  facts: NotificationFacts;
  /** Codes of the units addressed (robots serve units by code). */
  unitCodes: readonly string[];
}

interface Row {
  notification_key: string;
  recipient: string;
  channel: string;
  user_id: string | null;
  address: string;
  project_id: string | null;
  severity: Severity;
  locale: 'zh-CN' | 'en';
  title: string;
  message: RenderedMessage;
  not_before: string;
  digest: boolean;
  /** An SMS the quiet hours let through (critical, bypass on): its retries are not held either. */
  bypass_quiet: boolean;
}

/** The rows to queue: pure, so the rules read in one place. */
export function deliveryRows(
  n: QueuedNotification,
  recipients: readonly ContactRecipient[],
  cfg: DeliveryConfig,
  nowMs: number,
): Row[] {
  const rendered = new Map<string, RenderedMessage>();
  const render = (locale: 'zh-CN' | 'en') => {
    if (!rendered.has(locale)) rendered.set(locale, cfg.render(n.facts, locale));
    return rendered.get(locale)!;
  };
  const at = (ms: number) => new Date(ms).toISOString();
  const base = (locale: 'zh-CN' | 'en') => ({
    notification_key: n.key,
    project_id: n.projectId,
    severity: n.severity,
    locale,
    title: render(locale).subject,
    message: render(locale),
  });
  const rows: Row[] = [];
  for (const r of recipients) {
    const person = { ...base(r.locale), recipient: r.userId, user_id: r.userId };
    if (cfg.email && r.email && r.emailOn) {
      const digest = r.digest && n.severity === 'info';
      rows.push({
        ...person,
        channel: 'email',
        address: r.email,
        digest,
        not_before: at(digest ? nextTimeOfDay(nowMs, cfg.digestAt, cfg.timeZone) : nowMs),
        bypass_quiet: false,
      });
    }
    if (cfg.sms && r.phone && r.smsOn) {
      const bypass = cfg.criticalBypassQuiet && n.severity === 'critical';
      rows.push({
        ...person,
        channel: 'sms',
        address: r.phone,
        digest: false,
        not_before: at(bypass ? nowMs : smsNotBefore(nowMs, cfg.quiet, cfg.timeZone)),
        bypass_quiet: bypass,
      });
    }
  }
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  for (const robot of cfg.robots) {
    if (rank(n.severity) < rank(robot.minSeverity)) continue;
    if (robot.units.length && !robot.units.some((u) => n.unitCodes.includes(u))) continue;
    rows.push({
      ...base('zh-CN'),
      recipient: robot.name,
      user_id: null,
      channel: robot.channel,
      address: robot.name,
      digest: false,
      not_before: at(nowMs),
      bypass_quiet: false,
    });
  }
  if (cfg.outbox)
    rows.push({
      ...base('zh-CN'),
      recipient: '*',
      user_id: null,
      channel: 'outbox',
      address: 'outbox',
      digest: false,
      not_before: at(nowMs),
      bypass_quiet: false,
    });
  return rows;
}

/**
 * Inserts the rows that are not there yet; returns how many were new. A deadline alert's rows
 * carry the alert they are about (`alert_id`: its key `alert:<project>:<kind>:<period>:<arm>:<step>`
 * names it; the step recorded it before announcing it), so the dispatcher sends nothing about an
 * alert closed meanwhile. Other notifications (complaints, rectification, notices) carry none.
 * An account's rows also carry the unit the account is in now (`recipient_unit_id`): recipients
 * are chosen by the units a notification addresses, and the dispatcher sends nothing to an
 * account moved to another unit before its row came due.
 */
export async function enqueueDeliveries(orm: Orm, rows: readonly Row[]): Promise<number> {
  if (rows.length === 0) return 0;
  return inScope(orm, SYSTEM_SCOPE, async (tx) => {
    const out = await tx.execute(
      `INSERT INTO notification_delivery (notification_key, recipient, channel, user_id, address, project_id,
              severity, locale, title, message, not_before, digest, bypass_quiet, alert_id, recipient_unit_id)
       SELECT r.notification_key, r.recipient, r.channel, r.user_id, r.address, r.project_id,
              r.severity, r.locale, r.title, r.message, r.not_before, r.digest, r.bypass_quiet, a.id,
              u.org_unit_id
         FROM jsonb_to_recordset(?::jsonb) AS r(notification_key text, recipient text, channel text,
              user_id uuid, address text, project_id uuid, severity text, locale text, title text,
              message jsonb, not_before timestamptz, digest boolean, bypass_quiet boolean)
         LEFT JOIN alert a ON r.notification_key LIKE 'alert:%' AND a.project_id = r.project_id
              AND a.kind = split_part(r.notification_key, ':', 3)
              AND a.period = split_part(r.notification_key, ':', 4)
              AND a.arm::text = split_part(r.notification_key, ':', 5)
              AND a.step = split_part(r.notification_key, ':', 6)
         LEFT JOIN app_user u ON u.id = r.user_id
       ON CONFLICT ON CONSTRAINT notification_delivery_dedup DO NOTHING`,
      [JSON.stringify(rows)],
      'run',
    );
    return out.affectedRows;
  });
}
