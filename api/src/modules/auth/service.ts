/**
 * Authentication use cases. Every attempt and every change is audited in the same transaction
 * as the write it describes. Lockout is per account (consecutive failures), rate limiting per
 * client address (attempts per minute, counted in PostgreSQL so every api replica sees them).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../../../domain/errors.js';
import { PASSWORD_HISTORY_DEPTH, passwordProblems } from '../../../../domain/password-policy.js';
import type { MeDto } from '../../../../domain/schemas.js';
import type { AuditLog } from '../../../../db/audit.js';
import type { Orm } from '../../../../db/orm.js';
import { dummyHash, hashPassword, verifyPassword } from './password.js';
import { createSession, tokenHash, type SessionPolicy, type SessionUser } from './session.js';
import { checkTotp, newTotpSecret, otpauthUri } from './totp.js';

export interface LoginPolicy {
  maxFailures: number;
  lockMinutes: number;
  ipLimitPerMinute: number;
}

export interface ClientMeta {
  ip?: string;
  userAgent?: string;
}

const WRONG = '用户名或密码错误 (wrong username or password)';
const TOTP_REUSED = '动态口令已使用过，请等待下一个口令 (code already used)';

/**
 * The guard that spends a TOTP code: the step must be later than the last one accepted. Checking and
 * recording in one UPDATE makes it atomic — of two requests with the same code, the second waits for
 * the first's row lock, then finds the step taken and changes no row (RFC 6238 §5.2).
 */
const UNUSED_STEP = '(totp_last_step IS NULL OR totp_last_step < ?)';

/** The advisory lock class of the per-address login count (the key within it is the address). */
const LOGIN_ADDRESS_LOCK = 727_274_101;

/** The failure count an attempt brings an unlocked account to (a lock that ran out starts afresh). */
const NEXT_COUNT = 'CASE WHEN u.locked_until IS NULL THEN u.failed_logins + 1 ELSE 1 END';

const affectedRows = (res: unknown) => (res as { affectedRows?: number }).affectedRows ?? 0;
/** node-postgres returns `bigint` columns as strings. */
const stepOf = (v: string | number | null) => (v === null ? null : Number(v));

