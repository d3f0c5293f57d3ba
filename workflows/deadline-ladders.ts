/**
 * The deadline ladders inside a project run: arming them (planned by an activity), firing their
 * steps when they come due, and what a stage step does to them. A step of a ladder is recorded as
 * an alert and announced by one notification; reaching the stage a deadline asks for stops it.
 */
import { log, patched, upsertSearchAttributes } from '@temporalio/workflow';
import type { Notification } from '#activities/notify.activities.js';
import { overdueKinds } from '#domain/deadline-state.js';
import type { Stage } from '#domain/lifecycle.js';
import {
  DEADLINE_LABELS,
  DEADLINE_RESPONSIBLE,
  LADDER_STEP_LABELS,
  PLANNED_DEADLINES,
  clockDate,
  daysBetween,
  deadlineMet,
  instantOf,
  monthOf,
  nextMonth,
  progressExpected,
  progressSpec,
  type DeadlineKind,
  type DeadlineSpec,
  type PlannedLadderStep,
} from '#domain/deadlines.js';
import {
  alertRequestId,
  type ActiveLadder,
  type AlertRecord,
  type CloseAlerts,
  type NewProjectRecord,
  type ProjectState,
  type TransitionRecord,
  type TransitionRequest,
} from '#domain/project-records.js';
import { writeDurably } from './durable-write.js';
import { overdueKey } from './project.messages.js';
import { DURABLE_STEPS_PATCH, PROGRESS_ENTRY_CHECK_PATCH } from './project.patches.js';
import { durable, notify } from './project.proxies.js';
import type { ProjectRun } from './project.run.js';

/** Plans ladders for these deadlines (an activity: configuration and calendar) and runs them. */
export async function arm(run: ProjectRun, specs: DeadlineSpec[]): Promise<void> {
  if (specs.length === 0) return;
  const { state } = run;
  const plan = await run.deadlineActivities.planDeadlines({
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
      ...(run.catchUpOn && past > 1 ? { catchUp: past } : {}),
    });
  }
}

/** Arms the progress ladder of every month that has begun while the works are under way. */
export async function armProgressMonths(run: ProjectRun): Promise<void> {
  const { state } = run;
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
  await arm(run, specs);
}

/** Fires every step whose instant has come, oldest first, each written before the next. */
export async function fireDue(run: ProjectRun): Promise<void> {
  const { state, project: p } = run;
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
    if (due.kind === 'progress' && patched(PROGRESS_ENTRY_CHECK_PATCH)) {
      const entered = await durable.progressEntered({
        projectId: state.projectId,
        month: due.period,
        at: new Date().toISOString(),
      });
      if (entered) {
        // Reported outside the step: the month's ladder stops as the step would have stopped it.
        const gone = due;
        d.ladders = d.ladders.filter((l) => l !== gone);
        showOverdue(d);
        continue;
      }
    }
    // Steps already due when the ladder was armed go together; any other step goes alone.
    const batch =
      due.catchUp !== undefined && due.fired < due.catchUp
        ? due.steps.slice(due.fired, due.catchUp)
        : [due.steps[due.fired]!];
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
      if (records.length === 1) await run.deadlineActivities.recordAlert(records[0]!);
      else await run.deadlineActivities.recordAlerts(records);
      state.seq += records.length;
    }
    due.fired += records.length;
    showOverdue(d);
    // Not awaited here: a slow or failing channel must never hold up stage changes (the lock).
    // Pending deliveries are awaited before the run ends or continues as new.
    // The notice speaks of today: steps caught up on are as late as the deadline is now, not as
    // they were on their own dates (a project registered ten days late is ten days late).
    // A reminder's figure is the days still left, negative (还有 3 天到期), not its step's 0.
    const toDue = daysBetween(dueDate, clockDate(d.clock, now));
    const lateNow =
      batch.at(-1)!.step === 'reminder' ? Math.min(0, toDue) : Math.max(batch.at(-1)!.daysLate, toDue);
    track(run, notify(alertNotification(p, state.projectId, due, batch, responsibleUnitId, lateNow)));
  }
}

