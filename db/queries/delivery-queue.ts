/**
 * The dispatcher's statements on the delivery queue, each one short transaction of the system
 * scope. A row's life: queued → sending (claimed, with a lease) → an attempt row written → the
 * vendor call → sent | queued again (retry) | failed. A lease that expires finds either no open
 * attempt (claimed, never sent: queued again) or an open one (the process died during the vendor
 * call: unknown, never resent by itself).
 *
 * What the notify activity checked when it queued a row is checked again when it is claimed and
 * again when its attempt starts, in the statement that changes its status: a row whose account
 * was disabled meanwhile, was moved out of the unit it was queued for (or may no longer see the
 * project, or no longer acts on alerts), turned the channel off or removed its address, or whose
 * alert is no longer open becomes `cancelled` (final; `last_error_code` says why) instead of going
 * out, and a digest leaves it out. An account's row goes to the address the account has when it
 * is sent, not the one it had when the row was queued.
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
  severity: 'info' | 'warning' | 'critical';
  /** An SMS the quiet hours let through when it was queued (critical): its retries are not held. */
  bypassQuiet: boolean;
  notBefore: Date;
  createdAt: Date;
}

export type CancelReason =
  'ACCOUNT_DISABLED' | 'OUT_OF_SCOPE' | 'CHANNEL_OFF' | 'NO_ADDRESS' | 'ALERT_CLOSED';

/** A due row that was not sent, and why. */
export interface CancelledDelivery {
  id: string;
  reason: CancelReason;
}

const RETURNING = `RETURNING d.id, d.notification_key, d.channel, d.address, d.locale, d.message, d.attempts,
  d.digest, d.severity, d.bypass_quiet, d.not_before, d.created_at, d.status, d.last_error_code`;

/**
 * What a row `d` is checked against when it is about to go: its account (e-mail and SMS rows are
 * an account's; robots and the outbox are nobody's), the account's unit and preferences, the
 * project it is about (`project_id`; deadline alerts) and the ladder alert it is about
 * (`alert_id`; none for complaints, rectification and notices).
 */
const CHECK_JOINS = `LEFT JOIN app_user u ON u.id = d.user_id
  LEFT JOIN org_unit o ON o.id = u.org_unit_id
  LEFT JOIN notification_preference p ON p.user_id = d.user_id
  LEFT JOIN project pr ON pr.id = d.project_id
  LEFT JOIN alert a ON a.id = d.alert_id`;

/**
 * Where an account's row goes: the address the account has now. The address in the row is the
 * one it had when the row was queued; a person who changed it meanwhile expects the message at
 * the address they gave, and the old one may be someone else's by now. Robots and the outbox keep
 * theirs (their address is the robot's name).
 */
const CURRENT_ADDRESS = `CASE d.channel WHEN 'email' THEN u.email WHEN 'sms' THEN u.phone ELSE d.address END`;

/**
 * Whether the account is still one the row was meant for, by the rule that chose it
 * (activities/notify.activities.ts): recipients are chosen by their unit (one the notification
 * addresses, or a county-level one), so an account moved to another unit since is no longer one
 * (`recipient_unit_id`, its unit when queued; a row from before that column is not compared);
 * outside channels reach accounts that act on alerts (not query-only), or a unit head from
 * overdue on;
 * and nothing about a project goes to an account that cannot read that project now (the read
 * rule of row-level security: county-wide, or the unit's reader token among the project's).
 */
const STILL_ADDRESSED = `(d.recipient_unit_id IS NULL OR u.org_unit_id = d.recipient_unit_id)
    AND ((u.unit_head AND d.severity <> 'info')
      OR EXISTS (SELECT 1 FROM user_role r WHERE r.user_id = u.id AND r.role <> 'viewer'))
    AND (pr.id IS NULL OR o.kind IN ('county', 'office')
      OR EXISTS (SELECT 1 FROM user_role r WHERE r.user_id = u.id AND r.role IN ('leader', 'supervisor', 'admin'))
      OR app_reader_token(o.kind, o.id) = ANY (pr.readers))`;

