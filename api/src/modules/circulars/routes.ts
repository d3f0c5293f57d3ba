import {
  circularListSchema,
  circularSchema,
  editCircularSchema,
  exportQuerySchema,
  generateCircularSchema,
  publishCircularSchema,
} from '#domain/circular/schemas.js';
import { callerOf, defineRoute, type RouteDef } from '../../http.js';
import { circularDocx } from './render-docx.js';
import { circularPdf } from './render-pdf.js';
import type { CircularService } from './service.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

export function circularRoutes(service: CircularService): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/circulars',
      summary:
        '月通报 (every edition for county-wide accounts, the published ones for units; the months with a stored ranking for the office)',
      tags: ['supervision'],
      access: 'authenticated',
      response: circularListSchema,
      errors: [401],
      handler: async ({ user }) => service.list(callerOf(user!)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/circulars',
      summary:
        '起草月通报 (generate the month’s draft from its stored ranking, the overdue list, notices and talks; regenerating replaces the draft, never a published edition; 409 without a ranking)',
      tags: ['supervision'],
      access: 'circular.write',
      body: generateCircularSchema,
      response: circularSchema,
      errors: [401, 403, 409, 422],
      handler: async ({ user, body }) => service.generate(callerOf(user!), body.month),
    }),
    defineRoute({
      method: 'get',
      path: '/api/circulars/:id',
      summary: '通报详情 (a draft for county-wide accounts; a published circular for everyone)',
      tags: ['supervision'],
      access: 'circular.read',
      response: circularSchema,
      errors: [401, 404],
      handler: async ({ user, params }) => service.get(callerOf(user!), params.id!),
    }),
    defineRoute({
      method: 'put',
      path: '/api/circulars/:id',
      summary:
        '修改通报草稿 (title and every section’s text; 409 once published or when edited since `revision`)',
      tags: ['supervision'],
      access: 'circular.write',
      body: editCircularSchema,
      response: circularSchema,
      errors: [401, 403, 404, 409, 422],
      handler: async ({ user, params, body }) => service.edit(callerOf(user!), params.id!, body),
    }),
    defineRoute({
      method: 'post',
      path: '/api/circulars/:id/publish',
      summary: '发布通报 (exactly the revision confirmed; a published circular never changes)',
      tags: ['supervision'],
      access: 'circular.write',
      body: publishCircularSchema,
      response: circularSchema,
      errors: [401, 403, 404, 409, 422],
      handler: async ({ user, params, body }) => service.publish(callerOf(user!), params.id!, body.revision),
    }),
    defineRoute({
      method: 'get',
      path: '/api/circulars/:id/export',
      summary: '下载通报 (?format=pdf, the printed layout; or docx, for Word)',
      tags: ['supervision'],
      access: 'circular.read',
      query: exportQuerySchema,
      errors: [401, 404, 422, 503],
      handler: async ({ user, params, query, res }) => {
        const c = await service.get(callerOf(user!), params.id!);
        const body = query.format === 'docx' ? circularDocx(c) : await circularPdf(c);
        const file = `${c.title}${c.status === 'draft' ? '（草稿）' : ''}.${query.format}`;
        res
          .status(200)
          .type(query.format === 'docx' ? DOCX : 'application/pdf')
          .setHeader(
            'Content-Disposition',
            `attachment; filename="circular-${c.month}.${query.format}"; filename*=UTF-8''${encodeURIComponent(file)}`,
          )
          .send(body);
        return undefined;
      },
    }),
  ];
}
