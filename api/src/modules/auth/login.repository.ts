/**
 * Login attempts, an account's failures and its password checks in flight. Each count is one
 * statement that checks and writes at once (a conditional INSERT under the address's advisory lock,
 * a conditional UPDATE of the account), so concurrent attempts can never all pass a read made
 * before their writes: this stays raw SQL, its CASE expressions and RETURNING join being the point.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppUserSchema } from '#db/entities/user.entity.js';

/** The advisory lock class of the per-address login count (the key within it is the address). */
const LOGIN_ADDRESS_LOCK = 727_274_101;

/** An account's failures, as an attempt finds them (a lock that ran out starts a fresh count). */
const FAILED = 'CASE WHEN u.locked_until IS NULL THEN u.failed_logins ELSE 0 END';

/**
 * The places of an account's password checks in flight, each the time it was taken. A place taken
 * 15 seconds ago or more is lost: a check takes well under a second, so it was held by an api that
 * died in one. (A check slower than that lets one more begin beside it, and gives back nothing.)
 */
const LIVE_PLACES = "ARRAY(SELECT t FROM unnest(u.login_places) t WHERE t > now() - interval '15 seconds')";

/**
 * The places without one taken at a given time (parameter: that time), as the database wrote it.
 * One place, not every place of that time: two checks taken at the same microsecond each give back
 * their own.
 */
const WITHOUT_PLACE = `(SELECT CASE WHEN i IS NULL THEN login_places
                               ELSE login_places[:i - 1] || login_places[i + 1:] END
                          FROM array_position(login_places, ?::timestamptz) i)`;

/**
 * The place being taken, as text that keeps its microseconds and reads back the same whatever the
 * connection's DateStyle and time zone (ISO 8601 in UTC).
 */
