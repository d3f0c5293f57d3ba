/**
 * Logging in. Every attempt is audited. Lockout is per account (consecutive failures), rate
 * limiting per client address (attempts per minute, counted in PostgreSQL so every api replica
 * sees them); both are taken before the slow password check, each in one atomic step (see
 * login.repository.ts): read first and written after the check, a burst of concurrent attempts
 * all passed the read. An account's checks in flight count with its failures toward the limit,
 * and an attempt finding no place waits for one a moment rather than being refused.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '#domain/errors.js';
import type { MeDto } from '#domain/schemas.js';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { withEm } from '#db/scope.js';
import {
  countAttempt,
  endCheck,
  findLoginState,
  markAttemptSucceeded,
  recordRefusedAttempt,
  takeCheck,
  type CheckedAccount,
  type Place,
  type CheckEnd,
  type LockPolicy,
} from './login.repository.js';
import { dummyHash, verifyPassword } from './password.js';
import { createSession, tokenHash, type SessionPolicy } from './session.js';
import { checkTotp } from './totp.js';
import { spendStep } from './totp.repository.js';

export interface LoginPolicy extends LockPolicy {
  ipLimitPerMinute: number;
}

export interface ClientMeta {
  ip?: string;
  userAgent?: string;
}

const WRONG = '用户名或密码错误 (wrong username or password)';
export const TOTP_REUSED = '动态口令已使用过，请等待下一个口令 (code already used)';

/** `retryAfterSeconds`: what is left of the lock, when known (`Retry-After`). */
export const lockedError = (policy: LockPolicy, retryAfterSeconds = policy.lockMinutes * 60) =>
  new AppError('RATE_LIMITED', `登录失败次数过多，账号已锁定 ${policy.lockMinutes} 分钟 (account locked)`, {
    retryAfterSeconds,
  });

/**
 * How long an attempt waits for a place among its account's checks in flight: a check takes a
 * tenth of a second or so, so only a burst of guesses (or a machine far behind) waits this long.
 */
const CHECK_WAIT_MS = 5000;

/** When a refused attempt may come back: the address's minute, or a moment for a place. */
const IP_RETRY_SECONDS = 60;
const BUSY_RETRY_SECONDS = 5;

type NoCheck = 'unknown' | 'disabled' | 'locked' | 'busy';

