/**
 * A project workflow on a real Temporal server with mocked activities: the workflow's own logic
 * (steps, ladders, what it records and announces) without PostgreSQL or the api. The mocks answer
 * like the real activities and keep every call; deadlines are planned by the real `planDeadlines`
 * (it is pure but for its configuration) with a "day" of DAY_MS.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createDeadlineActivities } from '#activities/deadline.activities.js';
import type { Notification } from '#activities/notify.activities.js';
import {
  DEFAULT_DEADLINE_CONFIG,
  addDays,
  cstDate,
  type DeadlineConfig,
  type LadderPlan,
} from '#domain/deadlines.js';
import type { Action } from '#domain/lifecycle.js';
import {
  projectWorkflowId,
  type Actor,
  type AlertRecord,
  type NewProjectRecord,
  type StepOutcome,
  type TransitionRecord,
} from '#domain/project-records.js';
import type { PlannedDates } from '#domain/schemas.js';
import { registeredUpdate, transitionUpdates } from '#workflows/project.messages.js';
import { projectWorkflow } from '#workflows/project.workflow.js';

/** One ladder "day". Long enough for a few Updates between two steps on a busy machine. */
export const DAY_MS = 1000;
const NAMESPACE = 'default';

export const DEPARTMENT_ID = '00000000-0000-4000-8000-00000000d001';
export const OWNER_UNIT_ID = '00000000-0000-4000-8000-00000000e001';
export const OPERATOR: Actor = {
  id: '00000000-0000-4000-8000-00000000a001',
  username: 'xqz.op',
  name: '测试员',
};

let runtimeInstalled = false;

export async function startTestEnv(): Promise<TestWorkflowEnvironment> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  return TestWorkflowEnvironment.createFromExistingServer({
    address: inject('temporalAddress'),
    namespace: NAMESPACE,
  });
}

type Planning = ReturnType<typeof createDeadlineActivities>;
export interface MockedActivities {
  recordProjectCreated(args: { project: NewProjectRecord }): Promise<void>;
  recordTransition(r: TransitionRecord): Promise<StepOutcome>;
  planDeadlines: Planning['planDeadlines'];
  recordAlert(a: AlertRecord): Promise<StepOutcome>;
  recordAlerts(a: AlertRecord[]): Promise<StepOutcome>;
  progressEntered(args: { projectId: string; month: string; at: string }): Promise<boolean>;
  notify(n: Notification): Promise<{ recipients: number }>;
}

/**
 * Activities that record what the workflow asked of them. Every write answers `recorded` unless a
 * test replaces it (keep a reference to the original to record as well).
 */
export function mockActivities(config: Partial<DeadlineConfig> = {}) {
  const planning = createDeadlineActivities({
    orm: undefined as never,
    audit: undefined as never,
    config: {
      ...DEFAULT_DEADLINE_CONFIG,
      dayMs: DAY_MS,
      reminderDays: 1,
      grace1Days: 1,
      grace2Days: 1,
      ...config,
    },
    isWorkday: () => true,
  });
  const calls = {
    transitions: [] as TransitionRecord[],
    /** One entry per alert write: the records it carried (several when a ladder catches up). */
    alertWrites: [] as AlertRecord[][],
    plans: [] as LadderPlan[],
    notifications: [] as Notification[],
    /** The months whose ledger entry the ladder asked about. */
    progressChecks: [] as string[],
  };
  const activities: MockedActivities = {
    async recordProjectCreated() {},
    async recordTransition(r) {
      calls.transitions.push(r);
      return { status: 'recorded' };
    },
    async planDeadlines(args) {
      const plan = await planning.planDeadlines(args);
      calls.plans.push(...plan.ladders);
      return plan;
    },
    async recordAlert(a) {
      calls.alertWrites.push([a]);
      return { status: 'recorded' };
    },
    async recordAlerts(a) {
      calls.alertWrites.push(a);
      return { status: 'recorded' };
    },
    async progressEntered(args) {
      calls.progressChecks.push(args.month);
      return false;
    },
    async notify(n) {
      calls.notifications.push(n);
      return { recipients: 1 };
    },
  };
  /** Every alert written, in the order written; of one kind if given. */
  const alerts = (kind?: string) => calls.alertWrites.flat().filter((a) => !kind || a.kind === kind);
  return { activities, calls, alerts };
}

/** Runs `fn` while a worker with these activities polls the task queue (a new one unless given). */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  activities: MockedActivities,
  fn: (taskQueue: string) => Promise<T>,
  taskQueue = `workflow-test-${randomUUID()}`,
): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: NAMESPACE,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities,
  });
  return worker.runUntil(() => fn(taskQueue));
}

/** Today in China: day 0 of the ladder clock of a project created now. */
export function today(): string {
  return cstDate(Date.now());
}

/** Planned dates this many ladder days from today. */
export function dueIn(days: Record<keyof PlannedDates, number>): PlannedDates {
  const t = today();
  return {
    start: addDays(t, days.start),
    completion: addDays(t, days.completion),
    acceptance: addDays(t, days.acceptance),
    reimbursement: addDays(t, days.reimbursement),
  };
}

export function aProjectRecord(plannedDates: PlannedDates): NewProjectRecord {
  const code = `WF-${randomUUID().slice(0, 8)}`;
  return {
    id: randomUUID(),
    code,
    workflowId: projectWorkflowId(code),
    name: '白土村饮水安全巩固提升工程',
    year: 2026,
    type: 'drinkingWater',
    nature: 'new',
    departmentId: DEPARTMENT_ID,
    departmentCode: 'swj',
    ownerUnitId: OWNER_UNIT_ID,
    ownerUnitCode: 'xqz',
    villageIds: ['00000000-0000-4000-8000-00000000b001'],
    villageCodes: ['xqz-btc'],
    townshipCodes: ['xqz'],
    location: null,
    approvalDocumentNo: '城水发〔2026〕1号',
    budgetFen: 30_000_000,
    fundSources: [{ kind: 'centralSpecial', amountFen: 30_000_000, documentNo: null }],
    plannedDates,
  };
}

export type ProjectHandle = WorkflowHandle<typeof projectWorkflow>;

/** Starts the project's workflow and waits until it is registered and its ladders armed. */
export async function startProject(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  project: NewProjectRecord,
): Promise<ProjectHandle> {
  const handle = await env.client.workflow.start(projectWorkflow, {
    workflowId: project.workflowId,
    taskQueue,
    args: [{ project, createdBy: OPERATOR }],
  });
  await handle.executeUpdate(registeredUpdate);
  return handle;
}

/** Takes a step as the api would, with just the fields the workflow reads. */
export function step(handle: ProjectHandle, action: Action, input: Record<string, unknown> = {}) {
  return handle.executeUpdate(transitionUpdates[action], {
    args: [{ actor: OPERATOR, input: { action, ...input } }],
  });
}

/** Resolves after `days` ladder days. */
export function days(n: number): Promise<void> {
  return new Promise((r) => setTimeout(r, n * DAY_MS));
}
