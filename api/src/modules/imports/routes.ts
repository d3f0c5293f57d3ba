import { z } from 'zod';
import { importQuerySchema, importStatusSchema } from '#domain/imports.js';
import { LEDGER_LABELS, LEDGERS } from '#domain/ledgers/kinds.js';
import { AppError } from '#domain/errors.js';
import { textProblem } from '#domain/schemas.js';
import { callerOf, defineRoute, type RouteDef } from '../../http.js';
import { localeOf } from '../../validation.js';
import type { LedgerService } from '../ledgers/service.js';
import type { ProjectService } from '../projects/service.js';
import { exportLedgerXlsx } from './ledger-export.js';
import type { ImportService } from './service.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function importRoutes(
  service: ImportService,
  exportDeps: { projects: ProjectService; ledgers: LedgerService },
): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/ledger-imports',
      summary: '导入台账 (xlsx/CSV; all-or-nothing by default; 202 + progress, or ?wait=true for the report)',
      tags: ['imports'],
      access: 'operator',
      rawBody: { contentTypes: [XLSX, 'text/csv'], maxBytes: 50 * 1024 * 1024 },
      query: importQuerySchema,
      response: importStatusSchema,
      successStatus: 202,
      // A retry with the same Idempotency-Key answers the same job with the same status.
      successStatusOf: (query) => (query.wait ? 200 : 202),
      errors: [401, 403, 413, 422],
      handler: async ({ user, query, req }) => {
        const name = fileNameOf(req.get('x-file-name'));
        return service.start(callerOf(user!), query, name, req.body as Buffer, localeOf(req));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/ledger-imports/:id',
      summary: '导入进度与校验报告 (progress and the row-by-row report)',
      tags: ['imports'],
      access: 'own',
      response: importStatusSchema,
      errors: [401, 404],
      handler: async ({ user, params, req }) => service.status(params.id!, localeOf(req), callerOf(user!)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/ledgers/:level/export',
      summary:
        '导出台账 (xlsx: the level’s ledger of every project in your scope, plus its rows in import format)',
      tags: ['imports'],
      access: 'authenticated',
      query: z.object({ year: z.coerce.number().int().min(2000).max(2100).optional() }),
      errors: [401, 422],
      handler: async ({ user, params, query, res }) => {
        const level = LEDGERS.find((l) => l === params.level);
        if (!level)
          throw new AppError(
            'VALIDATION_FAILED',
            {
              zh: `台账层级应为 ${LEDGERS.join(' / ')}`,
              en: `the ledger level must be ${LEDGERS.join(' / ')}`,
            },
            [
              {
                path: 'params.level',
                message: { zh: `应为 ${LEDGERS.join(' | ')}`, en: `one of ${LEDGERS.join(' | ')}` },
              },
            ],
          );
        const body = await exportLedgerXlsx(exportDeps, callerOf(user!), level, query.year);
        const file = `${LEDGER_LABELS[level]}${query.year ? `-${query.year}` : ''}.xlsx`;
        res
          .status(200)
          .type(XLSX)
          .setHeader(
            'Content-Disposition',
            `attachment; filename="ledger.xlsx"; filename*=UTF-8''${encodeURIComponent(file)}`,
          )
          .send(body);
        return undefined;
      },
    }),
  ];
}

/** The X-File-Name header, percent-decoded; a malformed or unstorable one is the caller's 422. */
function fileNameOf(header: string | undefined): string {
  let name: string | null;
  try {
    name = decodeURIComponent(header ?? 'upload');
  } catch {
    name = null;
  }
  if (name === null || textProblem(name) !== null || name.length > 200)
    throw new AppError(
      'VALIDATION_FAILED',
      '文件名不合法 (X-File-Name: malformed percent-encoding or text)',
      [{ path: 'headers.x-file-name', message: { zh: '文件名不合法', en: 'malformed file name' } }],
    );
  return name;
}
