/**
 * The stage steps of the project workflow with mocked activities: what a refused step leaves
 * behind (nothing), how a refused write and a retried request are answered, that a write retried
 * after its worker died is taken, and that concurrent steps are written one at a time at
 * consecutive seqs.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TRANSITION_NOT_ALLOWED } from '#domain/errors.js';
import { STEP_REJECTED } from '#domain/project-records.js';
import { getProjectStateQuery, transitionUpdates } from '#workflows/project.messages.js';
import {
  OPERATOR,
  aProjectRecord,
  dueIn,
  mockActivities,
  startProject,
  startTestEnv,
  step,
  withWorker,
} from './support/harness.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const LATER = { start: 100, completion: 300, acceptance: 400, reimbursement: 500 };
/** Ladders off: no alert takes a seq between the steps these tests count. */
const NO_LADDERS = { enabled: false };

/** The failure an Update was refused with: its type and message. */
async function refusal(p: Promise<unknown>): Promise<{ type: string | undefined; message: string }> {
  const err = await p.then(
    () => expect.fail('the step was accepted'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return {
    type: (cause as ApplicationFailure).type ?? undefined,
    message: (cause as ApplicationFailure).message,
  };
}

describe('stage steps (workflow, mocked activities)', () => {
  it('refuses a step the stage does not allow in its validator: no write, no trace in the history', async () => {
    const sut = mockActivities(NO_LADDERS);
    await withWorker(env, sut.activities, async (taskQueue) => {
      const handle = await startProject(env, taskQueue, aProjectRecord(dueIn(LATER)));
      const before = (await handle.fetchHistory()).events!.length;

      expect((await refusal(step(handle, 'complete'))).type).toBe(TRANSITION_NOT_ALLOWED);
      expect(sut.calls.transitions).toEqual([]);
      const events = (await handle.fetchHistory()).events!;
      expect(events.length).toBe(before);
      const accepted = events.map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest);
      expect(accepted.filter((r) => r?.input?.name === 'complete')).toEqual([]);
      expect(await handle.query(getProjectStateQuery)).toMatchObject({ stage: 'approved', seq: 0 });
    });
  });

  it('refuses a step whose write is refused for its data, and takes the next one at the same seq', async () => {
    const sut = mockActivities(NO_LADDERS);
    const { recordTransition } = sut.activities;
    sut.activities.recordTransition = async (r) => {
      if (r.payload.documentNo === 'too long') {
        sut.calls.transitions.push(r);
        throw ApplicationFailure.nonRetryable(
          'value too long for type character varying(100)',
          STEP_REJECTED,
        );
      }
      return recordTransition(r);
    };
    await withWorker(env, sut.activities, async (taskQueue) => {
      const handle = await startProject(env, taskQueue, aProjectRecord(dueIn(LATER)));
      const refused = await refusal(step(handle, 'approveDesign', { documentNo: 'too long' }));
      expect(refused).toEqual({
        type: STEP_REJECTED,
        message: 'value too long for type character varying(100)',
      });
      expect(sut.calls.transitions).toHaveLength(1); // not retried: it can never succeed
      expect(await handle.query(getProjectStateQuery)).toMatchObject({ stage: 'approved', seq: 0 });

      expect(await step(handle, 'approveDesign', { documentNo: '城水审〔2026〕8号' })).toEqual({
        stage: 'designApproved',
        seq: 1,
      });
    });
  });

  it('answers a request recorded before (a retry across runs) with what it did then, changing nothing', async () => {
    const sut = mockActivities(NO_LADDERS);
    const { recordTransition } = sut.activities;
    sut.activities.recordTransition = async (r) => {
      if (r.requestId === 'user-1/key-1') {
        sut.calls.transitions.push(r);
        return { status: 'duplicate', seq: 3, stage: 'designApproved' };
      }
      return recordTransition(r);
    };
    await withWorker(env, sut.activities, async (taskQueue) => {
      const handle = await startProject(env, taskQueue, aProjectRecord(dueIn(LATER)));
      const answer = await handle.executeUpdate(transitionUpdates.approveDesign, {
        args: [{ actor: OPERATOR, requestId: 'user-1/key-1', input: { action: 'approveDesign' } }],
      });
      expect(answer).toEqual({ stage: 'designApproved', seq: 3 });
      expect(await handle.query(getProjectStateQuery)).toMatchObject({ stage: 'approved', seq: 0 });
    });
  });

  it('takes a step whose write an earlier attempt recorded before its worker died: the run moves on', async () => {
    const sut = mockActivities(NO_LADDERS);
    const { recordTransition } = sut.activities;
    sut.activities.recordTransition = async (r) => {
      if (r.action === 'approveDesign') {
        // The retried attempt finds the row the first one wrote, at the seq it was asked to write.
        sut.calls.transitions.push(r);
        return { status: 'duplicate', seq: r.seq, stage: r.toStage };
      }
      return recordTransition(r);
    };
    await withWorker(env, sut.activities, async (taskQueue) => {
      const handle = await startProject(env, taskQueue, aProjectRecord(dueIn(LATER)));
      expect(await step(handle, 'approveDesign')).toEqual({ stage: 'designApproved', seq: 1 });
      expect(await handle.query(getProjectStateQuery)).toMatchObject({ stage: 'designApproved', seq: 1 });
      expect(await step(handle, 'fixImplementation')).toEqual({ stage: 'methodFixed', seq: 2 });
      expect(sut.calls.transitions.map((t) => [t.action, t.seq])).toEqual([
        ['approveDesign', 1],
        ['fixImplementation', 2],
      ]);
      // The history replays against today's code; kept as the patch's fixture with RECORD_HISTORIES=1.
      const history = await handle.fetchHistory();
      await Worker.runReplayHistory(
        { workflowBundle: { codePath: inject('workflowBundlePath') } },
        history,
        handle.workflowId,
      );
      if (process.env.RECORD_HISTORIES === '1')
        fs.writeFileSync(
          fileURLToPath(new URL('../fixtures/histories/project-own-write-retried.json', import.meta.url)),
          historyToJSON(history),
        );
    });
  });

  it('takes the next step sent while the one before is still being written, judged by the stage that one leaves', async () => {
    // A write retried after its worker died: its row is in PostgreSQL already, so the client's
    // retry of the request is answered from it and the client sends the next step while the run
    // still waits for the retried write to report.
    const sut = mockActivities(NO_LADDERS);
    const { recordTransition } = sut.activities;
    let reportStart: () => void = () => undefined;
    const startWriting = new Promise<void>((writing) => {
      sut.activities.recordTransition = async (r) => {
        if (r.action !== 'start') return recordTransition(r);
        writing();
        await new Promise<void>((res) => (reportStart = res));
        return recordTransition(r);
      };
    });
    await withWorker(env, sut.activities, async (taskQueue) => {
      const handle = await startProject(env, taskQueue, aProjectRecord(dueIn(LATER)));
      for (const action of ['approveDesign', 'fixImplementation'] as const) await step(handle, action);
      const started = step(handle, 'start');
      await startWriting;
      const progress = step(handle, 'reportProgress', { month: '2026-05', percent: 30 });
      // 验收 is allowed neither before nor after 开工: refused once the run knows the stage.
      const inspect = refusal(step(handle, 'inspect', { passed: true }));
      // Neither is answered while 开工 is in flight: they wait for it.
      await new Promise((r) => setTimeout(r, 500));
      reportStart();
      expect(await started).toEqual({ stage: 'underway', seq: 3 });
      expect(await progress).toEqual({ stage: 'underway', seq: 4 });
      expect((await inspect).type).toBe(TRANSITION_NOT_ALLOWED);
      expect(sut.calls.transitions.map((t) => [t.action, t.seq])).toEqual([
        ['approveDesign', 1],
        ['fixImplementation', 2],
        ['start', 3],
        ['reportProgress', 4],
      ]);
    });
  });

  it('writes concurrent steps one at a time, at consecutive seqs, none lost', async () => {
    const sut = mockActivities(NO_LADDERS);
    const { recordTransition } = sut.activities;
    let inFlight = 0;
    let most = 0;
    sut.activities.recordTransition = async (r) => {
      most = Math.max(most, ++inFlight);
      try {
        await new Promise((res) => setTimeout(res, 100)); // long enough for the others to arrive
        return await recordTransition(r);
      } finally {
        inFlight -= 1;
      }
    };
    await withWorker(env, sut.activities, async (taskQueue) => {
      const handle = await startProject(env, taskQueue, aProjectRecord(dueIn(LATER)));
      for (const action of ['approveDesign', 'fixImplementation', 'start'] as const)
        await step(handle, action);
      const months = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06'];
      const answers = await Promise.all(
        months.map((month) => step(handle, 'reportProgress', { month, percent: 10 })),
      );

      expect(most).toBe(1);
      expect(answers.map((a) => a.seq).sort((a, b) => a - b)).toEqual([4, 5, 6, 7, 8, 9]);
      const reports = sut.calls.transitions.filter((t) => t.action === 'reportProgress');
      expect(reports.map((t) => t.seq)).toEqual([4, 5, 6, 7, 8, 9]);
      expect(new Set(reports.map((t) => t.payload.month))).toEqual(new Set(months));
    });
  });
});
