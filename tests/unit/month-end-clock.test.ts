/** The month-end benchmark's shared clock: the storm lands where the bench says it does. */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DEADLINE_CONFIG,
  clockDate,
  instantOf,
  ladderDates,
  lastDayOfMonth,
} from '#domain/deadlines.js';
import { monthEndClock } from '#scripts/bench/lib/month-end-clock.js';

describe('monthEndClock', () => {
  it.each([
    ['mid-afternoon in China', '2026-12-01T07:00:00Z'],
    ['just after midnight in China (the origin falls on the day before)', '2026-12-01T16:00:30Z'],
    ['the last day of a month', '2027-01-31T03:00:00Z'],
  ])('puts now at 00:00 of next month and the reminder reminderDays before its end (%s)', (_, iso) => {
    const now = Date.parse(iso);
    const dayMs = 7_500;
    const c = monthEndClock(now, dayMs, 7);
    expect(clockDate(c.clock, now)).toBe(`${c.month}-01`);
    expect(instantOf(`${c.month}-01`, c.clock)).toBe(now);
    // The production ladder of that month's progress entry puts its reminder at the storm.
    const [reminder, overdue] = ladderDates(lastDayOfMonth(c.month), DEFAULT_DEADLINE_CONFIG, () => true);
    expect(reminder!.date).toBe(c.reminderDate);
    expect(c.dueMs).toBe(now + c.setupDays * dayMs);
    expect(instantOf(overdue!.date, c.clock)).toBe(c.monthEndMs);
    expect(c.monthEndMs - c.dueMs).toBe(8 * dayMs);
  });

  it('puts now a given number of days before the storm, never before the 1st', () => {
    const now = Date.parse('2026-12-01T07:00:00Z');
    const dayMs = 90_000;
    const c = monthEndClock(now, dayMs, 7, 5);
    expect(c.setupDays).toBe(5);
    expect(clockDate(c.clock, now)).toBe('2027-01-19');
    expect(c.reminderDate).toBe('2027-01-24');
    expect(c.dueMs).toBe(now + 5 * dayMs);
    expect(c.monthEndMs - c.dueMs).toBe(8 * dayMs);
    // More days than the month has before its reminder: now is the 1st, as without the option.
    const whole = monthEndClock(now, dayMs, 7, 40);
    expect(clockDate(whole.clock, now)).toBe('2027-01-01');
    expect(whole.setupDays).toBe(23);
  });
});
