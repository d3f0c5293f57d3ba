import { orgListSchema } from '#domain/schemas.js';
import { defineRoute, type RouteDef } from '../../http.js';
import type { OrgService } from './org.service.js';

export function orgRoutes(orgs: OrgService): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/orgs',
      summary: '组织机构 (the org tree: county, offices, departments, townships, villages, with codes)',
      tags: ['orgs'],
      access: 'authenticated',
      response: orgListSchema,
      errors: [401],
      handler: async () => ({ items: await orgs.list() }),
    }),
  ];
}