/** Why the row must not go now, or NULL. A removed account (user_id set null) counts as disabled. */
const CANCEL_REASON = `CASE
    WHEN d.channel IN ('email', 'sms') AND (u.id IS NULL OR u.disabled) THEN 'ACCOUNT_DISABLED'
    WHEN d.channel IN ('email', 'sms') AND NOT (${STILL_ADDRESSED}) THEN 'OUT_OF_SCOPE'
    WHEN d.channel = 'email' AND NOT COALESCE(p.email_on, true) THEN 'CHANNEL_OFF'
    WHEN d.channel = 'sms' AND NOT COALESCE(p.sms_on, true) THEN 'CHANNEL_OFF'
    WHEN ${CURRENT_ADDRESS} IS NULL THEN 'NO_ADDRESS'
    WHEN a.status <> 'active' THEN 'ALERT_CLOSED'
  END`;

/** The delivery log's words for each reason (`last_error`). */
const CANCEL_TEXT = `CASE c.reason
    WHEN 'ACCOUNT_DISABLED' THEN '账号已停用，未发送 (the account was disabled before this was sent)'
    WHEN 'OUT_OF_SCOPE' THEN '账号已调离所通知的单位、无权查看该项目或不再承办，未发送 (the account was moved out of the unit this was addressed to, may no longer see its project, or no longer acts on alerts)'
    WHEN 'CHANNEL_OFF' THEN '账号已关闭该渠道，未发送 (the account turned this channel off before this was sent)'
    WHEN 'NO_ADDRESS' THEN '账号已删除该地址，未发送 (the account removed its address for this channel before this was sent)'
    WHEN 'ALERT_CLOSED' THEN '预警已解除，未发送 (the alert was no longer open when this was due)'
  END`;

/** The checks of a due row `d`, with the address it goes to (`c.reason`, `c.address`). */
const CHECKED = `SELECT d.id, ${CANCEL_REASON} AS reason, ${CURRENT_ADDRESS} AS address
  FROM notification_delivery d ${CHECK_JOINS}`;

/**
 * Claims the rows of `c` that pass (sending, leased to the owner, `?`, addressed as the account is
 * now) and cancels the others.
 */
const claimSet = (lease: string) => `status = CASE WHEN c.reason IS NULL THEN 'sending' ELSE 'cancelled' END,
  lease_until = CASE WHEN c.reason IS NULL THEN ${lease} END,
  leased_by = CASE WHEN c.reason IS NULL THEN ?::text END,
  address = CASE WHEN c.reason IS NULL THEN c.address ELSE d.address END,
  last_error_code = COALESCE(c.reason, d.last_error_code),
  last_error = COALESCE(${CANCEL_TEXT}, d.last_error)`;

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
    severity: r.severity as QueuedDelivery['severity'],
    bypassQuiet: r.bypass_quiet as boolean,
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
 * and with a digest row every other due digest row going to the same address, so one user's digest
 * is one message. A due row that fails the checks (CANCEL_REASON) is cancelled by the same
 * statement instead of claimed, so no dispatcher sends it; a digest is made of the claimed rows
 * only. A claimed row carries the address it goes to now (CURRENT_ADDRESS), and digests are
 * gathered by that address: rows queued before and after an address changed make one digest, to
 * the new address.
 */
