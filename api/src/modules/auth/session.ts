/**
 * Server-side sessions in PostgreSQL. The cookie holds a random 256-bit token; the table holds
 * only its SHA-256, so reading the table gives no usable session. Idle and absolute timeouts are
 * both enforced on every request.
 */
import crypto from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { NextFunction, Request, Response } from 'express';
import type { MeDto } from '#domain/schemas.js';
import type { AuditEntry } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import type { SessionCache } from './session-cache.js';
import { destroySession, findSessionUser, insertSession, touchSession } from './session.repository.js';

/** The logged-in account behind a request: what `/api/auth/me` answers, plus the ids the api needs. */
export interface SessionUser extends Omit<MeDto, 'orgUnit'> {
  orgUnit: MeDto['orgUnit'] & { id: string };
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

/** Opens a session in the caller's transaction: the token goes to the cookie, only its hash to the table. */
export async function createSession(
  em: EntityManager,
  userId: string,
  policy: SessionPolicy,
  meta: { ip?: string; userAgent?: string },
): Promise<{ token: string; expiresAt: Date }> {
  const token = crypto.randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + policy.absoluteHours * 3600_000);
  await insertSession(em, {
    id: tokenHash(token),
    userId,
    expiresAt,
    ip: meta.ip ?? null,
    userAgent: meta.userAgent?.slice(0, 300) ?? null,
  });
  return { token, expiresAt };
}

/** A session that may only change its password / set up 2FA before anything else. */
export function restrictionOf(a: Pick<MeDto, 'mustChangePassword' | 'roles' | 'totpEnabled'>) {
  return a.mustChangePassword
    ? ('passwordChange' as const)
    : a.roles.includes('admin') && !a.totpEnabled
      ? ('totpSetup' as const)
      : null;
}

/**
 * What `/api/auth/me` answers, from the session's own lookup: the console asks on every start,
 * and the row every request reads already holds it all (no second read of the account).
 */
export function meOf(u: SessionUser): MeDto {
  const { id, username, displayName, roles, mustChangePassword, totpEnabled, restriction } = u;
  const { code, name, kind } = u.orgUnit;
  return {
    id,
    username,
    displayName,
    orgUnit: { code, name, kind },
    roles,
    mustChangePassword,
    totpEnabled,
    restriction,
  };
}

/** The account as the audit trail names it. */
export function actorOf(u: SessionUser): AuditEntry['actor'] {
  return { id: u.id, username: u.username, unit: u.orgUnit.code };
}

/** Requests that may change an account or a session: they leave this process's kept sessions behind. */
const ACCOUNT_WRITE = /^\/api\/(auth|admin)\//;

/**
 * Loads the user behind the session cookie, if any and still valid, into `req.user`. With a
 * `cache` (session-cache.ts), reads are answered from it; every other request looks its session up
 * in the database, and one that may change accounts (under /api/auth or /api/admin) clears the
 * cache before its answer leaves, so this process's next request sees the change even before the
 * database's notification arrives.
 */
export function sessionMiddleware(orm: Orm, policy: SessionPolicy, cache?: SessionCache<SessionUser>) {
  const idleMs = policy.idleMinutes * 60_000;
  return async (req: Request, res: Response, next: NextFunction) => {
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (cache && !read && ACCOUNT_WRITE.test(req.path)) {
      const end = res.end.bind(res) as (...args: unknown[]) => Response;
      res.end = ((...args: unknown[]) => {
        cache.clear();
        return end(...args);
      }) as Response['end'];
    }
    const token: unknown = req.cookies?.[SESSION_COOKIE];
    if (typeof token !== 'string' || token.length < 20 || token.length > 100) return next();
    const id = tokenHash(token);
    const now = Date.now();
    const kept = read ? cache?.get(id, now, idleMs) : undefined;
    if (kept) {
      if (now - kept.lastSeen >= TOUCH_MS) {
        kept.lastSeen = now;
        await touchSession(orm, id);
      }
      req.user = kept.user;
      return next();
    }
    const epoch = cache?.epoch() ?? 0;
    const row = await findSessionUser(orm, id, policy.idleMinutes);
    if (!row) return next();
    if (row.idle_expired) {
      await destroySession(orm, id);
      return next();
    }
    if (row.touch) await touchSession(orm, id);
    const user = {
      id: row.user_id,
      username: row.username,
      displayName: row.display_name,
      orgUnit: { id: row.org_id, code: row.org_code, name: row.org_name, kind: row.org_kind },
      roles: row.roles,
      mustChangePassword: row.must_change_password,
      totpEnabled: row.totp_enabled,
    };
    req.user = { ...user, restriction: restrictionOf(user), sessionId: id };
    if (cache) {
      // The database's clock, moved onto this process's.
      const skew = Date.now() - row.now_ms;
      cache.put(epoch, id, {
        user: req.user,
        userId: row.user_id,
        lastSeen: row.touch ? Date.now() : row.last_seen_ms + skew,
        expiresAt: row.expires_ms + skew,
        keptAt: Date.now(),
      });
    }
    next();
  };
}

/** How stale `last_seen_at` may grow before a request records itself (the lookup's `touch`). */
const TOUCH_MS = 60_000;
