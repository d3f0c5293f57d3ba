/**
 * Administration: org units and accounts. Administrators manage accounts, not ledgers. Every
 * action is audited with the record before and after (never a password hash).
 */
import crypto from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../../../domain/errors.js';
import type { AdminUserDto, OrgKind, Role } from '../../../../domain/schemas.js';
import type { AuditLog } from '../../../../db/audit.js';
import type { Orm } from '../../../../db/orm.js';
import { hashPassword } from '../auth/password.js';
import { actorOf } from '../auth/service.js';
import type { SessionUser } from '../auth/session.js';

const ROLE_LABELS: Record<Role, string> = {
  admin: '系统管理员',
  leader: '县领导',
  supervisor: '督查',
  operator: '操作账号',
  viewer: '查询账号',
};

/** Which unit kinds may carry which roles: county-wide roles belong to the county and its offices. */
const ROLE_UNIT_KINDS: Record<Role, OrgKind[]> = {
  admin: ['county', 'office'],
  leader: ['county', 'office'],
  supervisor: ['county', 'office'],
  operator: ['county', 'office', 'department', 'township', 'village'],
  viewer: ['county', 'office', 'department', 'township', 'village'],
};

const PARENT_KIND: Record<OrgKind, OrgKind[]> = {
  county: [],
  office: ['county'],
  department: ['county'],
  township: ['county'],
  village: ['township'],
};

