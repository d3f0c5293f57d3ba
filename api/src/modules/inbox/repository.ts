/**
 * The signed-in account's inbox messages. Every statement names the account (`user_id = ?`) and
 * runs in its scope, where row-level security holds the same condition beneath it
 * (Migration20261202100000_inbox_scope): a message of someone else is not there at all.
 */
import type { Orm } from '#db/orm.js';
import { inScope, queryInScope, scopeOf, type Tx } from '#db/scope.js';
import type { Principal } from '#domain/access.js';

export interface InboxRow {
  id: string;
  title: string;
  body: string;
  severity: 'info' | 'warning' | 'critical';
  category: string;
  project_id: string | null;
  /** Null when the message names no project, or one the account may not read (any more). */
  project_code: string | null;
  created_at: Date | string;
  read_at: Date | string | null;
}

/** The account whose inbox it is: only a signed-in principal has one. */
export type Reader = Principal & { userId: string };

const COLUMNS = `m.id::text AS id, m.title, m.body, m.severity, m.category, m.project_id, p.code AS project_code,
                 m.created_at, m.read_at`;
const FROM = `FROM inbox_message m LEFT JOIN project p ON p.id = m.project_id`;

export function createInboxRepository(orm: Orm) {
  return {
    /** One page, newest first, with the counts the page shows: in the list, and unread at all. */
    async list(
      who: Reader,
      q: { unreadOnly: boolean; limit: number; offset: number },
    ): Promise<{ rows: InboxRow[]; total: number; unread: number }> {
      const listed = q.unreadOnly ? 'm.read_at IS NULL' : 'TRUE';
      const [counts, rows] = await queryInScope(orm, scopeOf(who), [
        {
          sql: `SELECT count(*) FILTER (WHERE ${listed})::int AS total,
                       count(*) FILTER (WHERE m.read_at IS NULL)::int AS unread
                  FROM inbox_message m WHERE m.user_id = ?`,
          params: [who.userId],
        },
        {
          sql: `SELECT ${COLUMNS} ${FROM} WHERE m.user_id = ? AND ${listed}
                 ORDER BY m.created_at DESC, m.id DESC LIMIT ? OFFSET ?`,
          params: [who.userId, q.limit, q.offset],
        },
      ]);
      const c = (counts as { total: number; unread: number }[])[0]!;
      return { rows: rows as InboxRow[], total: c.total, unread: c.unread };
    },

    async unreadCount(who: Reader): Promise<number> {
      const [rows] = await queryInScope(orm, scopeOf(who), [
        {
          sql: `SELECT count(*)::int AS n FROM inbox_message WHERE user_id = ? AND read_at IS NULL`,
          params: [who.userId],
          prepare: true,
        },
      ]);
      return (rows as { n: number }[])[0]!.n;
    },

    /** Runs `fn` in one transaction of the account's scope (a change and its audit row). */
    transaction<T>(who: Reader, fn: (tx: Tx) => Promise<T>): Promise<T> {
      return inScope(orm, scopeOf(who), fn);
    },

    /** The message, locked for a change in `tx`; undefined when it is not the account's. */
    async lock(tx: Tx, who: Reader, id: string): Promise<InboxRow | undefined> {
      const rows = await tx.execute<InboxRow[]>(
        `SELECT ${COLUMNS} ${FROM} WHERE m.id = ? AND m.user_id = ? FOR UPDATE OF m`,
        [id, who.userId],
      );
      return rows[0];
    },

    /** Sets or clears its read time; answers the new read time. */
    async setRead(tx: Tx, who: Reader, id: string, read: boolean): Promise<Date | string | null> {
      const { rows } = await tx.execute(
        `UPDATE inbox_message SET read_at = ${read ? 'now()' : 'NULL'} WHERE id = ? AND user_id = ? RETURNING read_at`,
        [id, who.userId],
        'run',
      );
      return (rows[0]?.read_at ?? null) as Date | string | null;
    },

    /** Marks every unread message read; answers how many it marked. */
    async readAll(tx: Tx, who: Reader): Promise<number> {
      const { affectedRows } = await tx.execute(
        `UPDATE inbox_message SET read_at = now() WHERE user_id = ? AND read_at IS NULL`,
        [who.userId],
        'run',
      );
      return affectedRows;
    },

    async unreadIn(tx: Tx, who: Reader): Promise<number> {
      const rows = await tx.execute<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM inbox_message WHERE user_id = ? AND read_at IS NULL`,
        [who.userId],
      );
      return rows[0]!.n;
    },
  };
}

export type InboxRepository = ReturnType<typeof createInboxRepository>;
