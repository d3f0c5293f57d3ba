import { EntitySchema } from '@mikro-orm/core';
import type { Role } from '../../domain/schemas.js';
import type { OrgUnit } from './org-unit.entity.js';

export interface AppUser {
  id: string;
  username: string;
  displayName: string;
  orgUnit: OrgUnit;
  passwordHash: string;
  mustChangePassword: boolean;
  disabled: boolean;
  failedLogins: number;
  lockedUntil?: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const AppUserSchema = new EntitySchema<AppUser>({
  name: 'AppUser',
  tableName: 'app_user',
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    username: { type: 'text', unique: true },
    displayName: { type: 'text' },
    orgUnit: { kind: 'm:1', entity: 'OrgUnit', fieldName: 'org_unit_id' },
    passwordHash: { type: 'text', hidden: true },
    mustChangePassword: { type: 'boolean', default: false },
    disabled: { type: 'boolean', default: false },
    failedLogins: { type: 'integer', default: 0 },
    lockedUntil: { type: 'Date', nullable: true },
    createdAt: { type: 'Date', onCreate: () => new Date() },
    updatedAt: { type: 'Date', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

export interface UserRole {
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

export interface UserSession {
  id: string;
  user: AppUser;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  ip?: string | null;
  userAgent?: string | null;
}

export const UserSessionSchema = new EntitySchema<UserSession>({
  name: 'UserSession',
  tableName: 'user_session',
  properties: {
    id: { type: 'text', primary: true },
    user: { kind: 'm:1', entity: 'AppUser', fieldName: 'user_id' },
    createdAt: { type: 'Date', onCreate: () => new Date() },
    lastSeenAt: { type: 'Date', onCreate: () => new Date() },
    expiresAt: { type: 'Date' },
    ip: { type: 'text', nullable: true },
    userAgent: { type: 'text', nullable: true },
  },
});
