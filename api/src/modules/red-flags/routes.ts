import { z } from 'zod';
import {
  dismissRedFlagSchema,
  redFlagDetailSchema,
  redFlagListQuerySchema,
  redFlagListSchema,
  redFlagScanSchema,
} from '#domain/red-flags.js';
import { callerOf, defineRoute, type RouteDef } from '../../http.js';
import type { RedFlagService } from './service.js';
import { schemaMessage } from '#domain/errors.js';

/** A flag's id: a positive integer (the table's bigserial). */
const flagId = z.string().regex(/^[1-9][0-9]{0,14}$/, {
  error: schemaMessage({ zh: '风险红旗编号应为正整数', en: 'a positive integer' }),
});

export function redFlagRoutes(service: RedFlagService): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/red-flags',
      summary:
        '风险红旗 (risk red flags: all for county-wide accounts, else those concerning your unit; filters rule/status/unit/year)',
      tags: ['supervision'],
      // Every account may ask; the answer holds only the flags it may read.
      access: 'authenticated',
      query: redFlagListQuerySchema,
      response: redFlagListSchema,
      errors: [401, 422],
      handler: async ({ user, query }) => service.list(callerOf(user!), query),
    }),
    defineRoute({
      method: 'post',
      path: '/api/red-flags/scan',
      summary: '立即检测 (run every rule now; the supervision office; running twice changes nothing)',
      tags: ['supervision'],
      access: 'redFlag.write',
      response: redFlagScanSchema,
      errors: [401, 403],
      handler: async ({ user }) => service.scan(callerOf(user!)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/red-flags/:id',
      summary: '红旗详情 (explanation, the rows behind it, and a rectification notice ready to prefill)',
      tags: ['supervision'],
      access: 'redFlag.read',
      params: { id: flagId },
      response: redFlagDetailSchema,
      errors: [401, 404, 422],
      handler: async ({ user, params }) => service.get(callerOf(user!), Number(params.id)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/red-flags/:id/dismiss',
      summary: '排除红旗 (dismiss with a reason; kept with who and when, and later scans do not reopen it)',
      tags: ['supervision'],
      access: 'redFlag.write',
      params: { id: flagId },
      body: dismissRedFlagSchema,
      response: redFlagDetailSchema,
      errors: [401, 403, 404, 409, 422],
      handler: async ({ user, params, body }) =>
        service.dismiss(callerOf(user!), Number(params.id), body.reason),
    }),
  ];
}
