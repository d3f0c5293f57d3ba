import { dashboardQuerySchema, dashboardStatsSchema } from '#domain/schemas.js';
import { callerOf, defineRoute, type RouteDef } from '../../http.js';
import type { StatsService } from './service.js';

export function statsRoutes(stats: StatsService): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/stats/dashboard',
      summary:
        '工作台统计 (dashboard figures over your scope, or over one department, township or village in it with `unit`, of one year with `year` or of every year: projects by stage, budget and disbursement by fund source, overdue deadlines by kind and unit, steps waiting on your unit, missing monthly progress; and the years there are)',
      tags: ['stats'],
      access: 'scope.read',
      query: dashboardQuerySchema,
      response: dashboardStatsSchema,
      errors: [401, 422],
      handler: async ({ user, query }) => stats.dashboard(callerOf(user!), query),
    }),
  ];
}
