/**
 * 政策法规: the county's library of policy documents. Every signed-in account reads and searches
 * it; the county offices and administrators add and edit entries (an entry is never deleted: a
 * repealed policy is marked 废止).
 */
import { randomUUID } from 'node:crypto';
import {
  canPublishBulletin,
  type CreatePolicyInput,
  type PolicyDto,
  type PolicyListQuery,
} from '#domain/bulletin-schemas.js';
import { AppError } from '#domain/errors.js';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { executeAll, scopedEm, scopeOf } from '#db/scope.js';
import { policyInsert, policyUpdate } from '#db/writes/policy-document.js';
import { mapDbError, type Caller } from '../../http.js';
import { writeOnce } from '../../idempotency.js';
import type { AttachmentService } from '../attachments/service.js';
import { policySummary, type PolicyRepository } from './repository.js';

const notFound = (id: string) => new AppError('NOT_FOUND', `政策文件不存在 (policy ${id} not found)`);
const forbidden = () =>
  new AppError(
    'FORBIDDEN',
    '只有县级办公室的操作员、督查员或系统管理员可以维护政策法规 (only county offices and administrators)',
  );

export function createPolicyService(deps: {
  orm: Orm;
  repo: PolicyRepository;
  audit: AuditLog;
  attachments: AttachmentService;
}) {
  const { orm, repo } = deps;

  async function get(caller: Caller, id: string): Promise<PolicyDto> {
    const found = await repo.get(caller, id);
    if (!found) throw notFound(id);
    return {
      ...(policySummary(found.row) as Omit<PolicyDto, 'body' | 'attachments' | 'updatedAt'>),
      body: found.row.body!,
      attachments: found.attachments,
      updatedAt: new Date(found.row.updated_at!).toISOString(),
    };
  }

  async function write(caller: Caller, input: CreatePolicyInput, id: string | null): Promise<PolicyDto> {
    // Once per Idempotency-Key: a retry whose answer was lost after the commit answers the policy
    // (a new one is not added again; an edit is not applied again over a later one).
    const policyId = await writeOnce(orm, async (record) => {
      if (!canPublishBulletin(caller)) throw forbidden();
      const before = id ? await get(caller, id) : null;
      const policyId = id ?? randomUUID();
      const { attachmentIds, ...fields } = input;
      try {
        await scopedEm(orm, scopeOf(caller)).transactional(async (tx) => {
          const [changed] = await executeAll(tx, [
            id
              ? policyUpdate(id, fields)
              : policyInsert({
                  ...fields,
                  id: policyId,
                  authorUnitId: caller.orgUnitId,
                  createdBy: caller.actor.id,
                }),
          ]);
          if (id && (changed as unknown[]).length === 0) throw notFound(id);
          await record(tx, policyId);
          await deps.attachments.claimIn(tx, caller, attachmentIds, { policy: policyId });
          const summary = (p: Partial<PolicyDto> | CreatePolicyInput) => ({
            ...p,
            body: undefined,
            bodyLength: p.body?.length ?? 0,
            attachments: undefined,
          });
          await deps.audit.append(tx, {
            actor: { id: caller.actor.id, username: caller.actor.username },
            via: 'api',
            action: id ? 'policy.update' : 'policy.create',
            entity: 'policy_document',
            entityId: policyId,
            before: before ? summary(before) : undefined,
            after: summary(input),
          });
        });
      } catch (err) {
        mapDbError(err);
      }
      return policyId;
    });
    return get(caller, policyId);
  }

  return {
    get,
    async list(caller: Caller, q: PolicyListQuery) {
      const { rows, total } = await repo.list(caller, q);
      return { items: rows.map(policySummary), total, page: q.page, pageSize: q.pageSize };
    },
    create: (caller: Caller, input: CreatePolicyInput) => write(caller, input, null),
    update: (caller: Caller, id: string, input: CreatePolicyInput) => write(caller, input, id),
    async attachment(caller: Caller, id: string, attachmentId: string) {
      if (!(await repo.get(caller, id))) throw notFound(id);
      return deps.attachments.download(caller, attachmentId, (a) => a.policy_id === id);
    },
  };
}

export type PolicyService = ReturnType<typeof createPolicyService>;
