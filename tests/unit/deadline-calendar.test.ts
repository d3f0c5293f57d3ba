/**
 * The ladder's dates in working-day mode, with the real Chinese holiday calendar (chinese-days):
 * a deadline spanning National Day (国庆) lands after the holiday and counts its 调休 Saturday.
 */
import { describe, expect, it } from 'vitest';
import { chineseWorkday, createDeadlineActivities } from '#activities/deadline.activities.js';
import type { Orm } from '#db/orm.js';
import {
  DEFAULT_DEADLINE_CONFIG,
  clockDate,
  instantOf,
  ladderDates,
  type DeadlineConfig,
} from '#domain/deadlines.js';

const working: DeadlineConfig = {
  ...DEFAULT_DEADLINE_CONFIG,
  dayCount: 'working',
  reminderDays: 3,
  grace1Days: 2,
  grace2Days: 3,
};
const calendar: DeadlineConfig = { ...working, dayCount: 'calendar' };
const steps = (cfg: DeadlineConfig, due: string) =>
  ladderDates(due, cfg, chineseWorkday).map((s) => [s.step, s.date, s.daysLate]);

describe('deadline ladder dates', () => {
  it('knows the 2025 and 2026 National Day holidays and their make-up Saturdays', () => {
    expect(chineseWorkday('2025-10-01')).toBe(false);
    expect(chineseWorkday('2025-10-08')).toBe(false);
    expect(chineseWorkday('2025-09-28')).toBe(true); // Sunday, 调休 working day
    expect(chineseWorkday('2025-10-11')).toBe(true); // Saturday, 调休 working day
    expect(chineseWorkday('2026-10-07')).toBe(false);
    expect(chineseWorkday('2026-10-10')).toBe(true);
    expect(chineseWorkday('2026-10-17')).toBe(false); // an ordinary Saturday
  });

  it('in working-day mode a deadline on 2025-09-30 skips 国庆 and counts the 调休 days', () => {
    expect(steps(working, '2025-09-30')).toEqual([
      ['reminder', '2025-09-26', 0], // 29 Mon, 28 Sun (调休 workday), 26 Fri
      ['overdue', '2025-10-09', 9], // first working day after 1–8 October
      ['escalated', '2025-10-11', 11], // 10 Fri, 11 Sat (调休 workday)
      ['interview', '2025-10-15', 15], // 13, 14, 15 (12 is a Sunday)
    ]);
    expect(steps(calendar, '2025-09-30')).toEqual([
      ['reminder', '2025-09-27', 0],
      ['overdue', '2025-10-01', 1],
      ['escalated', '2025-10-03', 3],
      ['interview', '2025-10-06', 6],
    ]);
  });

  it('does the same for 2026 (1–7 October off, Saturday 10 October worked)', () => {
    expect(steps(working, '2026-09-30').slice(1, 3)).toEqual([
      ['overdue', '2026-10-08', 8],
      ['escalated', '2026-10-10', 10],
    ]);
  });

  it('the planning activity uses the calendar and maps real days to midnight China time', async () => {
    const sut = createDeadlineActivities({
      orm: undefined as unknown as Orm,
      audit: undefined as never,
      config: working,
    });
    const plan = await sut.planDeadlines({
      specs: [{ kind: 'acceptance', period: '', dueDate: '2025-09-30' }],
      nowMs: Date.parse('2025-09-01T00:00:00Z'),
    });
    const overdue = plan.ladders[0]!.steps[1]!;
    expect(overdue).toMatchObject({ step: 'overdue', date: '2025-10-09' });
    expect(new Date(overdue.atMs).toISOString()).toBe('2025-10-08T16:00:00.000Z');
  });

  it('a shared origin gives projects planned at different instants one clock; a set clock is kept', async () => {
    const origin = Date.parse('2026-12-01T02:00:00Z'); // 10:00 in China: 00:00 of 2026-12-01 on the clock
    const sut = createDeadlineActivities({
      orm: undefined as unknown as Orm,
      audit: undefined as never,
      config: { ...DEFAULT_DEADLINE_CONFIG, dayMs: 1000, reminderDays: 7, sharedOriginMs: origin },
    });
    const spec = { kind: 'progress' as const, period: '2026-12', dueDate: '2026-12-31' };
    const early = await sut.planDeadlines({ specs: [spec], nowMs: origin + 1234 });
    const late = await sut.planDeadlines({ specs: [spec], nowMs: origin + 98_765 });
    expect(early.clock).toEqual({ dayMs: 1000, originMs: origin });
    expect(late.ladders).toEqual(early.ladders);
    // The reminder on the 24th: 23 clock days after the origin, for both.
    expect(late.ladders[0]!.steps[0]).toMatchObject({
      step: 'reminder',
      date: '2026-12-24',
      atMs: origin + 23_000,
    });
    const own = { dayMs: 1000, originMs: origin - 5000 };
    expect((await sut.planDeadlines({ specs: [spec], clock: own, nowMs: origin })).clock).toBe(own);
  });

  it('a shortened day maps dates onto seconds from the moment the clock was set', () => {
    const clock = { dayMs: 1000, originMs: Date.parse('2026-11-25T07:00:00Z') }; // 15:00 in China
    expect(instantOf('2026-11-25', clock)).toBe(clock.originMs);
    expect(instantOf('2026-11-28', clock)).toBe(clock.originMs + 3000);
    expect(clockDate(clock, clock.originMs + 2500)).toBe('2026-11-27');
  });
});
