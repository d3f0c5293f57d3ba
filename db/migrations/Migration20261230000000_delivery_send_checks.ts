import { Migration } from '@mikro-orm/migrations';

/**
 * What the dispatcher checks again when it claims a queued delivery (db/queries/delivery-queue.ts):
 *
 * - `cancelled`, a final status: the delivery was not sent because, by the time it was due, its
 *   account was disabled (or removed), the account had turned the channel off, or the alert it is
 *   about was no longer open; `last_error_code` says which (`ACCOUNT_DISABLED`, `CHANNEL_OFF`,
 *   `ALERT_CLOSED`);
 * - `alert_id`, the ladder alert a delivery is about (its notification key names the alert's
 *   project, kind, period, arm and step), or null for every other notification: complaint SLA
 *   messages, rectification notices, free-text notices;
 * - `bypass_quiet`, whether the SMS quiet hours let it through (a critical alert while
 *   NOTIFY_CRITICAL_BYPASS_QUIET is on): decided when it was queued, kept for its retries.
 */
export class Migration20261230000000_delivery_send_checks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      ALTER TABLE notification_delivery
        DROP CONSTRAINT notification_delivery_status_check,
        ADD CONSTRAINT notification_delivery_status_check
          CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'unknown', 'cancelled')),
        ADD COLUMN alert_id bigint REFERENCES alert (id),
        ADD COLUMN bypass_quiet boolean NOT NULL DEFAULT false;`);
    // The rows already queued learn their alert too (the same rule as activities/notify/enqueue.ts).
    this.addSql(`
      UPDATE notification_delivery d SET alert_id = a.id
        FROM alert a
       WHERE d.notification_key LIKE 'alert:%' AND a.project_id = d.project_id
         AND a.kind = split_part(d.notification_key, ':', 3)
         AND a.period = split_part(d.notification_key, ':', 4)
         AND a.arm::text = split_part(d.notification_key, ':', 5)
         AND a.step = split_part(d.notification_key, ':', 6);`);
  }

  override async down(): Promise<void> {
    this.addSql(`UPDATE notification_delivery SET status = 'failed' WHERE status = 'cancelled';`);
    this.addSql(`
      ALTER TABLE notification_delivery
        DROP COLUMN alert_id,
        DROP COLUMN bypass_quiet,
        DROP CONSTRAINT notification_delivery_status_check,
        ADD CONSTRAINT notification_delivery_status_check
          CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'unknown'));`);
  }
}
