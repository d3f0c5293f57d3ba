/**
 * One workflow per project (`project-<code>`), from 立项 until it is closed or cancelled.
 * Deterministic: it imports only @temporalio/workflow, domain/ and activity *types*.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  currentUpdateInfo,
  log,
  defineQuery,
  defineUpdate,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  type ActivityOptions,
  defineSearchAttributeKey,
  type SearchAttributeUpdatePair,
  type UpdateDefinition,
} from '@temporalio/common';
import type { createProjectActivities } from '../activities/project.activities.js';
import type { createDeadlineActivities } from '../activities/deadline.activities.js';
import type { createNotifyActivities } from '../activities/notify.activities.js';
import { ACTIONS, TERMINAL_STAGES, checkTransition, type Action, type Stage } from '../domain/lifecycle.js';
import { TRANSITION_NOT_ALLOWED } from '../domain/errors.js';
import {
  DEADLINE_LABELS,
  DEADLINE_RESPONSIBLE,
  LADDER_STEPS,
  LADDER_STEP_LABELS,
  PLANNED_DEADLINES,
  clockDate,
  deadlineMet,
  instantOf,
  monthOf,
  nextMonth,
  progressExpected,
  progressSpec,
  type DeadlineKind,
  type DeadlineSpec,
  type PlannedDeadline,
} from '../domain/deadlines.js';
import type {
  ActiveLadder,
  AdjustmentEffects,
  CloseAlerts,
  DeadlineState,
  NewProjectRecord,
  ProjectState,
  ProjectStateView,
  TransitionRecord,
  TransitionRequest,
  Actor,
  AlertRecord,
  StepOutcome,
} from '../domain/project-records.js';
import { STEP_REJECTED, alertRequestId } from '../domain/project-records.js';
import type { PlannedDates } from '../domain/schemas.js';

export interface ProjectWorkflowInput {
  project: NewProjectRecord;
  createdBy: Actor;
  /** Carried over by continue-as-new; absent on the first run. */
  state?: ProjectState;
  /**
   * Continue as new after this many history events even if the server has not suggested it yet
   * (it suggests at 4096). For operators who want shorter histories, and for the test that proves
   * the state survives a new run.
   */
  historyLimit?: number;
}

// ── messages ────────────────────────────────────────────────────────────────────────────────
/** Resolves once the project row exists; used with Update-with-Start so POST returns a real row. */
export const registeredUpdate = defineUpdate<ProjectState>('registered');

/**
 * One Update per action: an Update, not a Signal, because the caller must learn at once whether
 * the step was accepted, and a refused step must leave no trace in history or database.
 */
export const transitionUpdates = Object.fromEntries(
  ACTIONS.map((a) => [a, defineUpdate<StepResult, [TransitionRequest]>(a)]),
) as { [A in Action]: UpdateDefinition<StepResult, [TransitionRequest]> };

/**
 * What a step answers: the stage it reached and its sequence number. Small on purpose: the
 * answer is stored in the workflow history with every step, and callers read the project itself
 * from PostgreSQL (`getProjectState` gives the whole state).
 */
export interface StepResult {
  stage: Stage;
  seq: number;
}

export const getProjectStateQuery = defineQuery<ProjectStateView>('getProjectState');

export const stageKey = defineSearchAttributeKey('ProjectStage', 'KEYWORD');
export const departmentKey = defineSearchAttributeKey('ProjectDepartment', 'KEYWORD');
export const ownerUnitKey = defineSearchAttributeKey('ProjectOwnerUnit', 'KEYWORD');
export const villagesKey = defineSearchAttributeKey('ProjectVillages', 'KEYWORD_LIST');
export const yearKey = defineSearchAttributeKey('ProjectYear', 'INT');
export const overdueKey = defineSearchAttributeKey('ProjectOverdue', 'KEYWORD_LIST');
export const townshipsKey = defineSearchAttributeKey('ProjectTownships', 'KEYWORD_LIST');

/** The deadline ladders (issue 3). Histories recorded before it replay without them. */
export const DEADLINE_LADDERS_PATCH = 'deadline-ladders';
/**
 * Planning a ladder and recording its alerts as local activities: both are one short step on
 * this worker, and a round trip through the task queue cost 开工 (which arms the progress
 * ladder) a whole extra activity task and workflow task. Histories recorded before it replay
 * with the regular activities.
 */
