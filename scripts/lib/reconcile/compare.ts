/**
 * PostgreSQL against the workflow history of one project. Pure: both sides are read elsewhere.
 *
 * A step is the pair (completed Update in the history, row in project_history). Rows are matched to
 * Updates by the request's identity where project_history has `request_id` (the Update id), and by
 * sequence number otherwise; either way the row must carry what the request asked for (action,
 * actor, every field of the request body), since a row at the right seq written for another
 * request is exactly how a lost step hides. Rows the workflow wrote without an Update (the
 * creation, deadline alerts) are not steps and are checked only for the creation.
 */
import { isDeepStrictEqual } from 'node:util';
import { TERMINAL_STAGES, type Stage } from '#domain/lifecycle.js';
import type { PgHistoryRow, PgProject } from './postgres-side.js';
import type { WorkflowStep, WorkflowView } from './workflow-side.js';

export type DifferenceKind =
  | 'no-workflow' // a project row whose workflow the server does not know
  | 'no-project-row' // a project workflow with no project row
  | 'no-create-row' // the creation row (seq 0) is missing
  | 'missing-row' // a step the workflow completed has no row
  | 'foreign-row' // the row at a completed step's seq was written for another request
  | 'extra-row' // a step row no completed Update accounts for
  | 'failed-step-row' // a row written for an Update that failed
  | 'pending-step' // an Update accepted and never completed
  | 'stage' // project.stage differs from the workflow's stage
  | 'stage-seq'; // project.stage_seq differs from the last history row, or lags the workflow

export interface Difference {
  code: string;
  kind: DifferenceKind;
  details: string;
}

/** Rows written by the workflow itself, not by a step's Update. */
const SYSTEM_ACTIONS = new Set(['create', 'alert']);

function normalised(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

/** Why the row does not record this step's request, or undefined when it does. */
function mismatch(row: PgHistoryRow, step: WorkflowStep): string | undefined {
  if (row.action !== step.action) return `row is ${row.action}, the step was ${step.action}`;
  if (step.result && row.seq !== step.result.seq)
    return `row at seq ${row.seq}, the step answered seq ${step.result.seq}`;
  if (step.result && row.toStage !== step.result.stage)
    return `row goes to ${row.toStage}, the step answered ${step.result.stage}`;
  const req = step.request;
  if (!req) return undefined;
  if (req.actor?.id && row.actorId !== req.actor.id)
    return `row by ${row.actorId}, the step by ${req.actor.id}`;
  for (const [key, value] of Object.entries(req.input)) {
    if (key === 'action' || value === undefined) continue;
    if (!isDeepStrictEqual(normalised(row.payload[key]), normalised(value)))
      return `${key}: row has ${JSON.stringify(row.payload[key])}, the request had ${JSON.stringify(value)}`;
  }
  return undefined;
}

function describe(step: WorkflowStep): string {
  const narrative = step.request?.input.narrative ?? step.request?.input.reason;
  return `${step.action} (update ${step.updateId}${typeof narrative === 'string' ? `, 「${narrative.slice(0, 40)}」` : ''})`;
}

export function compareProject(
  project: PgProject,
  rows: readonly PgHistoryRow[],
  wf: WorkflowView,
  byRequestId: boolean,
): Difference[] {
  const out: Difference[] = [];
  const diff = (kind: DifferenceKind, details: string) => out.push({ code: project.code, kind, details });
  if (!wf.found) {
    // Only a workflow reaches a terminal stage (its activity writes it): one closed or cancelled
    // was finished, and its history is gone after the namespace's retention period (or was never
    // in a Temporal restored without it). Any other project needs its workflow.
    if (!TERMINAL_STAGES.includes(project.stage as Stage))
      diff('no-workflow', `workflow ${project.workflowId} not found`);
    return out;
  }
  const bySeq = new Map(rows.map((r) => [r.seq, r]));
  const byReq = new Map(rows.filter((r) => r.requestId).map((r) => [r.requestId!, r]));
  const create = bySeq.get(0);
  if (
    !create ||
    create.action !== 'create' ||
    (byRequestId && create.requestId && create.requestId !== 'create')
  )
    diff('no-create-row', create ? `row at seq 0 is ${create.action}` : 'no row at seq 0');

  const matched = new Set<PgHistoryRow>();
  for (const step of wf.steps) {
    if (step.pending) {
      diff('pending-step', `${describe(step)} accepted, not completed${wf.running ? '' : ' (run closed)'}`);
      const row = byRequestId ? byReq.get(step.updateId) : undefined;
      if (row) matched.add(row);
      continue;
    }
    if (step.failure) {
      const row = byRequestId ? byReq.get(step.updateId) : undefined;
      if (row) {
        matched.add(row);
        diff('failed-step-row', `${describe(step)} failed (${step.failure}) but row seq ${row.seq} exists`);
      }
      continue;
    }
    const seq = step.result?.seq;
    // By request id; a row from before the column existed (request_id NULL) by its seq.
    let row = byRequestId ? byReq.get(step.updateId) : undefined;
    if (!row && seq !== undefined) {
      const atSeq = bySeq.get(seq);
      if (atSeq && (!byRequestId || !atSeq.requestId)) row = atSeq;
      else if (atSeq && byRequestId) {
        diff('missing-row', `${describe(step)} answered seq ${seq}; that row is request ${atSeq.requestId}`);
        continue;
      }
    }
    if (!row) {
      diff('missing-row', `${describe(step)} answered seq ${seq ?? '?'}, no row`);
      continue;
    }
    const why = mismatch(row, step);
    if (why) {
      diff('foreign-row', `${describe(step)} at seq ${row.seq}: ${why}`);
      continue;
    }
    matched.add(row);
  }
  for (const row of rows) {
    if (SYSTEM_ACTIONS.has(row.action) || matched.has(row)) continue;
    // Written before the workflow was started again from the database: they are its state.
    if (wf.recreated && row.seq <= wf.recreated.seq) continue;
    // What a person would recognise the row by: a report's narrative, an adjustment's reason.
    const narrative = row.payload.narrative ?? row.payload.reason;
    diff(
      'extra-row',
      `seq ${row.seq} ${row.action}${row.requestId ? ` (request ${row.requestId})` : ''}` +
        `${typeof narrative === 'string' ? ` 「${narrative.slice(0, 40)}」` : ''}: no completed step in the workflow`,
    );
  }

  if (wf.stage && project.stage !== wf.stage)
    diff('stage', `project.stage ${project.stage}, workflow ${wf.stage}`);
  // Alert rows take a seq but leave stage_seq alone: it is the seq of the last step (or creation).
  const last = rows.filter((r) => r.action !== 'alert').at(-1);
  if (last && project.stageSeq !== last.seq)
    diff('stage-seq', `project.stage_seq ${project.stageSeq}, last step row ${last.seq}`);
  else if (project.stageSeq !== wf.lastStepSeq)
    diff('stage-seq', `project.stage_seq ${project.stageSeq}, the workflow's last step ${wf.lastStepSeq}`);
  return out;
}
