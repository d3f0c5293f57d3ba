/** The logged-in account's own use cases: who am I, log out, change my password. */
import { AppError } from '#domain/errors.js';
import { PASSWORD_HISTORY_DEPTH, passwordProblems } from '#domain/password-policy.js';
import type { MeDto } from '#domain/schemas.js';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { withEm } from '#db/scope.js';
import {
  findAccount,
  passwordHashOf,
  recentPasswordHashes,
  replacePassword,
  rolesOf,
} from './account.repository.js';
import type { ClientMeta } from './login.service.js';
import { hashPassword, verifyPassword } from './password.js';
import { endSession, endSessionsOf } from './session.repository.js';
import { actorOf, createSession, restrictionOf, type SessionPolicy, type SessionUser } from './session.js';

export function createAccountService(deps: { orm: Orm; audit: AuditLog; session: SessionPolicy }) {
  const { orm, audit } = deps;

  async function me(userId: string): Promise<MeDto> {
    const u = await findAccount(orm.em.fork(), userId);
    const me = {
      id: u.id,
      username: u.username,
      displayName: u.displayName,
      orgUnit: { code: u.orgUnit.code, name: u.orgUnit.name, kind: u.orgUnit.kind },
      roles: rolesOf(u),
      mustChangePassword: u.mustChangePassword,
      totpEnabled: u.totpEnabled,
    };
    return { ...me, restriction: restrictionOf(me) };
  }

  return {
    me,

    async logout(user: SessionUser, meta: ClientMeta) {
      await withEm(orm, async (em) => {
        await endSession(em, user.sessionId);
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
      const current = await passwordHashOf(orm.em.fork(), user.id);
      if (!(await verifyPassword(current, input.currentPassword))) {
        throw new AppError('VALIDATION_FAILED', '当前密码不正确 (current password is wrong)', [
          {
            path: 'body.currentPassword',
            message: { zh: '当前密码不正确', en: 'the current password is wrong' },
          },
        ]);
      }
      const problems = passwordProblems(input.newPassword, user.username);
      const recent = await recentPasswordHashes(orm.em.fork(), user.id, PASSWORD_HISTORY_DEPTH);
      for (const h of [current, ...recent]) {
        if (await verifyPassword(h, input.newPassword)) {
          problems.push({
            zh: `不能与最近 ${PASSWORD_HISTORY_DEPTH} 次使用过的密码相同`,
            en: `must differ from the last ${PASSWORD_HISTORY_DEPTH} passwords`,
          });
          break;
        }
      }
      if (problems.length) {
        throw new AppError(
          'VALIDATION_FAILED',
          {
            zh: `新密码不符合要求: ${problems.map((p) => p.zh).join('; ')}`,
            en: `the new password does not meet the policy: ${problems.map((p) => p.en).join('; ')}`,
          },
          problems.map((message) => ({ path: 'body.newPassword', message })),
        );
      }
      const hash = await hashPassword(input.newPassword);
      const session = await withEm(orm, async (em) => {
        await replacePassword(em, user.id, current, hash);
        const revoked = await endSessionsOf(em, user.id);
        const s = await createSession(em, user.id, deps.session, meta);
        await audit.append(em, {
          actor: actorOf(user),
          via: 'api',
          action: 'auth.password.change',
          entity: 'user',
          entityId: user.id,
          after: { sessionsRevoked: revoked },
          ip: meta.ip ?? null,
        });
        return s;
      });
      return { ...session, me: await me(user.id) };
    },
  };
}
