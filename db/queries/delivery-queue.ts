/**
 * The dispatcher's statements on the delivery queue, each one short transaction of the system
 * scope. A row's life: queued → sending (claimed, with a lease) → an attempt row written → the
 * vendor call → sent | queued again (retry) | failed. A lease that expires finds either no open
 * attempt (claimed, never sent: queued again) or an open one (the process died during the vendor
 * call: unknown, never resent by itself).
 */
import type { Orm } from '../orm.js';
import { SYSTEM_SCOPE, inScope } from '../scope.js';

export interface QueuedDelivery {
  id: string;
  notificationKey: string;
  channel: string;
  address: string;
  locale: 'zh-CN' | 'en';
  message: {
    subject: string;
    text: string;
    markdown: string;
    link: string | null;
    sms: { templateCode: string; params: Record<string, string> } | null;
  };
  attempts: number;
  digest: boolean;
  notBefore: Date;
  createdAt: Date;
}

const RETURNING = `RETURNING d.id, d.notification_key, d.channel, d.address, d.locale, d.message, d.attempts,
  d.digest, d.not_before, d.created_at`;

function toDelivery(r: Record<string, unknown>): QueuedDelivery {
  return {
    id: r.id as string,
    notificationKey: r.notification_key as string,
    channel: r.channel as string,
    address: r.address as string,
    locale: r.locale as 'zh-CN' | 'en',
    message: r.message as QueuedDelivery['message'],
    attempts: r.attempts as number,
    digest: r.digest as boolean,
    notBefore: new Date(r.not_before as string),
    createdAt: new Date(r.created_at as string),
  };
}

const byDue = (a: QueuedDelivery, b: QueuedDelivery) =>
  a.notBefore.getTime() - b.notBefore.getTime() ||
  a.createdAt.getTime() - b.createdAt.getTime() ||
  a.id.localeCompare(b.id);

/**
 * Claims up to `limit` due rows of a channel (SKIP LOCKED: dispatchers never wait on each other),
 * and with a digest row every other due digest row of the same address, so one user's digest is
 * one message.
 */
export async function claimDue(
  orm: Orm,
  channel: string,
  limit: number,
  leaseMs: number,
  owner: string,
): Promise<QueuedDelivery[]> {
  return inScope(orm, SYSTEM_SCOPE, async (tx) => {
    const lease = `now() + make_interval(secs => ${Math.max(1, leaseMs) / 1000})`;
    const first = await tx.execute(
      `WITH c AS (SELECT id FROM notification_delivery
                   WHERE channel = ? AND status = 'queued' AND not_before <= now()
                   ORDER BY not_before, created_at, id LIMIT ? FOR UPDATE SKIP LOCKED)
       UPDATE notification_delivery d SET status = 'sending', lease_until = ${lease}, leased_by = ?
         FROM c WHERE d.id = c.id ${RETURNING}`,
      [channel, limit, owner],
    );
    const rows = first.map(toDelivery);
    const digestAddresses = [...new Set(rows.filter((r) => r.digest).map((r) => r.address))];
    if (digestAddresses.length) {
      const more = await tx.execute(
        `WITH c AS (SELECT id FROM notification_delivery
                     WHERE channel = ? AND digest AND status = 'queued' AND not_before <= now()
                       AND address = ANY(ARRAY[?]::text[]) FOR UPDATE SKIP LOCKED)
         UPDATE notification_delivery d SET status = 'sending', lease_until = ${lease}, leased_by = ?
           FROM c WHERE d.id = c.id ${RETURNING}`,
        [channel, digestAddresses, owner],
      );
      rows.push(...more.map(toDelivery));
    }
    return rows.sort(byDue);
  });
}

/**
 * Writes the attempt rows before the vendor call; returns the attempt number of each row still
 * held by this owner (a row whose lease was taken over is left alone).
 */
export async function startAttempts(
  orm: Orm,
  ids: readonly string[],
  owner: string,
): Promise<Map<string, number>> {
  const rows = await inScope(orm, SYSTEM_SCOPE, (tx) =>
    tx.execute<{ id: string; attempts: number }[]>(
      `WITH d AS (UPDATE notification_delivery SET attempts = attempts + 1
                   WHERE id = ANY(ARRAY[?]::uuid[]) AND status = 'sending' AND leased_by = ?
                   RETURNING id, attempts)
       INSERT INTO notification_attempt (delivery_id, no) SELECT id, attempts FROM d
       RETURNING delivery_id AS id, no AS attempts`,
      [ids, owner],
    ),
  );
  return new Map(rows.map((r) => [r.id, r.attempts]));
}

