/**
 * The deadline a ladder's 约谈 was raised for (its alert), read beside the reason filed then: the
 * console words it in the reader's language. The statements that use it join `alert a`.
 */
import type { DeadlineKind } from '#domain/deadlines.js';
import { ALERT_DAYS_LATE_RAISED } from '../projects/overdue.js';

/** Days late on the day the 约谈 was raised, as the reason filed then says. */
export const LADDER_GROUNDS_COLUMNS = `a.kind AS ladder_kind, a.period AS ladder_period,
    to_char(a.due_date, 'YYYY-MM-DD') AS ladder_due, ${ALERT_DAYS_LATE_RAISED} AS ladder_days`;

export interface LadderGroundsRow {
  ladder_kind: DeadlineKind | null;
  ladder_period: string | null;
  ladder_due: string | null;
  ladder_days: number | null;
}

export function ladderGrounds(r: LadderGroundsRow) {
  return r.ladder_kind
    ? {
        kind: r.ladder_kind,
        period: r.ladder_period ?? '',
        dueDate: r.ladder_due!,
        daysLate: Number(r.ladder_days),
      }
    : null;
}
