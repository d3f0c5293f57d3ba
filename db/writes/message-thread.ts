/** message_thread (网络寻呼): its INSERT, and the time of its newest message moved by each reply. */
import type { Statement } from '../scope.js';

export function threadInsert(t: {
  id: string;
  subject: string;
  createdBy: string | null;
  unitId: string;
}): Statement {
  return {
    sql: `INSERT INTO message_thread (id, subject, created_by, created_unit_id) VALUES (?, ?, ?, ?)`,
    params: [t.id, t.subject, t.createdBy, t.unitId],
  };
}

export function threadTouch(id: string): Statement {
  return {
    sql: `UPDATE message_thread SET last_message_at = clock_timestamp() WHERE id = ? RETURNING id`,
    params: [id],
  };
}