export const LOCAL_DEADLINE_ACTIVITIES_PATCH = 'local-deadline-activities';
/**
 * The step lock taken inside the condition that waits for it. Waiting with `!busy` and setting
 * `busy` afterwards let every waiter through at once when the lock came free (the SDK checks all
 * blocked conditions before any of them resumes), so concurrent steps took the same sequence
 * number and all but one were lost. Histories recorded before it replay with the old wait.
 */
export const EXCLUSIVE_STEPS_PATCH = 'exclusive-steps';
/**
 * Before continuing as new, wait again for the steps that arrived while the run awaited its
 * pending notifications. The server aborts an accepted Update whose run ends, so such a step
 * answered 500. Histories recorded before it continue as new at once (the old behaviour).
 */
export const STEPS_BEFORE_RENEWAL_PATCH = 'steps-before-renewal';
/**
 * A step's cost in the worker and the server. A free step lock is taken at once instead of
 * through a condition (each wait costs the SDK another pass into the workflow sandbox, with its
 * watchdog thread), and a step upserts only the search attributes it changes: every upsert is a
 * visibility write, and 录入月度进度 — the commonest step — changes none. Histories recorded
 * before it replay with a condition per lock and a stage upsert per step.
 */
export const LEAN_STEPS_PATCH = 'lean-steps';
/**
 * A ladder armed after some of its steps had passed (a project registered late, a date adjusted
 * into the past) records those steps in one write and announces only the last: a reminder sent
 * when the date is long gone, then an overdue alert, an escalation and a 约谈 flag a moment apart,
 * told the same people four times what one message says. Histories recorded before it fire
 * such steps one by one.
 */
export const LADDER_CATCH_UP_PATCH = 'ladder-catch-up';
/**
 * Steps and ladder alerts written by regular activities, keyed by the request they carry out. A
 * local activity commits before the workflow task that ran it is persisted: when the server died
 * in between, the replayed run handed the same seq to another request, whose write the "already
 * recorded?" check then skipped (a step answered 200 and never written), while the lost one was
 * written again on retry. A regular activity runs only once the decision to take the step (its
 * seq, its request) is in the history. Checked at each write, so runs that began before it take
 * the new way from their next step on; histories recorded before it replay as they were.
 */
export const DURABLE_STEPS_PATCH = 'durable-steps';

// ── activities ──────────────────────────────────────────────────────────────────────────────
type ProjectActivities = ReturnType<typeof createProjectActivities>;
type DeadlineActivities = ReturnType<typeof createDeadlineActivities>;
type NotifyActivities = ReturnType<typeof createNotifyActivities>;

/** shortWrite: a database write; retried with backoff until it lands (it is idempotent). */
const shortWrite = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '30 seconds' },
} as const;
const { recordProjectCreated, recordTransition } = proxyActivities<ProjectActivities>(shortWrite);
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
const local = proxyLocalActivities<ProjectActivities>(localWrite);
/**
 * Planning is an activity, not workflow code, because it reads configuration (periods, day
 * length) and the holiday calendar: both change over time, and a recorded result keeps replays
 * deterministic after they do.
 */
const { planDeadlines, recordAlert, recordAlerts } = proxyActivities<DeadlineActivities>(shortWrite);
const localDeadlines = proxyLocalActivities<DeadlineActivities>(localWrite);
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
const durable = proxyActivities<ProjectActivities & DeadlineActivities>(durableWrite);
/** How often a write moves past seqs taken by rows the workflow does not know before giving up. */
const MAX_SEQ_CONFLICTS = 3;
/** notification: delivery may be slow or flaky (SMS, mail later); retried, idempotent by key. */
const { notify } = proxyActivities<NotifyActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

