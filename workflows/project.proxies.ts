/**
 * The activities the project workflow calls, each with the options preset that fits what it does.
 * Workflow code sees the activities only through their types: the implementations run on the
 * worker, outside the sandbox.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/common';
import type { createProjectActivities } from '#activities/project.activities.js';
import type { createDeadlineActivities } from '#activities/deadline.activities.js';
import type { createNotifyActivities } from '#activities/notify.activities.js';
import { STEP_REJECTED } from '#domain/project-records.js';

type ProjectActivities = ReturnType<typeof createProjectActivities>;
type DeadlineActivities = ReturnType<typeof createDeadlineActivities>;
type NotifyActivities = ReturnType<typeof createNotifyActivities>;

/** shortWrite: a database write; retried with backoff until it lands (it is idempotent). */
const shortWrite = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '30 seconds' },
} as const;
export const { recordProjectCreated, recordTransition } = proxyActivities<ProjectActivities>(shortWrite);
/**
 * The same write as a local activity: a step's single short transaction runs inside the workflow
 * task instead of a round trip through the task queue, which halves a transition's latency. Used
 * by runs with the ladders patch (older histories keep the regular activity).
 */
const localWrite = {
  startToCloseTimeout: '30 seconds',
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '200 ms', backoffCoefficient: 2, maximumInterval: '30 seconds' },
} as const;
export const local = proxyLocalActivities<ProjectActivities>(localWrite);
/**
 * Planning is an activity, not workflow code, because it reads configuration (periods, day
 * length) and the holiday calendar: both change over time, and a recorded result keeps replays
 * deterministic after they do.
 */
export const deadlines = proxyActivities<DeadlineActivities>(shortWrite);
export const localDeadlines = proxyLocalActivities<DeadlineActivities>(localWrite);
/** The ladder's planning and alert writes, through whichever proxy the run's patches chose. */
export type DeadlineCalls = Pick<typeof deadlines, 'planDeadlines' | 'recordAlert' | 'recordAlerts'>;
/**
 * Steps and alerts after the durable-steps patch: regular activities (see the patch), with a
 * short timeout so a write lost with a killed worker is retried soon, and data PostgreSQL refuses
 * failing at once (STEP_REJECTED) instead of being retried forever behind the step lock.
 */
const durableWrite: ActivityOptions = {
  startToCloseTimeout: '15 seconds',
  retry: {
    initialInterval: '200 ms',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    nonRetryableErrorTypes: [STEP_REJECTED],
  },
};
export const durable = proxyActivities<ProjectActivities & DeadlineActivities>(durableWrite);
/** notification: delivery may be slow or flaky (SMS, mail later); retried, idempotent by key. */
export const { notify } = proxyActivities<NotifyActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});
