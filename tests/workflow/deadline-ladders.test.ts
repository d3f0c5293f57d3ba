/**
 * The deadline ladders of the project workflow with mocked activities: which tiers fire, when, for
 * whom, how often, and what stops them. What the activities do with an alert (rows, negative list,
 * inbox) is tested on the whole stack in tests/integration/deadline-ladders.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, type LadderPlan } from '#domain/deadlines.js';
import { STEP_REJECTED, type AlertRecord } from '#domain/project-records.js';
import { getProjectStateQuery, overdueKey } from '#workflows/project.messages.js';
import { eventually } from '../support/eventually.js';
import {
  DAY_MS,
  DEPARTMENT_ID,
  OWNER_UNIT_ID,
  aProjectRecord,
  days,
  dueIn,
  mockActivities,
  startProject,
  startTestEnv,
  step,
  today,
  withWorker,
} from './support/harness.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const FAR = { completion: 300, acceptance: 400, reimbursement: 500 };
const TIERS = ['reminder', 'overdue', 'escalated', 'interview'];

/** The planned instant of an alert's step (each kind is armed once in the test that asks). */
function plannedAt(plans: LadderPlan[], a: AlertRecord): number {
  const plan = plans.find((p) => p.kind === a.kind && p.period === a.period);
  return plan!.steps.find((s) => s.step === a.step)!.atMs;
}

