/**
 * The stage steps of a project: one Update per action, with a synchronous validator (a step refused
 * while no other is in flight leaves nothing in history or database), written under the step lock
 * at the next seq.
 */
import {
  ApplicationFailure,
  currentUpdateInfo,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { ACTIONS, checkTransition, type Action } from '#domain/lifecycle.js';
import { TRANSITION_NOT_ALLOWED } from '#domain/errors.js';
import { clockDate, monthOf } from '#domain/deadlines.js';
import type { AdjustmentEffects, TransitionRecord, TransitionRequest } from '#domain/project-records.js';
import type { PlannedDates } from '#domain/schemas.js';
import { arm, ladderChangeOf, ladderId, overdueKinds, sameSet } from './deadline-ladders.js';
import { writeDurably } from './durable-write.js';
import {
  overdueKey,
  stageKey,
  townshipsKey,
  transitionUpdates,
  villagesKey,
  type StepResult,
} from './project.messages.js';
import { DURABLE_STEPS_PATCH } from './project.patches.js';
import { durable, local, recordTransition } from './project.proxies.js';
import type { ProjectRun } from './project.run.js';

export function registerStepHandlers(run: ProjectRun): void {
  const { state, laddersOn } = run;
  const answer = (): StepResult => ({ stage: state.stage, seq: state.seq });
  /** Upserts what differs from the workflow's current search attributes (all of them without `lean`). */
  function upsert(attrs: SearchAttributeUpdatePair[]): void {
    const current = workflowInfo().typedSearchAttributes;
    const changed = run.lean ? attrs.filter((a) => !sameValue(current.get(a.key), a.value)) : attrs;
    if (changed.length) upsertSearchAttributes(changed);
  }

  for (const action of ACTIONS) {
    setHandler(
      transitionUpdates[action],
      async (req: TransitionRequest) => {
        await run.lock.acquire(() => state.recorded);
        try {
          // Re-check: another step may have moved the stage while this one waited.
          const check = checkTransition(state.stage, action, outcomeOf(req));
          if (!check.ok) throw ApplicationFailure.nonRetryable(check.reason, TRANSITION_NOT_ALLOWED);
          const record: TransitionRecord = {
            projectId: state.projectId,
            seq: state.seq + 1,
            requestId: req.requestId ?? currentUpdateInfo()?.id,
            action,
            fromStage: state.stage,
            toStage: check.to,
            actor: req.actor,
            at: new Date().toISOString(),
            payload: withoutAction(req.input),
            effects: effectsOf(action, req),
          };
          const ladderChange = laddersOn && state.deadlines ? ladderChangeOf(state, record, req) : undefined;
          if (ladderChange?.close.length) record.effects.closeAlerts = ladderChange.close;
          if (laddersOn && patched(DURABLE_STEPS_PATCH)) {
            const outcome = await writeDurably(record, (seq) => durable.recordTransition({ ...record, seq }));
            // The same request recorded earlier (a client's retry across runs): answer what it did.
            if (outcome.status === 'duplicate') return { stage: outcome.stage, seq: outcome.seq };
            record.seq = outcome.seq;
          } else {
            await (laddersOn ? local.recordTransition : recordTransition)(record);
          }
          state.seq = record.seq;
          state.stage = check.to;
          if (record.effects.progressPercent !== undefined)
            state.progressPercent = record.effects.progressPercent;
          if (record.effects.plannedDates) state.plannedDates = record.effects.plannedDates;
          if (!laddersOn) {
            upsertSearchAttributes([{ key: stageKey, value: state.stage }]);
            return answer();
          }
          const attrs: SearchAttributeUpdatePair[] = [{ key: stageKey, value: state.stage }];
          const villages = record.effects.adjustment?.villageCodes;
          if (villages) attrs.push({ key: villagesKey, value: villages });
          if (villages && req.resolved?.townshipCodes)
            attrs.push({ key: townshipsKey, value: req.resolved.townshipCodes });
          if (ladderChange && state.deadlines) {
            const d = state.deadlines;
            d.ladders = d.ladders.filter((l) => !ladderChange.drop.has(ladderId(l)));
            if (ladderChange.reported) d.progressReported = [...d.progressReported, ladderChange.reported];
            if (action === 'start') d.progressFrom = monthOf(clockDate(d.clock, Date.now()));
            if (ladderChange.rearm.length) await arm(run, ladderChange.rearm);
            const overdue = overdueKinds(d);
            if (!sameSet(overdue, d.overdueShown)) {
              attrs.push({ key: overdueKey, value: overdue });
              d.overdueShown = overdue;
            }
          }
          upsert(attrs);
          // Wake the ladder loop only when its timers must change (a new timer per step would
          // cost every transition two more history events).
          if (action === 'start' || ladderChange?.rearm.length) run.dirty = true;
          return answer();
        } finally {
          run.lock.release();
        }
      },
      {
        // Synchronous on purpose: an async validator's throw would be ignored and the update accepted.
        validator: (req) => {
          if (req?.input?.action !== action) {
            throw ApplicationFailure.nonRetryable(
              `请求的步骤与所调用的不符 (the request is for ${String(req?.input?.action)}, not ${action})`,
              TRANSITION_NOT_ALLOWED,
            );
          }
          if (!state.recorded) {
            throw ApplicationFailure.nonRetryable(
              '项目尚未登记完成 (project not registered yet)',
              TRANSITION_NOT_ALLOWED,
            );
          }
          // While another step is being written, the stage it leads to is not the workflow's yet,
          // though its row may be in PostgreSQL: a write retried after its worker died is answered
          // from that row (a client's retry), and the client sends the next step at once. So the
          // stage decides only when nothing is in flight; otherwise the handler judges the step
          // against the stage the earlier one left, once the lock is its own.
          const check = checkTransition(state.stage, action, outcomeOf(req));
          if (!check.ok && !run.lock.held)
            throw ApplicationFailure.nonRetryable(check.reason, TRANSITION_NOT_ALLOWED);
        },
      },
    );
  }
}

/** A search attribute's current value against a new one (lists in order, as they are shown). */
function sameValue(current: unknown, next: unknown): boolean {
  if (Array.isArray(current) && Array.isArray(next))
    return current.length === next.length && current.every((x, i) => x === next[i]);
  return current === next;
}

function outcomeOf(req: TransitionRequest): { passed?: boolean } {
  return { passed: req.input.passed === true };
}

function withoutAction(input: TransitionRequest['input']): Record<string, unknown> {
  const { action: _action, ...rest } = input;
  return rest;
}

/** Fields of the project row a step changes besides the stage. */
function effectsOf(action: Action, req: TransitionRequest): TransitionRecord['effects'] {
  if (action === 'reportProgress' && typeof req.input.percent === 'number') {
    return { progressPercent: req.input.percent };
  }
  if (action === 'complete') return { progressPercent: 100 };
  if (action === 'adjust') {
    const i = req.input;
    const adjustment: AdjustmentEffects = {};
    if (typeof i.name === 'string') adjustment.name = i.name;
    if (i.location !== undefined) adjustment.location = (i.location as string | null) ?? null;
    if (typeof i.budgetFen === 'number') adjustment.budgetFen = i.budgetFen;
    if (Array.isArray(i.fundSources)) {
      adjustment.fundSources = (i.fundSources as NonNullable<AdjustmentEffects['fundSources']>).map((s) => ({
        kind: s.kind,
        amountFen: s.amountFen,
        documentNo: s.documentNo ?? null,
      }));
    }
    if (Array.isArray(i.villageCodes) && req.resolved?.villageIds) {
      adjustment.villageCodes = i.villageCodes as string[];
      adjustment.villageIds = req.resolved.villageIds;
    }
    const effects: TransitionRecord['effects'] = {};
    if (i.plannedDates) effects.plannedDates = i.plannedDates as PlannedDates;
    if (Object.keys(adjustment).length) effects.adjustment = adjustment;
    return effects;
  }
  return {};
}
