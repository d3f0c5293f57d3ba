/**
 * The month-end benchmark's shared ladder clock: a shortened day and one origin for every project
 * (DEADLINE_CLOCK_ORIGIN), placed so that "now" is 00:00 of a day of next month on the clock
 * (its 1st, or a set number of days before the storm). Every project started during the setup then arms that month's progress ladder, whose
 * reminder comes due for all of them at one instant, `reminderDays` before the month's last day,
 * and nothing else comes due before the month ends.
 */
import {
  addDays,
  clockDate,
  cstDate,
  daysBetween,
  instantOf,
  lastDayOfMonth,
  monthOf,
  nextMonth,
  type LadderClock,
} from '#domain/deadlines.js';

export interface MonthEndClock {
  clock: LadderClock;
  /** The month whose ladder the projects arm. */
  month: string;
  /** The reminder's date and instant: the storm. */
  reminderDate: string;
  dueMs: number;
  /** The first instant of the next month (the month's overdue step and the next month's ladder). */
  monthEndMs: number;
  /** Clock days from `nowMs` to the storm: the setup's room. */
  setupDays: number;
}

/**
 * `setupDays`, if given, puts now that many clock days before the reminder instead of at the 1st
 * (never before the 1st): a long day (a large N's drain needs one) then does not make the setup
 * wait out the whole month.
 */
export function monthEndClock(
  nowMs: number,
  dayMs: number,
  reminderDays: number,
  setupDays?: number,
): MonthEndClock {
  const month = nextMonth(monthOf(cstDate(nowMs)));
  const reminderDate = addDays(lastDayOfMonth(month), -reminderDays);
  const first = `${month}-01`;
  const today =
    setupDays !== undefined && daysBetween(first, reminderDate) > setupDays
      ? addDays(reminderDate, -setupDays)
      : first;
  // The origin is 00:00 of its own China date on the clock, so it lies a whole number of clock
  // days before now; which date it falls on moves only when that crosses midnight in China.
  let originMs = nowMs;
  for (let i = 0; i < 5; i++) {
    const next = nowMs - daysBetween(cstDate(originMs), today) * dayMs;
    if (next === originMs) break;
    originMs = next;
  }
  const clock = { dayMs, originMs };
  if (clockDate(clock, nowMs) !== today) throw new Error(`no origin puts ${today} at now`);
  return {
    clock,
    month,
    reminderDate,
    dueMs: instantOf(reminderDate, clock),
    monthEndMs: instantOf(`${nextMonth(month)}-01`, clock),
    setupDays: daysBetween(today, reminderDate),
  };
}
