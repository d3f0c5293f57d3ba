/**
 * notice_receipt: the first time each account opened a notice. Opening it again keeps the first
 * time; RETURNING tells the caller whether this opening was the first.
 */
import type { Statement } from '../scope.js';

export function noticeReceiptInsert(r: { noticeId: string; userId: string; unitId: string }): Statement {
  return {
    sql: `INSERT INTO notice_receipt (notice_id, user_id, unit_id) VALUES (?, ?, ?)
          ON CONFLICT (notice_id, user_id) DO NOTHING RETURNING first_read_at`,
    params: [r.noticeId, r.userId, r.unitId],
  };
}
