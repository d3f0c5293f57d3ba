/**
 * The deadline a ladder's 约谈 was raised for, read beside the reason filed then (in Chinese): the
 * console words it in the reader's language. A project ladder's is its alert; a rectification
 * notice's is its problems' ladder step. The flag and the negative-list entry carry the same
 * grounds, read through `ladderGroundsColumns(row)` and `ladderGroundsJoins(row)` on either table.
 */
import type { DeadlineKind } from '#domain/deadlines.js';
import { ALERT_DAYS_LATE_RAISED, daysLateRaised } from '../projects/overdue.js';

/**
 * Days late on the day the 约谈 was raised, as the reason filed then says. A notice's raises name
 * its problems in `notice_arm` (`seq.arm`, comma-separated, in the order the ladder raised them);
 * the first one's step gives the term and the lateness, as the filed reason does.
 */
export const ladderGroundsColumns = (row: 'f' | 'e') => `a.kind AS ladder_kind, a.period AS ladder_period,
    to_char(a.due_date, 'YYYY-MM-DD') AS ladder_due, ${ALERT_DAYS_LATE_RAISED} AS ladder_days,
    ${row}.notice_arm AS notice_arm,
    to_char(rs.due_date, 'YYYY-MM-DD') AS notice_due, ${daysLateRaised('rs')} AS notice_days`;

/** The joins the columns read; the statement selects `n.serial AS notice_serial` itself. */
export const ladderGroundsJoins = (row: 'f' | 'e') => `LEFT JOIN alert a ON a.id = ${row}.alert_id
  LEFT JOIN LATERAL (
    SELECT s.due_date, s.days_late, s.raised_at FROM rectification_ladder_step s
      JOIN rectification_problem rp ON rp.id = s.problem_id
     WHERE s.notice_id = ${row}.notice_id AND s.step = 'interview'
       AND rp.seq || '.' || s.arm = split_part(${row}.notice_arm, ',', 1)
  ) rs ON ${row}.notice_id IS NOT NULL`;

export interface LadderGroundsRow {
  ladder_kind: DeadlineKind | null;
  ladder_period: string | null;
  ladder_due: string | null;
  ladder_days: number | null;
  notice_arm: string | null;
  notice_serial: string | null;
  notice_due: string | null;
  notice_days: number | null;
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

export function noticeLadderGrounds(r: LadderGroundsRow) {
  return r.notice_arm && r.notice_due
    ? {
        serial: r.notice_serial ?? '',
        problems: r.notice_arm.split(',').map((x) => Number(x.split('.')[0])),
        dueDate: r.notice_due,
        daysLate: Number(r.notice_days),
      }
    : null;
}
