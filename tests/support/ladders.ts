/**
 * What the deadline-ladder tests on the whole stack share: ladders whose "day" lasts a second,
 * today's date on their clock, and the alert rows of a project.
 */
import { clockDate } from '#domain/deadlines.js';
import type { TestStack } from './stack.js';

export const LADDER_DAY_MS = 1000;
/** Each tier one day after the one before: a whole ladder runs in a few seconds. */
export const FAST_LADDERS = {
  enabled: true,
  dayMs: LADDER_DAY_MS,
  reminderDays: 1,
  grace1Days: 1,
  grace2Days: 1,
};

/** Today in China: the ladder clock's day 0 for a project created now. */
export function today(): string {
  return clockDate({ dayMs: 86_400_000, originMs: 0 }, Date.now());
}

export async function alertRows(stack: TestStack, projectId: string, kind?: string) {
  const { rows } = await stack.db.query(
    `SELECT kind, period, arm, step, status, days_late, history_seq, to_char(due_date, 'YYYY-MM-DD') AS due_date
       FROM alert WHERE project_id = $1 ${kind ? 'AND kind = $2' : ''} ORDER BY history_seq`,
    kind ? [projectId, kind] : [projectId],
  );
  return rows;
}
