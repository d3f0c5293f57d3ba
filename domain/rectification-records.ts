/**
 * What a rectification notice's workflow, its activities and the api pass each other
 * (docs/supervision.md#rectification-notices-整改通知书), and the pure rules they share: the serial
 * text, each problem's due date and ladder, and when a closed notice counts as closed on time.
 */
import {
  LADDER_STEPS,
  clockDate,
  instantOf,
  ladderDates,
  shiftDays,
  type DeadlineConfig,
  type IsWorkday,
  type LadderClock,
  type LadderStep,
  type PlannedLadderStep,
} from './deadlines.js';
import type { Actor } from './project-records.js';

export const DEFAULT_SERIAL_PREFIX = '城口监督整改';

/** 城口监督整改〔2026〕7号 */
export function rectificationSerial(prefix: string, year: number, number: number): string {
  return `${prefix}〔${year}〕${number}号`;
}

export function rectificationWorkflowId(year: number, number: number): string {
  return `rectification-${year}-${number}`;
}

/** The workflow that issues one notice: one per issuing request (its Update id). */
export function rectificationIssueWorkflowId(requestId: string): string {
  return `rectification-issue-${requestId}`;
}

export type DayCount = 'calendar' | 'working';

/** A request to issue, checked and resolved by the api (ids, not codes). */
export interface IssueRectificationRequest {
  requestId: string;
  actor: Actor;
  issuerUnitId: string;
  unitId: string;
  title: string;
  dayCount: DayCount;
  redFlagId: number | null;
  problems: {
    projectId: string | null;
    description: string;
    basis: string;
    deadlineDays: number;
  }[];
}

/** One problem's term (its arm): the due date and the ladder that chases it. */
export interface ProblemTerm {
  arm: number;
  dueDate: string;
  steps: PlannedLadderStep[];
}

/** What the issuing activity wrote, and what the notice's workflow starts from. */
export interface IssuedRectification {
  id: string;
  year: number;
  number: number;
  serial: string;
  workflowId: string;
  unitId: string;
  issuerUnitId: string;
  title: string;
  dayCount: DayCount;
  issuedOn: string;
  /** The ladder clock (real days, or the test accelerator's shortened day). */
  clock: LadderClock;
  /** Off (DEADLINE_ALERTS=off): no ladder is run. */
  laddersOn: boolean;
  problems: { id: number; seq: number; term: ProblemTerm }[];
}

export const PROBLEM_STATES = ['open', 'answered', 'sentBack', 'accepted', 'withdrawn'] as const;
export type ProblemStatus = (typeof PROBLEM_STATES)[number];

export interface ProblemState {
  id: number;
  seq: number;
  status: ProblemStatus;
  term: ProblemTerm;
  /** Steps of the current term's ladder already fired. */
  fired: number;
  /** Some term of this problem was answered after its due date (or not at all by then). */
  late: boolean;
}

export interface RectificationState {
  notice: Omit<IssuedRectification, 'problems'>;
  status: 'open' | 'closed' | 'withdrawn';
  problems: ProblemState[];
}

/** The unit's answer to one problem. */
export interface AnswerRequest {
  requestId: string;
  actor: Actor;
  problemId: number;
  action: string;
  evidenceIds: string[];
}

/** The office's verdict on one answered problem. */
export type VerdictRequest = {
  requestId: string;
  actor: Actor;
  problemId: number;
} & ({ verdict: 'accept'; comment: string } | { verdict: 'sendBack'; reasons: string; deadlineDays: number });

export interface WithdrawRequest {
  requestId: string;
  actor: Actor;
  reason: string;
}

/** What an exchange write reports: written now, or found written by an earlier attempt. */
export type ExchangeOutcome = { status: 'recorded' } | { status: 'duplicate' };

/** One fired ladder step of one problem's term, as the activity writes it. */
export interface LadderStepRecord {
  noticeId: string;
  problemId: number;
  seq: number;
  arm: number;
  step: LadderStep;
  dueDate: string;
  stepDate: string;
  daysLate: number;
  unitId: string;
  at: string;
}

/** The due date of a term of `days` starting on `from` (the day of issue or of the send-back). */
export function termDueDate(from: string, days: number, dayCount: DayCount, isWorkday: IsWorkday): string {
  return shiftDays(from, days, dayCount, isWorkday);
}

/**
 * The ladder of a term: the project ladders' steps (reminder, overdue, escalated, 约谈) counted in
 * the notice's own kind of days. A reminder that would fall on or before the day the term began
 * is left out: the notice (or the send-back) itself has just told the unit.
 */
export function termLadder(
  from: string,
  dueDate: string,
  cfg: DeadlineConfig,
  dayCount: DayCount,
  clock: LadderClock,
  isWorkday: IsWorkday,
): PlannedLadderStep[] {
  return ladderDates(dueDate, { ...cfg, dayCount }, isWorkday)
    .filter((s) => s.step !== 'reminder' || s.date > from)
    .map((s) => ({ ...s, atMs: instantOf(s.date, clock) }));
}

/** Today on the notice's clock: what "on time" is measured against. */
export function noticeToday(clock: LadderClock, nowMs: number): string {
  return clockDate(clock, nowMs);
}

/**
 * A notice is closed on time when no term of any of its problems was overdue: every answer the
 * office went on to judge (accepted, or sent back with a new term) came on or before the due date
 * of the term it answered. How long the office took to verify does not count against the unit.
 */
export function closedOnTime(problems: readonly Pick<ProblemState, 'late'>[]): boolean {
  return problems.every((p) => !p.late);
}

export const LADDER_RANK: Record<LadderStep, number> = Object.fromEntries(
  LADDER_STEPS.map((s, i) => [s, i + 1]),
) as Record<LadderStep, number>;
