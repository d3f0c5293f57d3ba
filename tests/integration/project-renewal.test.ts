/**
 * Continue-as-new of the project workflow on the real stack: the new run carries the whole state
 * (stage, sequence, ladders and their timers), and a step that arrives while the renewing run
 * awaits its notifications is finished, not cut off.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { inboxChannel, type NotificationChannel } from '#activities/notify.activities.js';
import { addDays } from '#domain/deadlines.js';
import { SYSTEM_ACTOR, type NewProjectRecord } from '#domain/project-records.js';
import { getProjectStateQuery, registeredUpdate } from '#workflows/project.messages.js';
import { STEPS_BEFORE_RENEWAL_PATCH } from '#workflows/project.patches.js';
import { projectWorkflow } from '#workflows/project.workflow.js';
import { aProject } from '../support/builders.js';
import { eventually } from '../support/eventually.js';
import { FAST_LADDERS, alertRows, today } from '../support/ladders.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { loginActors, take, walkTo, type Actors } from '../support/walk.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));

let stack: TestStack;
let actors: Actors;

/**
 * A second notification channel that, for the one project it is told to hold, waits until
 * released: a slow gateway (SMS, mail) as the workflow sees it. Other projects pass through.
 */
const held = (() => {
  let projectId: string | undefined;
  let open = () => {};
  let gate = Promise.resolve();
  let waiting = 0;
  const channel: NotificationChannel = {
    name: 'held',
    async deliver(n) {
      if (n.projectId !== projectId) return;
      waiting += 1;
      await gate;
    },
  };
  return {
    channel,
    hold(id: string) {
      projectId = id;
      gate = new Promise((r) => (open = r));
    },
    waiting: () => waiting,
    release() {
      projectId = undefined;
      open();
    },
  };
})();

beforeAll(async () => {
  stack = await startTestStack({
    deadlines: FAST_LADDERS,
    channels: ({ orm, audit }) => [inboxChannel(orm, audit), held.channel],
  });
  actors = await loginActors(stack);
});
afterAll(async () => {
  held.release();
  await stack?.stop();
});

const alerts = (projectId: string, kind?: string) => alertRows(stack, projectId, kind);

/** A project record to start the workflow with directly (as the api would), with these dates. */
async function projectRecord(plannedDates: NewProjectRecord['plannedDates']): Promise<NewProjectRecord> {
  const org = async (code: string) =>
    (await stack.db.query('SELECT id FROM org_unit WHERE code = $1', [code])).rows[0].id as string;
  const input = aProject({ plannedDates });
  return {
    id: randomUUID(),
    code: input.code!,
    workflowId: `project-${input.code}`,
    name: input.name,
    year: input.year,
    type: input.type,
    nature: input.nature,
    departmentId: await org('swj'),
    departmentCode: 'swj',
    ownerUnitId: await org('xqz'),
    ownerUnitCode: 'xqz',
    villageIds: [await org('xqz-btc')],
    villageCodes: ['xqz-btc'],
    townshipCodes: ['xqz'],
    location: null,
    approvalDocumentNo: input.approvalDocumentNo,
    budgetFen: input.budgetFen,
    fundSources: input.fundSources.map((f) => ({ ...f, documentNo: null })),
    plannedDates: input.plannedDates,
  };
}

