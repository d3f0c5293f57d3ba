import { z } from 'zod';
import {
  answerProblemSchema,
  issueRectificationSchema,
  rectificationDetailSchema,
  rectificationListQuerySchema,
  rectificationListSchema,
  verifyProblemSchema,
  withdrawRectificationSchema,
} from '#domain/rectification-schemas.js';
import { uuidParam } from '#domain/schemas.js';
import { callerOf, defineRoute, type RouteDef } from '../../http.js';
import { sendAttachment } from '../attachments/routes.js';
import { rectificationPdf } from './pdf.js';
import type { RectificationService } from './service.js';
import { schemaMessage } from '#domain/errors.js';

const problemIdParam = z
  .string()
  .regex(/^[1-9]\d{0,15}$/, { error: schemaMessage({ zh: '问题编号应为正整数', en: 'a positive integer' }) });
const exchange = { id: uuidParam, problemId: problemIdParam };

export function rectificationRoutes(service: RectificationService): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/rectifications',
      summary: '整改通知书列表 (county-wide accounts: every notice; a unit: those addressed to it)',
      tags: ['rectifications'],
      access: 'rectification.read',
      query: rectificationListQuerySchema,
      response: rectificationListSchema,
      errors: [401, 422],
      handler: async ({ user, query }) => {
        const { items, total } = await service.list(callerOf(user!), query);
        return { items, total, page: query.page, pageSize: query.pageSize };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/rectifications',
      summary:
        '签发整改通知书 (supervision office: takes the year’s next serial number and starts the notice’s workflow)',
      tags: ['rectifications'],
      access: 'rectification.issue',
      body: issueRectificationSchema,
      response: rectificationDetailSchema,
      successStatus: 201,
      errors: [401, 403, 409, 422, 503, 504],
      idempotency: 'handler',
      handler: async ({ user, body, idempotency }) => service.issue(callerOf(user!), body, idempotency),
    }),
    defineRoute({
      method: 'get',
      path: '/api/rectifications/:id',
      summary: '整改通知书详情 (the notice, its problems and the exchange on each)',
      tags: ['rectifications'],
      access: 'rectification.read',
      params: { id: uuidParam },
      response: rectificationDetailSchema,
      errors: [401, 404],
      handler: async ({ user, params }) => service.detail(callerOf(user!), params.id!),
    }),
    defineRoute({
      method: 'get',
      path: '/api/rectifications/:id/evidence/:evidenceId',
      summary: '下载整改佐证材料 (the SHA-256 is checked again; a tampered file is refused with 409)',
      tags: ['rectifications'],
      access: 'rectification.read',
      params: { id: uuidParam, evidenceId: uuidParam },
      errors: [401, 404, 409],
      handler: async ({ user, params, res }) =>
        sendAttachment(res, await service.evidence(callerOf(user!), params.id!, params.evidenceId!)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/rectifications/:id/pdf',
      summary:
        '打印整改通知书 (PDF laid out as an official document: red header, serial, addressee, problems, seal area)',
      tags: ['rectifications'],
      access: 'rectification.read',
      params: { id: uuidParam },
      errors: [401, 404, 503],
      handler: async ({ user, params, res }) => {
        const n = await service.detail(callerOf(user!), params.id!);
        const pdf = await rectificationPdf(n);
        res
          .status(200)
          .type('application/pdf')
          .setHeader(
            'Content-Disposition',
            `inline; filename="rectification.pdf"; filename*=UTF-8''${encodeURIComponent(`整改通知书-${n.serial}.pdf`)}`,
          )
          .send(pdf);
        return undefined;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/rectifications/:id/problems/:problemId/answer',
      summary:
        '答复整改问题 (an operator of the unit addressed: what was done, and evidence uploaded first as attachments)',
      tags: ['rectifications'],
      access: 'rectification.answer',
      params: exchange,
      body: answerProblemSchema,
      response: rectificationDetailSchema,
      errors: [401, 403, 404, 409, 422, 503, 504],
      idempotency: 'handler',
      handler: async ({ user, params, body, idempotency }) =>
        service.answer(callerOf(user!), params.id!, params.problemId!, body, idempotency),
    }),
    defineRoute({
      method: 'post',
      path: '/api/rectifications/:id/problems/:problemId/verdict',
      summary: '审核整改答复 (supervision office: accept, or send back with reasons and a new term)',
      tags: ['rectifications'],
      access: 'rectification.issue',
      params: exchange,
      body: verifyProblemSchema,
      response: rectificationDetailSchema,
      errors: [401, 403, 404, 409, 422, 503, 504],
      idempotency: 'handler',
      handler: async ({ user, params, body, idempotency }) =>
        service.verdict(callerOf(user!), params.id!, params.problemId!, body, idempotency),
    }),
    defineRoute({
      method: 'post',
      path: '/api/rectifications/:id/withdraw',
      summary: '撤回整改通知书 (supervision office, with a reason; its ladders stop)',
      tags: ['rectifications'],
      access: 'rectification.issue',
      params: { id: uuidParam },
      body: withdrawRectificationSchema,
      response: rectificationDetailSchema,
      errors: [401, 403, 404, 409, 422, 503, 504],
      idempotency: 'handler',
      handler: async ({ user, params, body, idempotency }) =>
        service.withdraw(callerOf(user!), params.id!, body.reason, idempotency),
    }),
  ];
}
