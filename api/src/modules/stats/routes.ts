import { dashboardStatsSchema } from '../../../../domain/schemas.js';
import { defineRoute, type RouteDef } from '../../http.js';
import { callerOf } from '../projects/routes.js';
import type { StatsRepository } from './repository.js';

export function statsRoutes(stats: StatsRepository): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/stats/dashboard',
      summary:
        '工作台统计 (dashboard figures over your scope: projects by stage, budget and disbursement by fund source, overdue deadlines by kind and unit, steps waiting on your unit, missing monthly progress)',
      tags: ['stats'],
      access: 'scope.read',
      response: dashboardStatsSchema,
      errors: [401],
      handler: async ({ user }) => stats.dashboard(callerOf(user!)),
    }),
  ];
}
