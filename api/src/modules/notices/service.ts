/**
 * 通知公告: a county office publishes a notice to units (by name, or every unit of a kind); the
 * addressed units' accounts read it, each first opening recorded; the office sees who has read it
 * and which units have not. A notice outside the caller's reach answers as one that does not exist.
 */
import { randomUUID } from 'node:crypto';
import {
  canPublishBulletin,
  canSeeReceipts,
  type CreateNoticeInput,
  type NoticeDto,
  type NoticeListQuery,
} from '#domain/bulletin-schemas.js';
import { AppError } from '#domain/errors.js';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { executeAll, scopedEm, scopeOf } from '#db/scope.js';
import { noticeInsert } from '#db/writes/notice.js';
import { noticeReceiptInsert } from '#db/writes/notice-receipt.js';
import { noticeRecipientsInsert } from '#db/writes/notice-recipient.js';
import { invalid, mapDbError, type Caller } from '../../http.js';
import { writeOnce } from '../../idempotency.js';
import type { AttachmentService } from '../attachments/service.js';
import { noticeSummary, type NoticeRepository } from './repository.js';

const notFound = (id: string) =>
  new AppError('NOT_FOUND', `通知不存在或不在您的权限范围内 (notice ${id} not found)`);
const reader = (c: Caller) => ({ ...c, userId: c.actor.id ?? '00000000-0000-0000-0000-000000000000' });

export function createNoticeService(deps: {
  orm: Orm;
  repo: NoticeRepository;
  audit: AuditLog;
  attachments: AttachmentService;
}) {
  const { orm, repo } = deps;

  async function get(caller: Caller, id: string): Promise<NoticeDto> {
    const found = await repo.get(reader(caller), id);
    if (!found) throw notFound(id);
    const { row, recipients, attachments } = found;
    return {
      ...noticeSummary(row),
      category: row.category as NoticeDto['category'],
      body: row.body!,
      author: row.author_name ?? null,
      audience: (row.audience ?? { unitKinds: [], unitCodes: [] }) as NoticeDto['audience'],
      recipients,
      attachments,
      canSeeReceipts: canSeeReceipts(caller, {
        authorUnitId: row.author_unit_id,
        recipientUnitIds: [], // county-wide or the author: the recipients do not change the answer
      }),
    };
  }

  return {
    get,

    async list(caller: Caller, q: NoticeListQuery) {
      const { rows, total, unread } = await repo.list(reader(caller), q);
      return { items: rows.map(noticeSummary), total, unread, page: q.page, pageSize: q.pageSize };
    },

    async publish(caller: Caller, input: CreateNoticeInput): Promise<NoticeDto> {
      // Once per Idempotency-Key: a retry whose answer was lost after the commit answers the notice.
      const id = await writeOnce(orm, async (record) => {
        if (!canPublishBulletin(caller))
          throw new AppError(
            'FORBIDDEN',
            '只有县级办公室的操作员、督查员或系统管理员可以发布通知 (only county offices and administrators publish)',
          );
        const units = await repo.units(caller, input.unitCodes, input.unitKinds);
        const unknown = input.unitCodes.find((c) => !units.some((u) => u.code === c));
        if (unknown) throw invalid('body.unitCodes', `单位不存在 (no unit “${unknown}”)`);
        const id = randomUUID();
        try {
          await scopedEm(orm, scopeOf(caller)).transactional(async (tx) => {
            await executeAll(tx, [
              noticeInsert({
                id,
                title: input.title,
                body: input.body,
                category: input.category,
                issuer: input.issuer,
                issuedOn: input.issuedOn,
                authorUnitId: caller.orgUnitId,
                authorId: caller.actor.id,
                audience: { unitKinds: input.unitKinds, unitCodes: input.unitCodes },
              }),
              noticeRecipientsInsert(
                id,
                units.map((u) => u.id),
              ),
            ]);
            await record(tx, id);
            await deps.attachments.claimIn(tx, caller, input.attachmentIds, { notice: id });
            await deps.audit.append(tx, {
              actor: { id: caller.actor.id, username: caller.actor.username },
              via: 'api',
              action: 'notice.publish',
              entity: 'notice',
              entityId: id,
              after: {
                ...input,
                body: undefined,
                bodyLength: input.body.length,
                recipients: units.map((u) => u.code),
              },
            });
          });
        } catch (err) {
          mapDbError(err);
        }
        return id;
      });
      return get(caller, id);
    },

    /** Records the caller's first opening (a later one changes nothing) and answers its time. */
    async markRead(caller: Caller, id: string): Promise<{ readAt: string }> {
      const found = await repo.get(reader(caller), id);
      if (!found) throw notFound(id);
      if (found.row.read_at) return { readAt: new Date(found.row.read_at).toISOString() };
      return scopedEm(orm, scopeOf(caller)).transactional(async (tx) => {
        const [rows] = await executeAll(tx, [
          noticeReceiptInsert({ noticeId: id, userId: caller.actor.id!, unitId: caller.orgUnitId }),
        ]);
        const first = (rows as { first_read_at: string | Date }[])[0];
        if (!first) return { readAt: new Date().toISOString() }; // a concurrent opening won
        await deps.audit.append(tx, {
          actor: { id: caller.actor.id, username: caller.actor.username },
          via: 'api',
          action: 'notice.read',
          entity: 'notice',
          entityId: id,
          after: { unit: caller.orgUnitId },
        });
        return { readAt: new Date(first.first_read_at).toISOString() };
      });
    },

    async receipts(caller: Caller, id: string) {
      const found = await repo.get(reader(caller), id);
      if (!found) throw notFound(id);
      if (!canSeeReceipts(caller, { authorUnitId: found.row.author_unit_id, recipientUnitIds: [] }))
        throw new AppError('FORBIDDEN', '只有发布单位和县级账号可以查看阅读情况 (receipts are the author’s)');
      return repo.receipts(caller, id);
    },

    async attachment(caller: Caller, id: string, attachmentId: string) {
      if (!(await repo.get(reader(caller), id))) throw notFound(id);
      return deps.attachments.download(caller, attachmentId, (a) => a.notice_id === id);
    },
  };
}

export type NoticeService = ReturnType<typeof createNoticeService>;
