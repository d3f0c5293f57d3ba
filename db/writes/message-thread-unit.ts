/** message_thread_unit: the units taking part in a thread, written with the thread. */
import type { Statement } from '../scope.js';
import { insertRows } from './rows.js';

export function threadUnitsInsert(threadId: string, unitIds: readonly string[]): Statement {
  return insertRows('INSERT INTO message_thread_unit (thread_id, unit_id) VALUES', '(?, ?)', unitIds, (u) => [
    threadId,
    u,
  ]);
}
