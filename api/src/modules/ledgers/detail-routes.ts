import { z } from 'zod';
import { buildDetailTable, detailTableSchema, type DetailTable } from '../../../../domain/detail-table.js';
import type { Principal } from '../../../../domain/access.js';
import { defineRoute, type RouteDef } from '../../http.js';
import type { ProjectService } from '../projects/service.js';
import { callerOf } from '../projects/routes.js';
import { detailTablePdf } from './render-pdf.js';
import { detailTableXlsx } from './render-xlsx.js';
import type { LedgerService } from './service.js';

export function createDetailTableService(deps: { projects: ProjectService; ledgers: LedgerService }) {
  return {
    async build(who: Principal, idOrCode: string, now = new Date()): Promise<DetailTable> {
      const project = await deps.projects.detail(who, idOrCode);
      const ledgers = await deps.ledgers.ledgers(who, project.id);
      return buildDetailTable(project, ledgers, now);
    },
  };
}
export type DetailTableService = ReturnType<typeof createDetailTableService>;

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function detailTableRoutes(service: DetailTableService): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/projects/:id/detail-table',
      summary:
        '项目明细表 (generated from the three ledgers and the workflow; ?format=xlsx or pdf for a file)',
      tags: ['ledgers'],
      access: 'project.read',
      query: z.object({ format: z.enum(['json', 'xlsx', 'pdf']).default('json') }),
      response: detailTableSchema,
      errors: [401, 404, 422],
      handler: async ({ user, params, query, res }) => {
        const table = await service.build(callerOf(user!), params.id!);
        if (query.format === 'json') return table;
        const file = `项目明细表-${table.project.code}.${query.format}`;
        const body = query.format === 'xlsx' ? await detailTableXlsx(table) : await detailTablePdf(table);
        res
          .status(200)
          .type(query.format === 'xlsx' ? XLSX : 'application/pdf')
          .setHeader(
            'Content-Disposition',
            `attachment; filename="detail-table.${query.format}"; filename*=UTF-8''${encodeURIComponent(file)}`,
          )
          .send(body);
        return undefined;
      },
    }),
  ];
}
