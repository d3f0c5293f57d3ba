/**
 * Threads between units in PostgreSQL. A thread is read only by the accounts of its participant
 * units: the condition here, and row-level security beneath it (`app_is_thread_member`).
 */
import type { Principal } from '#domain/access.js';
import type { Orm } from '#db/orm.js';
import { queryInScope, scopeOf } from '#db/scope.js';
import { ATTACHMENT_COLUMNS, attachmentDto, type AttachmentRow } from '../attachments/repository.js';

type Who = Principal & { userId: string };

export interface ThreadRow {
  id: string;
  subject: string;
  created_at: string | Date;
  last_message_at: string | Date;
  units: { code: string; name: string }[];
  unit_ids: string[];
  message_count: number;
  unread: number;
}

interface MessageRow {
  id: string;
  body: string;
  author: string | null;
  author_id: string | null;
  unit_code: string;
  unit_name: string;
  created_at: string | Date;
  read: boolean;
  read_by: { name: string; unit: string; readAt: string }[];
}

const iso = (d: string | Date) => new Date(d).toISOString();
const MEMBER = `EXISTS (SELECT 1 FROM message_thread_unit mu WHERE mu.thread_id = t.id AND mu.unit_id = ?)`;
const THREAD = `SELECT t.id, t.subject, t.created_at, t.last_message_at,
    (SELECT json_agg(json_build_object('code', o.code, 'name', o.name) ORDER BY o.kind, o.code)
       FROM message_thread_unit mu JOIN org_unit o ON o.id = mu.unit_id WHERE mu.thread_id = t.id) AS units,
    (SELECT array_agg(mu.unit_id) FROM message_thread_unit mu WHERE mu.thread_id = t.id) AS unit_ids,
    (SELECT count(*)::int FROM message m WHERE m.thread_id = t.id) AS message_count,
    (SELECT count(*)::int FROM message m WHERE m.thread_id = t.id AND m.author_id IS DISTINCT FROM ?::uuid
        AND NOT EXISTS (SELECT 1 FROM message_receipt r WHERE r.message_id = m.id AND r.user_id = ?::uuid)) AS unread
  FROM message_thread t`;

export function threadSummary(r: ThreadRow) {
  return {
    id: r.id,
    subject: r.subject,
    units: r.units ?? [],
    createdAt: iso(r.created_at),
    lastMessageAt: iso(r.last_message_at),
    messageCount: r.message_count,
    unread: r.unread,
  };
}

export function createMessageRepository(orm: Orm) {
  const read = (who: Principal, statements: { sql: string; params?: unknown[] }[]) =>
    queryInScope(orm, scopeOf(who), statements);

  return {
    async units(who: Principal, codes: readonly string[]): Promise<{ id: string; code: string }[]> {
      const [rows] = await read(who, [
        { sql: `SELECT id, code FROM org_unit WHERE code = ANY(ARRAY[?]::text[])`, params: [codes] },
      ]);
      return rows as { id: string; code: string }[];
    },

    /**
     * The caller's unit's threads (those whose subject holds `q`, if given), newest message first,
     * with the total and the caller's unread count over all its threads.
     */
    async list(who: Who, page: number, pageSize: number, q?: string) {
      // strpos, not LIKE: the words are taken as they are, % and _ included.
      const words = q ? [q, q] : [null, null];
      const matching = `${MEMBER} AND (?::text IS NULL OR strpos(lower(t.subject), lower(?::text)) > 0)`;
      const [rows, counts] = await read(who, [
        {
          sql: `${THREAD} WHERE ${matching} ORDER BY t.last_message_at DESC, t.id LIMIT ? OFFSET ?`,
          params: [who.userId, who.userId, who.orgUnitId, ...words, pageSize, (page - 1) * pageSize],
        },
        {
          sql: `SELECT (SELECT count(*)::int FROM message_thread t WHERE ${matching}) AS total,
                  (SELECT count(*)::int FROM message m JOIN message_thread t ON t.id = m.thread_id
                    WHERE ${MEMBER} AND m.author_id IS DISTINCT FROM ?::uuid
                      AND NOT EXISTS (SELECT 1 FROM message_receipt r WHERE r.message_id = m.id AND r.user_id = ?::uuid)) AS unread`,
          params: [who.orgUnitId, ...words, who.orgUnitId, who.userId, who.userId],
        },
      ]);
      const c = (counts as { total: number; unread: number }[])[0]!;
      return { rows: rows as ThreadRow[], total: c.total, unread: c.unread };
    },

    /** One thread with its messages (oldest first) and their attachments, if the caller's unit takes part. */
    async get(who: Who, id: string) {
      const [threads, messages, attachments] = await read(who, [
        {
          sql: `${THREAD} WHERE t.id = ? AND ${MEMBER}`,
          params: [who.userId, who.userId, id, who.orgUnitId],
        },
        {
          sql: `SELECT m.id, m.body, u.display_name AS author, m.author_id, o.code AS unit_code, o.name AS unit_name, m.created_at,
                  (m.author_id = ?::uuid OR EXISTS (SELECT 1 FROM message_receipt r WHERE r.message_id = m.id AND r.user_id = ?::uuid)) AS read,
                  COALESCE((SELECT json_agg(json_build_object('name', ru.display_name, 'unit', ro.name, 'readAt', r.read_at) ORDER BY r.read_at)
                     FROM message_receipt r JOIN app_user ru ON ru.id = r.user_id JOIN org_unit ro ON ro.id = r.unit_id
                    WHERE r.message_id = m.id AND r.unit_id <> m.author_unit_id), '[]') AS read_by
                  FROM message m JOIN org_unit o ON o.id = m.author_unit_id LEFT JOIN app_user u ON u.id = m.author_id
                 WHERE m.thread_id = ? ORDER BY m.created_at, m.id`,
          params: [who.userId, who.userId, id],
        },
        {
          sql: `SELECT ${ATTACHMENT_COLUMNS} FROM bulletin_attachment a JOIN message m ON m.id = a.message_id
                 WHERE m.thread_id = ? ORDER BY a.uploaded_at, a.id`,
          params: [id],
        },
      ]);
      const thread = (threads as ThreadRow[])[0];
      if (!thread) return undefined;
      const files = attachments as AttachmentRow[];
      return {
        thread,
        messages: (messages as MessageRow[]).map((m) => ({
          id: m.id,
          body: m.body,
          author: m.author,
          authorUnit: { code: m.unit_code, name: m.unit_name },
          createdAt: iso(m.created_at),
          read: m.read,
          readBy: m.read_by.map((r) => ({ name: r.name, unit: r.unit, readAt: iso(r.readAt) })),
          attachments: files.filter((a) => a.message_id === m.id).map(attachmentDto),
        })),
      };
    },
  };
}

export type MessageRepository = ReturnType<typeof createMessageRepository>;
