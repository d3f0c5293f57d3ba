import { z } from 'zod';
import { fundDocumentInputSchema, fundSourceLinkSchema } from '#domain/ledgers/inputs.js';
import { fundDocumentSchema, ledgersSchema } from '#domain/ledgers/outputs.js';
import { LEDGER_WRITES, ledgerRecordWriteSchema, type LedgerWritePath } from '#domain/ledgers/writes.js';
import { LEDGERS, type LedgerKind } from '#domain/ledgers/kinds.js';
import { AppError } from '#domain/errors.js';
import { callerOf, defineRoute, type Caller, type RouteDef } from '../../http.js';
import { withRequestKey } from '../../idempotency.js';
import type { LedgerService } from './service.js';
import type { LedgerWriteBody, LedgerWriteDto, LedgerWrites } from './write-service.js';

/**
 * The shared table, seen key by key: each path's body schema produces that path's body. Indexed
 * with a path type parameter, this view keeps the pairing that the table's own type loses.
 */
const WRITES: {
  [P in LedgerWritePath]: Omit<(typeof LEDGER_WRITES)[P], 'body'> & { body: z.ZodType<LedgerWriteBody<P>> };
} = LEDGER_WRITES;

/** The ledger a write path belongs to: its first segment. */
const ledgerOf = (path: LedgerWritePath): LedgerKind => LEDGERS.find((l) => path.split('/')[0] === l)!;

export function ledgerRoutes(service: LedgerService, writes: LedgerWrites): RouteDef[] {
  /**
   * A ledger write: method, body and answer from the shared table (domain/ledgers/writes.ts LEDGER_WRITES);
   * `write` must take that path's body, so a route cannot be given another ledger's writer.
   */
  const entry = <P extends LedgerWritePath>(
    path: P,
    summary: string,
    write: (caller: Caller, idOrCode: string, input: LedgerWriteBody<P>) => Promise<LedgerWriteDto>,
  ): RouteDef => {
    const { method, body, answer } = WRITES[path];
    return defineRoute<LedgerWriteBody<P>>({
      method,
      path: `/api/projects/:id/ledgers/${path}`,
      summary,
      tags: ['ledgers'],
      access: 'project.ledger',
      ledger: ledgerOf(path),
      body,
      response: answer,
      successStatus: method === 'post' ? 201 : 200,
      errors: [401, 403, 404, 409, 422],
      idempotency: 'handler',
      handler: async ({ user, params, body: input, idempotency }) =>
        withRequestKey(idempotency, () => write(callerOf(user!), params.id!, input)),
    });
  };

  return [
    defineRoute({
      method: 'get',
      path: '/api/projects/:id/ledgers',
      summary: '三本台账 (the three ledgers of a project, with completeness and reconciliation flags)',
      tags: ['ledgers'],
      access: 'project.read',
      response: ledgersSchema,
      errors: [401, 404],
      handler: async ({ user, params }) => service.ledgers(callerOf(user!), params.id!),
    }),
    entry('department', '主管部门台账：立项批复信息 (department ledger: approval)', writes.department),
    defineRoute({
      method: 'put',
      path: '/api/projects/:id/ledgers/department/fund-sources/:position',
      summary: '资金来源关联资金文件 (link a fund source to its fund document)',
      tags: ['ledgers'],
      access: 'project.ledger',
      ledger: 'department',
      body: fundSourceLinkSchema,
      response: ledgerRecordWriteSchema,
      errors: [401, 403, 404, 409, 422],
      handler: async ({ user, params, body }) => {
        const position = Number(params.position);
        if (!Number.isInteger(position) || position < 0)
          throw new AppError(
            'VALIDATION_FAILED',
            { zh: '资金来源序号应为非负整数', en: 'the fund source position must be an integer ≥ 0' },
            [{ path: 'params.position', message: { zh: '应为非负整数', en: 'an integer ≥ 0' } }],
          );
        return writes.linkFundSource(callerOf(user!), params.id!, position, body.fundDocumentNo);
      },
    }),
    entry(
      'department/disbursements',
      '资金拨付 (record a disbursement from a fund source)',
      writes.disbursement,
    ),
    entry(
      'department/settlement',
      '报账结算 (final settlement: must equal Σ disbursed, ≤ budget)',
      writes.settlement,
    ),
    entry('implementing/decisions', '集体决策记录 (collective decision)', writes.decision),
    entry(
      'implementing/implementation',
      '实施方式、承包单位与合同 (method, contractor, contract)',
      writes.implementation,
    ),
    entry('implementing/progress', '月度进度 (monthly progress; one entry per month)', writes.progress),
    entry('implementing/adjustments', '调项记录 (adjustment record)', writes.adjustment),
    entry(
      'site/visits',
      '义务监督记录 (supervision visit; photos are archive documents of the visit)',
      writes.visit,
    ),
    entry('site/notices', '公示记录 (public notice: place, period, objections)', writes.notice),
    entry('site/opinions', '征求意见记录 (opinions gathered)', writes.opinion),
    entry('site/beneficiaries', '受益情况 (beneficiaries)', writes.beneficiaries),
    entry('site/after-care', '后续管护主体及职责 (after-care owner and duty)', writes.afterCare),
    entry('site/after-care-checks', '管护检查记录 (after-care check)', writes.afterCareCheck),
    defineRoute({
      method: 'get',
      path: '/api/fund-documents',
      summary: '资金文件 (fund documents: your department’s, or all for county accounts)',
      tags: ['ledgers'],
      access: 'fundDocument.read',
      response: z.object({ items: z.array(fundDocumentSchema) }),
      errors: [401, 403],
      handler: async ({ user }) => ({ items: await service.listFundDocuments(callerOf(user!)) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/fund-documents',
      summary: '登记资金文件 (register a fund document: 文号, issuer, date, amount)',
      tags: ['ledgers'],
      access: 'fundDocument.write',
      body: fundDocumentInputSchema,
      response: fundDocumentSchema,
      successStatus: 201,
      errors: [401, 403, 409, 422],
      handler: async ({ user, body }) => writes.createFundDocument(callerOf(user!), body),
    }),
  ];
}