export type AttemptOutcome =
  | { outcome: 'sent'; vendorId: string | null }
  | { outcome: 'retry'; notBefore: Date; code: string; message: string }
  | { outcome: 'failed'; code: string; message: string }
  /** The vendor may have sent it (no answer after the request went): never resent by itself. */
  | { outcome: 'unknown'; code: string; message: string };

/**
 * Completes an attempt and the row. Keyed on the attempt number, so a late answer after an
 * administrator's resend never overwrites the newer attempt's row; a late answer after the row
 * was marked unknown does record what really happened.
 */
export async function finishAttempt(orm: Orm, id: string, no: number, out: AttemptOutcome): Promise<void> {
  const vendorId = out.outcome === 'sent' ? out.vendorId : null;
  const code = out.outcome === 'sent' ? null : out.code;
  const message = out.outcome === 'sent' ? null : out.message.slice(0, 2000);
  const status = out.outcome === 'retry' ? 'queued' : out.outcome;
  const notBefore = out.outcome === 'retry' ? out.notBefore.toISOString() : null;
  await inScope(orm, SYSTEM_SCOPE, (tx) =>
    tx.batch([
      {
        sql: `UPDATE notification_attempt SET finished_at = now(), outcome = ?, vendor_id = ?, error_code = ?,
                     error_message = ? WHERE delivery_id = ? AND no = ?`,
        params: [out.outcome, vendorId, code, message, id, no],
      },
      {
        sql: `UPDATE notification_delivery SET status = ?, lease_until = NULL, leased_by = NULL,
                     vendor_id = COALESCE(?, vendor_id), last_error_code = ?, last_error = ?,
                     not_before = COALESCE(?::timestamptz, not_before),
                     sent_at = CASE WHEN ? = 'sent' THEN now() END
               WHERE id = ? AND attempts = ? AND status IN ('sending', 'unknown')`,
        params: [status, vendorId, code, message, notBefore, status, id, no],
      },
    ]),
  );
}

/** Puts claimed rows back without an attempt (rate limit, or the dispatcher stopping). */
export async function release(orm: Orm, ids: readonly string[], owner: string, notBefore: Date | null) {
  if (ids.length === 0) return;
  await inScope(orm, SYSTEM_SCOPE, (tx) =>
    tx.execute(
      `UPDATE notification_delivery SET status = 'queued', lease_until = NULL, leased_by = NULL,
              not_before = GREATEST(not_before, COALESCE(?::timestamptz, not_before))
        WHERE id = ANY(ARRAY[?]::uuid[]) AND status = 'sending' AND leased_by = ?`,
      [notBefore?.toISOString() ?? null, ids, owner],
      'run',
    ),
  );
}

/**
 * Rows whose lease expired: with an attempt started and never finished they become `unknown` (the
 * vendor may have sent the message; SendSms is not idempotent, so no automatic resend); without
 * one they are queued again.
 */
export async function recoverExpired(
  orm: Orm,
  channel: string,
): Promise<{ id: string; status: 'queued' | 'unknown' }[]> {
  return inScope(orm, SYSTEM_SCOPE, (tx) =>
    tx.execute(
      `WITH expired AS (
         SELECT d.id, EXISTS (SELECT 1 FROM notification_attempt a
                               WHERE a.delivery_id = d.id AND a.no = d.attempts AND a.finished_at IS NULL) AS open
           FROM notification_delivery d
          WHERE d.channel = ? AND d.status = 'sending' AND d.lease_until < now()
          FOR UPDATE SKIP LOCKED),
       marked AS (
         UPDATE notification_attempt a SET outcome = 'unknown'
           FROM expired e WHERE a.delivery_id = e.id AND e.open AND a.finished_at IS NULL
         RETURNING a.delivery_id)
       UPDATE notification_delivery d
          SET status = CASE WHEN e.open THEN 'unknown' ELSE 'queued' END, lease_until = NULL, leased_by = NULL,
              last_error_code = CASE WHEN e.open THEN 'INTERRUPTED' ELSE d.last_error_code END,
              last_error = CASE WHEN e.open
                THEN 'the dispatcher stopped during the vendor call: it may have been sent; not resent automatically'
                ELSE d.last_error END
         FROM expired e WHERE d.id = e.id
       RETURNING d.id, d.status`,
      [channel],
    ),
  );
}
