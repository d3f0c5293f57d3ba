/**
 * The deadline ladders of a notice's problems: each term of a problem not yet answered climbs
 * reminder → overdue → escalated to county → 约谈 flag, as the project ladders do. Steps of several
 * problems that fall on one instant go together: one write, one message. An answer stops the
 * ladder of its problem; a send-back arms a new one.
 */
import { log } from '@temporalio/workflow';
import type { Notification } from '#activities/notify.activities.js';
import { daysBetween, LADDER_STEP_LABELS } from '#domain/deadlines.js';
import {
  LADDER_RANK,
  noticeToday,
  type LadderStepRecord,
  type ProblemState,
  type RectificationState,
} from '#domain/rectification-records.js';
import { notify, rectify } from './rectification.proxies.js';

export interface LadderRun {
  state: RectificationState;
  /** Notifications not yet delivered: awaited before the run ends or continues as new. */
  deliveries: Set<Promise<unknown>>;
}

/** A problem whose current term is still waiting for the unit's answer. */
function chased(p: ProblemState): boolean {
  return p.status === 'open' || p.status === 'sentBack';
}

function nextStep(p: ProblemState) {
  return chased(p) ? p.term.steps[p.fired] : undefined;
}

/** Fires every step whose instant has come, oldest first, each batch written before the next. */
export async function fireDue(run: LadderRun): Promise<void> {
  const { state } = run;
  if (!state.notice.laddersOn || state.status !== 'open') return;
  for (;;) {
    const now = Date.now();
    let first: { atMs: number; rank: number } | undefined;
    for (const p of state.problems) {
      const s = nextStep(p);
      if (!s || s.atMs > now) continue;
      const rank = LADDER_RANK[s.step];
      if (!first || s.atMs < first.atMs || (s.atMs === first.atMs && rank < first.rank))
        first = { atMs: s.atMs, rank };
    }
    if (!first) return;
    const batch = state.problems.filter((p) => {
      const s = nextStep(p);
      return s && s.atMs === first.atMs && LADDER_RANK[s.step] === first.rank;
    });
    const at = new Date().toISOString();
    const records: LadderStepRecord[] = batch.map((p) => {
      const s = p.term.steps[p.fired]!;
      return {
        noticeId: state.notice.id,
        problemId: p.id,
        seq: p.seq,
        arm: p.term.arm,
        step: s.step,
        dueDate: p.term.dueDate,
        stepDate: s.date,
        daysLate: s.daysLate,
        unitId: state.notice.unitId,
        at,
      };
    });
    const flagArm = batch.map((p) => `${p.seq}.${p.term.arm}`).join(',');
    try {
      await rectify.recordRectificationSteps({ steps: records, flagArm, serial: state.notice.serial });
    } catch (err) {
      // A step the database refuses is a fault of ours, not the unit's: the ladder moves on (the
      // log names the lost step) instead of the notice's workflow failing with it.
      log.error('rectification ladder step not recorded', { flagArm, error: String(err) });
    }
    batch.forEach((p) => (p.fired += 1));
    // A reminder's figure is the days still left, negative (还有 3 天到期), not its step's 0.
    const left = daysBetween(records[0]!.dueDate, noticeToday(state.notice.clock, now));
    track(run, notify(stepNotification(state, records, flagArm, Math.min(0, left))));
  }
}

/** The next instant the ladder loop must wake, if any step is pending. */
export function nextWake(state: RectificationState): number | undefined {
  if (!state.notice.laddersOn || state.status !== 'open') return undefined;
  let wake: number | undefined;
  for (const p of state.problems) {
    const s = nextStep(p);
    if (s && (wake === undefined || s.atMs < wake)) wake = s.atMs;
  }
  return wake;
}

/**
 * One message per batch. A reminder goes to the operators of the unit addressed; from overdue
 * on, to the whole unit and the issuing office; escalation and 约谈 to county level too.
 */
function stepNotification(
  state: RectificationState,
  records: LadderStepRecord[],
  flagArm: string,
  /** A reminder's days left, as a negative number. */
  reminderDays: number,
): Notification {
  const n = state.notice;
  const r = records[0]!;
  const seqs = records.map((x) => x.seq);
  const which = `问题${seqs.join('、')}`;
  return {
    key: `rectification:${n.id}:${r.step}:${flagArm}`,
    projectId: null,
    category: 'rectification',
    severity: r.step === 'reminder' ? 'info' : r.step === 'overdue' ? 'warning' : 'critical',
    title: `【${LADDER_STEP_LABELS[r.step].zh}】${n.serial}：${n.title}`,
    body:
      r.step === 'reminder'
        ? `整改通知书 ${n.serial}「${n.title}」${which}的整改期限 ${r.dueDate} 即将到期，请按期整改并答复。`
        : `整改通知书 ${n.serial}「${n.title}」${which}整改期限 ${r.dueDate}，已逾期 ${r.daysLate} 天。` +
          (r.step === 'escalated' ? '已上报县级督办。' : r.step === 'interview' ? '已标记约谈。' : ''),
    facts: {
      kind: 'rectification',
      noticeId: n.id,
      serial: n.serial,
      title: n.title,
      step: r.step,
      dueDate: r.dueDate,
      daysLate: r.step === 'reminder' ? reminderDays : r.daysLate,
      problems: seqs,
    },
    audience: {
      unitIds: r.step === 'reminder' ? [n.unitId] : [n.unitId, n.issuerUnitId],
      operatorsOnly: r.step === 'reminder',
      admins: false,
      countyLevel: r.step === 'escalated' || r.step === 'interview',
    },
  };
}

function track(run: LadderRun, delivery: Promise<unknown>): void {
  const { deliveries } = run;
  // A delivery that finally fails is the channel's problem, never the notice's: swallowed here.
  const tracked: Promise<unknown> = delivery
    .then(
      () => undefined,
      () => undefined,
    )
    .finally(() => deliveries.delete(tracked));
  deliveries.add(tracked);
}
