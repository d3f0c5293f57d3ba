import type { Response } from 'express';
import { AppError } from '../../../../domain/errors.js';
import { loginSchema, meSchema, type MeDto } from '../../../../domain/schemas.js';
import type { Orm } from '../../../../db/orm.js';
import { defineRoute, type RouteDef } from '../../http.js';
import { dummyHash, verifyPassword } from './password.js';
import {
  SESSION_COOKIE,
  createSession,
  destroySession,
  type SessionPolicy,
  type SessionUser,
} from './session.js';

const MAX_FAILURES = 10;
const LOCK_MINUTES = 15;

export function authRoutes(deps: {
  orm: Orm;
  policy: SessionPolicy;
  secureCookies: (req: { secure: boolean }) => boolean;
}): RouteDef[] {
  const { orm, policy } = deps;

  const setCookie = (res: Response, token: string, expires: Date, secure: boolean) =>
    res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure, path: '/', expires });

  return [
    defineRoute({
      method: 'post',
      path: '/api/auth/login',
      summary: '登录 (log in with username and password; sets the session cookie)',
      tags: ['auth'],
      access: 'public',
      body: loginSchema,
      response: meSchema,
      errors: [401, 422, 429],
      handler: async ({ body, req, res }) => {
        const em = orm.em.fork();
        const username = body.username.toLowerCase();
        const rows = await em.execute<
          { id: string; password_hash: string; disabled: boolean; locked: boolean }[]
        >(
          `SELECT id, password_hash, disabled, COALESCE(locked_until > now(), false) AS locked FROM app_user WHERE username = ?`,
          [username],
          'all',
        );
        const user = rows[0];
        const ok = await verifyPassword(user?.password_hash ?? (await dummyHash()), body.password);
        if (!user || user.disabled)
          throw new AppError('UNAUTHENTICATED', '用户名或密码错误 (wrong username or password)');
        if (user.locked)
          throw new AppError(
            'RATE_LIMITED',
            `登录失败次数过多，账号已锁定 ${LOCK_MINUTES} 分钟 (account locked)`,
          );
        if (!ok) {
          await em.execute(
            `UPDATE app_user SET failed_logins = failed_logins + 1,
               locked_until = CASE WHEN failed_logins + 1 >= ? THEN now() + make_interval(mins => ?) ELSE locked_until END
             WHERE id = ?`,
            [MAX_FAILURES, LOCK_MINUTES, user.id],
            'run',
          );
          throw new AppError('UNAUTHENTICATED', '用户名或密码错误 (wrong username or password)');
        }
        await em.execute(
          'UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE id = ?',
          [user.id],
          'run',
        );
        const { token, expiresAt } = await createSession(orm, user.id, policy, {
          ip: req.ip,
          userAgent: req.get('user-agent'),
        });
        setCookie(res, token, expiresAt, deps.secureCookies(req));
        return loadMe(orm, user.id);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/logout',
      summary: '退出登录 (log out: the session is deleted server-side)',
      tags: ['auth'],
      access: 'authenticated',
      errors: [401],
      handler: async ({ user, res }) => {
        await destroySession(orm, user!.sessionId);
        res.clearCookie(SESSION_COOKIE, { path: '/' });
        res.status(204).end();
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/auth/me',
      summary: '当前用户 (the logged-in user, its unit and roles)',
      tags: ['auth'],
      access: 'authenticated',
      response: meSchema,
      errors: [401],
      handler: async ({ user }) => toMe(user!),
    }),
  ];
}

function toMe(u: SessionUser): MeDto {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    orgUnit: { code: u.orgUnit.code, name: u.orgUnit.name, kind: u.orgUnit.kind },
    roles: u.roles,
    mustChangePassword: u.mustChangePassword,
  };
}

async function loadMe(orm: Orm, userId: string): Promise<MeDto> {
  const rows = await orm.em.fork().execute<
    {
      id: string;
      username: string;
      display_name: string;
      must_change_password: boolean;
      code: string;
      name: string;
      kind: MeDto['orgUnit']['kind'];
      roles: MeDto['roles'];
    }[]
  >(
    `SELECT u.id, u.username, u.display_name, u.must_change_password, o.code, o.name, o.kind,
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
  };
}