const PLACE_TEXT = `to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** One more failure; the one that reaches the limit locks the account (parameters: the policy's two). */
const ONE_MORE_FAILURE = `failed_logins = failed_logins + 1,
  locked_until = CASE WHEN failed_logins + 1 >= ? THEN now() + make_interval(mins => ?) ELSE locked_until END`;

export interface LockPolicy {
  maxFailures: number;
  lockMinutes: number;
}

/** node-postgres returns `bigint` columns as strings. */
export const stepOf = (v: string | number | null) => (v === null ? null : Number(v));

/**
 * Records an attempt from this address if the minute's count is under `limit`, atomically: the
 * address's advisory lock serializes concurrent attempts (across api replicas too). Must run in a
 * transaction (the lock is the transaction's). Returns the attempt's row id, or null at the limit.
 */
export async function countAttempt(
  em: EntityManager,
  username: string,
  ip: string | null,
  limit: number,
): Promise<string | null> {
  await em.execute('SELECT pg_advisory_xact_lock(?, hashtext(?))', [LOGIN_ADDRESS_LOCK, ip ?? ''], 'all');
  const rows = await em.execute<{ id: string }[]>(
    `INSERT INTO login_attempt (username, ip, success)
     SELECT ?, ?, false
      WHERE (SELECT count(*) FROM login_attempt
              WHERE ip IS NOT DISTINCT FROM ? AND at > now() - interval '1 minute') < ?
     RETURNING id`,
    [username, ip, ip, limit],
    'all',
  );
  return rows[0] ? String(rows[0].id) : null;
}

/** An attempt refused before it was counted (the address's limit was reached). */
export async function recordRefusedAttempt(em: EntityManager, username: string, ip: string | null) {
  await em.execute(
    'INSERT INTO login_attempt (username, ip, success) VALUES (?, ?, false)',
    [username, ip],
    'run',
  );
}

export async function markAttemptSucceeded(em: EntityManager, attemptId: string) {
  await em.execute('UPDATE login_attempt SET success = true WHERE id = ?', [attemptId], 'run');
}

/**
 * A check's place: its account, and the time it was taken as the database wrote it (as text, which
 * keeps the microseconds a JavaScript Date would drop; see PLACE_TEXT).
 */
export interface Place {
  userId: string;
  takenAt: string;
}

/** An account as taking a place for its password check found it. */
export interface CheckedAccount {
  id: string;
  place: Place;
  passwordHash: string;
  /** The account's failures when the check began (a success forgives these, not later ones). */
  failedLogins: number;
  totpEnabled: boolean;
  totpSecret: string | null;
  totpLastStep: number | null;
  unit: string;
}

/**
 * Takes a place for a password check of an enabled, unlocked account, in one conditional UPDATE:
 * the account's failures and its checks in flight together stay under the limit, so concurrent
 * attempts never get more checks than a lock would allow. Returns the account, or nothing when it
 * is unknown, disabled, locked, or has as many checks in flight as it may.
 */
export async function takeCheck(
  em: EntityManager,
  username: string,
  policy: LockPolicy,
): Promise<CheckedAccount | undefined> {
  const [row] = await em.execute<
    {
      id: string;
      password_hash: string;
      failed_logins: number;
      totp_enabled: boolean;
      totp_secret: string | null;
      totp_last_step: string | null;
      unit: string;
      place: string;
    }[]
  >(
    `UPDATE app_user u
        SET failed_logins = ${FAILED}, locked_until = NULL,
            login_places = ${LIVE_PLACES} || now()
       FROM org_unit o
      WHERE o.id = u.org_unit_id AND u.username = ? AND NOT u.disabled
        AND (u.locked_until IS NULL OR u.locked_until <= now())
        AND ${FAILED} + cardinality(${LIVE_PLACES}) < ?
     RETURNING u.id, u.password_hash, u.failed_logins, u.totp_enabled, u.totp_secret, u.totp_last_step,
               o.code AS unit, ${PLACE_TEXT} AS place`,
    [username, policy.maxFailures],
    'all',
  );
  return (
    row && {
      id: row.id,
      place: { userId: row.id, takenAt: row.place },
      passwordHash: row.password_hash,
      failedLogins: row.failed_logins,
      totpEnabled: row.totp_enabled,
      totpSecret: row.totp_secret,
      totpLastStep: stepOf(row.totp_last_step),
      unit: row.unit,
    }
  );
}

/**
 * How a check ended: `failed` (a wrong password or code) counts a failure, and the one that reaches
 * the limit locks the account; `passed` (logged in) forgives the failures the check found, not those
 * of concurrent attempts counted after it, whose lock stays; `neither` (the right password still
 * wanting its code) only gives the place back.
 */
export type CheckEnd =
  { outcome: 'failed' } | { outcome: 'passed'; forgiven: number } | { outcome: 'neither' };

/** Gives a check's place back (if it has not lapsed) and records how it ended (see CheckEnd). */
export async function endCheck(
  em: EntityManager,
  place: Place,
  end: CheckEnd,
  policy: LockPolicy,
): Promise<void> {
  // What the outcome records beside giving the place back, with its parameters.
  const [outcome, params]: [string, unknown[]] =
    end.outcome === 'failed'
      ? [`, ${ONE_MORE_FAILURE}`, [policy.maxFailures, policy.lockMinutes]]
      : end.outcome === 'passed'
        ? [
            `, locked_until = CASE WHEN failed_logins <= ? THEN NULL ELSE locked_until END,
               failed_logins = GREATEST(failed_logins - ?, 0)`,
            [end.forgiven, end.forgiven],
          ]
        : ['', []];
  await em.execute(
    `UPDATE app_user SET login_places = ${WITHOUT_PLACE}${outcome} WHERE id = ?`,
    [place.takenAt, ...params, place.userId],
    'run',
  );
}

/** One more failure for a logged-in account (a wrong 2FA code); the one that reaches the limit locks it. */
export async function addFailure(em: EntityManager, userId: string, policy: LockPolicy): Promise<void> {
  await em.execute(
    `UPDATE app_user SET ${ONE_MORE_FAILURE} WHERE id = ?`,
    [policy.maxFailures, policy.lockMinutes, userId],
    'run',
  );
}

/** Why an account was not counted: it exists disabled, or locked, or not at all. */
export function findLoginState(
  em: EntityManager,
  username: string,
): Promise<{ id: string; disabled: boolean; locked: boolean; lockedUntil: Date | null } | null> {
  return em.findOne(AppUserSchema, { username }, { fields: ['id', 'disabled', 'locked', 'lockedUntil'] });
}
