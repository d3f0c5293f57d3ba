/**
 * Accounts as the administration sees them: each with its unit, roles and lock state. Changes are
 * single statements through the entity's EntityManager, in the caller's transaction; timestamps
 * take the database's clock, as the lock and session checks do.
 */
import { QueryOrder, sql } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Role } from '#domain/schemas.js';
import { searchForms } from '#domain/search-forms.js';
import { AppUserSchema, UserRoleSchema } from '#db/entities/user.entity.js';
import type { OrgUnit } from '#db/entities/org-unit.entity.js';

/** An ILIKE pattern for text containing `term` as it is: its % and _ are not wildcards. */
const containing = (term: string) => `%${term.replace(/[\\%_]/g, '\\$&')}%`;

/**
 * Accounts by id, or whose username or name contains `q` in any of its typed forms, ordered by
 * username. Read afresh even when this EntityManager has loaded them before a change.
 */
export function findAccounts(em: EntityManager, where: { id: string } | { q?: string }) {
  const filter =
    'id' in where
      ? { id: where.id }
      : where.q
        ? {
            $or: searchForms(where.q).flatMap((form) => [
              { username: { $ilike: containing(form) } },
              { displayName: { $ilike: containing(form) } },
            ]),
          }
        : {};
  return em.find(AppUserSchema, filter, {
    populate: ['orgUnit', 'roles'],
    orderBy: { username: QueryOrder.ASC },
    refresh: true,
  });
}

export type AdminAccount = Awaited<ReturnType<typeof findAccounts>>[number];

/** Where outside notifications reach the account, and whether it is its unit's main leader. */
interface Contact {
  email: string | null;
  phone: string | null;
  unitHead: boolean;
}

export async function usernameTaken(em: EntityManager, username: string): Promise<boolean> {
  return (await em.count(AppUserSchema, { username })) > 0;
}

/** A new account that must change its (temporary) password at first login. */
export async function insertAccount(
  em: EntityManager,
  input: { username: string; displayName: string; unit: OrgUnit; passwordHash: string } & Contact,
): Promise<string> {
  const user = em.create(AppUserSchema, {
    username: input.username,
    displayName: input.displayName,
    orgUnit: input.unit,
    passwordHash: input.passwordHash,
    mustChangePassword: true,
    email: input.email,
    phone: input.phone,
    unitHead: input.unitHead,
  });
  await em.flush();
  return user.id;
}

export async function updateAccount(
  em: EntityManager,
  id: string,
  input: { displayName: string; unit: OrgUnit } & Contact,
): Promise<void> {
  await em.nativeUpdate(
    AppUserSchema,
    { id },
    {
      displayName: input.displayName,
      orgUnit: input.unit,
      email: input.email,
      phone: input.phone,
      unitHead: input.unitHead,
      updatedAt: sql.now(),
    },
  );
}

/** Replaces the account's roles with these. */
export async function setRoles(em: EntityManager, userId: string, roles: Role[]): Promise<void> {
  await em.nativeDelete(UserRoleSchema, { user: userId });
  if (roles.length === 0) return;
  await em.insertMany(
    UserRoleSchema,
    [...new Set(roles)].map((role) => ({ user: em.getReference(AppUserSchema, userId), role })),
  );
}

/** A new (temporary) password to be changed at the next login; any lock is lifted. */
export async function resetPassword(em: EntityManager, id: string, passwordHash: string): Promise<void> {
  await em.nativeUpdate(
    AppUserSchema,
    { id },
    {
      passwordHash,
      mustChangePassword: true,
      failedLogins: 0,
      lockedUntil: null,
      passwordChangedAt: sql.now(),
      updatedAt: sql.now(),
    },
  );
}

export async function setDisabled(em: EntityManager, id: string, disabled: boolean): Promise<void> {
  await em.nativeUpdate(AppUserSchema, { id }, { disabled, updatedAt: sql.now() });
}
