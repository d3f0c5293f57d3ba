import {
  createNoticeSchema,
  noticeListQuerySchema,
  noticeListSchema,
  noticeReadSchema,
  noticeReceiptsSchema,
  noticeSchema,
} from '#domain/bulletin-schemas.js';
import { uuidParam } from '#domain/schemas.js';
import { callerOf, defineRoute, type RouteDef } from '../../http.js';
import { sendAttachment } from '../attachments/routes.js';
import type { NoticeService } from './service.js';

export function noticeRoutes(service: NoticeService): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/notices',
      summary:
        '通知公告 (notices addressed to your unit, yours, or all for county-wide accounts; newest first, unread marked)',
      tags: ['notices'],
      access: 'authenticated',
      query: noticeListQuerySchema,
      response: noticeListSchema,
      errors: [401, 422],
      handler: async ({ user, query }) => service.list(callerOf(user!), query),
    }),
    defineRoute({
      method: 'post',
      path: '/api/notices',
      summary: '发布通知 (publish a notice to units and kinds of unit; county offices and administrators)',
      tags: ['notices'],
      access: 'bulletin.publish',
      body: createNoticeSchema,
      response: noticeSchema,
      successStatus: 201,
      errors: [401, 403, 422],
      handler: async ({ user, body }) => service.publish(callerOf(user!), body),
    }),
    defineRoute({
      method: 'get',
      path: '/api/notices/:id',
      summary: '通知详情 (one notice, its recipients and attachments)',
      tags: ['notices'],
      access: 'notice.read',
      response: noticeSchema,
      errors: [401, 404],
      handler: async ({ user, params }) => service.get(callerOf(user!), params.id!),
    }),
    defineRoute({
      method: 'post',
      path: '/api/notices/:id/read',
      summary: '标记已读 (record that you opened the notice; the first time is kept)',
      tags: ['notices'],
      access: 'notice.read',
      response: noticeReadSchema,
      errors: [401, 404],
      handler: async ({ user, params }) => service.markRead(callerOf(user!), params.id!),
    }),
    defineRoute({
      method: 'get',
      path: '/api/notices/:id/receipts',
      summary: '阅读情况 (per addressed unit: who opened it and when, or 未读)',
      tags: ['notices'],
      access: 'notice.receipts',
      response: noticeReceiptsSchema,
      errors: [401, 403, 404],
      handler: async ({ user, params }) => service.receipts(callerOf(user!), params.id!),
    }),
    defineRoute({
      method: 'get',
      path: '/api/notices/:id/attachments/:attachmentId',
      summary: '下载通知附件 (the SHA-256 is checked again; a tampered file is refused with 409)',
      tags: ['notices'],
      access: 'notice.read',
      params: { id: uuidParam, attachmentId: uuidParam },
      errors: [401, 404, 409],
      handler: async ({ user, params, res }) =>
        sendAttachment(res, await service.attachment(callerOf(user!), params.id!, params.attachmentId!)),
    }),
  ];
}
