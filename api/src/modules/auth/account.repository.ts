/** An account's own records: itself with its unit and roles, and its password and their history. */
import { sql } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppUserSchema, type AppUser } from '#db/entities/user.entity.js';

export function findAccount(em: EntityManager, userId: string) {
  return em.findOneOrFail(AppUserSchema, { id: userId }, { populate: ['orgUnit', 'roles'] });
}

export type AccountWithUnit = Awaited<ReturnType<typeof findAccount>>;

export async function passwordHashOf(em: EntityManager, userId: string): Promise<string> {
  const u = await em.findOneOrFail(AppUserSchema, { id: userId }, { fields: ['passwordHash'] });
  return u.passwordHash;
}

/** The hashes of the account's last `depth` passwords before the current one, newest first. */
export async function recentPasswordHashes(
  em: EntityManager,
  userId: string,
  depth: number,
): Promise<string[]> {
  const rows = await em.execute<{ password_hash: string }[]>(
    'SELECT password_hash FROM password_history WHERE user_id = ? ORDER BY created_at DESC LIMIT ?',
    [userId, depth],
    'all',
  );
  return rows.map((r) => r.password_hash);
}

/** Replaces the password; the one it replaces goes to the history. */
export async function replacePassword(
  em: EntityManager,
  userId: string,
  previousHash: string,
  newHash: string,
): Promise<void> {
  await em.execute(
    'INSERT INTO password_history (user_id, password_hash) VALUES (?, ?)',
    [userId, previousHash],
    'run',
  );
  await em.nativeUpdate(
    AppUserSchema,
    { id: userId },
    { passwordHash: newHash, mustChangePassword: false, passwordChangedAt: sql.now(), updatedAt: sql.now() },
  );
}

/** The roles of an account, sorted (the order the api answers them in). */
export function rolesOf(u: Pick<AppUser, 'roles'>) {
  return u.roles
    .getItems()
    .map((r) => r.role)
    .sort();
}
