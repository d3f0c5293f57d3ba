/**
 * Deadlines and the escalation ladder (docs/domain.md §5). Pure: dates are ISO `YYYY-MM-DD` strings in
 * China Standard Time (UTC+8, no daylight saving), and working days come from a function the
 * caller supplies (the worker backs it with the `chinese-days` calendar), so this module stays
 * free of data files and I/O and the workflow never needs the calendar itself.
 */
import type { Stage } from './lifecycle.js';

/** Four planned dates plus the monthly progress entry. */
export const DEADLINE_KINDS = ['start', 'completion', 'acceptance', 'reimbursement', 'progress'] as const;
export type DeadlineKind = (typeof DEADLINE_KINDS)[number];
export const PLANNED_DEADLINES = ['start', 'completion', 'acceptance', 'reimbursement'] as const;
export type PlannedDeadline = (typeof PLANNED_DEADLINES)[number];

export const DEADLINE_LABELS: Record<DeadlineKind, { zh: string; en: string }> = {
  start: { zh: '逾期未开工', en: 'not started' },
  completion: { zh: '逾期未竣工', en: 'not completed' },
  acceptance: { zh: '逾期未验收', en: 'not accepted' },
  reimbursement: { zh: '逾期未报账', en: 'not reimbursed' },
  progress: { zh: '逾期未录入月度进度', en: 'monthly progress missing' },
};

/** The ladder, in order. `interview` is the 约谈 flag (and the unit's negative-list entry). */
export const LADDER_STEPS = ['reminder', 'overdue', 'escalated', 'interview'] as const;
export type LadderStep = (typeof LADDER_STEPS)[number];
export const LADDER_STEP_LABELS: Record<LadderStep, { zh: string; en: string }> = {
  reminder: { zh: '到期提醒', en: 'reminder' },
  overdue: { zh: '逾期预警', en: 'overdue' },
  escalated: { zh: '上报县级', en: 'escalated to county' },
  interview: { zh: '约谈标记', en: 'admonition talk' },
};

/** Who answers for each deadline: 谁当业主谁负责 for the works, 谁主管谁负责 for acceptance and money. */
export const DEADLINE_RESPONSIBLE: Record<DeadlineKind, 'ownerUnit' | 'department'> = {
  start: 'ownerUnit',
  completion: 'ownerUnit',
  progress: 'ownerUnit',
  acceptance: 'department',
  reimbursement: 'department',
};

const STAGE_RANK: Record<Stage, number> = {
  approved: 0,
  designApproved: 1,
  methodFixed: 2,
  underway: 3,
  completed: 4,
  rectifying: 4, // completed, not yet accepted
  accepted: 5,
  reimbursed: 6,
  afterCare: 7,
  closed: 8,
  cancelled: 99, // nothing is chased any more
};
const MET_AT_RANK: Record<PlannedDeadline, number> = {
  start: 3,
  completion: 4,
  acceptance: 5,
  reimbursement: 6,
};

/** True once the stage a planned date asks for has been reached (or the project was cancelled). */
export function deadlineMet(kind: PlannedDeadline, stage: Stage): boolean {
  return STAGE_RANK[stage] >= MET_AT_RANK[kind];
}

/** Monthly progress entries are expected while the works are under way. */
export function progressExpected(stage: Stage): boolean {
  return stage === 'underway';
}

export interface DeadlineConfig {
  /** Off: no ladder is armed (a county migrating old projects may want silence). */
  enabled: boolean;
  /** Length of one "day" in milliseconds: 86 400 000 in production; tests and demos shorten it. */
  dayMs: number;
  reminderDays: number;
  /** Overdue → escalated to county level after this many days. */
  grace1Days: number;
  /** Escalated → 约谈 flag and negative list after this many more days. */
  grace2Days: number;
  /** Count periods in calendar days, or in working days (public holidays and 调休 make-up days). */
  dayCount: 'calendar' | 'working';
  /**
   * With a shortened day, the instant every new clock counts as 00:00 of its China date, instead of
   * the instant a project's deadlines are first planned. Real days need none: their clock is the
   * calendar, shared by every project. A shortened day with a shared origin lets many projects
   * reach the same ladder date at the same instant (the month-end benchmark).
   */
  sharedOriginMs?: number;
}

export const DEFAULT_DEADLINE_CONFIG: DeadlineConfig = {
  enabled: true,
  dayMs: 86_400_000,
  reminderDays: 7,
  grace1Days: 7,
  grace2Days: 15,
  dayCount: 'calendar',
};

export type IsWorkday = (date: string) => boolean;

// ── date arithmetic on YYYY-MM-DD (UTC-based, so no local time zone leaks in) ──────────────
const DAY = 86_400_000;
const CST_OFFSET = 8 * 3_600_000;

function toUtc(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
}
function fromUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
export function addDays(date: string, n: number): string {
  return fromUtc(toUtc(date) + n * DAY);
}
export function daysBetween(from: string, to: string): number {
  return Math.round((toUtc(to) - toUtc(from)) / DAY);
}
/**
 * How late a deadline is when a ladder step is raised at `atMs`: the step's own figure (that of its
 * date), or more when it is raised after its date (a ladder armed after its dates had passed raises
 * them together, today). The 约谈's reason states it (and the console reads it back the same way).
 */
