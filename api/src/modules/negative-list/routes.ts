import { z } from 'zod';
import {
  createNegativeEntrySchema,
  liftNegativeEntrySchema,
  monthSchema,
  negativeEntrySchema,
  negativeListQuerySchema,
  negativeListSchema,
  publicationDetailSchema,
  publicationListSchema,
  publishMonthSchema,
} from '#domain/talks-schemas.js';
import { uuidParam } from '#domain/schemas.js';
import { callerOf, defineRoute, type RouteDef } from '../../http.js';
import { sendAttachment } from '../attachments/routes.js';
import type { NegativeListService } from './service.js';
import { schemaMessage } from '#domain/errors.js';

/** A negative-list entry's id in a path (a bigserial). */
const entryId = z.string().regex(/^[1-9]\d{0,17}$/, {
  error: schemaMessage({ zh: '条目编号应为正整数', en: 'an entry number: a positive integer' }),
});

export function negativeListRoutes(service: NegativeListService): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/negative-list',
      summary: '负面清单 (entries in force by default; county-wide accounts: all; a unit: its own)',
      tags: ['supervision'],
      access: 'authenticated',
      query: negativeListQuerySchema,
      response: negativeListSchema,
      errors: [401, 422],
      handler: async ({ user, query }) => service.list(callerOf(user!), query),
    }),
    defineRoute({
      method: 'post',
      path: '/api/negative-list',
      summary: '列入负面清单 (the supervision office lists a unit by hand, with its leader and the reason)',
      tags: ['supervision'],
      access: 'supervision.office',
      body: createNegativeEntrySchema,
      response: negativeEntrySchema,
      successStatus: 201,
      errors: [401, 403, 422],
      handler: async ({ user, body }) => service.add(callerOf(user!), body),
    }),
    defineRoute({
      method: 'post',
      path: '/api/negative-list/:id/lift',
      summary: '移出负面清单 (the supervision office, once, with the reason and evidence)',
      tags: ['supervision'],
      access: 'supervision.office',
      params: { id: entryId },
      body: liftNegativeEntrySchema,
      response: negativeEntrySchema,
      errors: [401, 403, 404, 409, 422],
      handler: async ({ user, params, body }) => service.lift(callerOf(user!), params.id!, body),
    }),
    defineRoute({
      method: 'get',
      path: '/api/negative-list/:id/attachments/:attachmentId',
      summary: '下载移出佐证 (evidence of a lift; the SHA-256 is checked again)',
      tags: ['supervision'],
      access: 'negativeEntry.read',
      params: { id: entryId, attachmentId: uuidParam },
      errors: [401, 404, 409],
      handler: async ({ user, params, res }) =>
        sendAttachment(res, await service.evidence(callerOf(user!), params.id!, params.attachmentId!)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/negative-list/publications',
      summary: '已发布的月度负面清单 (months published, newest first)',
      tags: ['supervision'],
      access: 'authenticated',
      response: publicationListSchema,
      errors: [401],
      handler: async ({ user }) => service.publications(callerOf(user!)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/negative-list/publications',
      summary: '发布月度负面清单 (the supervision office, once per ended month; then it never changes)',
      tags: ['supervision'],
      access: 'supervision.office',
      body: publishMonthSchema,
      response: publicationDetailSchema,
      successStatus: 201,
      errors: [401, 403, 409, 422],
      handler: async ({ user, body }) => service.publish(callerOf(user!), body.month),
    }),
    defineRoute({
      method: 'get',
      path: '/api/negative-list/publications/:month',
      summary: '某月负面清单 (as published; a unit sees its own rows)',
      tags: ['supervision'],
      access: 'authenticated',
      params: { month: monthSchema },
      response: publicationDetailSchema,
      errors: [401, 404, 422],
      handler: async ({ user, params }) => service.publication(callerOf(user!), params.month!),
    }),
  ];
}
