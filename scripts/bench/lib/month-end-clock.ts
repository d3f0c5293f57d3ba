/**
 * The month-end benchmark's shared ladder clock: a shortened day and one origin for every project
 * (DEADLINE_CLOCK_ORIGIN), placed so that "now" is 00:00 of the first day of next month on the
 * clock. Every project started during the setup then arms that month's progress ladder, whose
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

export function monthEndClock(nowMs: number, dayMs: number, reminderDays: number): MonthEndClock {
  const month = nextMonth(monthOf(cstDate(nowMs)));
  const first = `${month}-01`;
  // The origin is 00:00 of its own China date on the clock, so it lies a whole number of clock
  // days before now; which date it falls on moves only when that crosses midnight in China.
  let originMs = nowMs;
  for (let i = 0; i < 5; i++) {
    const next = nowMs - daysBetween(cstDate(originMs), first) * dayMs;
    if (next === originMs) break;
    originMs = next;
  }
  const clock = { dayMs, originMs };
  if (clockDate(clock, nowMs) !== first) throw new Error(`no origin puts ${first} at now`);
  const reminderDate = addDays(lastDayOfMonth(month), -reminderDays);
  return {
    clock,
    month,
    reminderDate,
    dueMs: instantOf(reminderDate, clock),
    monthEndMs: instantOf(`${nextMonth(month)}-01`, clock),
    setupDays: daysBetween(first, reminderDate),
  };
}