export function daysLateWhenRaised(dueDate: string, stepDaysLate: number, atMs: number): number {
  return Math.max(stepDaysLate, daysBetween(dueDate, cstDate(atMs)));
}
/** The date in China Standard Time at an instant. */
export function cstDate(ms: number): string {
  return fromUtc(ms + CST_OFFSET);
}
/** The month in China Standard Time at an instant, 'YYYY-MM'. */
export function cstMonth(ms: number): string {
  return cstDate(ms).slice(0, 7);
}
/** An instant written on the county's clock with its offset, as the console's pickers hold one: '2026-12-07T01:30:00+08:00'. */
export function cstDateTime(ms: number): string {
  return `${new Date(ms + CST_OFFSET).toISOString().slice(0, 19)}+08:00`;
}
/** The date and minute in China Standard Time at an instant, as documents print it: '2026-12-07 01:30'. */
export function cstMinute(ms: number): string {
  return new Date(ms + CST_OFFSET).toISOString().slice(0, 16).replace('T', ' ');
}
export function monthOf(date: string): string {
  return date.slice(0, 7);
}
export function lastDayOfMonth(month: string): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return fromUtc(Date.UTC(y, m, 1) - DAY);
}
export function nextMonth(month: string): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}
export function previousMonth(month: string): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}
/** The instant a county day begins: 00:00 China Standard Time. */
export function cstMidnight(date: string): number {
  return toUtc(date) - CST_OFFSET;
}

/** Moves `n` days forward (n > 0) or back (n < 0), counting only working days in working mode. */
export function shiftDays(
  date: string,
  n: number,
  mode: DeadlineConfig['dayCount'],
  isWorkday: IsWorkday,
): string {
  if (mode === 'calendar' || n === 0) return addDays(date, n);
  const dir = n > 0 ? 1 : -1;
  let d = date;
  for (let left = Math.abs(n); left > 0;) {
    d = addDays(d, dir);
    if (isWorkday(d)) left--;
  }
  return d;
}

export interface LadderStepPlan {
  step: LadderStep;
  /** The day the step fires (at its first instant, China time). */
  date: string;
  /** Calendar days past the due date on that day (0 for the reminder). */
  daysLate: number;
}

/**
 * The steps of one deadline whose due date (the last day allowed) is `due`:
 * reminder `reminderDays` before it; overdue on the first (working) day after it; escalated
 * `grace1Days` later; 约谈 flag `grace2Days` after that.
 */
export function ladderDates(due: string, cfg: DeadlineConfig, isWorkday: IsWorkday): LadderStepPlan[] {
  const reminder = shiftDays(due, -cfg.reminderDays, cfg.dayCount, isWorkday);
  const overdue = shiftDays(due, 1, cfg.dayCount, isWorkday);
  const escalated = shiftDays(overdue, cfg.grace1Days, cfg.dayCount, isWorkday);
  const interview = shiftDays(escalated, cfg.grace2Days, cfg.dayCount, isWorkday);
  return [
    { step: 'reminder', date: reminder, daysLate: 0 },
    { step: 'overdue', date: overdue, daysLate: daysBetween(due, overdue) },
    { step: 'escalated', date: escalated, daysLate: daysBetween(due, escalated) },
    { step: 'interview', date: interview, daysLate: daysBetween(due, interview) },
  ];
}

/**
 * The ladder clock maps dates to instants. With real days a date starts at 00:00 China time.
 * With a shortened day (tests, demos) the instant the project's clock was set counts as 00:00
 * of that day in China, and each later date lies `dayMs` further on.
 */
export interface LadderClock {
  dayMs: number;
  originMs: number;
}

export function clockOriginDate(clock: LadderClock): string {
  return cstDate(clock.originMs);
}

export function instantOf(date: string, clock: LadderClock): number {
  if (clock.dayMs === DAY) return cstMidnight(date);
  return clock.originMs + daysBetween(clockOriginDate(clock), date) * clock.dayMs;
}

/** Today's date on the ladder clock. */
export function clockDate(clock: LadderClock, nowMs: number): string {
  if (clock.dayMs === DAY) return cstDate(nowMs);
  return addDays(clockOriginDate(clock), Math.floor((nowMs - clock.originMs) / clock.dayMs));
}

/** One deadline to plan: a planned date, or the progress entry of a month. */
export interface DeadlineSpec {
  kind: DeadlineKind;
  /** `YYYY-MM` for progress, '' otherwise. */
  period: string;
  dueDate: string;
}

export interface PlannedLadderStep extends LadderStepPlan {
  atMs: number;
}

export interface LadderPlan extends DeadlineSpec {
  steps: PlannedLadderStep[];
}

export function planLadder(
  spec: DeadlineSpec,
  cfg: DeadlineConfig,
  clock: LadderClock,
  isWorkday: IsWorkday,
): LadderPlan {
  return {
    ...spec,
    steps: ladderDates(spec.dueDate, cfg, isWorkday).map((s) => ({ ...s, atMs: instantOf(s.date, clock) })),
  };
}

/** The due date of a month's progress entry: the last day of that month. */
export function progressSpec(month: string): DeadlineSpec {
  return { kind: 'progress', period: month, dueDate: lastDayOfMonth(month) };
}