/** The overdue search attribute, upserted only when the kinds overdue changed. */
function showOverdue(d: NonNullable<ProjectState['deadlines']>): void {
  const overdue = overdueKinds(d);
  if (!sameSet(overdue, d.overdueShown)) {
    upsertSearchAttributes([{ key: overdueKey, value: overdue }]);
    d.overdueShown = overdue;
  }
}

/**
 * The one notification for a batch of steps of a ladder: the last step speaks, naming the earlier
 * ones it stands for. A reminder goes to the operators of the unit responsible; from overdue on,
 * to both units and the admins; escalation and 约谈 to county level too.
 */
function alertNotification(
  p: NewProjectRecord,
  projectId: string,
  due: ActiveLadder,
  batch: PlannedLadderStep[],
  responsibleUnitId: string,
  /** The deadline's days late today, a reminder's days left as negative (the steps' own figures are those of their dates). */
  daysLate: number,
): Notification {
  const s = batch[batch.length - 1]!;
  const what = `${DEADLINE_LABELS[due.kind].zh}${due.period ? `（${due.period}）` : ''}`;
  const passed = batch.slice(0, -1).map((b) => LADDER_STEP_LABELS[b.step].zh);
  return {
    key: `alert:${projectId}:${due.kind}:${due.period}:${due.arm}:${s.step}`,
    projectId,
    category: 'deadline',
    severity: s.step === 'reminder' ? 'info' : s.step === 'overdue' ? 'warning' : 'critical',
    title: `【${LADDER_STEP_LABELS[s.step].zh}】${p.name}：${what}`,
    body:
      (s.step === 'reminder'
        ? `项目「${p.name}」(${p.code}) 的期限 ${due.dueDate} 即将到期。`
        : `项目「${p.name}」(${p.code}) ${what}，期限 ${due.dueDate}，已逾期 ${daysLate} 天。`) +
      (passed.length ? `此前已到期的${passed.join('、')}一并记录，不再单独通知。` : ''),
    // The same, as data: outside channels render it per language (an activity input only, the
    // commands the workflow issues are unchanged).
    facts: {
      kind: 'deadline',
      projectId,
      projectCode: p.code,
      projectName: p.name,
      deadline: due.kind,
      period: due.period,
      dueDate: due.dueDate,
      step: s.step,
      daysLate,
      earlierSteps: batch.slice(0, -1).map((b) => b.step),
    },
    audience: {
      unitIds: s.step === 'reminder' ? [responsibleUnitId] : [p.departmentId, p.ownerUnitId],
      operatorsOnly: s.step === 'reminder',
      admins: s.step !== 'reminder',
      countyLevel: s.step === 'escalated' || s.step === 'interview',
    },
  };
}

function track(run: ProjectRun, delivery: Promise<unknown>): void {
  const { deliveries } = run;
  // A delivery that finally fails is the channel's problem, never the project's: swallowed here.
  const tracked: Promise<unknown> = delivery
    .then(
      () => undefined,
      () => undefined,
    )
    .finally(() => deliveries.delete(tracked));
  deliveries.add(tracked);
}

export function ladderId(l: { kind: DeadlineKind; period: string }): string {
  return `${l.kind}:${l.period}`;
}

/**
 * What a step does to the ladders: which stop (and how their alerts close), which must be
 * re-armed (an adjusted planned date), which month's progress entry it delivers.
 */
export function ladderChangeOf(
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

// Shared with the rebuilding of a ladder state from PostgreSQL (domain/deadline-state.ts).
export { overdueKinds };

export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** The next instant the ladder loop must wake: a step, or the start of the next progress month. */
export function nextWake(state: ProjectState): number | undefined {
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
