import { z } from 'zod';
import {
  answerComplaintSchema,
  assignComplaintSchema,
  complaintDetailSchema,
  complaintListQuerySchema,
  complaintListSchema,
  handleComplaintSchema,
  noteComplaintSchema,
  reopenComplaintSchema,
} from '#domain/complaint-schemas.js';
import { uuidParam } from '#domain/schemas.js';
import { callerOf, defineRoute, type RouteDef } from '../../http.js';
import { sendAttachment } from '../attachments/routes.js';
import type { ComplaintService } from './service.js';

const WRITE_ERRORS = [401, 403, 404, 409, 422, 503, 504];

/** The console's routes: the supervision office's list and steps, the unit's handling. */
export function complaintRoutes(service: ComplaintService): RouteDef[] {
  const officeStep = <B>(
    path: string,
    summary: string,
    body: z.ZodType<B>,
    run: (
      c: ReturnType<typeof callerOf>,
      id: string,
      b: B,
      idem: Parameters<ComplaintService['answer']>[3],
    ) => unknown,
  ) =>
    defineRoute({
      method: 'post',
      path: `/api/complaints/:id/${path}`,
      summary,
      tags: ['complaints'],
      access: 'complaint.office',
      params: { id: uuidParam },
      body,
      response: complaintDetailSchema,
      errors: WRITE_ERRORS,
      idempotency: 'handler',
      handler: async ({ user, params, body: b, idempotency }) =>
        run(callerOf(user!), params.id!, b as B, idempotency),
    });
  return [
    defineRoute({
      method: 'get',
      path: '/api/complaints',
      summary: '举报列表 (county-wide accounts: every complaint; a unit: those assigned to it)',
      tags: ['complaints'],
      access: 'complaint.read',
      query: complaintListQuerySchema,
      response: complaintListSchema,
      errors: [401, 422],
      handler: async ({ user, query }) => {
        const { items, total } = await service.list(callerOf(user!), query);
        return { items, total, page: query.page, pageSize: query.pageSize };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/complaints/:id',
      summary: '举报详情 (the reporter and the receipt: the supervision office only)',
      tags: ['complaints'],
      access: 'complaint.read',
      params: { id: uuidParam },
      response: complaintDetailSchema,
      errors: [401, 404],
      handler: async ({ user, params }) => service.detail(callerOf(user!), params.id!),
    }),
    defineRoute({
      method: 'get',
      path: '/api/complaints/:id/photos/:photoId',
      summary: '举报照片 (its SHA-256 checked again on the way out)',
      tags: ['complaints'],
      access: 'complaint.read',
      params: { id: uuidParam, photoId: uuidParam },
      errors: [401, 404, 409],
      handler: async ({ user, params, res }) => {
        const p = await service.photo(callerOf(user!), params.id!, params.photoId!);
        res.status(200).type(p.contentType).setHeader('Content-Disposition', 'inline').send(p.bytes);
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/complaints/:id/evidence/:evidenceId',
      summary: '承办单位的佐证材料 (the SHA-256 is checked again)',
      tags: ['complaints'],
      access: 'complaint.read',
      params: { id: uuidParam, evidenceId: uuidParam },
      errors: [401, 404, 409],
      handler: async ({ user, params, res }) =>
        sendAttachment(res, await service.evidence(callerOf(user!), params.id!, params.evidenceId!)),
    }),
    officeStep('acknowledge', '受理举报 (supervision office)', noteComplaintSchema, (c, id, b, idem) =>
      service.acknowledge(c, id, b.note, idem),
    ),
    officeStep(
      'assign',
      '交办举报 (supervision office: to a department, township or village)',
      assignComplaintSchema,
      (c, id, b, idem) => service.assign(c, id, b.unitCode, b.note, idem),
    ),
    officeStep(
      'answer',
      '答复举报人 (supervision office: the public answer, shown with the receipt)',
      answerComplaintSchema,
      (c, id, b, idem) => service.answer(c, id, b.answer, idem),
    ),
    officeStep('close', '办结举报 (supervision office)', noteComplaintSchema, (c, id, b, idem) =>
      service.close(c, id, b.note, idem),
    ),
    officeStep(
      'reopen',
      '重新办理 (supervision office: back to the unit, with the reason)',
      reopenComplaintSchema,
      (c, id, b, idem) => service.reopen(c, id, b.reason, idem),
    ),
    defineRoute({
      method: 'post',
      path: '/api/complaints/:id/handle',
      summary: '办理举报 (an operator of the unit assigned: what was done, evidence uploaded first)',
      tags: ['complaints'],
      access: 'complaint.handle',
      params: { id: uuidParam },
      body: handleComplaintSchema,
      response: complaintDetailSchema,
      errors: WRITE_ERRORS,
      idempotency: 'handler',
      handler: async ({ user, params, body, idempotency }) =>
        service.handle(callerOf(user!), params.id!, body.action, body.evidenceIds, idempotency),
    }),
  ];
}
