import type { Request, Response } from 'express';
import {
  changePasswordSchema,
  loginSchema,
  meSchema,
  totpCodeSchema,
  totpSetupSchema,
} from '#domain/schemas.js';
import { defineRoute, type RouteDef } from '../../http.js';
import type { AuthService } from './auth.service.js';
import { meOf, SESSION_COOKIE } from './session.js';

export function authRoutes(deps: {
  auth: AuthService;
  secureCookies: (req: Request) => boolean;
}): RouteDef[] {
  const { auth } = deps;
  const meta = (req: Request) => ({ ip: req.ip, userAgent: req.get('user-agent') });
  const setCookie = (req: Request, res: Response, token: string, expires: Date) =>
    res.cookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: deps.secureCookies(req),
      path: '/',
      expires,
    });

  return [
    defineRoute({
      method: 'post',
      path: '/api/auth/login',
      summary: '登录 (log in; with `totp` when two-factor authentication is on; sets the session cookie)',
      tags: ['auth'],
      access: 'public',
      body: loginSchema,
      response: meSchema,
      errors: [401, 422, 429],
      handler: async ({ body, req, res }) => {
        const { token, expiresAt, me } = await auth.login(body, meta(req));
        setCookie(req, res, token, expiresAt);
        return me;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/logout',
      summary: '退出登录 (log out: the session is deleted server-side)',
      tags: ['auth'],
      access: 'authenticated',
      allowRestricted: true,
      errors: [401],
      handler: async ({ user, req, res }) => {
        await auth.logout(user!, meta(req));
        res.clearCookie(SESSION_COOKIE, { path: '/' });
        res.status(204).end();
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/auth/me',
      summary: '当前用户 (the logged-in account, its unit, roles and any pending restriction)',
      tags: ['auth'],
      access: 'authenticated',
      allowRestricted: true,
      response: meSchema,
      errors: [401],
      handler: async ({ user }) => meOf(user!),
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/password',
      summary: '修改密码 (change the password; every session of the account ends and a new one starts)',
      tags: ['auth'],
      access: 'authenticated',
      allowRestricted: true,
      body: changePasswordSchema,
      response: meSchema,
      errors: [401, 422],
      handler: async ({ user, body, req, res }) => {
        const { token, expiresAt, me } = await auth.changePassword(user!, body, meta(req));
        setCookie(req, res, token, expiresAt);
        return me;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/totp/setup',
      summary: '双因素认证：生成密钥 (start two-factor enrolment: a new secret and otpauth URI)',
      tags: ['auth'],
      access: 'authenticated',
      allowRestricted: true,
      response: totpSetupSchema,
      errors: [401, 409],
      handler: async ({ user, req }) => auth.totpSetup(user!, meta(req)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/totp/enable',
      summary: '双因素认证：启用 (confirm enrolment with a current code)',
      tags: ['auth'],
      access: 'authenticated',
      allowRestricted: true,
      body: totpCodeSchema,
      response: meSchema,
      errors: [401, 409, 422],
      handler: async ({ user, body, req }) => auth.totpEnable(user!, body.code, meta(req)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/totp/disable',
      summary: '双因素认证：停用 (not for administrators)',
      tags: ['auth'],
      access: 'authenticated',
      body: totpCodeSchema,
      response: meSchema,
      errors: [401, 403, 409, 422],
      handler: async ({ user, body, req }) => auth.totpDisable(user!, body.code, meta(req)),
    }),
  ];
}