export function createLoginService(deps: {
  orm: Orm;
  audit: AuditLog;
  session: SessionPolicy;
  login: LoginPolicy;
  me: (userId: string) => Promise<MeDto>;
}) {
  const { orm, audit } = deps;

  /**
   * Records a refused login (its audit row, its attempt row unless `attemptId` says the attempt was
   * recorded already when it was counted, and how its password check ended if it had one) in its
   * own transaction, then throws.
   */
  async function refuse(
    username: string,
    userId: string | null,
    meta: ClientMeta,
    reason: string,
    error: AppError,
    attemptId: string | null,
    check?: { place: Place; end: CheckEnd },
  ): Promise<never> {
    await withEm(orm, async (em) => {
      if (attemptId === null) await recordRefusedAttempt(em, username, meta.ip ?? null);
      if (check) await endCheck(em, check.place, check.end, deps.login);
      await audit.append(em, {
        actor: { id: userId, username },
        via: 'api',
        action: 'auth.login.refused',
        entity: 'session',
        after: { reason },
        ip: meta.ip ?? null,
      });
    });
    throw error;
  }

  /** A place for this account's password check, waiting a moment for one while all are taken. */
  async function placeForCheck(
    username: string,
  ): Promise<CheckedAccount | { none: NoCheck; id?: string; lockedUntil?: Date | null }> {
    const until = Date.now() + CHECK_WAIT_MS;
    for (let tries = 0; ; tries++) {
      const user = await takeCheck(orm.em.fork(), username, deps.login);
      if (user) return user;
      const row = await findLoginState(orm.em.fork(), username);
      if (!row) return { none: 'unknown' };
      if (row.disabled) return { none: 'disabled', id: row.id };
      if (row.locked) return { none: 'locked', id: row.id, lockedUntil: row.lockedUntil };
      if (Date.now() >= until) return { none: 'busy', id: row.id };
      // Longer each time (about nine tries in all), so that a burst of attempts waiting costs the
      // database a few statements each, not one every tenth of a second.
      await sleep(Math.min(1000, 50 * 2 ** tries) * (0.75 + Math.random() / 2));
    }
  }

  async function login(input: { username: string; password: string; totp?: string }, meta: ClientMeta) {
    // Usernames are ASCII (the database checks it): one typed in capitals or in full width by a
    // Chinese input method spells the same account.
    const username = input.username.normalize('NFKC').toLowerCase().slice(0, 64);
    const attemptId = await withEm(orm, (em) =>
      countAttempt(em, username, meta.ip ?? null, deps.login.ipLimitPerMinute),
    );
    if (attemptId === null)
      return refuse(
        username,
        null,
        meta,
        'rate-limited',
        new AppError('RATE_LIMITED', '登录尝试过于频繁，请稍后再试 (too many attempts)', {
          retryAfterSeconds: IP_RETRY_SECONDS,
        }),
        null,
      );
    const user = await placeForCheck(username);
    if ('none' in user) {
      const { none, id = null, lockedUntil } = user;
      // A lock is a lock: refused even with the right password, which is therefore not checked.
      if (none === 'locked') {
        const left = lockedUntil ? (lockedUntil.getTime() - Date.now()) / 1000 : undefined;
        return refuse(username, id, meta, 'locked', lockedError(deps.login, left), attemptId);
      }
      if (none === 'busy')
        return refuse(
          username,
          id,
          meta,
          'busy',
          new AppError(
            'RATE_LIMITED',
            '该账号同时登录的请求过多，请稍后再试 (too many logins to this account at once; try again shortly)',
            { retryAfterSeconds: BUSY_RETRY_SECONDS },
          ),
          attemptId,
        );
      // Unknown and disabled accounts cost a check too, so the answer takes as long either way.
      await verifyPassword(await dummyHash(), input.password);
      const reason = none === 'unknown' ? 'unknown-user' : none;
      return refuse(username, id, meta, reason, new AppError('UNAUTHENTICATED', WRONG), attemptId);
    }
    const failed = { place: user.place, end: { outcome: 'failed' } as const };
    if (!(await verifyPassword(user.passwordHash, input.password)))
      return refuse(
        username,
        user.id,
        meta,
        'wrong-password',
        new AppError('UNAUTHENTICATED', WRONG),
        attemptId,
        failed,
      );
    // A refused code counts toward the lock, as a wrong password does; a reused one is refused alike.
    const totpRefused = (reason: 'wrong' | 'reused') =>
      refuse(
        username,
        user.id,
        meta,
        `totp-${reason}`,
        new AppError(
          'UNAUTHENTICATED',
          reason === 'wrong' ? '动态口令错误 (wrong two-factor code)' : TOTP_REUSED,
          { totpRequired: true },
        ),
        attemptId,
        failed,
      );
    let totpStep: number | null = null;
    if (user.totpEnabled) {
      if (!input.totp) {
        // The right password without a code is the first half of a login, not a failure.
        return refuse(
          username,
          user.id,
          meta,
          'totp-missing',
          new AppError('UNAUTHENTICATED', '请输入动态口令 (two-factor code required)', {
            totpRequired: true,
          }),
          attemptId,
          { place: user.place, end: { outcome: 'neither' } },
        );
      }
      const check = checkTotp(user.totpSecret!, input.totp, user.totpLastStep);
      if ('refused' in check) return totpRefused(check.refused);
      totpStep = check.step;
    }
    const session = await withEm(orm, async (em) => {
      // Spent first, in the login's transaction: if another login took this step meanwhile,
      // nothing has been written and this one is refused as a reused code.
      if (totpStep !== null && !(await spendStep(em, user.id, totpStep))) return null;
      await markAttemptSucceeded(em, attemptId);
      await endCheck(em, user.place, { outcome: 'passed', forgiven: user.failedLogins }, deps.login);
      const s = await createSession(em, user.id, deps.session, meta);
      await audit.append(em, {
        actor: { id: user.id, username, unit: user.unit },
        via: 'api',
        action: 'auth.login',
        entity: 'session',
        entityId: tokenHash(s.token).slice(0, 16),
        ip: meta.ip ?? null,
      });
      return s;
    });
    if (!session) return totpRefused('reused');
    return { ...session, me: await deps.me(user.id) };
  }

  return { login };
}
