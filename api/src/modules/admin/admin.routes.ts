import { z } from 'zod';
import {
  adminUserListSchema,
  adminUserSchema,
  createOrgUnitSchema,
  createUserSchema,
  orgUnitSchema,
  updateOrgUnitSchema,
  updateUserSchema,
  userWithPasswordSchema,
  withoutTemporaryPassword,
} from '#domain/schemas.js';
import { defineRoute, type RouteDef } from '../../http.js';
import type { OrgService } from '../orgs/org.service.js';
import type { AccountAdminService } from './account-admin.service.js';

const listQuery = z.object({ q: z.string().trim().max(64).optional() });

export function adminRoutes(admin: AccountAdminService, orgs: OrgService): RouteDef[] {
  const common = { tags: ['admin'], access: 'admin' as const };
  return [
    defineRoute({
      ...common,
      method: 'get',
      path: '/api/admin/users',
      summary: '账号列表 (all accounts with roles and state)',
      query: listQuery,
      response: adminUserListSchema,
      errors: [401, 403],
      handler: async ({ query }) => ({ items: await admin.listUsers(query.q) }),
    }),
    defineRoute({
      ...common,
      method: 'post',
      path: '/api/admin/users',
      summary:
        '新建账号 (returns a temporary password once; it must be changed at first login; optional e-mail, mobile number, unit head)',
      body: createUserSchema,
      response: userWithPasswordSchema,
      successStatus: 201,
      errors: [401, 403, 409, 422],
      storedAnswer: withoutTemporaryPassword,
      handler: async ({ user, body, req }) => admin.createUser(user!, body, req.ip),
    }),
    defineRoute({
      ...common,
      method: 'patch',
      path: '/api/admin/users/:id',
      summary:
        '修改账号 (name, unit, roles, e-mail, mobile number, unit head; a change of unit or roles ends its sessions)',
      body: updateUserSchema,
      response: adminUserSchema,
      errors: [401, 403, 404, 409, 422],
      handler: async ({ user, params, body, req }) => admin.updateUser(user!, params.id!, body, req.ip),
    }),
    defineRoute({
      ...common,
      method: 'post',
      path: '/api/admin/users/:id/reset-password',
      summary: '重置密码 (a temporary password; must be changed at next login; sessions end; lock cleared)',
      response: userWithPasswordSchema,
      errors: [401, 403, 404],
      storedAnswer: withoutTemporaryPassword,
      handler: async ({ user, params, req }) => admin.resetPassword(user!, params.id!, req.ip),
    }),
    defineRoute({
      ...common,
      method: 'post',
      path: '/api/admin/users/:id/disable',
      summary: '停用账号 (its sessions end)',
      response: adminUserSchema,
      errors: [401, 403, 404, 409],
      handler: async ({ user, params, req }) => admin.setDisabled(user!, params.id!, true, req.ip),
    }),
    defineRoute({
      ...common,
      method: 'post',
      path: '/api/admin/users/:id/enable',
      summary: '启用账号',
      response: adminUserSchema,
      errors: [401, 403, 404, 409],
      handler: async ({ user, params, req }) => admin.setDisabled(user!, params.id!, false, req.ip),
    }),
    defineRoute({
      ...common,
      method: 'post',
      path: '/api/admin/org-units',
      summary: '新建单位 (county office, department, township or village)',
      body: createOrgUnitSchema,
      response: orgUnitSchema,
      successStatus: 201,
      errors: [401, 403, 409, 422],
      handler: async ({ user, body, req }) => orgs.create(user!, body, req.ip),
    }),
    defineRoute({
      ...common,
      method: 'patch',
      path: '/api/admin/org-units/:code',
      summary: '单位更名',
      body: updateOrgUnitSchema,
      response: orgUnitSchema,
      errors: [401, 403, 404, 422],
      handler: async ({ user, params, body, req }) => orgs.rename(user!, params.code!, body.name, req.ip),
    }),
  ];
}
