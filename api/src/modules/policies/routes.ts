import {
  createPolicySchema,
  policyListQuerySchema,
  policyListSchema,
  policySchema,
  updatePolicySchema,
} from '#domain/bulletin-schemas.js';
import { uuidParam } from '#domain/schemas.js';
import { callerOf, defineRoute, type RouteDef } from '../../http.js';
import { sendAttachment } from '../attachments/routes.js';
import type { PolicyService } from './service.js';

export function policyRoutes(service: PolicyService): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/policies',
      summary:
        '政策法规 (search `q` in Chinese over title, document number, issuer and text, title hits first; filters level, category, status, year)',
      tags: ['policies'],
      access: 'authenticated',
      query: policyListQuerySchema,
      response: policyListSchema,
      errors: [401, 422],
      handler: async ({ user, query }) => service.list(callerOf(user!), query),
    }),
    defineRoute({
      method: 'post',
      path: '/api/policies',
      summary: '新增政策文件 (county offices and administrators)',
      tags: ['policies'],
      access: 'bulletin.publish',
      body: createPolicySchema,
      response: policySchema,
      successStatus: 201,
      errors: [401, 403, 422],
      handler: async ({ user, body }) => service.create(callerOf(user!), body),
    }),
    defineRoute({
      method: 'get',
      path: '/api/policies/:id',
      summary: '政策文件详情 (one policy document with its text and attachments)',
      tags: ['policies'],
      access: 'authenticated',
      response: policySchema,
      errors: [401, 404],
      handler: async ({ user, params }) => service.get(callerOf(user!), params.id!),
    }),
    defineRoute({
      method: 'put',
      path: '/api/policies/:id',
      summary: '修改政策文件 (replace every field, e.g. mark it 废止; attachments named are added)',
      tags: ['policies'],
      access: 'bulletin.publish',
      body: updatePolicySchema,
      response: policySchema,
      errors: [401, 403, 404, 422],
      handler: async ({ user, params, body }) => service.update(callerOf(user!), params.id!, body),
    }),
    defineRoute({
      method: 'get',
      path: '/api/policies/:id/attachments/:attachmentId',
      summary: '下载政策附件 (the SHA-256 is checked again; a tampered file is refused with 409)',
      tags: ['policies'],
      access: 'authenticated',
      params: { id: uuidParam, attachmentId: uuidParam },
      errors: [401, 404, 409],
      handler: async ({ user, params, res }) =>
        sendAttachment(res, await service.attachment(callerOf(user!), params.id!, params.attachmentId!)),
    }),
  ];
}
