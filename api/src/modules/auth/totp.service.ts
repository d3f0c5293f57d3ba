/**
 * Two-factor authentication of the logged-in account: enrolment, confirmation, switching it off.
 * Every change, and every refused code, is audited in the transaction that writes it.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '#domain/errors.js';
import type { MeDto } from '#domain/schemas.js';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { withEm } from '#db/scope.js';
import { addFailure, type LockPolicy } from './login.repository.js';
import { lockedError, TOTP_REUSED, type ClientMeta } from './login.service.js';
import { actorOf, type SessionUser } from './session.js';
import { checkTotp, newTotpSecret, otpauthUri } from './totp.js';
import * as totpRows from './totp.repository.js';

const ALREADY_ON = '已启用双因素认证 (two-factor authentication is already on)';

const codeRefused = (reason: 'wrong' | 'reused') =>
  reason === 'wrong'
    ? new AppError('VALIDATION_FAILED', '动态口令错误 (wrong code)', [
        { path: 'body.code', message: { zh: '动态口令错误', en: 'wrong code' } },
      ])
    : new AppError('VALIDATION_FAILED', TOTP_REUSED, [
        {
          path: 'body.code',
          message: {
            zh: '动态口令已使用过，请等待下一个口令',
            en: 'code already used; wait for the next one',
          },
        },
      ]);

export function createTotpService(deps: {
  orm: Orm;
  audit: AuditLog;
  login: LockPolicy;
  me: (userId: string) => Promise<MeDto>;
}) {
  const { orm, audit } = deps;

  /**
   * The step of a valid, unused code; the caller spends it with its guarded update. A wrong or
   * reused code counts toward the account's lock and is audited, as at login: without that, a
   * session could try all million codes at 2FA's own endpoints. A locked account's codes are not
   * checked at all.
   */
  async function requireCode(
    user: SessionUser,
    state: totpRows.TotpState,
    code: string,
    action: string,
    meta: ClientMeta,
  ): Promise<number> {
    if (state.locked) throw lockedError(deps.login);
    const check = checkTotp(state.secret!, code, state.lastStep);
    if (!('refused' in check)) return check.step;
    await withEm(orm, async (em) => {
      await addFailure(em, user.id, deps.login);
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
   * One audited change of the caller's own 2FA settings: `change` is a guarded update of the
   * caller's row; when it changes nothing (its guard failed), `noRow` is thrown and nothing is written.
   */
  async function setTotp(
    user: SessionUser,
    action: string,
    change: (em: EntityManager) => Promise<boolean>,
    meta: ClientMeta,
    noRow: AppError,
  ) {
    await withEm(orm, async (em) => {
      if (!(await change(em))) throw noRow;
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

  return {
    /** Starts 2FA enrolment: a new secret, not active until a code from it is confirmed. */
    async totpSetup(user: SessionUser, meta: ClientMeta) {
      if (user.totpEnabled) throw new AppError('CONFLICT', ALREADY_ON);
      const secret = newTotpSecret();
      await setTotp(
        user,
        'auth.totp.setup',
        (em) => totpRows.startEnrolment(em, user.id, secret),
        meta,
        new AppError('CONFLICT', ALREADY_ON),
      );
      return { secret, otpauthUri: otpauthUri(secret, user.username) };
    },

    async totpEnable(user: SessionUser, code: string, meta: ClientMeta) {
      const state = await totpRows.totpState(orm.em.fork(), user.id);
      if (!state.secret) throw new AppError('CONFLICT', '请先获取密钥 (call setup first)');
      const secret = state.secret;
      const step = await requireCode(user, state, code, 'auth.totp.enable', meta);
      if (state.enabled) throw new AppError('CONFLICT', ALREADY_ON);
      await setTotp(
        user,
        'auth.totp.enable',
        (em) => totpRows.enable(em, user.id, secret, step),
        meta,
        new AppError(
          'CONFLICT',
          '双因素认证设置已变化，请重新获取密钥 (two-factor settings changed meanwhile; set up again)',
        ),
      );
      return deps.me(user.id);
    },

    async totpDisable(user: SessionUser, code: string, meta: ClientMeta) {
      if (user.roles.includes('admin')) {
        throw new AppError(
          'FORBIDDEN',
          '系统管理员必须使用双因素认证 (administrators must keep two-factor authentication)',
        );
      }
      const state = await totpRows.totpState(orm.em.fork(), user.id);
      if (!state.enabled || !state.secret)
        throw new AppError('CONFLICT', '未启用双因素认证 (two-factor authentication is off)');
      const step = await requireCode(user, state, code, 'auth.totp.disable', meta);
      await setTotp(
        user,
        'auth.totp.disable',
        (em) => totpRows.disable(em, user.id, step),
        meta,
        codeRefused('reused'),
      );
      return deps.me(user.id);
    },
  };
}
