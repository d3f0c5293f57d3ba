import {
  createThreadSchema,
  postMessageSchema,
  threadListQuerySchema,
  threadListSchema,
  threadReadSchema,
  threadSchema,
} from '#domain/bulletin-schemas.js';
import { uuidParam } from '#domain/schemas.js';
import { callerOf, defineRoute, type RouteDef } from '../../http.js';
import { sendAttachment } from '../attachments/routes.js';
import type { MessageService } from './service.js';

export function messageRoutes(service: MessageService): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/threads',
      summary:
        '网络寻呼 (threads your unit takes part in, newest message first, with your unread counts; q: words of the subject)',
      tags: ['messages'],
      access: 'authenticated',
      query: threadListQuerySchema,
      response: threadListSchema,
      errors: [401, 422],
      handler: async ({ user, query }) => service.list(callerOf(user!), query.page, query.pageSize, query.q),
    }),
    defineRoute({
      method: 'post',
      path: '/api/threads',
      summary: '发起会话 (a subject, the other units, the first message; not query accounts)',
      tags: ['messages'],
      access: 'bulletin.write',
      body: createThreadSchema,
      response: threadSchema,
      successStatus: 201,
      errors: [401, 403, 422],
      handler: async ({ user, body }) => service.create(callerOf(user!), body),
    }),
    defineRoute({
      method: 'get',
      path: '/api/threads/:id',
      summary: '会话 (the conversation, oldest first; `read`: whether you had read each message)',
      tags: ['messages'],
      access: 'thread.read',
      response: threadSchema,
      errors: [401, 404],
      handler: async ({ user, params }) => service.get(callerOf(user!), params.id!),
    }),
    defineRoute({
      method: 'post',
      path: '/api/threads/:id/messages',
      summary: '回复 (answer in the thread; not query accounts)',
      tags: ['messages'],
      access: 'thread.write',
      body: postMessageSchema,
      response: threadSchema,
      successStatus: 201,
      errors: [401, 403, 404, 422],
      handler: async ({ user, params, body }) => service.post(callerOf(user!), params.id!, body),
    }),
    defineRoute({
      method: 'post',
      path: '/api/threads/:id/read',
      summary: '标记已读 (every message of the thread read by you)',
      tags: ['messages'],
      access: 'thread.read',
      response: threadReadSchema,
      errors: [401, 404],
      handler: async ({ user, params }) => service.markRead(callerOf(user!), params.id!),
    }),
    defineRoute({
      method: 'get',
      path: '/api/threads/:id/attachments/:attachmentId',
      summary: '下载消息附件 (the SHA-256 is checked again; a tampered file is refused with 409)',
      tags: ['messages'],
      access: 'thread.read',
      params: { id: uuidParam, attachmentId: uuidParam },
      errors: [401, 404, 409],
      handler: async ({ user, params, res }) =>
        sendAttachment(res, await service.attachment(callerOf(user!), params.id!, params.attachmentId!)),
    }),
  ];
}
