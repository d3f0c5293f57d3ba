/**
 * How the complaint workflow numbers its time-limit terms, with mocked activities: a new term is
 * one past the last its phase ever armed — a reopening after the answer (no term running) too —
 * and the count is in the state continue-as-new carries, so a run continued (or begun from a
 * state without the count) goes on from it.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createComplaintActivities } from '#activities/complaint.activities.js';
import type { Notification } from '#activities/notify.activities.js';
import {
  complaintWorkflowId,
  type ComplaintStep,
  type ComplaintSubmission,
  type SlaPhase,
  type SubmittedComplaint,
} from '#domain/complaint-records.js';
import { DEFAULT_DEADLINE_CONFIG, cstDate } from '#domain/deadlines.js';
import {
  complaintStepUpdate,
  getComplaintStateQuery,
  submittedUpdate,
  type ComplaintRunState,
} from '#workflows/complaint.messages.js';
import { complaintWorkflow } from '#workflows/complaint.workflow.js';
import { OPERATOR, startTestEnv } from './support/harness.js';

const UNIT_ID = '00000000-0000-4000-8000-00000000e001';
const OFFICE_ID = '00000000-0000-4000-8000-00000000f001';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** A complaint on real days: none of its time limits comes due while a test runs. */
function aComplaint(receipt: string): SubmittedComplaint {
  return {
    id: randomUUID(),
    receipt,
    subjectUnitId: UNIT_ID,
    subjectLabel: '村 白土村',
    officeUnitIds: [OFFICE_ID],
    clock: { dayMs: 86_400_000, originMs: 0 },
    submittedOn: cstDate(Date.now()),
    slaOn: true,
  };
}

function aSubmission(receipt: string): ComplaintSubmission {
  return {
    receipt,
    requestId: randomUUID(),
    requestHash: 'x',
    subject: { kind: 'village', code: 'xqz-btc' },
    category: 'funds',
    description: '村道硬化工程偷工减料',
    reporter: { anonymous: true, name: null, phone: null },
    photos: [],
    at: new Date().toISOString(),
  };
}

/** The complaint activities, answering as the real ones do; the terms planned are kept. */
function mocked(complaint: SubmittedComplaint) {
  const real = createComplaintActivities({
    orm: undefined as never,
    audit: undefined as never,
    deadlines: DEFAULT_DEADLINE_CONFIG,
    isWorkday: () => true,
  });
  const plans: { phase: SlaPhase; arm: number }[] = [];
  const activities = {
    async recordComplaint() {
      return complaint;
    },
    async planComplaintSla(a: Parameters<typeof real.planComplaintSla>[0]) {
      plans.push({ phase: a.phase, arm: a.arm });
      return real.planComplaintSla(a);
    },
    planComplaintReopen: real.planComplaintReopen,
    async recordComplaintStep() {
      return { status: 'recorded' as const };
    },
    async recordComplaintSlaStep() {},
    async notify(_n: Notification) {
      return { recipients: 1 };
    },
  };
  return { activities, plans };
}

async function run(
  complaint: SubmittedComplaint,
  state: ComplaintRunState | undefined,
  fn: (take: (step: ComplaintStep, unitId?: string) => Promise<unknown>, handle: Handle) => Promise<void>,
) {
  const { activities, plans } = mocked(complaint);
  const taskQueue = `complaint-test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities,
  });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(complaintWorkflow, {
      workflowId: complaintWorkflowId(complaint.receipt),
      taskQueue,
      args: [{ submission: aSubmission(complaint.receipt), ...(state ? { state } : {}) }],
    });
    if (!state) await handle.executeUpdate(submittedUpdate);
    const take = (step: ComplaintStep, unitId?: string) =>
      handle.executeUpdate(complaintStepUpdate, {
        args: [{ requestId: randomUUID(), step, actor: OPERATOR, ...(unitId ? { unitId } : {}), text: 'x' }],
      });
    await fn(take, handle);
    await handle.terminate();
  });
  return plans;
}
type Handle = WorkflowHandle<typeof complaintWorkflow>;

const receipt = () => `T${randomUUID().replace(/-/g, '').slice(0, 11).toUpperCase()}`;

describe('complaint time-limit terms (workflow, mocked activities)', () => {
  it('numbers a reopened answer term one past the last, though the answer ended it; the count is in the carried state', async () => {
    const complaint = aComplaint(receipt());
    let carried: ComplaintRunState | undefined;
    const plans = await run(complaint, undefined, async (take, handle) => {
      await take('acknowledge');
      await take('assign', UNIT_ID);
      await take('handle');
      await take('answer');
      await take('reopen');
      await take('handle');
      await take('answer');
      await take('close');
      await take('reopen');
      carried = (await handle.query(getComplaintStateQuery)) as ComplaintRunState;
    });
    expect(plans).toEqual([
      { phase: 'acknowledge', arm: 1 },
      { phase: 'assign', arm: 1 },
      { phase: 'answer', arm: 1 },
      { phase: 'answer', arm: 2 },
      { phase: 'answer', arm: 3 },
    ]);
    // What continue-as-new hands the next run: the state, its count with it.
    expect(carried).toMatchObject({ status: 'reopened', term: { phase: 'answer', arm: 3 } });
    expect(carried!.armed).toEqual({ acknowledge: 1, assign: 1, answer: 3 });
  });

  it('goes on from the count a continued run carries', async () => {
    const complaint = aComplaint(receipt());
    const state: ComplaintRunState = {
      complaint,
      status: 'closed',
      unitId: UNIT_ID,
      term: null,
      fired: 0,
      slaOn: true,
      reopenUntilMs: Date.now() + 3_600_000,
      armed: { acknowledge: 1, assign: 1, answer: 2 },
    };
    const plans = await run(complaint, state, async (take) => {
      await take('reopen');
    });
    expect(plans).toEqual([{ phase: 'answer', arm: 3 }]);
  });

  it('counts from the running term when the carried state has no count (a run begun before it)', async () => {
    const complaint = aComplaint(receipt());
    const real = createComplaintActivities({
      orm: undefined as never,
      audit: undefined as never,
      deadlines: DEFAULT_DEADLINE_CONFIG,
      isWorkday: () => true,
    });
    const term = await real.planComplaintSla({
      phase: 'answer',
      arm: 2,
      from: cstDate(Date.now()),
      clock: complaint.clock,
    });
    const state: ComplaintRunState = {
      complaint,
      status: 'handled',
      unitId: UNIT_ID,
      term,
      fired: 0,
      slaOn: true,
      reopenUntilMs: null,
    };
    const plans = await run(complaint, state, async (take) => {
      await take('answer');
      await take('reopen');
    });
    expect(plans).toEqual([{ phase: 'answer', arm: 3 }]);
  });
});
