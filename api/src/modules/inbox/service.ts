/**
 * The inbox of whoever is signed in: the messages the notify activity wrote for them, newest
 * first, and marking them read or unread. Another account's message answers exactly as one that
 * does not exist (404): whether it exists is not the caller's to learn.
 */
import type { AuditLog } from '#db/audit.js';
import { AppError } from '#domain/errors.js';
import type { InboxMessageDto } from '#domain/notify-schemas.js';
import type { Caller } from '../../http.js';
import type { InboxRepository, InboxRow, Reader } from './repository.js';

const iso = (t: Date | string) => new Date(t).toISOString();

function toDto(r: InboxRow): InboxMessageDto {
  return {
    id: r.id,
    title: r.title,
    body: r.body,
    severity: r.severity,
    category: r.category,
    projectId: r.project_id,
    projectCode: r.project_code,
    // Only a project the account can open: a link to a page that answers 404 helps no one.
    link: r.project_id && r.project_code ? `/projects/${r.project_id}` : null,
    createdAt: iso(r.created_at),
    readAt: r.read_at === null ? null : iso(r.read_at),
  };
}

function readerOf(c: Caller): Reader {
  if (!c.userId) throw new Error('an inbox needs a signed-in account');
  return { ...c, userId: c.userId };
}

export function messageNotFound(id: string): AppError {
  return new AppError('NOT_FOUND', `消息不存在 (message ${id} not found)`);
}

export function createInboxService(deps: { repo: InboxRepository; audit: AuditLog }) {
  const { repo, audit } = deps;

  async function mark(caller: Caller, id: string, read: boolean): Promise<InboxMessageDto> {
    const who = readerOf(caller);
    return repo.transaction(who, async (tx) => {
      const row = await repo.lock(tx, who, id);
      if (!row) throw messageNotFound(id);
      // Already so: nothing is written, and nothing audited.
      if ((row.read_at !== null) === read) return toDto(row);
      const readAt = await repo.setRead(tx, who, id, read);
      await audit.append(tx, {
        actor: { id: caller.actor.id, username: caller.actor.username },
        via: 'api',
        action: read ? 'inbox.read' : 'inbox.unread',
        entity: 'inbox_message',
        entityId: id,
        before: { readAt: row.read_at === null ? null : iso(row.read_at) },
        after: { readAt: readAt === null ? null : iso(readAt) },
      });
      return toDto({ ...row, read_at: readAt });
    });
  }

  return {
    async list(
      caller: Caller,
      q: { unread?: 'true' | 'false'; page: number; pageSize: number },
    ): Promise<{ items: InboxMessageDto[]; total: number; unread: number; page: number; pageSize: number }> {
      const r = await repo.list(readerOf(caller), {
        unreadOnly: q.unread === 'true',
        limit: q.pageSize,
        offset: (q.page - 1) * q.pageSize,
      });
      return {
        items: r.rows.map(toDto),
        total: r.total,
        unread: r.unread,
        page: q.page,
        pageSize: q.pageSize,
      };
    },

    async unread(caller: Caller): Promise<{ unread: number }> {
      return { unread: await repo.unreadCount(readerOf(caller)) };
    },

    markRead: (caller: Caller, id: string) => mark(caller, id, true),
    markUnread: (caller: Caller, id: string) => mark(caller, id, false),

    /** Marks every unread message read; answers how many are unread afterwards (new ones may have come). */
    async readAll(caller: Caller): Promise<{ unread: number }> {
      const who = readerOf(caller);
      return repo.transaction(who, async (tx) => {
        const marked = await repo.readAll(tx, who);
        if (marked > 0)
          await audit.append(tx, {
            actor: { id: caller.actor.id, username: caller.actor.username },
            via: 'api',
            action: 'inbox.readAll',
            entity: 'inbox_message',
            after: { marked },
          });
        return { unread: await repo.unreadIn(tx, who) };
      });
    },
  };
}

export type InboxService = ReturnType<typeof createInboxService>;
