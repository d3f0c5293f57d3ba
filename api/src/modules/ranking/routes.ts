import {
  monthParam,
  rankingExportQuerySchema,
  rankingMonthListSchema,
  rankingPreviewQuerySchema,
  rankingPreviewSchema,
  rankingReportSchema,
  rankingRunBodySchema,
  rankingRunResultSchema,
  rankingUnitHistorySchema,
  rankingUnitSchema,
} from '#domain/ranking/schemas.js';
import { uuidParam } from '#domain/schemas.js';
import { callerOf, defineRoute, type RouteDef } from '../../http.js';
import { rankingPdf } from './render-pdf.js';
import { rankingXlsx } from './render-xlsx.js';
import type { RankingService } from './service.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function rankingRoutes(service: RankingService): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/ranking/months',
      summary:
        '月度考核排名：已生成的月份 (the months with a stored report, newest first; county-wide accounts)',
      tags: ['ranking'],
      access: 'ranking.read',
      response: rankingMonthListSchema,
      errors: [401, 403],
      handler: async ({ user }) => service.months(callerOf(user!)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/ranking/months/:month',
      summary:
        '月度考核排名 (one month’s stored report: config, inputs, points, ranks and movement per department and township)',
      tags: ['ranking'],
      access: 'ranking.read',
      params: { month: monthParam },
      response: rankingReportSchema,
      errors: [401, 403, 404, 422],
      handler: async ({ user, params }) => service.report(callerOf(user!), params.month!),
    }),
    defineRoute({
      method: 'get',
      path: '/api/ranking/months/:month/export',
      summary: '导出月度考核排名 (?format=xlsx or pdf)',
      tags: ['ranking'],
      access: 'ranking.read',
      params: { month: monthParam },
      query: rankingExportQuerySchema,
      errors: [401, 403, 404, 422, 503],
      handler: async ({ user, params, query, res }) => {
        const report = await service.report(callerOf(user!), params.month!);
        const body = query.format === 'xlsx' ? await rankingXlsx(report) : await rankingPdf(report);
        const file = `月度考核排名-${report.month}.${query.format}`;
        res
          .status(200)
          .type(query.format === 'xlsx' ? XLSX : 'application/pdf')
          .setHeader(
            'Content-Disposition',
            `attachment; filename="ranking-${report.month}.${query.format}"; filename*=UTF-8''${encodeURIComponent(file)}`,
          )
          .send(body);
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/ranking/months/:month/units/:unitId',
      summary:
        '单位考核明细 (a unit’s row of the month and the projects behind its figures, as of the month’s cutoff; county-wide accounts and the unit itself)',
      tags: ['ranking'],
      access: 'ranking.unit',
      params: { month: monthParam, unitId: uuidParam },
      response: rankingUnitSchema,
      errors: [401, 403, 404, 422],
      handler: async ({ user, params }) => service.unit(callerOf(user!), params.month!, params.unitId!),
    }),
    defineRoute({
      method: 'get',
      path: '/api/ranking/preview',
      summary:
        '本月实时排名（预览）(the standings of a month so far, as of the end of ?asOf=YYYY-MM-DD or today, Asia/Shanghai: the stored report’s computation over the days up to it, never stored; county-wide accounts)',
      tags: ['ranking'],
      access: 'ranking.read',
      query: rankingPreviewQuerySchema,
      response: rankingPreviewSchema,
      errors: [401, 403, 422],
      handler: async ({ user, query }) => service.preview(callerOf(user!), query.asOf),
    }),
    defineRoute({
      method: 'get',
      path: '/api/ranking/preview/units/:unitId',
      summary:
        '实时排名单位明细 (a unit’s row of the preview and the projects behind its figures, as of the same day; county-wide accounts)',
      tags: ['ranking'],
      access: 'ranking.read',
      params: { unitId: uuidParam },
      query: rankingPreviewQuerySchema,
      response: rankingUnitSchema,
      errors: [401, 403, 404, 422],
      handler: async ({ user, params, query }) =>
        service.previewUnit(callerOf(user!), query.asOf, params.unitId!),
    }),
    defineRoute({
      method: 'get',
      path: '/api/ranking/units/:unitId',
      summary:
        '单位历月考核 (a unit’s rows over every stored month; county-wide accounts and the unit itself)',
      tags: ['ranking'],
      access: 'ranking.unit',
      params: { unitId: uuidParam },
      response: rankingUnitHistorySchema,
      errors: [401, 403, 422],
      handler: async ({ user, params }) => service.unitHistory(callerOf(user!), params.unitId!),
    }),
    defineRoute({
      method: 'post',
      path: '/api/ranking/runs',
      summary:
        '生成月度考核排名 (no month: the month just over; a past month: backfill. Once per month: a stored month answers created: false. The supervision office)',
      tags: ['ranking'],
      access: 'ranking.run',
      body: rankingRunBodySchema,
      response: rankingRunResultSchema,
      errors: [401, 403, 422],
      handler: async ({ user, body }) => service.run(callerOf(user!), body),
    }),
  ];
}
