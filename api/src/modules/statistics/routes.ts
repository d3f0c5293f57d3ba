import { statisticsQuerySchema, statisticsSchema } from '#domain/statistics-schemas.js';
import { callerOf, defineRoute, type RouteDef } from '../../http.js';
import type { SessionUser } from '../auth/session.js';
import { statisticsXlsx } from './render-xlsx.js';
import type { StatisticsService } from './service.js';

/** The caller's unit as the statistics name it (from the session: no read of its own). */
const unitOf = (u: SessionUser) => ({ code: u.orgUnit.code, name: u.orgUnit.name });

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function statisticsRoutes(service: StatisticsService): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/statistics',
      summary:
        '统计分析 (projects in your scope by `rows`, or crossed `rows` × `columns`, of year, department, township, village, fundSource, type, stage: counts, budget, allocated, disbursed, rate, overdue; filters as the project list)',
      tags: ['statistics'],
      access: 'scope.read',
      query: statisticsQuerySchema,
      response: statisticsSchema,
      errors: [401, 422],
      handler: async ({ user, query }) => service.crossTab(callerOf(user!), query, unitOf(user!)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/statistics/export',
      summary: '导出统计分析 (xlsx: the same figures, 元 with two decimals, exact to the 分)',
      tags: ['statistics'],
      access: 'scope.read',
      query: statisticsQuerySchema,
      errors: [401, 422],
      handler: async ({ user, query, res }) => {
        const body = await statisticsXlsx(await service.crossTab(callerOf(user!), query, unitOf(user!)));
        res
          .status(200)
          .type(XLSX)
          .setHeader(
            'Content-Disposition',
            `attachment; filename="statistics.xlsx"; filename*=UTF-8''${encodeURIComponent('统计分析.xlsx')}`,
          )
          .send(body);
        return undefined;
      },
    }),
  ];
}