export async function claimDue(
  orm: Orm,
  channel: string,
  limit: number,
  leaseMs: number,
  owner: string,
): Promise<{ claimed: QueuedDelivery[]; cancelled: CancelledDelivery[] }> {
  return inScope(orm, SYSTEM_SCOPE, async (tx) => {
    const lease = `now() + make_interval(secs => ${Math.max(1, leaseMs) / 1000})`;
    // The due rows are taken (locked, in order, up to the limit) before they are checked: the
    // checks' joins and subqueries then run for those rows only, not for every row due.
    const first = await tx.execute(
      `WITH due AS (SELECT d.id FROM notification_delivery d
                     WHERE d.channel = ? AND d.status = 'queued' AND d.not_before <= now()
                     ORDER BY d.not_before, d.created_at, d.id LIMIT ? FOR UPDATE SKIP LOCKED),
            c AS (${CHECKED} WHERE d.id IN (SELECT id FROM due))
       UPDATE notification_delivery d SET ${claimSet(lease)}
         FROM c WHERE d.id = c.id ${RETURNING}`,
      [channel, limit, owner],
    );
    const claimed: QueuedDelivery[] = [];
    const cancelled: CancelledDelivery[] = [];
    const sort = (rows: Record<string, unknown>[]) => {
      for (const r of rows)
        if (r.status === 'sending') claimed.push(toDelivery(r));
        else cancelled.push({ id: r.id as string, reason: r.last_error_code as CancelReason });
    };
    sort(first);
    const digestAddresses = [...new Set(claimed.filter((r) => r.digest).map((r) => r.address))];
    if (digestAddresses.length) {
      const more = await tx.execute(
        `WITH due AS (SELECT d.id FROM notification_delivery d LEFT JOIN app_user u ON u.id = d.user_id
                       WHERE d.channel = ? AND d.digest AND d.status = 'queued' AND d.not_before <= now()
                         AND ${CURRENT_ADDRESS} = ANY(ARRAY[?]::text[]) FOR UPDATE OF d SKIP LOCKED),
              c AS (${CHECKED} WHERE d.id IN (SELECT id FROM due))
         UPDATE notification_delivery d SET ${claimSet(lease)}
           FROM c WHERE d.id = c.id ${RETURNING}`,
        [channel, digestAddresses, owner],
      );
      sort(more);
    }
    return { claimed: claimed.sort(byDue), cancelled };
  });
}

/**
 * Writes the attempt rows before the vendor call; returns the attempt number of each row still
 * held by this owner (a row whose lease was taken over is left alone). The checks of the claim
 * are made once more, just before the call: a row that fails them now is cancelled, not started;
 * a row whose account changed its address since the claim goes back to the queue, not started,
 * and the next claim takes it to the new address.
 */
export async function startAttempts(
  orm: Orm,
  ids: readonly string[],
  owner: string,
): Promise<Map<string, number>> {
  const rows = await inScope(orm, SYSTEM_SCOPE, (tx) =>
    tx.execute<{ id: string; attempts: number }[]>(
      `WITH c AS (SELECT d.id, ${CANCEL_REASON} AS reason, ${CURRENT_ADDRESS} IS DISTINCT FROM d.address AS readdress
                    FROM notification_delivery d ${CHECK_JOINS}
                   WHERE d.id = ANY(ARRAY[?]::uuid[]) AND d.status = 'sending' AND d.leased_by = ?
                   FOR UPDATE OF d),
       cancelled AS (UPDATE notification_delivery d SET status = 'cancelled', lease_until = NULL,
                            leased_by = NULL, last_error_code = c.reason, last_error = ${CANCEL_TEXT}
                       FROM c WHERE d.id = c.id AND c.reason IS NOT NULL RETURNING d.id),
       readdressed AS (UPDATE notification_delivery d SET status = 'queued', lease_until = NULL, leased_by = NULL
                         FROM c WHERE d.id = c.id AND c.reason IS NULL AND c.readdress RETURNING d.id),
       started AS (UPDATE notification_delivery d SET attempts = d.attempts + 1
                     FROM c WHERE d.id = c.id AND c.reason IS NULL AND NOT c.readdress
                   RETURNING d.id, d.attempts)
       INSERT INTO notification_attempt (delivery_id, no) SELECT id, attempts FROM started
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
