/**
 * Administration of accounts. Administrators manage accounts, not ledgers. Every action is audited
 * with the record before and after (never a password hash), in the transaction of the change.
 */
import crypto from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError, type Bilingual } from '#domain/errors.js';
import type { AdminUserDto, OrgKind, Role } from '#domain/schemas.js';
import type { AuditLog } from '#db/audit.js';
import type { OrgUnit } from '#db/entities/org-unit.entity.js';
import type { Orm } from '#db/orm.js';
import { withEm } from '#db/scope.js';
import { txOf } from '#db/tx.js';
import { writeOnce } from '../../idempotency.js';
import { rolesOf } from '../auth/account.repository.js';
import { hashPassword } from '../auth/password.js';
import { endSessionsOf } from '../auth/session.repository.js';
import { actorOf, type SessionUser } from '../auth/session.js';
import { findOrgUnit } from '../orgs/org-unit.repository.js';
import * as accounts from './account-admin.repository.js';

const ROLE_LABELS: Record<Role, Bilingual> = {
  admin: { zh: '系统管理员', en: 'administrator' },
  leader: { zh: '县领导', en: 'county leader' },
  supervisor: { zh: '督查', en: 'supervisor' },
  operator: { zh: '操作账号', en: 'operator' },
  viewer: { zh: '查询账号', en: 'query account' },
};

/** Which unit kinds may carry which roles: county-wide roles belong to the county and its offices. */
const ROLE_UNIT_KINDS: Record<Role, OrgKind[]> = {
  admin: ['county', 'office'],
  leader: ['county', 'office'],
  supervisor: ['county', 'office'],
  operator: ['county', 'office', 'department', 'township', 'village'],
  viewer: ['county', 'office', 'department', 'township', 'village'],
};

/**
 * Read out over the phone, typed by someone else: four groups of four joined by hyphens, drawn
 * from letters and digits no one mistakes for another (no 0/O, 1/l/I, 2/Z, 5/S, 8/B, and no
 * lowercase letter whose capital looks the same). Upper, lower, digit and the hyphen meet the
 * policy; about 85 bits; must be changed at first login.
 */
