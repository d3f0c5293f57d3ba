/**
 * 网络寻呼: threads between units. Every account of a participant unit reads the thread and,
 * unless it is a query account, answers; each account's reading is recorded per message. A thread
 * of other units answers as one that does not exist, for county-wide accounts too.
 */
import { randomUUID } from 'node:crypto';
import {
  canWriteMessages,
  type CreateThreadInput,
  type PostMessageInput,
  type ThreadDto,
} from '#domain/bulletin-schemas.js';
import { AppError } from '#domain/errors.js';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { executeAll, scopedEm, scopeOf } from '#db/scope.js';
import { messageInsert } from '#db/writes/message.js';
import { messageReceiptsInsert } from '#db/writes/message-receipt.js';
import { threadInsert, threadTouch } from '#db/writes/message-thread.js';
import { threadUnitsInsert } from '#db/writes/message-thread-unit.js';
import { invalid, mapDbError, type Caller } from '../../http.js';
import { writeOnce } from '../../idempotency.js';
import type { AttachmentService } from '../attachments/service.js';
import { threadSummary, type MessageRepository } from './repository.js';

const notFound = (id: string) =>
  new AppError('NOT_FOUND', `会话不存在或您的单位不在其中 (thread ${id} not found)`);
const readOnly = () => new AppError('FORBIDDEN', '查询账号不能发送消息 (query accounts cannot write)');
const who = (c: Caller) => ({ ...c, userId: c.actor.id ?? '00000000-0000-0000-0000-000000000000' });

export function createMessageService(deps: {
  orm: Orm;
  repo: MessageRepository;
  audit: AuditLog;
  attachments: AttachmentService;
}) {
  const { orm, repo } = deps;
  const actorOf = (c: Caller) => ({ id: c.actor.id, username: c.actor.username });

  async function get(caller: Caller, id: string): Promise<ThreadDto> {
    const found = await repo.get(who(caller), id);
    if (!found) throw notFound(id);
    return { ...threadSummary(found.thread), messages: found.messages };
  }

  return {
    get,

    async list(caller: Caller, page: number, pageSize: number, q?: string) {
      const { rows, total, unread } = await repo.list(who(caller), page, pageSize, q || undefined);
      return { items: rows.map(threadSummary), total, unread, page, pageSize };
    },

    async create(caller: Caller, input: CreateThreadInput): Promise<ThreadDto> {
      // Once per Idempotency-Key: a retry whose answer was lost after the commit answers the thread.
      const id = await writeOnce(orm, async (record) => {
        if (!canWriteMessages(caller)) throw readOnly();
        const units = await repo.units(caller, input.unitCodes);
        const unknown = input.unitCodes.find((c) => !units.some((u) => u.code === c));
        if (unknown) throw invalid('body.unitCodes', `单位不存在 (no unit “${unknown}”)`);
        const others = units.filter((u) => u.id !== caller.orgUnitId);
        if (others.length === 0)
          throw invalid('body.unitCodes', '请选择至少一个其他单位 (choose another unit)');
        const id = randomUUID();
        const messageId = randomUUID();
        try {
          await scopedEm(orm, scopeOf(caller)).transactional(async (tx) => {
            await executeAll(tx, [
              threadInsert({
                id,
                subject: input.subject,
                createdBy: caller.actor.id,
                unitId: caller.orgUnitId,
              }),
              threadUnitsInsert(id, [caller.orgUnitId, ...others.map((u) => u.id)]),
              messageInsert({
                id: messageId,
                threadId: id,
                authorId: caller.actor.id,
                authorUnitId: caller.orgUnitId,
                body: input.body,
              }),
            ]);
            await record(tx, id);
            await deps.attachments.claimIn(tx, caller, input.attachmentIds, { message: messageId });
            await deps.audit.append(tx, {
              actor: actorOf(caller),
              via: 'api',
              action: 'thread.create',
              entity: 'message_thread',
              entityId: id,
              after: {
                subject: input.subject,
                units: input.unitCodes,
                messageId,
                attachmentIds: input.attachmentIds,
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

    async post(caller: Caller, id: string, input: PostMessageInput): Promise<ThreadDto> {
      // Once per Idempotency-Key: a retry whose answer was lost after the commit answers the thread
      // with the message it posted (the key records the message; the path names the thread).
      await writeOnce(orm, async (record) => {
        if (!(await repo.get(who(caller), id))) throw notFound(id);
        if (!canWriteMessages(caller)) throw readOnly();
        const messageId = randomUUID();
        try {
          await scopedEm(orm, scopeOf(caller)).transactional(async (tx) => {
            await executeAll(tx, [
              messageInsert({
                id: messageId,
                threadId: id,
                authorId: caller.actor.id,
                authorUnitId: caller.orgUnitId,
                body: input.body,
              }),
              threadTouch(id),
            ]);
            await record(tx, messageId);
            await deps.attachments.claimIn(tx, caller, input.attachmentIds, { message: messageId });
            await deps.audit.append(tx, {
              actor: actorOf(caller),
              via: 'api',
              action: 'message.post',
              entity: 'message_thread',
              entityId: id,
              after: { messageId, bodyLength: input.body.length, attachmentIds: input.attachmentIds },
            });
          });
        } catch (err) {
          mapDbError(err);
        }
        return messageId;
      });
      return get(caller, id);
    },

    /** Marks every message of the thread read for the caller; answers how many were new. */
    async markRead(caller: Caller, id: string): Promise<{ marked: number }> {
      if (!(await repo.get(who(caller), id))) throw notFound(id);
      return scopedEm(orm, scopeOf(caller)).transactional(async (tx) => {
        const [rows] = await executeAll(tx, [
          messageReceiptsInsert({ threadId: id, userId: caller.actor.id!, unitId: caller.orgUnitId }),
        ]);
        const marked = (rows as unknown[]).length;
        if (marked > 0)
          await deps.audit.append(tx, {
            actor: actorOf(caller),
            via: 'api',
            action: 'message.read',
            entity: 'message_thread',
            entityId: id,
            after: { marked },
          });
        return { marked };
      });
    },

    async attachment(caller: Caller, id: string, attachmentId: string) {
      const found = await repo.get(who(caller), id);
      if (!found) throw notFound(id);
      const ids = new Set(found.messages.map((m) => m.id));
      return deps.attachments.download(
        caller,
        attachmentId,
        (a) => a.message_id !== null && ids.has(a.message_id),
      );
    },
  };
}

export type MessageService = ReturnType<typeof createMessageService>;
