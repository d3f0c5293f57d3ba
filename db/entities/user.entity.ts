import { EntitySchema, type Collection, type Opt, type PrimaryKeyProp } from '@mikro-orm/core';
import type { Role } from '#domain/schemas.js';
import type { OrgUnit } from './org-unit.entity.js';

/**
 * An account. Timestamps and counters take the database's defaults and clock (`now()`), as the
 * lock and session checks compare against that clock. The places of its password checks in flight
 * (`login_places`) are read and written by login.repository.ts alone, in raw SQL.
 */
export interface AppUser {
  id: Opt<string>;
  username: string;
  displayName: string;
  orgUnit: OrgUnit;
  roles: Collection<UserRole>;
  passwordHash: string;
  mustChangePassword: Opt<boolean>;
  disabled: Opt<boolean>;
  failedLogins: Opt<number>;
  lockedUntil: Opt<Date | null>;
  /** Whether a lock is in force, by the database's clock (read-only). */
  locked: Opt<boolean>;
  totpSecret: Opt<string | null>;
  totpEnabled: Opt<boolean>;
  /** The last TOTP time step accepted (bigint, as the driver's string). */
  totpLastStep: Opt<string | null>;
  passwordChangedAt: Opt<Date>;
  /** Where outside notifications go (format checked by the database too). */
  email: Opt<string | null>;
  phone: Opt<string | null>;
  /** 单位主要负责人: also receives the unit's overdue alerts. */
  unitHead: Opt<boolean>;
  createdAt: Opt<Date>;
  updatedAt: Opt<Date>;
}

export const AppUserSchema = new EntitySchema<AppUser>({
  name: 'AppUser',
  tableName: 'app_user',
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    username: { type: 'text', unique: true },
    displayName: { type: 'text' },
    orgUnit: { kind: 'm:1', entity: 'OrgUnit', fieldName: 'org_unit_id' },
    roles: { kind: '1:m', entity: 'UserRole', mappedBy: 'user' },
    passwordHash: { type: 'text', hidden: true },
    mustChangePassword: { type: 'boolean', defaultRaw: 'false' },
    disabled: { type: 'boolean', defaultRaw: 'false' },
    failedLogins: { type: 'integer', defaultRaw: '0' },
    lockedUntil: { type: 'Date', nullable: true },
    locked: {
      type: 'boolean',
      persist: false,
      formula: (t) => `COALESCE(${t.alias}.locked_until > now(), false)`,
    },
    totpSecret: { type: 'text', nullable: true, hidden: true },
    totpEnabled: { type: 'boolean', defaultRaw: 'false' },
    totpLastStep: { type: 'bigint', nullable: true },
    passwordChangedAt: { type: 'Date', defaultRaw: 'now()' },
    email: { type: 'text', nullable: true },
    phone: { type: 'text', nullable: true },
    unitHead: { type: 'boolean', defaultRaw: 'false' },
    createdAt: { type: 'Date', defaultRaw: 'now()' },
    updatedAt: { type: 'Date', defaultRaw: 'now()' },
  },
});

export interface UserRole {
  [PrimaryKeyProp]?: ['user', 'role'];
  user: AppUser;
  role: Role;
}

export const UserRoleSchema = new EntitySchema<UserRole>({
  name: 'UserRole',
  tableName: 'user_role',
  properties: {
    user: { kind: 'm:1', entity: 'AppUser', primary: true, fieldName: 'user_id' },
    role: { type: 'text', primary: true },
  },
});

/** A login session; its id is the SHA-256 of the cookie's token (api/src/modules/auth/session.ts). */
export interface UserSession {
  id: string;
  user: AppUser;
  createdAt: Opt<Date>;
  lastSeenAt: Opt<Date>;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
}

export const UserSessionSchema = new EntitySchema<UserSession>({
  name: 'UserSession',
  tableName: 'user_session',
  properties: {
    id: { type: 'text', primary: true },
    user: { kind: 'm:1', entity: 'AppUser', fieldName: 'user_id' },
    createdAt: { type: 'Date', defaultRaw: 'now()' },
    lastSeenAt: { type: 'Date', defaultRaw: 'now()' },
    expiresAt: { type: 'Date' },
    ip: { type: 'text', nullable: true },
    userAgent: { type: 'text', nullable: true },
  },
});
