/**
 * A project's deadline-ladder state read back from what PostgreSQL recorded, for a workflow started
 * again from the database (`npm run recreate-workflows`, after a restore into an empty Temporal).
 * The new run must go on where the lost one stood: the ladders its stage still runs, each at the
 * arming whose alerts are on record and past the steps already recorded (so that none is recorded
 * or announced twice), and those of its deadlines whose steps came due meanwhile caught up in one
 * batch, as a project registered late is. Pure: the caller plans with the configuration, the clock
 * and the holiday calendar of the worker.
 */
import {
  PLANNED_DEADLINES,
  clockDate,
  deadlineMet,
  monthOf,
  nextMonth,
  planLadder,
  progressExpected,
  progressSpec,
  type DeadlineConfig,
  type DeadlineKind,
  type DeadlineSpec,
  type IsWorkday,
  type LadderClock,
  type LadderStep,
} from './deadlines.js';
import type { Stage } from './lifecycle.js';
import type { ActiveLadder, DeadlineState } from './project-records.js';
import type { PlannedDates } from './schemas.js';

/** Kinds whose ladder has passed its due date (fired overdue or later). */
export function overdueKinds(d: DeadlineState): DeadlineKind[] {
  const kinds = new Set(d.ladders.filter((l) => l.fired >= 2).map((l) => l.kind));
  return [...kinds].sort();
}

/** One row of the `alert` table: a ladder step recorded, and whether its ladder still runs. */
export interface RecordedAlert {
  kind: DeadlineKind;
  period: string;
  arm: number;
  step: LadderStep;
  status: 'active' | 'resolved' | 'superseded' | 'cancelled';
}

export interface RecordedDeadlines {
  stage: Stage;
  plannedDates: PlannedDates;
  /** The ladder month of the 开工 step (when monthly progress entries began to be expected). */
  progressFrom: string | null;
  /** Months whose progress entry was reported (报进度 steps). */
  reportedMonths: readonly string[];
  alerts: readonly RecordedAlert[];
}

export function rebuildDeadlineState(
  r: RecordedDeadlines,
  plan: { config: DeadlineConfig; clock: LadderClock; nowMs: number; isWorkday: IsWorkday },
): DeadlineState {
  const { config, clock, nowMs } = plan;
  // Arming numbers are part of every alert's identity: new armings take numbers above all on record.
  let armSeq = Math.max(0, ...r.alerts.map((a) => a.arm));
  const d: DeadlineState = {
    enabled: config.enabled,
    clock,
    armSeq,
    ladders: [],
    progressFrom: r.progressFrom,
    progressArmedThrough: null,
    progressReported: [],
    overdueShown: [],
  };
  if (!config.enabled) return d;

  const specs: DeadlineSpec[] = PLANNED_DEADLINES.filter((k) => !deadlineMet(k, r.stage)).map((k) => ({
    kind: k,
    period: '',
    dueDate: r.plannedDates[k],
  }));
  // Every month begun since the works started is armed (as the workflow's loop arms them), save
  // those reported already; months reported ahead stay noted for when they begin.
  if (progressExpected(r.stage) && r.progressFrom) {
    const current = monthOf(clockDate(clock, nowMs));
    for (let m = r.progressFrom; m <= current; m = nextMonth(m)) {
      if (!r.reportedMonths.includes(m)) specs.push(progressSpec(m));
      d.progressArmedThrough = m;
    }
    d.progressReported = [...new Set(r.reportedMonths)]
      .filter((m) => m > (d.progressArmedThrough ?? ''))
      .sort();
  }

  for (const spec of specs) {
    const ladder = planLadder(spec, config, clock, plan.isWorkday);
    const mine = r.alerts.filter((a) => a.kind === spec.kind && a.period === spec.period);
    const lastArm = Math.max(0, ...mine.map((a) => a.arm));
    const running = mine.filter((a) => a.arm === lastArm);
    let arm: number;
    let fired = 0;
    if (running.some((a) => a.status === 'active')) {
      // The arming on record still runs: go on after the furthest step it recorded (steps fire in order).
      arm = lastArm;
      const recorded = new Set(running.map((a) => a.step));
      ladder.steps.forEach((s, i) => {
        if (recorded.has(s.step)) fired = i + 1;
      });
    } else {
      // None on record, or only of an arming a 调项 superseded: the deadline is armed afresh.
      armSeq += 1;
      arm = armSeq;
    }
    const due = ladder.steps.filter((s) => s.atMs <= nowMs).length;
    const active: ActiveLadder = { ...ladder, arm, fired, ...(due - fired > 1 ? { catchUp: due } : {}) };
    d.ladders.push(active);
  }
  d.armSeq = armSeq;
  d.overdueShown = overdueKinds(d);
  return d;
}
