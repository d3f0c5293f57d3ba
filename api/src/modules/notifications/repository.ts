/**
 * The delivery log and a user's own notification settings in SQL. The log is read in the
 * administrator's scope (row-level security lets only `admin` see it); writes go through the
 * system scope after the route has checked who is asking, each with its audit row in the same
 * transaction.
 */
import type { AuditEntry, AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { SYSTEM_SCOPE, inScope, queryInScope, type DbScope } from '#db/scope.js';
import { writeOnce } from '../../idempotency.js';

export interface DeliveryRow {
  id: string;
  notification_key: string;
  channel: string;
  username: string | null;
  display_name: string | null;
  address: string;
  title: string;
  severity: string;
  status: string;
  attempts: number;
  not_before: Date;
  vendor_id: string | null;
  last_error_code: string | null;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
}

export interface AttemptRow {
  no: number;
  started_at: Date;
  finished_at: Date | null;
  outcome: string | null;
  vendor_id: string | null;
  error_code: string | null;
  error_message: string | null;
}

const COLUMNS = `d.id, d.notification_key, d.channel, u.username, u.display_name, d.address, d.title, d.severity,
  d.status, d.attempts, d.not_before, d.vendor_id, d.last_error_code, d.last_error, d.created_at, d.sent_at`;

export function createNotificationRepository(orm: Orm, audit: AuditLog) {
  return {
    async list(
      scope: DbScope,
      f: { channel?: string; status?: string; q?: string; page: number; pageSize: number },
    ): Promise<{ rows: DeliveryRow[]; total: number }> {
      const where = `(?::text IS NULL OR d.channel = ?) AND (?::text IS NULL OR d.status = ?)
        AND (?::text IS NULL OR strpos(d.notification_key, ?) > 0 OR strpos(d.title, ?) > 0 OR strpos(d.address, ?) > 0)`;
      const c = f.channel ?? null;
      const s = f.status ?? null;
      const q = f.q || null;
      const params = [c, c, s, s, q, q, q, q];
      const [rows, count] = await queryInScope(orm, scope, [
        {
          sql: `SELECT ${COLUMNS} FROM notification_delivery d LEFT JOIN app_user u ON u.id = d.user_id
                 WHERE ${where} ORDER BY d.created_at DESC, d.id LIMIT ? OFFSET ?`,
          params: [...params, f.pageSize, (f.page - 1) * f.pageSize],
        },
        { sql: `SELECT count(*)::int AS n FROM notification_delivery d WHERE ${where}`, params },
      ]);
      return { rows: rows as DeliveryRow[], total: (count as { n: number }[])[0]!.n };
    },

    async detail(scope: DbScope, id: string): Promise<{ row: DeliveryRow; attempts: AttemptRow[] } | null> {
      const [rows, attempts] = await queryInScope(orm, scope, [
        {
          sql: `SELECT ${COLUMNS} FROM notification_delivery d LEFT JOIN app_user u ON u.id = d.user_id WHERE d.id = ?`,
          params: [id],
        },
        {
          sql: `SELECT no, started_at, finished_at, outcome, vendor_id, error_code, error_message
                  FROM notification_attempt WHERE delivery_id = ? ORDER BY no`,
          params: [id],
        },
      ]);
      const row = (rows as DeliveryRow[])[0];
      return row ? { row, attempts: attempts as AttemptRow[] } : null;
    },

    /**
     * Queues a failed or unknown delivery again (the dispatcher's next attempt is a new attempt
     * row): `had` is the status it had, null when it is not there; nothing changes otherwise.
     * Once per Idempotency-Key: the resend is recorded against the key in its transaction, so a
     * retry whose answer was lost after the commit changes nothing (`earlier`) — were it to queue
     * the delivery again after its new attempt failed, the message would go out twice.
     */
    async resend(
      id: string,
      entry: Omit<AuditEntry, 'before' | 'after'>,
    ): Promise<{ had: string | null; earlier: boolean }> {
      let had: string | null | undefined;
      await writeOnce(orm, async (record) => {
        had = await inScope(orm, SYSTEM_SCOPE, async (tx) => {
          const [found] = await tx.execute<{ status: string }[]>(
            `SELECT status FROM notification_delivery WHERE id = ? FOR UPDATE`,
            [id],
          );
          if (!found) return null;
          if (found.status !== 'failed' && found.status !== 'unknown') return found.status;
          await tx.execute(
            `UPDATE notification_delivery SET status = 'queued', not_before = now(), lease_until = NULL,
                    leased_by = NULL WHERE id = ?`,
            [id],
            'run',
          );
          await audit.append(tx, { ...entry, before: { status: found.status }, after: { status: 'queued' } });
          await record(tx, id);
          return found.status;
        });
        return id;
      });
      return had === undefined ? { had: null, earlier: true } : { had, earlier: false };
    },

    async settings(userId: string) {
      const [row] = await inScope(orm, SYSTEM_SCOPE, (tx) =>
        tx.execute<
          {
            email: string | null;
            phone: string | null;
            email_on: boolean;
            sms_on: boolean;
            digest: boolean;
            locale: 'zh-CN' | 'en';
          }[]
        >(
          `SELECT u.email, u.phone, COALESCE(p.email_on, true) AS email_on, COALESCE(p.sms_on, true) AS sms_on,
                  COALESCE(p.digest, false) AS digest, COALESCE(p.locale, 'zh-CN') AS locale
             FROM app_user u LEFT JOIN notification_preference p ON p.user_id = u.id WHERE u.id = ?`,
          [userId],
        ),
      );
      return row ?? null;
    },

    async saveSettings(
      userId: string,
      s: {
        email: string | null;
        phone: string | null;
        emailOn: boolean;
        smsOn: boolean;
        digest: boolean;
        /** null keeps the language already chosen (zh-CN for a new row). */
        locale: 'zh-CN' | 'en' | null;
      },
      entry: (before: unknown) => AuditEntry,
    ): Promise<void> {
      await inScope(orm, SYSTEM_SCOPE, async (tx) => {
        const [before] = await tx.execute(
          `SELECT u.email, u.phone, p.email_on, p.sms_on, p.digest, p.locale
             FROM app_user u LEFT JOIN notification_preference p ON p.user_id = u.id WHERE u.id = ? FOR UPDATE OF u`,
          [userId],
        );
        await tx.batch([
          {
            sql: `UPDATE app_user SET email = ?, phone = ?, updated_at = now() WHERE id = ?`,
            params: [s.email, s.phone, userId],
          },
          {
            sql: `INSERT INTO notification_preference (user_id, email_on, sms_on, digest, locale)
                  VALUES (?, ?, ?, ?, COALESCE(?, 'zh-CN'))
                  ON CONFLICT (user_id) DO UPDATE SET email_on = EXCLUDED.email_on, sms_on = EXCLUDED.sms_on,
                     digest = EXCLUDED.digest, locale = COALESCE(?, notification_preference.locale),
                     updated_at = now()`,
            params: [userId, s.emailOn, s.smsOn, s.digest, s.locale, s.locale],
          },
          // Without the digest, reminders are meant to come one by one as they happen: those still
          // waiting for the digest hour go at once, each alone (one already retried keeps its
          // back-off). Done here, once, rather than by the dispatcher on every claim.
          ...(s.digest
            ? []
            : [
                {
                  sql: `UPDATE notification_delivery SET digest = false,
                               not_before = CASE WHEN attempts = 0 THEN LEAST(not_before, now()) ELSE not_before END
                         WHERE user_id = ? AND status = 'queued' AND digest`,
                  params: [userId],
                },
              ]),
        ]);
        await audit.append(tx, entry(before));
      });
    },
  };
}

export type NotificationRepository = ReturnType<typeof createNotificationRepository>;
