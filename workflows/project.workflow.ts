/**
 * One workflow per project (`project-<code>`), from 立项 until it is closed or cancelled.
 * Deterministic: it imports only @temporalio/workflow, domain/ and activity *types*.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, type UpdateDefinition } from '@temporalio/common';
import type { createProjectActivities } from '../activities/project.activities.js';
import { ACTIONS, TERMINAL_STAGES, checkTransition, type Action } from '../domain/lifecycle.js';
import { TRANSITION_NOT_ALLOWED } from '../domain/errors.js';
import type {
  NewProjectRecord,
  ProjectState,
  TransitionRecord,
  TransitionRequest,
  Actor,
} from '../domain/project-records.js';
import type { PlannedDates } from '../domain/schemas.js';

export interface ProjectWorkflowInput {
  project: NewProjectRecord;
  createdBy: Actor;
  /** Carried over by continue-as-new; absent on the first run. */
  state?: ProjectState;
}

// ── messages ────────────────────────────────────────────────────────────────────────────────
/** Resolves once the project row exists; used with Update-with-Start so POST returns a real row. */
export const registeredUpdate = defineUpdate<ProjectState>('registered');

/**
 * One Update per action: an Update, not a Signal, because the caller must learn at once whether
 * the step was accepted, and a refused step must leave no trace in history or database.
 */
export const transitionUpdates = Object.fromEntries(
  ACTIONS.map((a) => [a, defineUpdate<ProjectState, [TransitionRequest]>(a)]),
) as { [A in Action]: UpdateDefinition<ProjectState, [TransitionRequest]> };

export const getProjectStateQuery = defineQuery<ProjectState>('getProjectState');

export const stageKey = defineSearchAttributeKey('ProjectStage', 'KEYWORD');
export const departmentKey = defineSearchAttributeKey('ProjectDepartment', 'KEYWORD');
export const ownerUnitKey = defineSearchAttributeKey('ProjectOwnerUnit', 'KEYWORD');
export const villagesKey = defineSearchAttributeKey('ProjectVillages', 'KEYWORD_LIST');
export const yearKey = defineSearchAttributeKey('ProjectYear', 'INT');

// ── activities ──────────────────────────────────────────────────────────────────────────────
type ProjectActivities = ReturnType<typeof createProjectActivities>;

/** shortWrite: a database write; retried with backoff until it lands (it is idempotent). */
const { recordProjectCreated, recordTransition } = proxyActivities<ProjectActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

// ── workflow ────────────────────────────────────────────────────────────────────────────────
export async function projectWorkflow(input: ProjectWorkflowInput): Promise<ProjectState> {
  const p = input.project;
  const state: ProjectState = input.state ?? {
    projectId: p.id,
    code: p.code,
    stage: 'approved',
    seq: 0,
    recorded: false,
    progressPercent: 0,
    plannedDates: p.plannedDates,
  };

  // Handlers run one at a time: a step validated against a stage must not interleave with
  // another step that changes it while the first one's activity is in flight.
  let busy = false;

  setHandler(getProjectStateQuery, () => state);
  setHandler(registeredUpdate, async () => {
    await condition(() => state.recorded);
    return state;
  });

  for (const action of ACTIONS) {
    setHandler(
      transitionUpdates[action],
      async (req: TransitionRequest) => {
        await condition(() => state.recorded && !busy);
        busy = true;
        try {
          // Re-check: another step may have moved the stage while this one waited.
          const check = checkTransition(state.stage, action, outcomeOf(req));
          if (!check.ok) throw ApplicationFailure.nonRetryable(check.reason, TRANSITION_NOT_ALLOWED);
          const record: TransitionRecord = {
            projectId: state.projectId,
            seq: state.seq + 1,
            action,
            fromStage: state.stage,
            toStage: check.to,
            actor: req.actor,
            at: new Date().toISOString(),
            payload: withoutAction(req.input),
            effects: effectsOf(action, req),
          };
          await recordTransition(record);
          state.seq = record.seq;
          state.stage = check.to;
          if (record.effects.progressPercent !== undefined)
            state.progressPercent = record.effects.progressPercent;
          if (record.effects.plannedDates) state.plannedDates = record.effects.plannedDates;
          upsertSearchAttributes([{ key: stageKey, value: state.stage }]);
          return state;
        } finally {
          busy = false;
        }
      },
      {
        // Synchronous on purpose: an async validator's throw would be ignored and the update accepted.
        validator: (req) => {
          if (req?.input?.action !== action) {
            throw ApplicationFailure.nonRetryable(
              `request is for ${String(req?.input?.action)}, not ${action}`,
              TRANSITION_NOT_ALLOWED,
            );
          }
          if (!state.recorded) {
            throw ApplicationFailure.nonRetryable(
              '项目尚未登记完成 (project not registered yet)',
              TRANSITION_NOT_ALLOWED,
            );
          }
          const check = checkTransition(state.stage, action, outcomeOf(req));
          if (!check.ok) throw ApplicationFailure.nonRetryable(check.reason, TRANSITION_NOT_ALLOWED);
        },
      },
    );
  }

  if (!state.recorded) {
    await recordProjectCreated({ project: p, actor: input.createdBy, at: new Date().toISOString() });
    state.recorded = true;
    upsertSearchAttributes([
      { key: stageKey, value: state.stage },
      { key: departmentKey, value: p.departmentCode },
      { key: ownerUnitKey, value: p.ownerUnitCode },
      { key: villagesKey, value: p.villageCodes },
      { key: yearKey, value: p.year },
    ]);
  }

  await condition(() => TERMINAL_STAGES.includes(state.stage) || workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  if (!TERMINAL_STAGES.includes(state.stage)) {
    return continueAsNew<typeof projectWorkflow>({ ...input, state });
  }
  return state;
}

function outcomeOf(req: TransitionRequest): { passed?: boolean } {
  return { passed: req.input.passed === true };
}

function withoutAction(input: TransitionRequest['input']): Record<string, unknown> {
  const { action: _action, ...rest } = input;
  return rest;
}

function effectsOf(action: Action, req: TransitionRequest): TransitionRecord['effects'] {
  if (action === 'reportProgress' && typeof req.input.percent === 'number') {
    return { progressPercent: req.input.percent };
  }
  if (action === 'complete') return { progressPercent: 100 };
  if (action === 'adjust' && req.input.plannedDates) {
    return { plannedDates: req.input.plannedDates as PlannedDates };
  }
  return {};
}
