import {
  alertListSchema,
  createProjectSchema,
  projectDetailSchema,
  projectExportQuerySchema,
  projectListQuerySchema,
  projectListSchema,
  transitionSchema,
} from '#domain/schemas.js';
import { callerOf, defineRoute, type RouteDef } from '../../http.js';
import type { ProjectService } from './service.js';

export function projectRoutes(service: ProjectService): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/projects',
      summary:
        '项目列表 (projects within your scope; filters, sort, paging by `page` or by the cursors `after`/`before` the answer gives as `nextCursor`/`prevCursor`)',
      tags: ['projects'],
      access: 'project.read',
      query: projectListQuerySchema,
      response: projectListSchema,
      errors: [401, 422],
      handler: async ({ user, query }) => {
        const { items, total, totalCapped, nextCursor, prevCursor } = await service.list(
          callerOf(user!),
          query,
        );
        return {
          items,
          total,
          totalCapped,
          page: query.page,
          pageSize: query.pageSize,
          nextCursor,
          prevCursor,
        };
      },
    }),
    // Before /api/projects/:id, which would otherwise take "export" for an id.
    defineRoute({
      method: 'get',
      path: '/api/projects/export',
      summary:
        '导出项目列表 (xlsx: the list with the same filters and order, every page; 元 with two decimals; at most 100,000 rows)',
      tags: ['projects'],
      access: 'project.read',
      query: projectExportQuerySchema,
      errors: [401, 422],
      handler: async ({ user, query, res }) => {
        await service.exportXlsx(callerOf(user!), query, res);
        return undefined;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/projects',
      summary: '立项 (register a project: starts its workflow)',
      tags: ['projects'],
      access: 'project.create',
      body: createProjectSchema,
      response: projectDetailSchema,
      successStatus: 201,
      errors: [401, 403, 409, 422],
      handler: async ({ user, body }) => service.create(callerOf(user!), body),
    }),
    defineRoute({
      method: 'get',
      path: '/api/projects/:id',
      summary: '项目详情 (one project with its stage history; id or code)',
      tags: ['projects'],
      access: 'project.read',
      response: projectDetailSchema,
      errors: [401, 404],
      handler: async ({ user, params }) => service.detail(callerOf(user!), params.id!),
    }),
    defineRoute({
      method: 'get',
      path: '/api/projects/:id/alerts',
      summary: '逾期预警 (deadline alerts of one project: reminder, overdue, escalated, 约谈; newest first)',
      tags: ['projects'],
      access: 'project.read',
      response: alertListSchema,
      errors: [401, 404],
      handler: async ({ user, params }) => service.alerts(callerOf(user!), params.id!),
    }),
    defineRoute({
      method: 'post',
      path: '/api/projects/:id/transitions',
      summary: '推进流程 (take a step: the body names the action and carries its fields)',
      tags: ['projects'],
      access: 'project.step',
      body: transitionSchema,
      response: projectDetailSchema,
      errors: [401, 403, 404, 409, 422, 503, 504],
      idempotency: 'handler',
      handler: async ({ user, params, body, idempotency }) =>
        service.transition(callerOf(user!), params.id!, body, idempotency),
    }),
  ];
}
