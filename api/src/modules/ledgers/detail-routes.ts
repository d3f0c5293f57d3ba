import { z } from 'zod';
import { detailTableSchema } from '#domain/detail-table.js';
import { callerOf, defineRoute, type RouteDef } from '../../http.js';
import type { DetailTableService } from './detail-service.js';
import { detailTablePdf } from './render-pdf.js';
import { detailTableXlsx } from './render-xlsx.js';

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