// ── workflow ────────────────────────────────────────────────────────────────────────────────
export async function projectWorkflow(input: ProjectWorkflowInput): Promise<ProjectState> {
  // Decided once per run, before any command: a run recorded before the ladders replays without them.
  const laddersOn = patched(DEADLINE_LADDERS_PATCH);
  const deadlineActivities =
    laddersOn && patched(LOCAL_DEADLINE_ACTIVITIES_PATCH)
      ? localDeadlines
      : { planDeadlines, recordAlert, recordAlerts };
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

  // Handlers and the ladder run one at a time: a step validated against a stage must not
  // interleave with another step (or an alert) that changes it while its activity is in flight.
  let busy = false;
  const exclusive = patched(EXCLUSIVE_STEPS_PATCH);
  const lean = laddersOn && patched(LEAN_STEPS_PATCH);
  const catchUpOn = laddersOn && patched(LADDER_CATCH_UP_PATCH);
  /** Takes the lock if it is free and `ready()` holds; false otherwise. */
  const take = (ready: () => boolean): boolean => {
    if (busy || !ready()) return false;
    busy = true;
    return true;
  };
  /** Waits until `ready()` holds and the lock is free, and takes the lock. */
  async function acquire(ready: () => boolean = () => true): Promise<void> {
    if (lean && take(ready)) return;
    if (!exclusive) {
      await condition(() => ready() && !busy);
      busy = true;
      return;
    }
    // Taken in the check itself: the first waiter to see it free holds it before the next is asked.
    await condition(() => take(ready));
  }
  /** Upserts what differs from the workflow's current search attributes (all of them without `lean`). */
  function upsert(attrs: SearchAttributeUpdatePair[]): void {
    const current = workflowInfo().typedSearchAttributes;
    const changed = lean ? attrs.filter((a) => !sameValue(current.get(a.key), a.value)) : attrs;
    if (changed.length) upsertSearchAttributes(changed);
  }
  const answer = (): StepResult => ({ stage: state.stage, seq: state.seq });
  /** Set when a step changed something the ladder loop must look at again. */
  let dirty = false;
  const terminal = () => TERMINAL_STAGES.includes(state.stage);

  setHandler(getProjectStateQuery, () => viewOf(state));
  // Creation answers once the deadlines are armed too, so a 201 means the project is fully set up.
  let armed = !laddersOn || state.deadlines !== undefined;
  setHandler(registeredUpdate, async () => {
    await condition(() => state.recorded && armed);
    return state;
  });

  for (const action of ACTIONS) {
    setHandler(
      transitionUpdates[action],
      async (req: TransitionRequest) => {
        await acquire(() => state.recorded);
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
            if (ladderChange.rearm.length) await arm(ladderChange.rearm);
            const overdue = overdueKinds(d);
            if (!sameSet(overdue, d.overdueShown)) {
              attrs.push({ key: overdueKey, value: overdue });
              d.overdueShown = overdue;
            }
          }
          upsert(attrs);
          // Wake the ladder loop only when its timers must change (a new timer per step would
          // cost every transition two more history events).
          if (action === 'start' || ladderChange?.rearm.length) dirty = true;
          return answer();
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

  /**
   * Writes through `write(seq)`: a seq found taken by a row of another request (a write whose run
   * was lost) is moved past; a write PostgreSQL refuses for its data becomes a refused step.
   */
  async function writeDurably(
    first: { seq: number },
    write: (seq: number) => Promise<StepOutcome>,
  ): Promise<{ status: 'recorded'; seq: number } | Extract<StepOutcome, { status: 'duplicate' }>> {
    let seq = first.seq;
    for (let conflicts = 0; ; conflicts++) {
      let outcome: StepOutcome;
      try {
        outcome = await write(seq);
      } catch (err) {
        throw refusedWrite(err);
      }
      if (outcome.status === 'recorded') return { status: 'recorded', seq };
      if (outcome.status === 'duplicate') return outcome;
      if (conflicts >= MAX_SEQ_CONFLICTS)
        throw ApplicationFailure.nonRetryable(
          `项目历史序号冲突，请运行 npm run reconcile (history seq ${seq} is taken)`,
          STEP_REJECTED,
        );
      log.warn('history seq taken by an unknown request; writing after it', { seq, last: outcome.lastSeq });
      seq = Math.max(seq, outcome.lastSeq + 1);
    }
  }

  /** Plans ladders for these deadlines (an activity: configuration and calendar) and runs them. */
  async function arm(specs: DeadlineSpec[]): Promise<void> {
    if (specs.length === 0) return;
    const plan = await deadlineActivities.planDeadlines({
      specs,
      clock: state.deadlines?.clock,
      nowMs: Date.now(),
    });
    if (!state.deadlines) {
      state.deadlines = {
        enabled: plan.enabled,
        clock: plan.clock,
        armSeq: 0,
        ladders: [],
        progressFrom: null,
        progressArmedThrough: null,
        progressReported: [],
        overdueShown: [],
      };
    }
    const d = state.deadlines;
    const now = Date.now();
    for (const ladder of plan.ladders) {
      d.armSeq += 1;
      const past = ladder.steps.filter((s) => s.atMs <= now).length;
      d.ladders.push({
        ...ladder,
        arm: d.armSeq,
        fired: 0,
        ...(catchUpOn && past > 1 ? { catchUp: past } : {}),
      });
    }
  }

  async function locked(fn: () => Promise<void>): Promise<void> {
    await acquire();
    try {
      await fn();
    } finally {
      busy = false;
    }
  }

  /** Arms the progress ladder of every month that has begun while the works are under way. */
  async function armProgressMonths(): Promise<void> {
    const d = state.deadlines;
    if (!d?.enabled || !progressExpected(state.stage) || !d.progressFrom) return;
    const current = monthOf(clockDate(d.clock, Date.now()));
    const specs: DeadlineSpec[] = [];
    let m = d.progressArmedThrough ? nextMonth(d.progressArmedThrough) : d.progressFrom;
    for (; m <= current; m = nextMonth(m)) {
      if (!d.progressReported.includes(m)) specs.push(progressSpec(m));
      d.progressArmedThrough = m;
    }
    d.progressReported = d.progressReported.filter((r) => r > (d.progressArmedThrough ?? ''));
    await arm(specs);
  }

  /** Fires every step whose instant has come, oldest first, each written before the next. */
  async function fireDue(): Promise<void> {
    const d = state.deadlines;
    if (!d) return;
    for (;;) {
      const now = Date.now();
      let due: ActiveLadder | undefined;
      for (const l of d.ladders) {
        const s = l.steps[l.fired];
        if (s && s.atMs <= now && (!due || s.atMs < due.steps[due.fired]!.atMs)) due = l;
      }
      if (!due) return;
      // Steps already due when the ladder was armed go together; any other step goes alone.
      const batch =
        due.catchUp !== undefined && due.fired < due.catchUp
          ? due.steps.slice(due.fired, due.catchUp)
          : [due.steps[due.fired]!];
      const s = batch[batch.length - 1]!;
      const responsibleUnitId =
        DEADLINE_RESPONSIBLE[due.kind] === 'department' ? p.departmentId : p.ownerUnitId;
      const at = new Date().toISOString();
      const { kind, period, arm: armNo, dueDate } = due;
      const records: AlertRecord[] = batch.map((b, i) => ({
        projectId: state.projectId,
        seq: state.seq + 1 + i,
        stage: state.stage,
        kind,
        period,
        arm: armNo,
        step: b.step,
        dueDate,
        stepDate: b.date,
        daysLate: b.daysLate,
        responsibleUnitId,
        at,
      }));
      if (patched(DURABLE_STEPS_PATCH)) {
        records.forEach((r) => (r.requestId = alertRequestId(r)));
        const renumber = (seq: number) => records.map((r, i) => ({ ...r, seq: seq + i }));
        try {
          const out = await writeDurably(records[0]!, (seq) => durable.recordAlerts(renumber(seq)));
          if (out.status === 'recorded') state.seq = out.seq + records.length - 1;
        } catch (err) {
          // An alert the database refuses is a fault of ours, not the project's: the ladder moves
          // on (the log says which step was lost) instead of the run failing with it.
          log.error('ladder step not recorded', { kind: due.kind, period: due.period, error: String(err) });
        }
      } else {
        if (records.length === 1) await deadlineActivities.recordAlert(records[0]!);
        else await deadlineActivities.recordAlerts(records);
        state.seq += records.length;
      }
      due.fired += records.length;
      const overdue = overdueKinds(d);
      if (!sameSet(overdue, d.overdueShown)) {
        upsertSearchAttributes([{ key: overdueKey, value: overdue }]);
        d.overdueShown = overdue;
      }
      const what = `${DEADLINE_LABELS[due.kind].zh}${due.period ? `（${due.period}）` : ''}`;
      const passed = batch.slice(0, -1).map((b) => LADDER_STEP_LABELS[b.step].zh);
      // Not awaited here: a slow or failing channel must never hold up stage changes (the lock).
      // Pending deliveries are awaited before the run ends or continues as new.
      track(
        notify({
          key: `alert:${state.projectId}:${due.kind}:${due.period}:${due.arm}:${s.step}`,
          projectId: state.projectId,
          category: 'deadline',
          severity: s.step === 'reminder' ? 'info' : s.step === 'overdue' ? 'warning' : 'critical',
          title: `【${LADDER_STEP_LABELS[s.step].zh}】${p.name}：${what}`,
          body:
            (s.step === 'reminder'
              ? `项目「${p.name}」(${p.code}) 的期限 ${due.dueDate} 即将到期。`
              : `项目「${p.name}」(${p.code}) ${what}，期限 ${due.dueDate}，已逾期 ${s.daysLate} 天。`) +
            (passed.length ? `此前已到期的${passed.join('、')}一并记录，不再单独通知。` : ''),
          audience: {
            unitIds: s.step === 'reminder' ? [responsibleUnitId] : [p.departmentId, p.ownerUnitId],
            operatorsOnly: s.step === 'reminder',
            admins: s.step !== 'reminder',
            countyLevel: s.step === 'escalated' || s.step === 'interview',
          },
        }),
      );
    }
  }

  const deliveries = new Set<Promise<unknown>>();
  function track(delivery: Promise<unknown>): void {
    // A delivery that finally fails is the channel's problem, never the project's: swallowed here.
    const tracked: Promise<unknown> = delivery
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => deliveries.delete(tracked));
    deliveries.add(tracked);
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
      ...(laddersOn && p.townshipCodes ? [{ key: townshipsKey, value: p.townshipCodes }] : []),
    ]);
  }

  if (laddersOn) {
    if (!state.deadlines) {
      // First run with ladders (a new project, or an older one continued-as-new): arm what is pending.
      await locked(() =>
        arm(
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
      await locked(async () => {
        await armProgressMonths();
        await fireDue();
      });
      const wake = nextWake(state);
      dirty = false;
      const stop = () => dirty || terminal() || renew();
      if (wake === undefined) await condition(stop);
      else if (wake > Date.now()) await condition(stop, wake - Date.now());
    }
  } else {
    await condition(() => terminal() || workflowInfo().continueAsNewSuggested);
  }
  await condition(allHandlersFinished);
  if (deliveries.size) {
    await Promise.all([...deliveries]);
    // A step that came in while the deliveries were awaited is still running: ending the run now
    // would abort its Update (the caller sees a failure for a step that may yet be recorded).
    if (!allHandlersFinished() && patched(STEPS_BEFORE_RENEWAL_PATCH)) await condition(allHandlersFinished);
  }
  if (!terminal()) {
    return continueAsNew<typeof projectWorkflow>({ ...input, state });
  }
  return state;
}

/** A failed write as the refusal of the step: its message and type, never a failed workflow task. */
function refusedWrite(err: unknown): ApplicationFailure {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure)
    return ApplicationFailure.nonRetryable(
      cause.message,
      cause.type ?? STEP_REJECTED,
      ...(cause.details ?? []),
    );
  return ApplicationFailure.nonRetryable(
    `步骤未能记录 (the step could not be recorded): ${String((cause as Error)?.message ?? cause)}`,
    STEP_REJECTED,
  );
}

