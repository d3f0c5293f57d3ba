/**
 * message_receipt: the first time each account read each message. One statement marks every
 * message of a thread the account has not read, its own messages included (they count as read).
 */
import type { Statement } from '../scope.js';

export function messageReceiptsInsert(r: { threadId: string; userId: string; unitId: string }): Statement {
  return {
    sql: `INSERT INTO message_receipt (message_id, user_id, unit_id)
          SELECT m.id, ?, ? FROM message m WHERE m.thread_id = ?
          ON CONFLICT (message_id, user_id) DO NOTHING RETURNING message_id`,
    params: [r.userId, r.unitId, r.threadId],
  };
}