/** 16 characters from four classes: meets the policy, must be changed at first login. */
export function temporaryPassword(): string {
  const sets = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnpqrstuvwxyz', '23456789', '@#%+=!?'];
  const all = sets.join('');
  const chars = sets.map((s) => s[crypto.randomInt(s.length)]!);
  while (chars.length < 16) chars.push(all[crypto.randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = crypto.randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

export function createAdminService(deps: { orm: Orm; audit: AuditLog }) {
  const { orm, audit } = deps;
  const tx = <T>(fn: (em: EntityManager) => Promise<T>) =>
    orm.em.fork().transactional((em) => fn(em as EntityManager));

  async function loadUsers(
    em: EntityManager,
    where = 'TRUE',
    params: unknown[] = [],
  ): Promise<AdminUserDto[]> {
    const rows = await em.execute<
      {
        id: string;
        username: string;
        display_name: string;
        code: string;
        name: string;
        roles: Role[];
        disabled: boolean;
        locked: boolean;
        must_change_password: boolean;
        totp_enabled: boolean;
      }[]
    >(
      `SELECT u.id, u.username, u.display_name, o.code, o.name, u.disabled, u.must_change_password, u.totp_enabled,
              COALESCE(u.locked_until > now(), false) AS locked,
              COALESCE((SELECT array_agg(r.role ORDER BY r.role) FROM user_role r WHERE r.user_id = u.id), '{}') AS roles
         FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id WHERE ${where} ORDER BY u.username`,
      params,
      'all',
    );
    return rows.map((r) => ({
      id: r.id,
      username: r.username,
      displayName: r.display_name,
      orgUnit: { code: r.code, name: r.name },
      roles: r.roles,
      disabled: r.disabled,
      locked: r.locked,
      mustChangePassword: r.must_change_password,
      totpEnabled: r.totp_enabled,
    }));
  }

  async function one(em: EntityManager, id: string): Promise<AdminUserDto> {
    const [u] = /^[0-9a-f-]{36}$/i.test(id) ? await loadUsers(em, 'u.id = ?', [id]) : [];
    if (!u) throw new AppError('NOT_FOUND', `账号不存在 (no user ${id})`);
    return u;
  }

  async function unitFor(
    em: EntityManager,
    code: string,
    roles: Role[],
  ): Promise<{ id: string; kind: OrgKind }> {
    const [unit] = await em.execute<{ id: string; kind: OrgKind }[]>(
      'SELECT id, kind FROM org_unit WHERE code = ?',
      [code],
      'all',
    );
    if (!unit)
      throw new AppError('VALIDATION_FAILED', `单位不存在: ${code}`, [
        { path: 'body.orgUnitCode', message: `单位不存在: ${code}` },
      ]);
    const wrong = roles.filter((r) => !ROLE_UNIT_KINDS[r].includes(unit.kind));
    if (wrong.length) {
      const names = wrong.map((r) => ROLE_LABELS[r]).join('、');
      throw new AppError('VALIDATION_FAILED', `角色与单位不符: ${names} 不能授予 ${code}`, [
        { path: 'body.roles', message: `${names} 只能授予县级单位或县直办公室` },
      ]);
    }
    return unit;
  }

  async function setRoles(em: EntityManager, userId: string, roles: Role[]) {
    await em.execute('DELETE FROM user_role WHERE user_id = ?', [userId], 'run');
    for (const r of new Set(roles))
      await em.execute('INSERT INTO user_role (user_id, role) VALUES (?, ?)', [userId, r], 'run');
  }

  /** One audited change of an account: before and after are both recorded, in one transaction. */
  function changeUser(
    admin: SessionUser,
    id: string,
    action: string,
    ip: string | undefined,
    mutate: (em: EntityManager, before: AdminUserDto) => Promise<void>,
  ) {
    return tx(async (em) => {
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
      return after;
    });
  }

  return {
    listUsers: (q?: string) =>
      tx((em) =>
        q
          ? loadUsers(em, '(u.username ILIKE ? OR u.display_name ILIKE ?)', [`%${q}%`, `%${q}%`])
          : loadUsers(em),
      ),

    async createUser(
      admin: SessionUser,
      input: { username: string; displayName: string; orgUnitCode: string; roles: Role[] },
      ip?: string,
    ) {
      const password = temporaryPassword();
      const hash = await hashPassword(password);
      const user = await tx(async (em) => {
        const unit = await unitFor(em, input.orgUnitCode, input.roles);
        const exists = await em.execute('SELECT 1 FROM app_user WHERE username = ?', [input.username], 'all');
        if (exists.length) throw new AppError('CONFLICT', `用户名已存在: ${input.username}`);
        const [row] = (await em.execute<{ id: string }[]>(
          `INSERT INTO app_user (username, display_name, org_unit_id, password_hash, must_change_password)
           VALUES (?, ?, ?, ?, true) RETURNING id`,
          [input.username, input.displayName, unit.id, hash],
          'all',
        )) as [{ id: string }];
        await setRoles(em, row.id, input.roles);
        const created = await one(em, row.id);
        await audit.append(em, {
          actor: actorOf(admin),
          via: 'api',
          action: 'admin.user.create',
          entity: 'user',
          entityId: row.id,
          after: created,
          ip,
        });
        return created;
      });
      return { user, temporaryPassword: password };
    },

    async updateUser(
      admin: SessionUser,
      id: string,
      input: { displayName?: string; orgUnitCode?: string; roles?: Role[] },
      ip?: string,
    ) {
      return changeUser(admin, id, 'admin.user.update', ip, async (em, before) => {
        if (before.id === admin.id && input.roles && !input.roles.includes('admin')) {
          throw new AppError(
            'CONFLICT',
            '不能撤销自己的系统管理员角色 (you cannot remove your own admin role)',
          );
        }
        const unit = await unitFor(em, input.orgUnitCode ?? before.orgUnit.code, input.roles ?? before.roles);
        await em.execute(
          'UPDATE app_user SET display_name = ?, org_unit_id = ?, updated_at = now() WHERE id = ?',
          [input.displayName ?? before.displayName, unit.id, id],
          'run',
        );
        if (input.roles) await setRoles(em, id, input.roles);
        // A change of unit or roles changes what the account may see: end its sessions.
        if (input.roles || input.orgUnitCode)
          await em.execute('DELETE FROM user_session WHERE user_id = ?', [id], 'run');
      });
    },

    async resetPassword(admin: SessionUser, id: string, ip?: string) {
      // One's own password is changed with the current one (POST /api/auth/password), never reset.
      if (id === admin.id)
        throw new AppError(
          'CONFLICT',
          '不能重置自己的密码，请在账号页修改 (change your own password instead)',
        );
      const password = temporaryPassword();
      const hash = await hashPassword(password);
      const user = await changeUser(admin, id, 'admin.user.resetPassword', ip, async (em) => {
        await em.execute(
          `UPDATE app_user SET password_hash = ?, must_change_password = true, failed_logins = 0, locked_until = NULL,
             password_changed_at = now(), updated_at = now() WHERE id = ?`,
          [hash, id],
          'run',
        );
        await em.execute('DELETE FROM user_session WHERE user_id = ?', [id], 'run');
      });
      return { user, temporaryPassword: password };
    },

    async setDisabled(admin: SessionUser, id: string, disabled: boolean, ip?: string) {
      if (id === admin.id) throw new AppError('CONFLICT', '不能停用自己的账号 (you cannot disable yourself)');
      return changeUser(admin, id, disabled ? 'admin.user.disable' : 'admin.user.enable', ip, async (em) => {
        await em.execute(
          'UPDATE app_user SET disabled = ?, updated_at = now() WHERE id = ?',
          [disabled, id],
          'run',
        );
        if (disabled) await em.execute('DELETE FROM user_session WHERE user_id = ?', [id], 'run');
      });
    },

    async createOrgUnit(
      admin: SessionUser,
      input: { code: string; name: string; kind: OrgKind; parentCode: string | null },
      ip?: string,
    ) {
      return tx(async (em) => {
        const exists = await em.execute('SELECT 1 FROM org_unit WHERE code = ?', [input.code], 'all');
        if (exists.length) throw new AppError('CONFLICT', `单位代码已存在: ${input.code}`);
        let parentId: string | null = null;
        if (input.parentCode) {
          const [parent] = await em.execute<{ id: string; kind: OrgKind }[]>(
            'SELECT id, kind FROM org_unit WHERE code = ?',
            [input.parentCode],
            'all',
          );
          if (!parent || !PARENT_KIND[input.kind].includes(parent.kind)) {
            throw new AppError('VALIDATION_FAILED', `上级单位不合适: ${input.parentCode}`, [
              {
                path: 'body.parentCode',
                message: `${input.kind} 的上级须为 ${PARENT_KIND[input.kind].join('/') || '无'}`,
              },
            ]);
          }
          parentId = parent.id;
        } else if (PARENT_KIND[input.kind].length) {
          throw new AppError('VALIDATION_FAILED', '缺少上级单位 (parentCode required)', [
            { path: 'body.parentCode', message: '缺少上级单位' },
          ]);
        }
        await em.execute(
          'INSERT INTO org_unit (code, name, kind, parent_id) VALUES (?, ?, ?, ?)',
          [input.code, input.name, input.kind, parentId],
          'run',
        );
        const after = { ...input };
        await audit.append(em, {
          actor: actorOf(admin),
          via: 'api',
          action: 'admin.org.create',
          entity: 'org_unit',
          entityId: input.code,
          after,
          ip,
        });
        return after;
      });
    },

    async renameOrgUnit(admin: SessionUser, code: string, name: string, ip?: string) {
      return tx(async (em) => {
        const [before] = await em.execute<
          { code: string; name: string; kind: OrgKind; parent_code: string | null }[]
        >(
          'SELECT o.code, o.name, o.kind, p.code AS parent_code FROM org_unit o LEFT JOIN org_unit p ON p.id = o.parent_id WHERE o.code = ?',
          [code],
          'all',
        );
        if (!before) throw new AppError('NOT_FOUND', `单位不存在: ${code}`);
        await em.execute('UPDATE org_unit SET name = ? WHERE code = ?', [name, code], 'run');
        const after = { code, name, kind: before.kind, parentCode: before.parent_code };
        await audit.append(em, {
          actor: actorOf(admin),
          via: 'api',
          action: 'admin.org.rename',
          entity: 'org_unit',
          entityId: code,
          before,
          after,
          ip,
        });
        return after;
      });
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