describe('deadline ladders (workflow, mocked activities)', () => {
  it('a project past its planned start and acceptance dates raises each tier at its time, to the right people', async () => {
    const sut = mockActivities();
    await withWorker(env, sut.activities, async (taskQueue) => {
      const project = aProjectRecord(dueIn({ start: 2, completion: 300, acceptance: 2, reimbursement: 500 }));
      const handle = await startProject(env, taskQueue, project);
      await eventually(async () => sut.calls.notifications.length >= 8, 30_000);

      for (const kind of ['start', 'acceptance']) {
        const fired = sut.alerts(kind);
        expect(fired.map((a) => a.step)).toEqual(TIERS);
        expect(fired.map((a) => a.daysLate)).toEqual([0, 1, 2, 3]);
        expect(fired.map((a) => a.stepDate)).toEqual([1, 3, 4, 5].map((n) => addDays(today(), n)));
        // Never before its planned instant: the ladder waits on timers, it does not guess.
        for (const a of fired) expect(Date.parse(a.at)).toBeGreaterThanOrEqual(plannedAt(sut.calls.plans, a));
        // Who answers for it: the owner unit for the works, the department for acceptance.
        expect(new Set(fired.map((a) => a.responsibleUnitId))).toEqual(
          new Set([kind === 'start' ? OWNER_UNIT_ID : DEPARTMENT_ID]),
        );
      }
      // Each step written alone, once, at consecutive seqs after the creation (seq 0).
      expect(sut.calls.alertWrites.every((w) => w.length === 1)).toBe(true);
      expect(sut.alerts().map((a) => a.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(new Set(sut.alerts().map((a) => a.requestId)).size).toBe(8);

      // One notification per step: the reminder to the responsible unit's operators; from overdue
      // on to both units and the admins; escalation and the 约谈 flag to county level too.
      const start = sut.calls.notifications.filter((n) => n.key.includes(':start:'));
      expect(start.map((n) => n.severity)).toEqual(['info', 'warning', 'critical', 'critical']);
      expect(start.map((n) => n.title.slice(0, 6))).toEqual([
        '【到期提醒】',
        '【逾期预警】',
        '【上报县级】',
        '【约谈标记】',
      ]);
      expect(start.map((n) => n.audience)).toEqual([
        { unitIds: [OWNER_UNIT_ID], operatorsOnly: true, admins: false, countyLevel: false },
        { unitIds: [DEPARTMENT_ID, OWNER_UNIT_ID], operatorsOnly: false, admins: true, countyLevel: false },
        { unitIds: [DEPARTMENT_ID, OWNER_UNIT_ID], operatorsOnly: false, admins: true, countyLevel: true },
        { unitIds: [DEPARTMENT_ID, OWNER_UNIT_ID], operatorsOnly: false, admins: true, countyLevel: true },
      ]);
      const acceptanceReminder = sut.calls.notifications.find((n) => n.key.includes(':acceptance:'));
      expect(acceptanceReminder?.audience.unitIds).toEqual([DEPARTMENT_ID]);

      // The overdue flag: in the query and the ProjectOverdue search attribute.
      const view = await handle.query(getProjectStateQuery);
      expect(view.overdue).toEqual(['acceptance', 'start']);
      expect(view.ladderPositions.find((l) => l.kind === 'start')).toMatchObject({
        lastStep: 'interview',
        next: null,
      });
      expect(view.ladderPositions.find((l) => l.kind === 'completion')?.next?.step).toBe('reminder');
      expect((await handle.describe()).typedSearchAttributes.get(overdueKey)).toEqual([
        'acceptance',
        'start',
      ]);
    });
  });

  it('a step that reaches the stage stops the ladder between two tiers and resolves its alerts', async () => {
    // Reminder on day 1, overdue on day 4: three days for the steps up to 开工.
    const sut = mockActivities({ reminderDays: 2 });
    await withWorker(env, sut.activities, async (taskQueue) => {
      const project = aProjectRecord(dueIn({ start: 3, ...FAR }));
      const handle = await startProject(env, taskQueue, project);
      await eventually(async () => sut.alerts('start').length >= 1);
      for (const action of ['approveDesign', 'fixImplementation', 'start'] as const)
        await step(handle, action);
      const overdueAt = sut.calls.plans.find((p) => p.kind === 'start')!.steps[1]!.atMs;
      await new Promise((r) => setTimeout(r, Math.max(0, overdueAt - Date.now()) + 2 * DAY_MS));

      expect(sut.alerts('start').map((a) => a.step)).toEqual(['reminder']);
      const started = sut.calls.transitions.find((t) => t.action === 'start');
      expect(started?.effects.closeAlerts).toEqual([
        { status: 'resolved', ladders: [{ kind: 'start', period: '' }] },
      ]);
      const view = await handle.query(getProjectStateQuery);
      expect(view.ladderPositions.some((l) => l.kind === 'start')).toBe(false);
      expect(view.overdue).toEqual([]);
    });
  });

  it('records the tiers that had passed when the ladder was armed in one write, and announces only the last', async () => {
    const sut = mockActivities();
    await withWorker(env, sut.activities, async (taskQueue) => {
      const project = aProjectRecord(dueIn({ start: -10, ...FAR })); // registered ten days late
      const handle = await startProject(env, taskQueue, project);
      await eventually(async () => sut.calls.notifications.length >= 1);
      await days(2); // nothing more follows

      expect(sut.calls.alertWrites).toHaveLength(1);
      expect(sut.alerts('start').map((a) => [a.seq, a.step, a.daysLate])).toEqual([
        [1, 'reminder', 0],
        [2, 'overdue', 1],
        [3, 'escalated', 2],
        [4, 'interview', 3],
      ]);
      expect(sut.calls.notifications).toHaveLength(1);
      const [n] = sut.calls.notifications;
      expect(n!.title.startsWith('【约谈标记】')).toBe(true);
      // The notice says how late the deadline is now (ten ladder days, and the few seconds' worth
      // the workflow took to start), not the 3 days the 约谈 step stood for on its own date.
      const late = Number(/已逾期 (\d+) 天/.exec(n!.body)?.[1]);
      expect(late).toBeGreaterThanOrEqual(10);
      expect(late).toBeLessThan(30);
      expect(n!.body).toContain('到期提醒、逾期预警、上报县级一并记录');
      expect(n!.audience.countyLevel).toBe(true);
      // The same as data, for the outside channels' templates.
      expect(n!.facts).toMatchObject({
        kind: 'deadline',
        projectCode: project.code,
        deadline: 'start',
        step: 'interview',
        daysLate: late,
        earlierSteps: ['reminder', 'overdue', 'escalated'],
      });
      expect((await handle.query(getProjectStateQuery)).overdue).toEqual(['start']);
      // The next step takes the seq after the four alerts.
      expect(await step(handle, 'approveDesign')).toEqual({ stage: 'designApproved', seq: 5 });
    });
  });

  it('records each tier once across a worker restart, and misses none that came due while it was down', async () => {
    const sut = mockActivities();
    const taskQueue = `workflow-test-${randomUUID()}`;
    const project = aProjectRecord(dueIn({ start: 2, ...FAR }));
    await withWorker(
      env,
      sut.activities,
      async () => {
        await startProject(env, taskQueue, project);
        await eventually(async () => sut.alerts('start').some((a) => a.step === 'overdue'), 30_000);
      },
      taskQueue,
    );
    await days(3); // escalated and 约谈 come due while no worker polls
    await withWorker(
      env,
      sut.activities,
      async () => {
        await eventually(async () => sut.alerts('start').length >= 4, 30_000);
        await days(1);
      },
      taskQueue,
    );
    expect(sut.alerts('start').map((a) => a.step)).toEqual(TIERS);
    expect(sut.calls.notifications.map((n) => n.key.split(':').at(-1))).toEqual(TIERS);
  });

  it('writes an alert after a seq taken by a request it does not know, once, and the steps go on from there', async () => {
    // The reminder is due at once; the overdue tier four days later, well after the step below.
    const sut = mockActivities({ reminderDays: 3 });
    const { recordAlerts } = sut.activities;
    let conflicts = 0;
    sut.activities.recordAlerts = async (a) => {
      if (conflicts++ === 0) {
        sut.calls.alertWrites.push(a);
        return { status: 'conflict', lastSeq: 7 };
      }
      return recordAlerts(a);
    };
    await withWorker(env, sut.activities, async (taskQueue) => {
      const handle = await startProject(env, taskQueue, aProjectRecord(dueIn({ start: 3, ...FAR })));
      await eventually(async () => sut.calls.notifications.length >= 1);
      expect(sut.alerts().map((a) => [a.step, a.seq])).toEqual([
        ['reminder', 1], // refused: seq 1 to 7 are taken
        ['reminder', 8],
      ]);
      expect(sut.calls.notifications).toHaveLength(1);
      expect(await step(handle, 'approveDesign')).toEqual({ stage: 'designApproved', seq: 9 });
    });
  });

  it('moves on when an alert is refused for its data, instead of failing the project', async () => {
    const sut = mockActivities();
    const { recordAlerts } = sut.activities;
    sut.activities.recordAlerts = async (a) => {
      if (a[0]!.step === 'reminder') throw ApplicationFailure.nonRetryable('value too long', STEP_REJECTED);
      return recordAlerts(a);
    };
    await withWorker(env, sut.activities, async (taskQueue) => {
      const handle = await startProject(env, taskQueue, aProjectRecord(dueIn({ start: 1, ...FAR })));
      await eventually(async () => sut.alerts('start').some((a) => a.step === 'overdue'), 30_000);
      expect(sut.alerts('start').map((a) => [a.step, a.seq])).toEqual([['overdue', 1]]);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      expect(await step(handle, 'approveDesign')).toMatchObject({ stage: 'designApproved' });
    });
  });

  it('expects a progress entry for each month under way, and the entry stops that month’s ladder', async () => {
    const sut = mockActivities();
    await withWorker(env, sut.activities, async (taskQueue) => {
      const handle = await startProject(env, taskQueue, aProjectRecord(dueIn({ start: 100, ...FAR })));
      for (const action of ['approveDesign', 'fixImplementation', 'start'] as const)
        await step(handle, action);
      const month = await eventually(async () => {
        const v = await handle.query(getProjectStateQuery);
        return v.ladderPositions.find((l) => l.kind === 'progress')?.period;
      });
      expect(month).toBe(today().slice(0, 7));

      await step(handle, 'reportProgress', { month, percent: 40 });
      const report = sut.calls.transitions.find((t) => t.action === 'reportProgress');
      expect(report?.effects).toMatchObject({
        progressPercent: 40,
        closeAlerts: [{ status: 'resolved', ladders: [{ kind: 'progress', period: month }] }],
      });
      const v = await handle.query(getProjectStateQuery);
      expect(v.ladderPositions.some((l) => l.kind === 'progress' && l.period === month)).toBe(false);
    });
  });

  it('调项 re-arms exactly the deadlines whose dates changed, superseding their alerts', async () => {
    const sut = mockActivities();
    await withWorker(env, sut.activities, async (taskQueue) => {
      const handle = await startProject(env, taskQueue, aProjectRecord(dueIn({ start: 2, ...FAR })));
      await eventually(async () => sut.alerts('start').length >= 1);
      const before = await handle.query(getProjectStateQuery);
      const arms = Object.fromEntries(before.ladderPositions.map((l) => [l.kind, l.arm]));

      const plannedDates = {
        ...before.plannedDates,
        start: addDays(today(), 50),
        acceptance: addDays(today(), 350),
      };
      await step(handle, 'adjust', { plannedDates });
      const adjust = sut.calls.transitions.find((t) => t.action === 'adjust');
      expect(adjust?.effects.closeAlerts).toEqual([
        {
          status: 'superseded',
          ladders: [
            { kind: 'start', period: '' },
            { kind: 'acceptance', period: '' },
          ],
        },
      ]);
      const after = await handle.query(getProjectStateQuery);
      const armsAfter = Object.fromEntries(after.ladderPositions.map((l) => [l.kind, l.arm]));
      expect(armsAfter.completion).toBe(arms.completion);
      expect(armsAfter.reimbursement).toBe(arms.reimbursement);
      expect(armsAfter.start).toBeGreaterThan(arms.start!);
      expect(armsAfter.acceptance).toBeGreaterThan(arms.acceptance!);
      expect(after.ladderPositions.find((l) => l.kind === 'start')).toMatchObject({
        dueDate: plannedDates.start,
        lastStep: null,
        next: { step: 'reminder', date: addDays(plannedDates.start, -1) },
      });
    });
  });

  it('终止 cancels every ladder and ends the run: no tier fires after it', async () => {
    const sut = mockActivities();
    await withWorker(env, sut.activities, async (taskQueue) => {
      const handle = await startProject(
        env,
        taskQueue,
        aProjectRecord(dueIn({ start: 2, completion: 3, acceptance: 4, reimbursement: 5 })),
      );
      await eventually(async () => sut.alerts().length >= 1);
      await step(handle, 'cancel');
      const cancel = sut.calls.transitions.find((t) => t.action === 'cancel');
      expect(cancel?.effects.closeAlerts).toEqual([
        {
          status: 'cancelled',
          ladders: ['start', 'completion', 'acceptance', 'reimbursement'].map((kind) => ({
            kind,
            period: '',
          })),
        },
      ]);
      expect(await handle.result()).toMatchObject({ stage: 'cancelled' });
      const count = sut.alerts().length;
      await days(4);
      expect(sut.alerts()).toHaveLength(count);
    });
  });
});