describe('continue-as-new', () => {
  it('continues as new carrying the whole state: stage, sequence, ladders and their timers', async () => {
    const t = today();
    const project = await projectRecord({
      start: addDays(t, 2),
      completion: addDays(t, 7),
      acceptance: addDays(t, 300),
      reimbursement: addDays(t, 400),
    });
    // A low history limit makes the run renew itself after a few steps.
    const handle = await stack.client.workflow.start(projectWorkflow, {
      workflowId: project.workflowId,
      taskQueue: stack.taskQueue,
      args: [{ project, createdBy: SYSTEM_ACTOR, historyLimit: 40 }],
    });
    await handle.executeUpdate(registeredUpdate);
    const firstRun = handle.firstExecutionRunId;
    await walkTo(actors, project.id, 'underway');
    for (const month of ['2026-01', '2026-02', '2026-03']) {
      expect((await take(actors, project.id, 'reportProgress', { month })).status).toBe(200);
    }
    const latest = stack.client.workflow.getHandle(project.workflowId);
    await eventually(async () => (await latest.describe()).runId !== firstRun);
    const first = await stack.client.workflow.getHandle(project.workflowId, firstRun).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');

    const view = await latest.query(getProjectStateQuery);
    const { rows } = await stack.db.query(
      'SELECT max(seq)::int AS seq FROM project_history WHERE project_id = $1',
      [project.id],
    );
    expect(view).toMatchObject({ stage: 'underway', recorded: true, progressPercent: 55, seq: rows[0].seq });
    const completion = view.ladderPositions.find((l) => l.kind === 'completion');
    expect(completion).toMatchObject({ dueDate: addDays(t, 7) });

    // The completion ladder's timers run on in the new run, and steps still work.
    await eventually(async () => (await alerts(project.id, 'completion')).length >= 1);
    const res = await take(actors, project.id, 'complete');
    expect(res.status).toBe(200);
    expect((await alerts(project.id, 'completion')).every((a) => a.status === 'resolved')).toBe(true);
  });

  it('finishes a step that arrives while the renewing run awaits its notifications', async () => {
    // The run ends only after its pending notifications. A step that came in during that wait
    // used to be cut off by continue-as-new: the server aborts the Update of an ended run (500).
    const t = today();
    const project = await projectRecord({
      start: addDays(t, 1), // its reminder is due now: a notification the channel will hold
      completion: addDays(t, 300),
      acceptance: addDays(t, 400),
      reimbursement: addDays(t, 500),
    });
    held.hold(project.id);
    const locker = await stack.db.connect();
    try {
      const handle = await stack.client.workflow.start(projectWorkflow, {
        workflowId: project.workflowId,
        taskQueue: stack.taskQueue,
        args: [{ project, createdBy: SYSTEM_ACTOR, historyLimit: 40 }],
        // A workflow task held open by a running local activity is renewed at 80 % of this.
        workflowTaskTimeout: '2 seconds',
      });
      await handle.executeUpdate(registeredUpdate);
      await eventually(async () => held.waiting() >= 1);
      await walkTo(actors, project.id, 'underway');
      // Steps until the history reaches the limit, then one more: the run sees the limit in that
      // step's task, leaves its loop, waits for the step and then for the held notifications.
      let month = 1;
      const report = async () =>
        take(actors, project.id, 'reportProgress', { month: `2026-${String(month++).padStart(2, '0')}` });
      while ((await handle.describe()).historyLength < 40) expect((await report()).status).toBe(200);
      expect((await report()).status).toBe(200);

      // The next step's write waits on a table lock, so its Update is still running when the
      // notifications are released.
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE project_history IN SHARE MODE');
      const lastMonth = `2026-${String(month).padStart(2, '0')}`;
      const step = report();
      await eventually(async () => {
        const { rows } = await locker.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return rows[0].n >= 1;
      });
      held.release();
      // The run has taken in the finished deliveries once the patch's marker is in its history;
      // before the fix it continued as new at that point instead.
      const run = stack.client.workflow.getHandle(project.workflowId, handle.firstExecutionRunId);
      await eventually(async () => {
        if ((await run.describe()).status.name !== 'RUNNING') return true;
        const { events } = await run.fetchHistory();
        return events!.some((e) =>
          Object.values(e.markerRecordedEventAttributes?.details ?? {}).some((d) =>
            d.payloads?.some((pl) =>
              Buffer.from(pl.data ?? [])
                .toString()
                .includes(STEPS_BEFORE_RENEWAL_PATCH),
            ),
          ),
        );
      });
      expect((await run.describe()).status.name).toBe('RUNNING');
      await locker.query('COMMIT');

      const res = await step;
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      await eventually(async () => (await run.describe()).status.name === 'CONTINUED_AS_NEW');
      const { rows } = await stack.db.query(
        `SELECT count(*)::int AS n, max(seq)::int AS seq FROM project_history
          WHERE project_id = $1 AND action = 'reportProgress' AND payload->>'month' = $2`,
        [project.id, lastMonth],
      );
      expect(rows[0].n).toBe(1);
      const view = await stack.client.workflow.getHandle(project.workflowId).query(getProjectStateQuery);
      expect(view.seq).toBeGreaterThanOrEqual(rows[0].seq);

      // The first run's history (with the wait) replays, and is kept as a fixture.
      const history = await run.fetchHistory();
      await Worker.runReplayHistory(
        { workflowBundle: { codePath: inject('workflowBundlePath') } },
        history,
        project.workflowId,
      );
      if (process.env.RECORD_HISTORIES === '1') {
        // project-steps-before-renewal.json was recorded before durable steps.
        fs.writeFileSync(
          path.join(FIXTURES, 'project-steps-before-renewal-durable.json'),
          historyToJSON(history),
        );
      }
    } finally {
      held.release();
      await locker.query('ROLLBACK').catch(() => {});
      locker.release();
    }
  });
});
