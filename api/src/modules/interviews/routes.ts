import {
  createInterviewSchema,
  interviewDetailSchema,
  interviewFlagListQuerySchema,
  interviewFlagListSchema,
  interviewListQuerySchema,
  interviewListSchema,
} from '#domain/talks-schemas.js';
import { uuidParam } from '#domain/schemas.js';
import { callerOf, defineRoute, type RouteDef } from '../../http.js';
import { sendAttachment } from '../attachments/routes.js';
import type { InterviewService } from './service.js';

export function interviewRoutes(service: InterviewService): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/interviews',
      summary: '约谈记录 (county-wide accounts: all; a unit: the talks it was part of; newest first)',
      tags: ['supervision'],
      access: 'authenticated',
      query: interviewListQuerySchema,
      response: interviewListSchema,
      errors: [401, 422],
      handler: async ({ user, query }) => service.list(callerOf(user!), query),
    }),
    defineRoute({
      method: 'post',
      path: '/api/interviews',
      summary:
        '记录约谈 (the supervision office; closes the open 约谈 flags named in `flagIds`; a record is never changed, a correction names `correctsId`)',
      tags: ['supervision'],
      access: 'supervision.office',
      body: createInterviewSchema,
      response: interviewDetailSchema,
      successStatus: 201,
      errors: [401, 403, 409, 422],
      handler: async ({ user, body }) => service.create(callerOf(user!), body),
    }),
    defineRoute({
      method: 'get',
      path: '/api/interviews/:id',
      summary: '约谈记录详情 (who was talked to, by whom, what was agreed, the flags it closed, attachments)',
      tags: ['supervision'],
      access: 'interview.read',
      response: interviewDetailSchema,
      errors: [401, 404],
      handler: async ({ user, params }) => service.get(callerOf(user!), params.id!),
    }),
    defineRoute({
      method: 'get',
      path: '/api/interviews/:id/attachments/:attachmentId',
      summary: '下载约谈记录附件 (the SHA-256 is checked again; a tampered file is refused with 409)',
      tags: ['supervision'],
      access: 'interview.read',
      params: { id: uuidParam, attachmentId: uuidParam },
      errors: [401, 404, 409],
      handler: async ({ user, params, res }) =>
        sendAttachment(res, await service.attachment(callerOf(user!), params.id!, params.attachmentId!)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/interview-flags',
      summary:
        '约谈标记 (raised by project and notice ladders; open until a 约谈 record closes it; a unit sees its own)',
      tags: ['supervision'],
      access: 'authenticated',
      query: interviewFlagListQuerySchema,
      response: interviewFlagListSchema,
      errors: [401, 422],
      handler: async ({ user, query }) => service.flags(callerOf(user!), query),
    }),
  ];
}
