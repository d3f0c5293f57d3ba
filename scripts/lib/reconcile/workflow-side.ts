/**
 * What a project's workflow has recorded, read from its event histories only (every run, following
 * continue-as-new back to the first): no query, so no worker needs to be running, and nothing the
 * workflow code computes today can hide what the server persisted.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type proto from '@temporalio/proto';
import type { Stage } from '#domain/lifecycle.js';
import type { ProjectWorkflowInput } from '#workflows/project.messages.js';
import type { TransitionRequest } from '#domain/project-records.js';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
type Payload = proto.temporal.api.common.v1.IPayload;

/** One Update of a step, as the history records it. */
export interface WorkflowStep {
  updateId: string;
  action: string;
  request?: TransitionRequest;
  /** Set when the Update completed successfully: what the step answered. */
  result?: { stage: Stage; seq: number };
  /** Set when the Update completed with a failure (the step was refused inside the handler). */
  failure?: string;
  /** Accepted, not completed (yet). */
  pending: boolean;
  runId: string;
}

export interface WorkflowView {
  workflowId: string;
  found: boolean;
  runs: number;
  /** Still running (its latest run). */
  running: boolean;
  /** recordProjectCreated completed in the first run. */
  created: boolean;
  projectId?: string;
  steps: WorkflowStep[];
  /** The stage after the last successful step (or the one a run was continued with, or 立项). */
  stage: Stage | null;
  /** The sequence number of the last successful step. */
  lastStepSeq: number;
  /**
   * Started again from PostgreSQL (`npm run recreate-workflows`): the history rows up to `seq`
   * were written before this workflow and no Update of it accounts for them.
   */
  recreated?: { seq: number; stageSeq: number };
}

const REGISTERED = 'registered';

function decode<T>(p: Payload | null | undefined): T | undefined {
  if (!p) return undefined;
  return defaultPayloadConverter.fromPayload<T>(p as never);
}

/** Every run of the workflow, oldest first, each with its events. */
async function fetchRuns(
  client: Client,
  workflowId: string,
): Promise<{ runId: string; events: HistoryEvent[] }[]> {
  const runs: { runId: string; events: HistoryEvent[] }[] = [];
  let runId: string | undefined;
  const seen = new Set<string>();
  for (;;) {
    const handle = client.workflow.getHandle(workflowId, runId);
    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    const started = events[0]?.workflowExecutionStartedEventAttributes;
    runs.push({ runId: runId ?? 'latest', events });
    const previous = started?.continuedExecutionRunId;
    if (!previous || seen.has(previous)) break;
    seen.add(previous);
    runId = previous;
  }
  return runs.reverse();
}

/**
 * The server does not know the workflow. `fetchHistory` passes the server's gRPC NOT_FOUND on as it
 * is (a ServiceError with code 5), not as the WorkflowNotFoundError other calls throw.
 */
function notFound(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || (err as { code?: unknown } | null)?.code === 5;
}

export async function readWorkflow(client: Client, workflowId: string): Promise<WorkflowView> {
  const view: WorkflowView = {
    workflowId,
    found: true,
    runs: 0,
    running: false,
    created: false,
    steps: [],
    stage: null,
    lastStepSeq: 0,
  };
  let runs: Awaited<ReturnType<typeof fetchRuns>>;
  try {
    runs = await fetchRuns(client, workflowId);
  } catch (err) {
    if (notFound(err)) return { ...view, found: false };
    throw err;
  }
  view.runs = runs.length;
  const byId = new Map<string, WorkflowStep>();
  for (const [i, run] of runs.entries()) {
    const scheduled = new Map<string, string>(); // scheduled event id → activity type
    let closed = false;
    for (const e of run.events) {
      const started = e.workflowExecutionStartedEventAttributes;
      if (started) {
        const input = decode<ProjectWorkflowInput>(started.input?.payloads?.[0]);
        view.projectId ??= input?.project.id;
        if (input?.state) {
          view.stage = input.state.stage;
          view.created ||= input.state.recorded;
          if (i === 0 && input.recreated) {
            view.recreated = { seq: input.state.seq, stageSeq: input.recreated.stageSeq };
            view.lastStepSeq = input.recreated.stageSeq;
          }
        } else if (i === 0) {
          view.stage = 'approved';
        }
      }
      const act = e.activityTaskScheduledEventAttributes;
      if (act) scheduled.set(String(e.eventId), act.activityType?.name ?? '');
      const done = e.activityTaskCompletedEventAttributes;
      if (done && scheduled.get(String(done.scheduledEventId)) === 'recordProjectCreated')
        view.created = true;
      const accepted = e.workflowExecutionUpdateAcceptedEventAttributes;
      if (accepted) {
        const req = accepted.acceptedRequest;
        const name = req?.input?.name ?? '';
        const updateId = req?.meta?.updateId ?? accepted.protocolInstanceId ?? '';
        if (name === REGISTERED) continue;
        const step: WorkflowStep = {
          updateId,
          action: name,
          request: decode<TransitionRequest>(req?.input?.args?.payloads?.[0]),
          pending: true,
          runId: run.runId,
        };
        byId.set(updateId, step);
        view.steps.push(step);
      }
      const completed = e.workflowExecutionUpdateCompletedEventAttributes;
      if (completed) {
        const step = byId.get(completed.meta?.updateId ?? '');
        if (!step) continue; // the creation's Update
        step.pending = false;
        const outcome = completed.outcome;
        if (outcome?.success) {
          step.result = decode<{ stage: Stage; seq: number }>(outcome.success.payloads?.[0]);
          if (step.result) {
            view.stage = step.result.stage;
            view.lastStepSeq = step.result.seq;
          }
        } else {
          step.failure = outcome?.failure?.message ?? 'failed';
        }
      }
      if (
        e.workflowExecutionCompletedEventAttributes ||
        e.workflowExecutionContinuedAsNewEventAttributes ||
        e.workflowExecutionFailedEventAttributes ||
        e.workflowExecutionTerminatedEventAttributes ||
        e.workflowExecutionCanceledEventAttributes ||
        e.workflowExecutionTimedOutEventAttributes
      ) {
        closed = true;
      }
    }
    if (i === runs.length - 1) view.running = !closed;
  }
  return view;
}

/** Workflow ids of every project workflow on a task queue, from the server's visibility store. */
export async function listProjectWorkflows(client: Client, taskQueue: string): Promise<Set<string>> {
  const ids = new Set<string>();
  const query = `WorkflowType = 'projectWorkflow' AND TaskQueue = '${taskQueue.replace(/'/g, "''")}'`;
  for await (const wf of client.workflow.list({ query })) ids.add(wf.workflowId);
  return ids;
}