function ladderId(l: { kind: DeadlineKind; period: string }): string {
  return `${l.kind}:${l.period}`;
}

/**
 * What a step does to the ladders: which stop (and how their alerts close), which must be
 * re-armed (an adjusted planned date), which month's progress entry it delivers.
 */
function ladderChangeOf(
  state: ProjectState,
  record: TransitionRecord,
  req: TransitionRequest,
): { close: CloseAlerts[]; drop: Set<string>; rearm: DeadlineSpec[]; reported?: string } {
  const d = state.deadlines!;
  const to: Stage = record.toStage;
  const close: CloseAlerts[] = [];
  const drop = new Set<string>();
  const rearm: DeadlineSpec[] = [];
  let reported: string | undefined;
  if (to === 'cancelled') {
    const all = d.ladders.map((l) => ({ kind: l.kind, period: l.period }));
    all.forEach((l) => drop.add(ladderId(l)));
    if (all.length) close.push({ status: 'cancelled', ladders: all });
    return { close, drop, rearm };
  }
  const resolved: { kind: DeadlineKind; period: string }[] = [];
  for (const l of d.ladders) {
    const met =
      l.kind === 'progress'
        ? !progressExpected(to) || (record.action === 'reportProgress' && req.input.month === l.period)
        : deadlineMet(l.kind, to);
    if (met) {
      resolved.push({ kind: l.kind, period: l.period });
      drop.add(ladderId(l));
    }
  }
  if (record.action === 'reportProgress' && typeof req.input.month === 'string') {
    const month = req.input.month;
    if (!d.ladders.some((l) => l.kind === 'progress' && l.period === month)) reported = month;
  }
  if (resolved.length) close.push({ status: 'resolved', ladders: resolved });
  const newDates = record.effects.plannedDates;
  if (newDates) {
    const superseded: { kind: DeadlineKind; period: string }[] = [];
    for (const k of PLANNED_DEADLINES) {
      if (newDates[k] === state.plannedDates[k] || deadlineMet(k, to)) continue;
      if (d.ladders.some((l) => l.kind === k)) superseded.push({ kind: k, period: '' });
      drop.add(ladderId({ kind: k, period: '' }));
      rearm.push({ kind: k, period: '', dueDate: newDates[k] });
    }
    if (superseded.length) close.push({ status: 'superseded', ladders: superseded });
  }
  return { close, drop, rearm, reported };
}

