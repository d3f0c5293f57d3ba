/**
 * A project's ladders rebuilt from what PostgreSQL recorded: the ladders its stage still runs, at
 * the arming on record and past its recorded steps; those that came due meanwhile caught up in one
 * batch; new armings numbered above every one on record.
 */
import { describe, expect, it } from 'vitest';
import { rebuildDeadlineState, type RecordedAlert, type RecordedDeadlines } from './deadline-state.js';
import { DEFAULT_DEADLINE_CONFIG, planLadder, type LadderClock } from './deadlines.js';

const clock: LadderClock = { dayMs: 86_400_000, originMs: 0 };
const everyDay = () => true;
/** 2026-12-02 10:00 China time. */
const NOW = Date.parse('2026-12-02T02:00:00Z');
const plannedDates = {
  start: '2026-04-01',
  completion: '2026-08-31',
  acceptance: '2026-09-30',
  reimbursement: '2026-11-30',
};
const plan = { config: DEFAULT_DEADLINE_CONFIG, clock, nowMs: NOW, isWorkday: everyDay };
const alert = (
  kind: RecordedAlert['kind'],
  period: string,
  arm: number,
  step: RecordedAlert['step'],
  status: RecordedAlert['status'] = 'active',
): RecordedAlert => ({
  kind,
  period,
  arm,
  step,
  status,
});

describe('rebuildDeadlineState', () => {
  it('arms what a project just registered arms: every planned date, arms 1 to 4, nothing fired', () => {
    const future = {
      start: '2027-04-01',
      completion: '2027-08-31',
      acceptance: '2027-09-30',
      reimbursement: '2027-11-30',
    };
    const d = rebuildDeadlineState(
      { stage: 'approved', plannedDates: future, progressFrom: null, reportedMonths: [], alerts: [] },
      plan,
    );
    expect(d.ladders.map((l) => [l.kind, l.arm, l.fired, l.catchUp])).toEqual([
      ['start', 1, 0, undefined],
      ['completion', 2, 0, undefined],
      ['acceptance', 3, 0, undefined],
      ['reimbursement', 4, 0, undefined],
    ]);
    expect(d.ladders[1]!.steps).toEqual(
      planLadder(
        { kind: 'completion', period: '', dueDate: '2027-08-31' },
        DEFAULT_DEADLINE_CONFIG,
        clock,
        everyDay,
      ).steps,
    );
    expect(d).toMatchObject({ enabled: true, armSeq: 4, progressArmedThrough: null, overdueShown: [] });
  });

  it('goes on at the arming on record past its steps, catches up what came due, numbers new armings above all', () => {
    const r: RecordedDeadlines = {
      stage: 'underway',
      plannedDates,
      progressFrom: '2026-09',
      reportedMonths: ['2026-09', '2026-11'],
      alerts: [
        alert('start', '', 1, 'reminder', 'resolved'),
        // A 调项 moved the completion date: the first arming was superseded, the second runs.
        alert('completion', '', 1, 'reminder', 'superseded'),
        alert('completion', '', 2, 'reminder'),
        alert('completion', '', 2, 'overdue'),
        alert('progress', '2026-09', 3, 'reminder', 'resolved'),
        alert('progress', '2026-10', 5, 'reminder'),
      ],
    };
    const d = rebuildDeadlineState(r, plan);
    expect(d.ladders.map((l) => [l.kind, l.period, l.arm, l.fired, l.catchUp])).toEqual([
      // Due 08-31: escalated (09-08) and 约谈 (09-23) came due since its overdue was recorded.
      ['completion', '', 2, 2, 4],
      // Due 09-30 and 11-30: never recorded, armed afresh; every step already due goes in one batch.
      ['acceptance', '', 6, 0, 4],
      ['reimbursement', '', 7, 0, 2],
      // October was never reported: its ladder goes on; November was; December has begun.
      ['progress', '2026-10', 5, 1, 4],
      ['progress', '2026-12', 8, 0, undefined],
    ]);
    expect(d.armSeq).toBe(8);
    expect(d.progressFrom).toBe('2026-09');
    expect(d.progressArmedThrough).toBe('2026-12');
    expect(d.progressReported).toEqual([]);
    expect(d.overdueShown).toEqual(['completion']);
  });

  it('keeps a month reported ahead of its ladder for when it begins', () => {
    const d = rebuildDeadlineState(
      {
        stage: 'underway',
        plannedDates: {
          ...plannedDates,
          completion: '2027-08-31',
          acceptance: '2027-09-30',
          reimbursement: '2027-11-30',
        },
        progressFrom: '2026-12',
        reportedMonths: ['2027-01', '2026-12'],
        alerts: [],
      },
      plan,
    );
    expect(d.ladders.map((l) => l.kind)).toEqual(['completion', 'acceptance', 'reimbursement']);
    expect(d.progressReported).toEqual(['2027-01']);
  });

  it('arms no progress month past the works, and nothing a stage has met', () => {
    const d = rebuildDeadlineState(
      { stage: 'accepted', plannedDates, progressFrom: '2026-05', reportedMonths: [], alerts: [] },
      plan,
    );
    expect(d.ladders.map((l) => l.kind)).toEqual(['reimbursement']);
    expect(d.progressArmedThrough).toBeNull();
  });

  it('runs no ladder when they are configured off, and still numbers above the armings on record', () => {
    const d = rebuildDeadlineState(
      {
        stage: 'underway',
        plannedDates,
        progressFrom: '2026-09',
        reportedMonths: [],
        alerts: [alert('completion', '', 3, 'reminder')],
      },
      { ...plan, config: { ...DEFAULT_DEADLINE_CONFIG, enabled: false } },
    );
    expect(d).toMatchObject({ enabled: false, ladders: [], armSeq: 3, progressFrom: '2026-09' });
  });
});