export function createAuthService(deps: {
  orm: Orm;
  audit: AuditLog;
  session: SessionPolicy;
  login: LoginPolicy;
}) {
  const { orm, audit } = deps;
  const tx = <T>(fn: (em: EntityManager) => Promise<T>) =>
    orm.em.fork().transactional((em) => fn(em as EntityManager));

  async function me(userId: string): Promise<MeDto> {
    const rows = await orm.em.fork().execute<
      {
        id: string;
        username: string;
        display_name: string;
        must_change_password: boolean;
        totp_enabled: boolean;
        code: string;
        name: string;
        kind: MeDto['orgUnit']['kind'];
        roles: MeDto['roles'];
      }[]
    >(
      `SELECT u.id, u.username, u.display_name, u.must_change_password, u.totp_enabled, o.code, o.name, o.kind,
              COALESCE((SELECT array_agg(r.role ORDER BY r.role) FROM user_role r WHERE r.user_id = u.id), '{}') AS roles
         FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id WHERE u.id = ?`,
      [userId],
      'all',
    );
    const r = rows[0]!;
    return {
      id: r.id,
      username: r.username,
      displayName: r.display_name,
      orgUnit: { code: r.code, name: r.name, kind: r.kind },
      roles: r.roles,
      mustChangePassword: r.must_change_password,
      totpEnabled: r.totp_enabled,
      restriction: r.must_change_password
        ? 'passwordChange'
        : r.roles.includes('admin') && !r.totp_enabled
          ? 'totpSetup'
          : null,
    };
  }

  /** One more failure for the account; the one that reaches the limit locks it. */
  async function addFailure(em: EntityManager, userId: string): Promise<void> {
    await em.execute(
      `UPDATE app_user SET failed_logins = failed_logins + 1,
         locked_until = CASE WHEN failed_logins + 1 >= ? THEN now() + make_interval(mins => ?) ELSE locked_until END
       WHERE id = ?`,
      [deps.login.maxFailures, deps.login.lockMinutes, userId],
      'run',
    );
  }

  /**
   * Records a refused login (its audit row, and its attempt row unless `attemptId` says the attempt
   * was recorded already when it was counted) in its own transaction, then throws.
   */
  async function refuse(
    username: string,
    userId: string | null,
    meta: ClientMeta,
    reason: string,
    error: AppError,
    attemptId: string | null,
  ): Promise<never> {
    await tx(async (em) => {
      if (attemptId === null)
        await em.execute(
          'INSERT INTO login_attempt (username, ip, success) VALUES (?, ?, false)',
          [username, meta.ip ?? null],
          'run',
        );
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

  async function totpState(userId: string) {
    type Row = {
      totp_secret: string | null;
      totp_enabled: boolean;
      totp_last_step: string | null;
      locked: boolean;
    };
    const [row] = (await orm.em.fork().execute<Row[]>(
      `SELECT totp_secret, totp_enabled, totp_last_step, COALESCE(locked_until > now(), false) AS locked
           FROM app_user WHERE id = ?`,
      [userId],
      'all',
    )) as [Row];
    return row;
  }

  const lockedError = () =>
    new AppError(
      'RATE_LIMITED',
      `登录失败次数过多，账号已锁定 ${deps.login.lockMinutes} 分钟 (account locked)`,
    );

  const codeRefused = (reason: 'wrong' | 'reused') =>
    reason === 'wrong'
      ? new AppError('VALIDATION_FAILED', '动态口令错误 (wrong code)', [
          { path: 'body.code', message: '动态口令错误' },
        ])
      : new AppError('VALIDATION_FAILED', TOTP_REUSED, [
          { path: 'body.code', message: '动态口令已使用过，请等待下一个口令' },
        ]);

  /**
   * The step of a valid, unused code; the caller spends it with UNUSED_STEP. A wrong or reused code
   * counts toward the account's lock and is audited, as at login: without that, a session could
   * try all million codes at 2FA's own endpoints. A locked account's codes are not checked at all.
   */
  async function requireCode(
    user: SessionUser,
    row: { totp_secret: string | null; totp_last_step: string | null; locked: boolean },
    code: string,
    action: string,
    meta: ClientMeta,
  ): Promise<number> {
    if (row.locked) throw lockedError();
    const check = checkTotp(row.totp_secret!, code, stepOf(row.totp_last_step));
    if (!('refused' in check)) return check.step;
    await tx(async (em) => {
      await addFailure(em, user.id);
      await audit.append(em, {
        actor: actorOf(user),
        via: 'api',
        action: `${action}.refused`,
        entity: 'user',
        entityId: user.id,
        after: { reason: `totp-${check.refused}` },
        ip: meta.ip ?? null,
      });
    });
    throw codeRefused(check.refused);
  }

  /**
   * One audited change of the caller's own 2FA settings. `sql` is a whole UPDATE of the caller's row;
   * when it changes no row (its guard failed), `noRow` is thrown and nothing is written.
   */
  async function setTotp(
    user: SessionUser,
    action: string,
    sql: string,
    params: unknown[],
    meta: ClientMeta,
    noRow: AppError,
  ) {
    await tx(async (em) => {
      if (affectedRows(await em.execute(sql, params, 'run')) === 0) throw noRow;
      await audit.append(em, {
        actor: actorOf(user),
        via: 'api',
        action,
        entity: 'user',
        entityId: user.id,
        ip: meta.ip ?? null,
      });
    });
  }

  /**
   * Counts a login attempt from this address against the per-minute limit, atomically: the
   * address's advisory lock serializes concurrent attempts (across api replicas too), and the row
   * is written only while the minute's count is under the limit. Returns the attempt's row id, or
   * null when the limit is reached.
   */
  async function countAttempt(username: string, meta: ClientMeta): Promise<string | null> {
    return tx(async (em) => {
      await em.execute(
        'SELECT pg_advisory_xact_lock(?, hashtext(?))',
        [LOGIN_ADDRESS_LOCK, meta.ip ?? ''],
        'all',
      );
      const rows = await em.execute<{ id: string }[]>(
        `INSERT INTO login_attempt (username, ip, success)
         SELECT ?, ?, false
          WHERE (SELECT count(*) FROM login_attempt
                  WHERE ip IS NOT DISTINCT FROM ? AND at > now() - interval '1 minute') < ?
         RETURNING id`,
        [username, meta.ip ?? null, meta.ip ?? null, deps.login.ipLimitPerMinute],
        'all',
      );
      return rows[0] ? String(rows[0].id) : null;
    });
  }

  /**
   * Counts a failure for the account before its password is checked, in one conditional UPDATE:
   * only an enabled, unlocked account is counted, and the attempt that reaches the limit locks it,
   * so of concurrent attempts no more than the limit are ever checked. The success of this attempt
   * forgives it afterwards (`forgiveFailures`). A lock that has run out starts a fresh count.
   * Returns the account, with the failure count this attempt brought it to; none when it is
   * unknown, disabled or locked.
   */
  async function countFailure(username: string) {
    const rows = await orm.em.fork().execute<
      {
        id: string;
        password_hash: string;
        failed_logins: number;
        totp_enabled: boolean;
        totp_secret: string | null;
        totp_last_step: string | null;
        unit: string;
      }[]
    >(
      `UPDATE app_user u
          SET failed_logins = ${NEXT_COUNT},
              locked_until = CASE WHEN ${NEXT_COUNT} >= ? THEN now() + make_interval(mins => ?) END
         FROM org_unit o
        WHERE o.id = u.org_unit_id AND u.username = ? AND NOT u.disabled
          AND (u.locked_until IS NULL OR u.locked_until <= now())
       RETURNING u.id, u.password_hash, u.failed_logins, u.totp_enabled, u.totp_secret, u.totp_last_step,
                 o.code AS unit`,
      [deps.login.maxFailures, deps.login.lockMinutes, username],
      'all',
    );
    return rows[0];
  }

  /**
   * Takes back `forgiven` of the failures counted up to this attempt (which brought the count to
   * `counted`). Failures counted after it — concurrent attempts — stay, and so does a lock they
   * set; a lock this attempt's own count set is lifted when nothing was counted after it.
   */
  async function forgiveFailures(
    userId: string,
    counted: number,
    forgiven: number,
    em: EntityManager = orm.em.fork(),
  ): Promise<void> {
    await em.execute(
      `UPDATE app_user
          SET locked_until = CASE WHEN failed_logins <= ? THEN NULL ELSE locked_until END,
              failed_logins = GREATEST(failed_logins - ?, 0)
        WHERE id = ?`,
      [counted, forgiven, userId],
      'run',
    );
  }

  return {
    me,

    async login(input: { username: string; password: string; totp?: string }, meta: ClientMeta) {
      const username = input.username.toLowerCase().slice(0, 64);
      // Both limits are taken before the slow password check, each in one atomic step: read first
      // and written after the check, a burst of concurrent attempts all passed the read.
      const attemptId = await countAttempt(username, meta);
      if (attemptId === null)
        return refuse(
          username,
          null,
          meta,
          'rate-limited',
          new AppError('RATE_LIMITED', '登录尝试过于频繁，请稍后再试 (too many attempts)'),
          null,
        );
      const user = await countFailure(username);
      if (!user) {
        const [row] = await orm.em
          .fork()
          .execute<{ id: string; disabled: boolean; locked: boolean }[]>(
            `SELECT id, disabled, COALESCE(locked_until > now(), false) AS locked FROM app_user WHERE username = ?`,
            [username],
            'all',
          );
        // A lock is a lock: refused even with the right password, which is therefore not checked.
        if (row?.locked && !row.disabled)
          return refuse(username, row.id, meta, 'locked', lockedError(), attemptId);
        // Unknown and disabled accounts cost a check too, so the answer takes as long either way.
        await verifyPassword(await dummyHash(), input.password);
        return row
          ? refuse(username, row.id, meta, 'disabled', new AppError('UNAUTHENTICATED', WRONG), attemptId)
          : refuse(username, null, meta, 'unknown-user', new AppError('UNAUTHENTICATED', WRONG), attemptId);
      }
      if (!(await verifyPassword(user.password_hash, input.password)))
        return refuse(
          username,
          user.id,
          meta,
          'wrong-password',
          new AppError('UNAUTHENTICATED', WRONG),
          attemptId,
        );
      // A refused code counts toward the lock, as a wrong password does (it was counted above); a
      // reused one is refused alike.
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
        );
      let totpStep: number | null = null;
      if (user.totp_enabled) {
        if (!input.totp) {
          // The right password without a code is the first half of a login, not a failure.
          await forgiveFailures(user.id, user.failed_logins, 1);
          return refuse(
            username,
            user.id,
            meta,
            'totp-missing',
            new AppError('UNAUTHENTICATED', '请输入动态口令 (two-factor code required)', {
              totpRequired: true,
            }),
            attemptId,
          );
        }
        const check = checkTotp(user.totp_secret!, input.totp, stepOf(user.totp_last_step));
        if ('refused' in check) return totpRefused(check.refused);
        totpStep = check.step;
      }
      const session = await tx(async (em) => {
        // Spent first, in the login's transaction: if another login took this step meanwhile,
        // nothing has been written and this one is refused as a reused code.
        if (totpStep !== null) {
          const spent = await em.execute(
            `UPDATE app_user SET totp_last_step = ? WHERE id = ? AND ${UNUSED_STEP}`,
            [totpStep, user.id, totpStep],
            'run',
          );
          if (affectedRows(spent) === 0) return null;
        }
        await em.execute('UPDATE login_attempt SET success = true WHERE id = ?', [attemptId], 'run');
        await forgiveFailures(user.id, user.failed_logins, user.failed_logins, em);
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
      return { ...session, me: await me(user.id) };
    },

    async logout(user: SessionUser, meta: ClientMeta) {
      await tx(async (em) => {
        await em.execute('DELETE FROM user_session WHERE id = ?', [user.sessionId], 'run');
        await audit.append(em, {
          actor: actorOf(user),
          via: 'api',
          action: 'auth.logout',
          entity: 'session',
          entityId: user.sessionId.slice(0, 16),
          ip: meta.ip ?? null,
        });
      });
    },

    /** Changes the password; every session of the account ends, and a fresh one is returned. */
    async changePassword(
      user: SessionUser,
      input: { currentPassword: string; newPassword: string },
      meta: ClientMeta,
    ) {
      const [row] = (await orm.em
        .fork()
        .execute<{ password_hash: string }[]>(
          'SELECT password_hash FROM app_user WHERE id = ?',
          [user.id],
          'all',
        )) as [{ password_hash: string }];
      if (!(await verifyPassword(row.password_hash, input.currentPassword))) {
        throw new AppError('VALIDATION_FAILED', '当前密码不正确 (current password is wrong)', [
          { path: 'body.currentPassword', message: '当前密码不正确' },
        ]);
      }
      const problems = passwordProblems(input.newPassword, user.username);
      const recent = await orm.em
        .fork()
        .execute<{ password_hash: string }[]>(
          'SELECT password_hash FROM password_history WHERE user_id = ? ORDER BY created_at DESC LIMIT ?',
          [user.id, PASSWORD_HISTORY_DEPTH],
          'all',
        );
      for (const h of [row.password_hash, ...recent.map((r) => r.password_hash)]) {
        if (await verifyPassword(h, input.newPassword)) {
          problems.push(
            `不能与最近 ${PASSWORD_HISTORY_DEPTH} 次使用过的密码相同 (must differ from recent passwords)`,
          );
          break;
        }
      }
      if (problems.length) {
        throw new AppError(
          'VALIDATION_FAILED',
          `新密码不符合要求: ${problems.join('; ')}`,
          problems.map((message) => ({ path: 'body.newPassword', message })),
        );
      }
      const hash = await hashPassword(input.newPassword);
      const session = await tx(async (em) => {
        await em.execute(
          'INSERT INTO password_history (user_id, password_hash) VALUES (?, ?)',
          [user.id, row.password_hash],
          'run',
        );
        await em.execute(
          'UPDATE app_user SET password_hash = ?, must_change_password = false, password_changed_at = now(), updated_at = now() WHERE id = ?',
          [hash, user.id],
          'run',
        );
        const revoked = await em.execute('DELETE FROM user_session WHERE user_id = ?', [user.id], 'run');
        const s = await createSession(em, user.id, deps.session, meta);
        await audit.append(em, {
          actor: actorOf(user),
          via: 'api',
          action: 'auth.password.change',
          entity: 'user',
          entityId: user.id,
          after: { sessionsRevoked: (revoked as { affectedRows?: number }).affectedRows ?? null },
          ip: meta.ip ?? null,
        });
        return s;
      });
      return { ...session, me: await me(user.id) };
    },

    /** Starts 2FA enrolment: a new secret, not active until a code from it is confirmed. */
    async totpSetup(user: SessionUser, meta: ClientMeta) {
      if (user.totpEnabled)
        throw new AppError('CONFLICT', '已启用双因素认证 (two-factor authentication is already on)');
      const secret = newTotpSecret();
      // A new secret starts a new sequence of codes: none of it has been used. `NOT totp_enabled`
      // keeps a setup racing an enable from replacing the secret (and the last step) of 2FA just on.
      await setTotp(
        user,
        'auth.totp.setup',
        'UPDATE app_user SET totp_secret = ?, totp_last_step = NULL WHERE id = ? AND NOT totp_enabled',
        [secret, user.id],
        meta,
        new AppError('CONFLICT', '已启用双因素认证 (two-factor authentication is already on)'),
      );
      return { secret, otpauthUri: otpauthUri(secret, user.username) };
    },

    async totpEnable(user: SessionUser, code: string, meta: ClientMeta) {
      const row = await totpState(user.id);
      if (!row.totp_secret) throw new AppError('CONFLICT', '请先获取密钥 (call setup first)');
      const step = await requireCode(user, row, code, 'auth.totp.enable', meta);
      if (row.totp_enabled)
        throw new AppError('CONFLICT', '已启用双因素认证 (two-factor authentication is already on)');
      // Turns on the secret the code was checked against, and nothing else: a setup in another
      // tab meanwhile (a new secret the user never confirmed) leaves this update without a row.
      await setTotp(
        user,
        'auth.totp.enable',
        `UPDATE app_user SET totp_enabled = true, totp_last_step = ?
           WHERE id = ? AND totp_secret = ? AND NOT totp_enabled AND ${UNUSED_STEP}`,
        [step, user.id, row.totp_secret, step],
        meta,
        new AppError(
          'CONFLICT',
          '双因素认证设置已变化，请重新获取密钥 (two-factor settings changed meanwhile; set up again)',
        ),
      );
      return me(user.id);
    },

    async totpDisable(user: SessionUser, code: string, meta: ClientMeta) {
      if (user.roles.includes('admin')) {
        throw new AppError(
          'FORBIDDEN',
          '系统管理员必须使用双因素认证 (administrators must keep two-factor authentication)',
        );
      }
      const row = await totpState(user.id);
      if (!row.totp_enabled || !row.totp_secret)
        throw new AppError('CONFLICT', '未启用双因素认证 (two-factor authentication is off)');
      const step = await requireCode(user, row, code, 'auth.totp.disable', meta);
      // The secret goes, and with it the record of its used steps.
      await setTotp(
        user,
        'auth.totp.disable',
        `UPDATE app_user SET totp_enabled = false, totp_secret = NULL, totp_last_step = NULL
           WHERE id = ? AND ${UNUSED_STEP}`,
        [user.id, step],
        meta,
        codeRefused('reused'),
      );
      return me(user.id);
    },
  };
}

export function actorOf(u: SessionUser) {
  return { id: u.id, username: u.username, unit: u.orgUnit.code };
}

export type AuthService = ReturnType<typeof createAuthService>;
