/**
 * Server-side sessions in PostgreSQL. The cookie holds a random 256-bit token; the table holds
 * only its SHA-256, so reading the table gives no usable session. Idle and absolute timeouts are
 * both enforced on every request.
 */
import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { OrgKind, Role } from '../../../../domain/schemas.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../../../../db/orm.js';
import { queryUnscoped } from '../../../../db/scope.js';

export interface SessionUser {
  id: string;
  username: string;
  displayName: string;
  orgUnit: { id: string; code: string; name: string; kind: OrgKind };
  roles: Role[];
  mustChangePassword: boolean;
  totpEnabled: boolean;
  /** A session that may only change its password / set up 2FA before anything else. */
  restriction: 'passwordChange' | 'totpSetup' | null;
  sessionId: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      user?: SessionUser;
    }
  }
}

export const SESSION_COOKIE = 'sid';

export function tokenHash(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

export interface SessionPolicy {
  idleMinutes: number;
  absoluteHours: number;
}

export async function createSession(
  em: EntityManager,
  userId: string,
  policy: SessionPolicy,
  meta: { ip?: string; userAgent?: string },
): Promise<{ token: string; expiresAt: Date }> {
  const token = crypto.randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + policy.absoluteHours * 3600_000);
  await em.execute(
    'INSERT INTO user_session (id, user_id, expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?)',
    [tokenHash(token), userId, expiresAt, meta.ip ?? null, meta.userAgent?.slice(0, 300) ?? null],
    'run',
  );
  return { token, expiresAt };
}

export async function destroySession(orm: Orm, sessionId: string): Promise<void> {
  await orm.em.fork().execute('DELETE FROM user_session WHERE id = ?', [sessionId], 'run');
}

/** Loads the user behind the session cookie, if any and still valid, into `req.user`. */
export function sessionMiddleware(orm: Orm, policy: SessionPolicy) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const token: unknown = req.cookies?.[SESSION_COOKIE];
    if (typeof token !== 'string' || token.length < 20 || token.length > 100) return next();
    const id = tokenHash(token);
    // On a pooled connection directly, as a prepared statement: every request asks it.
    const [found] = await queryUnscoped(orm, [
      {
        sql: `SELECT u.id AS user_id, u.username, u.display_name, u.must_change_password, u.totp_enabled,
              o.id AS org_id, o.code AS org_code, o.name AS org_name, o.kind AS org_kind,
              COALESCE((SELECT array_agg(r.role ORDER BY r.role) FROM user_role r WHERE r.user_id = u.id), '{}') AS roles,
              s.last_seen_at < now() - make_interval(mins => ?) AS idle_expired,
              s.last_seen_at < now() - interval '1 minute' AS touch
         FROM user_session s JOIN app_user u ON u.id = s.user_id JOIN org_unit o ON o.id = u.org_unit_id
        WHERE s.id = ? AND s.expires_at > now() AND NOT u.disabled`,
        params: [policy.idleMinutes, id],
        prepare: true,
      },
    ]);
    const rows = found as {
      user_id: string;
      username: string;
      display_name: string;
      must_change_password: boolean;
      totp_enabled: boolean;
      org_id: string;
      org_code: string;
      org_name: string;
      org_kind: OrgKind;
      roles: Role[];
      idle_expired: boolean;
      touch: boolean;
    }[];
    const row = rows[0];
    if (!row) return next();
    if (row.idle_expired) {
      await destroySession(orm, id);
      return next();
    }
    if (row.touch)
      await orm.em.fork().execute('UPDATE user_session SET last_seen_at = now() WHERE id = ?', [id], 'run');
    req.user = {
      id: row.user_id,
      username: row.username,
      displayName: row.display_name,
      orgUnit: { id: row.org_id, code: row.org_code, name: row.org_name, kind: row.org_kind },
      roles: row.roles,
      mustChangePassword: row.must_change_password,
      totpEnabled: row.totp_enabled,
      restriction: row.must_change_password
        ? 'passwordChange'
        : row.roles.includes('admin') && !row.totp_enabled
          ? 'totpSetup'
          : null,
      sessionId: id,
    };
    next();
  };
}
