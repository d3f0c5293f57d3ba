/**
 * The deadline a ladder's 约谈 was raised for (its alert), read beside the reason filed then: the
 * console words it in the reader's language. The statements that use it join `alert a`.
 */
import type { DeadlineKind } from '#domain/deadlines.js';

/** Days late as domain/deadlines.ts daysLateWhenRaised counts them (the reason filed says the same). */
export const LADDER_GROUNDS_COLUMNS = `a.kind AS ladder_kind, a.period AS ladder_period,
    to_char(a.due_date, 'YYYY-MM-DD') AS ladder_due,
    GREATEST(a.days_late, (a.raised_at AT TIME ZONE 'Asia/Shanghai')::date - a.due_date) AS ladder_days`;

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
