/**
 * One workflow per project (`project-<code>`), from 立项 until it is closed or cancelled.
 * Deterministic: it imports only @temporalio/workflow, domain/ and activity *types*. What it is
 * made of: the messages it answers (project.messages.ts), its stage steps (project.steps.ts), its
 * deadline ladders (deadline-ladders.ts), and the patches that let older histories replay
 * (project.patches.ts).
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { TERMINAL_STAGES } from '#domain/lifecycle.js';
import { PLANNED_DEADLINES, deadlineMet } from '#domain/deadlines.js';
import type { ProjectState } from '#domain/project-records.js';
import { arm, armProgressMonths, fireDue, nextWake } from './deadline-ladders.js';
import {
  departmentKey,
  getProjectStateQuery,
  ownerUnitKey,
  registeredUpdate,
  stageKey,
  townshipsKey,
  villagesKey,
  yearKey,
  type ProjectWorkflowInput,
} from './project.messages.js';
import {
  DEADLINE_LADDERS_PATCH,
  EXCLUSIVE_STEPS_PATCH,
  LADDER_CATCH_UP_PATCH,
  LEAN_STEPS_PATCH,
  LOCAL_DEADLINE_ACTIVITIES_PATCH,
  STEPS_BEFORE_RENEWAL_PATCH,
} from './project.patches.js';
import { deadlines, localDeadlines, recordProjectCreated } from './project.proxies.js';
import { StepLock, type ProjectRun } from './project.run.js';
import { registerStepHandlers } from './project.steps.js';
import { viewOf } from './project.view.js';

export async function projectWorkflow(input: ProjectWorkflowInput): Promise<ProjectState> {
  // Decided once per run, before any command, and in this order (each patch is a marker in the
  // history): a run recorded before the ladders replays without them.
  const laddersOn = patched(DEADLINE_LADDERS_PATCH);
  const deadlineActivities =
    laddersOn && patched(LOCAL_DEADLINE_ACTIVITIES_PATCH) ? localDeadlines : deadlines;
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
  const exclusive = patched(EXCLUSIVE_STEPS_PATCH);
  const lean = laddersOn && patched(LEAN_STEPS_PATCH);
  const catchUpOn = laddersOn && patched(LADDER_CATCH_UP_PATCH);
  const run: ProjectRun = {
    project: p,
    state,
    laddersOn,
    lean,
    catchUpOn,
    deadlineActivities,
    lock: new StepLock(exclusive, lean),
    dirty: false,
    deliveries: new Set(),
  };
  const terminal = () => TERMINAL_STAGES.includes(state.stage);

  setHandler(getProjectStateQuery, () => viewOf(state));
  // Creation answers once the deadlines are armed too, so a 201 means the project is fully set up.
  let armed = !laddersOn || state.deadlines !== undefined;
  setHandler(registeredUpdate, async () => {
    await condition(() => state.recorded && armed);
    return state;
  });
  registerStepHandlers(run);

  if (!state.recorded) {
    await recordProjectCreated({ project: p, actor: input.createdBy, at: new Date().toISOString() });
    state.recorded = true;
    upsertSearchAttributes([
      { key: stageKey, value: state.stage },
      { key: departmentKey, value: p.departmentCode },
      { key: ownerUnitKey, value: p.ownerUnitCode },
      { key: villagesKey, value: p.villageCodes },
      { key: yearKey, value: p.year },
      ...(laddersOn && p.townshipCodes ? [{ key: townshipsKey, value: p.townshipCodes }] : []),
    ]);
  }

  if (laddersOn) {
    if (!state.deadlines) {
      // First run with ladders (a new project, or an older one continued-as-new): arm what is pending.
      await run.lock.locked(() =>
        arm(
          run,
          PLANNED_DEADLINES.filter((k) => !deadlineMet(k, state.stage)).map((k) => ({
            kind: k,
            period: '',
            dueDate: state.plannedDates[k],
          })),
        ),
      );
      armed = true;
    }
    const renew = () =>
      workflowInfo().continueAsNewSuggested ||
      (input.historyLimit !== undefined && workflowInfo().historyLength >= input.historyLimit);
    while (!terminal() && !renew()) {
      await run.lock.locked(async () => {
        await armProgressMonths(run);
        await fireDue(run);
      });
      const wake = nextWake(state);
      run.dirty = false;
      const stop = () => run.dirty || terminal() || renew();
      if (wake === undefined) await condition(stop);
      else if (wake > Date.now()) await condition(stop, wake - Date.now());
    }
  } else {
    await condition(() => terminal() || workflowInfo().continueAsNewSuggested);
  }
  await condition(allHandlersFinished);
  if (run.deliveries.size) {
    await Promise.all([...run.deliveries]);
    // A step that came in while the deliveries were awaited is still running: ending the run now
    // would abort its Update (the caller sees a failure for a step that may yet be recorded).
    if (!allHandlersFinished() && patched(STEPS_BEFORE_RENEWAL_PATCH)) await condition(allHandlersFinished);
  }
  if (!terminal()) {
    return continueAsNew<typeof projectWorkflow>({ ...input, state });
  }
  return state;
}
