/**
 * Notice-board posters for staff: one project's (any account that may read it) and a batch of a
 * township's or village's projects (one PDF, one page each), counting only the projects in the
 * caller's scope — a township's accounts print their township's, and another township answers
 * 404 as if it had none.
 */
import { z } from 'zod';
import { AppError, schemaMessage } from '#domain/errors.js';
import type { Orm } from '#db/orm.js';
import { callerOf, defineRoute, projectNotFound, type RouteDef } from '../../http.js';
import type { createProjectRepository } from '../projects/repository.js';
import { createPublicRepository } from '../../public/repository.js';
import { posterPdf } from './render-poster.js';

/** More pages than any township has projects in a year; a larger batch is refused, not truncated. */
export const MAX_POSTERS = 400;

export interface PosterDeps {
  projects: ReturnType<typeof createProjectRepository>;
  orm: Orm;
  baseUrl: string;
  complaintPhone: string;
}

const unitCode = z.string().regex(/^[a-z0-9][a-z0-9-]{1,39}$/);

export function posterRoutes(deps: PosterDeps): RouteDef[] {
  const pub = createPublicRepository(deps.orm);
  const opts = { baseUrl: deps.baseUrl, complaintPhone: deps.complaintPhone };
  const pdf = (res: import('express').Response, body: Buffer, name: string) => {
    res
      .status(200)
      .type('application/pdf')
      .setHeader(
        'Content-Disposition',
        `attachment; filename="poster.pdf"; filename*=UTF-8''${encodeURIComponent(name)}`,
      )
      .send(body);
  };
  return [
    defineRoute({
      method: 'get',
      path: '/api/projects/:id/poster.pdf',
      summary: '项目公示牌 A3 PDF，含二维码 (notice-board poster with the QR code of the public page)',
      tags: ['portal'],
      access: 'project.read',
      errors: [401, 404],
      handler: async ({ user, params, res }) => {
        const found = await deps.projects.find(callerOf(user!), params.id!);
        if (!found) throw projectNotFound(params.id!);
        const p = await pub.project(found.code);
        if (!p) throw projectNotFound(params.id!);
        pdf(res, await posterPdf([p], opts), `公示牌-${p.code}.pdf`);
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/posters',
      summary:
        '批量打印公示牌：一个乡镇或村的全部项目 (posters of a township or village, one page each, in scope)',
      tags: ['portal'],
      access: 'authenticated',
      query: z
        .object({
          township: unitCode.optional(),
          village: unitCode.optional(),
          year: z.coerce.number().int().min(2000).max(2100).optional(),
        })
        .refine((q) => (q.township === undefined) !== (q.village === undefined), {
          error: schemaMessage({ zh: '请指定乡镇或村之一', en: 'give exactly one of township and village' }),
          path: ['township'],
        }),
      errors: [401, 404, 422],
      handler: async ({ user, query, res }) => {
        const caller = callerOf(user!);
        const { items, total } = await deps.projects.list(caller, {
          township: query.township,
          village: query.village,
          year: query.year,
          page: 1,
          pageSize: MAX_POSTERS,
        } as Parameters<typeof deps.projects.list>[1]);
        if (total > MAX_POSTERS)
          throw new AppError(
            'VALIDATION_FAILED',
            {
              zh: `一次最多打印 ${MAX_POSTERS} 张，当前筛选结果 ${total} 个项目`,
              en: `at most ${MAX_POSTERS} posters at once; the filters select ${total} projects`,
            },
            [{ path: 'query', message: { zh: '项目过多', en: 'too many projects' } }],
          );
        if (!items.length)
          throw new AppError('NOT_FOUND', '范围内没有项目 (no projects in your scope there)');
        const codes = new Set(items.map((i) => i.code));
        const all = await pub.projectsInFull({
          township: query.township,
          village: query.village,
          year: query.year,
        });
        const mine = all.filter((p) => codes.has(p.code));
        // A project the township owns may lie outside its villages: fetched one by one.
        for (const c of codes)
          if (!mine.some((p) => p.code === c)) {
            const p = await pub.project(c);
            if (p) mine.push(p);
          }
        mine.sort((a, b) => a.code.localeCompare(b.code));
        pdf(res, await posterPdf(mine, opts), `公示牌-${query.township ?? query.village}.pdf`);
        return undefined;
      },
    }),
  ];
}