function overdueKinds(d: DeadlineState): DeadlineKind[] {
  const kinds = new Set(d.ladders.filter((l) => l.fired >= 2).map((l) => l.kind));
  return [...kinds].sort();
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** A search attribute's current value against a new one (lists in order, as they are shown). */
function sameValue(current: unknown, next: unknown): boolean {
  if (Array.isArray(current) && Array.isArray(next))
    return current.length === next.length && current.every((x, i) => x === next[i]);
  return current === next;
}

/** The next instant the ladder loop must wake: a step, or the start of the next progress month. */
function nextWake(state: ProjectState): number | undefined {
  const d = state.deadlines;
  if (!d) return undefined;
  let wake: number | undefined;
  for (const l of d.ladders) {
    const s = l.steps[l.fired];
    if (s && (wake === undefined || s.atMs < wake)) wake = s.atMs;
  }
  if (d.enabled && progressExpected(state.stage) && d.progressFrom) {
    const m = nextMonth(monthOf(clockDate(d.clock, Date.now())));
    const at = instantOf(`${m}-01`, d.clock);
    if (wake === undefined || at < wake) wake = at;
  }
  return wake;
}

function viewOf(state: ProjectState): ProjectStateView {
  const ladders = state.deadlines?.ladders ?? [];
  return {
    ...state,
    overdue: state.deadlines ? overdueKinds(state.deadlines) : [],
    activeAlerts: ladders.flatMap((l) =>
      l.steps.slice(0, l.fired).map((s) => ({
        kind: l.kind,
        period: l.period,
        step: s.step,
        dueDate: l.dueDate,
        daysLate: s.daysLate,
      })),
    ),
    ladderPositions: ladders.map((l) => {
      const next = l.steps[l.fired];
      return {
        kind: l.kind,
        period: l.period,
        dueDate: l.dueDate,
        arm: l.arm,
        lastStep: l.fired > 0 ? LADDER_STEPS[l.fired - 1]! : null,
        next: next ? { step: next.step, date: next.date } : null,
      };
    }),
  };
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

export type { PlannedDeadline };