export const TEMPORARY_PASSWORD_SETS = ['ACDEFGHJKLMNPQRTUVWXY', 'abdefghmnqrt', '23456789'];
export function temporaryPassword(): string {
  const sets = TEMPORARY_PASSWORD_SETS;
  const all = sets.join('');
  const chars = sets.map((s) => s[crypto.randomInt(s.length)]!);
  while (chars.length < 16) chars.push(all[crypto.randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = crypto.randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('').replace(/(.{4})(?=.)/g, '$1-');
}

function toDto(u: accounts.AdminAccount): AdminUserDto {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    orgUnit: { code: u.orgUnit.code, name: u.orgUnit.name },
    roles: rolesOf(u),
    disabled: u.disabled,
    locked: u.locked,
    mustChangePassword: u.mustChangePassword,
    totpEnabled: u.totpEnabled,
    email: u.email ?? null,
    phone: u.phone ?? null,
    unitHead: u.unitHead,
  };
}

/** Contact facts an administrator may set on create and edit; undefined leaves one as it is. */
interface ContactInput {
  email?: string | null;
  phone?: string | null;
  unitHead?: boolean;
}

export function createAccountAdminService(deps: { orm: Orm; audit: AuditLog }) {
  const { orm, audit } = deps;

  async function one(em: EntityManager, id: string): Promise<AdminUserDto> {
    const [u] = /^[0-9a-f-]{36}$/i.test(id) ? await accounts.findAccounts(em, { id }) : [];
    if (!u) throw new AppError('NOT_FOUND', `账号不存在 (no user “${id}”)`);
    return toDto(u);
  }

  /** The unit an account is to belong to, if it exists and may carry these roles. */
  async function unitFor(em: EntityManager, code: string, roles: Role[]): Promise<OrgUnit> {
    const unit = await findOrgUnit(em, code);
    if (!unit) {
      const message = { zh: `单位不存在: ${code}`, en: `no unit “${code}”` };
      throw new AppError('VALIDATION_FAILED', message, [{ path: 'body.orgUnitCode', message }]);
    }
    const wrong = roles.filter((r) => !ROLE_UNIT_KINDS[r].includes(unit.kind));
    if (wrong.length) {
      const zh = wrong.map((r) => ROLE_LABELS[r].zh).join('、');
      const en = wrong.map((r) => ROLE_LABELS[r].en).join(', ');
      throw new AppError(
        'VALIDATION_FAILED',
        {
          zh: `角色与单位不符: ${zh} 不能授予 ${code}`,
          en: `roles do not fit the unit: ${en} cannot be given in ${code}`,
        },
        [
          {
            path: 'body.roles',
            message: {
              zh: `${zh} 只能授予县级单位或县直办公室`,
              en: `${en}: only in the county or a county office`,
            },
          },
        ],
      );
    }
    return unit;
  }

  /**
   * One audited change of an account: before and after are both recorded, in one transaction.
   * Once per Idempotency-Key: the change is recorded against the key in that transaction, so a
   * retry whose answer was lost after the commit answers the account as it is now and does not
   * apply its change again over a later one (another administrator's edit, a reset, an enable).
   * `written` is false for such a retry.
   */
  async function changeUser(
    admin: SessionUser,
    id: string,
    action: string,
    ip: string | undefined,
    mutate: (em: EntityManager, before: AdminUserDto) => Promise<void>,
  ): Promise<{ user: AdminUserDto; written: boolean }> {
    let changed: AdminUserDto | undefined;
    await writeOnce(orm, async (record) => {
      changed = await withEm(orm, async (em) => {
        const before = await one(em, id);
        await mutate(em, before);
        const after = await one(em, id);
        await audit.append(em, {
          actor: actorOf(admin),
          via: 'api',
          action,
          entity: 'user',
          entityId: id,
          before,
          after,
          ip,
        });
        await record(txOf(em), id);
        return after;
      });
      return id;
    });
    return changed
      ? { user: changed, written: true }
      : { user: await one(orm.em.fork(), id), written: false };
  }

  return {
    listUsers: async (q?: string) => (await accounts.findAccounts(orm.em.fork(), { q })).map(toDto),

    async createUser(
      admin: SessionUser,
      input: { username: string; displayName: string; orgUnitCode: string; roles: Role[] } & ContactInput,
      ip?: string,
    ) {
      const password = temporaryPassword();
      const passwordHash = await hashPassword(password);
      // Once per Idempotency-Key: a retry whose answer was lost after the commit answers the
      // account it created (without the password, which only the first answer shows), instead of
      // being refused for its own username.
      let created: AdminUserDto | undefined;
      const id = await writeOnce(orm, async (record) => {
        created = await withEm(orm, async (em) => {
          const unit = await unitFor(em, input.orgUnitCode, input.roles);
          if (await accounts.usernameTaken(em, input.username))
            throw new AppError('CONFLICT', {
              zh: `用户名已存在: ${input.username}`,
              en: `the username “${input.username}” is taken`,
            });
          const id = await accounts.insertAccount(em, {
            username: input.username,
            displayName: input.displayName,
            unit,
            passwordHash,
            email: input.email ?? null,
            phone: input.phone ?? null,
            unitHead: input.unitHead ?? false,
          });
          await accounts.setRoles(em, id, input.roles);
          const after = await one(em, id);
          await audit.append(em, {
            actor: actorOf(admin),
            via: 'api',
            action: 'admin.user.create',
            entity: 'user',
            entityId: id,
            after,
            ip,
          });
          await record(txOf(em), id);
          return after;
        });
        return created.id;
      });
      if (created) return { user: created, temporaryPassword: password };
      return { user: await one(orm.em.fork(), id), temporaryPassword: null };
    },

    async updateUser(
      admin: SessionUser,
      id: string,
      input: { displayName?: string; orgUnitCode?: string; roles?: Role[] } & ContactInput,
      ip?: string,
    ) {
      const { user } = await changeUser(admin, id, 'admin.user.update', ip, async (em, before) => {
        if (before.id === admin.id && input.roles && !input.roles.includes('admin')) {
          throw new AppError(
            'CONFLICT',
            '不能撤销自己的系统管理员角色 (you cannot remove your own admin role)',
          );
        }
        const unitCode = input.orgUnitCode ?? before.orgUnit.code;
        const unit = await unitFor(em, unitCode, input.roles ?? before.roles);
        await accounts.updateAccount(em, id, {
          displayName: input.displayName ?? before.displayName,
          unit,
          email: input.email === undefined ? before.email : input.email,
          phone: input.phone === undefined ? before.phone : input.phone,
          // The head of one unit is not the head of the next: a move drops it unless it says so.
          unitHead: input.unitHead ?? (unitCode === before.orgUnit.code && before.unitHead),
        });
        if (input.roles) await accounts.setRoles(em, id, input.roles);
        // A change of unit or roles changes what the account may see: end its sessions.
        if (input.roles || input.orgUnitCode) await endSessionsOf(em, id);
      });
      return user;
    },

    async resetPassword(admin: SessionUser, id: string, ip?: string) {
      // One's own password is changed with the current one (POST /api/auth/password), never reset.
      if (id === admin.id)
        throw new AppError(
          'CONFLICT',
          '不能重置自己的密码，请在账号页修改 (change your own password instead)',
        );
      const password = temporaryPassword();
      const passwordHash = await hashPassword(password);
      const { user, written } = await changeUser(admin, id, 'admin.user.resetPassword', ip, async (em) => {
        await accounts.resetPassword(em, id, passwordHash);
        await endSessionsOf(em, id);
      });
      // A retry of a reset its first run made shows no password: this one was never set.
      return { user, temporaryPassword: written ? password : null };
    },

    async setDisabled(admin: SessionUser, id: string, disabled: boolean, ip?: string) {
      if (id === admin.id) throw new AppError('CONFLICT', '不能停用自己的账号 (you cannot disable yourself)');
      const action = disabled ? 'admin.user.disable' : 'admin.user.enable';
      const { user } = await changeUser(admin, id, action, ip, async (em) => {
        await accounts.setDisabled(em, id, disabled);
        if (disabled) await endSessionsOf(em, id);
      });
      return user;
    },
  };
}

export type AccountAdminService = ReturnType<typeof createAccountAdminService>;
