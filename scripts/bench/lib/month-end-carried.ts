/**
 * The month-end benchmark's fast setup, for N in the tens of thousands: walking every project
 * through 立项 → 设计审批 → 实施方式 → 开工 by its workflow costs four workflow round trips each
 * (about two hours for 10,000 on a shared 2-core machine), and none of that is what the benchmark
 * measures.
 *
 * Here each project's rows (creation and the three steps, history and audit rows included) are
 * written by the same activities its workflow would call, and its workflow is started as a run
 * continued-as-new at 实施中: the state such a run carries (stage, sequence, the ladder clock and
 * the month works began). From there the workflow is the real one: it arms the month's progress
 * ladder through its activity, waits on its timer, and fires the reminder with the same writes
 * and notifications as a project walked there step by step.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { createProjectActivities } from '#activities/project.activities.js';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import type { LadderClock } from '#domain/deadlines.js';
import type { Action, Stage } from '#domain/lifecycle.js';
import type { Actor, NewProjectRecord, ProjectState } from '#domain/project-records.js';
import {
  departmentKey,
  ownerUnitKey,
  stageKey,
  townshipsKey,
  villagesKey,
  yearKey,
} from '#workflows/project.messages.js';
import { projectWorkflow } from '#workflows/project.workflow.js';
import { eachLimited } from '../../lib/each-limited.js';

export interface CarriedSetup {
  orm: Orm;
  audit: AuditLog;
  client: Client;
  taskQueue: string;
  clock: LadderClock;
  /** The month the works began in (YYYY-MM): its progress ladder is the storm. */
  month: string;
  concurrency: number;
  deptActor: Actor;
  ownerActor: (townshipCode: string) => Actor;
  onProgress?: (done: number) => void;
}

const STEPS: {
  action: Action;
  from: Stage;
  to: Stage;
  payload: (i: number, first: string) => Record<string, unknown>;
}[] = [
  {
    action: 'approveDesign',
    from: 'approved',
    to: 'designApproved',
    payload: (i, first) => ({ documentNo: `设计批复 ${i}`, approvedOn: first, documents: [] }),
  },
  {
    action: 'fixImplementation',
    from: 'designApproved',
    to: 'methodFixed',
    payload: (i) => ({ method: 'selfBuild', recordNo: `纪要 ${i}`, documents: [] }),
  },
  {
    action: 'start',
    from: 'methodFixed',
    to: 'underway',
    payload: (_i, first) => ({ startedOn: first, documents: [] }),
  },
];

/** Records and starts one project per record, `concurrency` at a time. */
export async function setUpCarried(s: CarriedSetup, records: NewProjectRecord[]): Promise<void> {
  const acts = createProjectActivities({ orm: s.orm, audit: s.audit });
  const first = `${s.month}-01`;
  let done = 0;
  await eachLimited(
    records.map((r, i) => [r, i] as const),
    s.concurrency,
    async ([p, i]) => {
      const at = () => new Date().toISOString();
      await acts.recordProjectCreated({ project: p, actor: s.deptActor, at: at() });
      let seq = 0;
      for (const step of STEPS) {
        const actor = step.action === 'approveDesign' ? s.deptActor : s.ownerActor(p.ownerUnitCode);
        await acts.recordTransition({
          projectId: p.id,
          seq: ++seq,
          requestId: randomUUID(),
          action: step.action,
          fromStage: step.from,
          toStage: step.to,
          actor,
          at: at(),
          payload: step.payload(i, first),
          effects: {},
        });
      }
      const state: ProjectState = {
        projectId: p.id,
        code: p.code,
        stage: 'underway',
        seq,
        recorded: true,
        progressPercent: 0,
        plannedDates: p.plannedDates,
        deadlines: {
          enabled: true,
          clock: s.clock,
          armSeq: 0,
          // The planned dates lie after the storm; only the progress ladders run during it.
          ladders: [],
          progressFrom: s.month,
          progressArmedThrough: null,
          progressReported: [],
          overdueShown: [],
        },
      };
      await s.client.workflow.start(projectWorkflow, {
        workflowId: p.workflowId,
        taskQueue: s.taskQueue,
        args: [{ project: p, createdBy: s.deptActor, state }],
        workflowIdConflictPolicy: 'FAIL',
        typedSearchAttributes: [
          { key: stageKey, value: state.stage },
          { key: departmentKey, value: p.departmentCode },
          { key: ownerUnitKey, value: p.ownerUnitCode },
          { key: villagesKey, value: p.villageCodes },
          { key: yearKey, value: p.year },
          { key: townshipsKey, value: p.townshipCodes ?? [] },
        ],
      });
      s.onProgress?.(++done);
    },
  );
}
