import { orgListSchema, type OrgKind } from '../../../../domain/schemas.js';
import type { Orm } from '../../../../db/orm.js';
import { defineRoute, type RouteDef } from '../../http.js';

export function orgRoutes(orm: Orm): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/orgs',
      summary: '组织机构 (the org tree: county, offices, departments, townships, villages, with codes)',
      tags: ['orgs'],
      access: 'authenticated',
      response: orgListSchema,
      errors: [401],
      handler: async () => {
        const rows = await orm.em
          .fork()
          .execute<{ code: string; name: string; kind: OrgKind; parent_code: string | null }[]>(
            `SELECT o.code, o.name, o.kind, p.code AS parent_code FROM org_unit o LEFT JOIN org_unit p ON p.id = o.parent_id
            ORDER BY array_position(ARRAY['county','office','department','township','village'], o.kind), o.code`,
            [],
            'all',
          );
        return {
          items: rows.map((r) => ({ code: r.code, name: r.name, kind: r.kind, parentCode: r.parent_code })),
        };
      },
    }),
  ];
}
