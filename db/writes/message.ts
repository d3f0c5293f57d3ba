/** message: one message of a thread. Messages are never changed. */
import type { Statement } from '../scope.js';

export function messageInsert(m: {
  id: string;
  threadId: string;
  authorId: string | null;
  authorUnitId: string;
  body: string;
}): Statement {
  return {
    sql: `INSERT INTO message (id, thread_id, author_id, author_unit_id, body) VALUES (?, ?, ?, ?, ?)`,
    params: [m.id, m.threadId, m.authorId, m.authorUnitId, m.body],
  };
}
