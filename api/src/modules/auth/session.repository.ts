/**
 * Session rows. The lookup every request makes stays one prepared raw statement on a pooled
 * connection (it joins account, unit and roles); opening and ending sessions go through the
 * `UserSession` entity, inside the caller's transaction.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { OrgKind, Role } from '#domain/schemas.js';
import { UserSessionSchema } from '#db/entities/user.entity.js';
import type { Orm } from '#db/orm.js';
import { queryUnscoped } from '#db/scope.js';

export interface SessionRow {
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
  /** Last seen over a minute ago: time to record this request. */
  touch: boolean;
  /** Epoch ms on the database's clock: when last seen, when the session ends, and now. */
  last_seen_ms: number;
  expires_ms: number;
  now_ms: number;
}

/** The account behind a live session, with its idle state (sessions carry no row-level security). */
export async function findSessionUser(
  orm: Orm,
  id: string,
  idleMinutes: number,
): Promise<SessionRow | undefined> {
  const [rows] = await queryUnscoped(orm, [
    {
      sql: `SELECT u.id AS user_id, u.username, u.display_name, u.must_change_password, u.totp_enabled,
              o.id AS org_id, o.code AS org_code, o.name AS org_name, o.kind AS org_kind,
              COALESCE((SELECT array_agg(r.role ORDER BY r.role) FROM user_role r WHERE r.user_id = u.id), '{}') AS roles,
              s.last_seen_at < now() - make_interval(mins => ?) AS idle_expired,
              s.last_seen_at < now() - interval '1 minute' AS touch,
              (extract(epoch FROM s.last_seen_at) * 1000)::float8 AS last_seen_ms,
              (extract(epoch FROM s.expires_at) * 1000)::float8 AS expires_ms,
              (extract(epoch FROM now()) * 1000)::float8 AS now_ms
         FROM user_session s JOIN app_user u ON u.id = s.user_id JOIN org_unit o ON o.id = u.org_unit_id
        WHERE s.id = ? AND s.expires_at > now() AND NOT u.disabled`,
      params: [idleMinutes, id],
      prepare: true,
    },
  ]);
  return (rows as SessionRow[])[0];
}

export async function touchSession(orm: Orm, id: string): Promise<void> {
  await orm.em.fork().execute('UPDATE user_session SET last_seen_at = now() WHERE id = ?', [id], 'run');
}

export async function destroySession(orm: Orm, id: string): Promise<void> {
  await orm.em.fork().execute('DELETE FROM user_session WHERE id = ?', [id], 'run');
}

/** Records a new session; `id` is its token's hash. */
export async function insertSession(
  em: EntityManager,
  row: { id: string; userId: string; expiresAt: Date; ip: string | null; userAgent: string | null },
): Promise<void> {
  await em.insert(UserSessionSchema, {
    id: row.id,
    user: row.userId,
    expiresAt: row.expiresAt,
    ip: row.ip,
    userAgent: row.userAgent,
  });
}

export function endSession(em: EntityManager, id: string): Promise<number> {
  return em.nativeDelete(UserSessionSchema, { id });
}

/** Ends every session of the account; answers how many there were. */
export function endSessionsOf(em: EntityManager, userId: string): Promise<number> {
  return em.nativeDelete(UserSessionSchema, { user: userId });
}
