/** notice_recipient: the units a notice is addressed to, written with the notice. */
import type { Statement } from '../scope.js';
import { insertRows } from './rows.js';

export function noticeRecipientsInsert(noticeId: string, unitIds: readonly string[]): Statement {
  return insertRows('INSERT INTO notice_recipient (notice_id, unit_id) VALUES', '(?, ?)', unitIds, (u) => [
    noticeId,
    u,
  ]);
}
