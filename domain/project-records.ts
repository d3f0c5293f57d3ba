/**
 * Plain records that cross the workflow boundary (workflow input, activity arguments, query
 * results). JSON-safe: strings, numbers (money in integer 分), booleans, arrays.
 */
import type { Action, Stage } from './lifecycle.js';
import type { FundSourceKind, PlannedDates } from './schemas.js';
import type { DeadlineKind, LadderClock, LadderPlan, LadderStep } from './deadlines.js';

export interface Actor {
  /** null for the system itself (timers, seeding). */
  id: string | null;
  username: string;
  name: string;
}

export const SYSTEM_ACTOR: Actor = { id: null, username: 'system', name: '系统' };

export interface NewProjectRecord {
  id: string;
  code: string;
  workflowId: string;
  name: string;
  year: number;
  type: string;
  nature: 'new' | 'continued' | 'rebuilt';
  departmentId: string;
  departmentCode: string;
  ownerUnitId: string;
  ownerUnitCode: string;
  villageIds: string[];
  villageCodes: string[];
  /** Townships of the villages (absent in runs started before the ladders shipped). */
  townshipCodes?: string[];
  location: string | null;
  approvalDocumentNo: string;
  budgetFen: number;
  fundSources: { kind: FundSourceKind; amountFen: number; documentNo: string | null }[];
  plannedDates: PlannedDates;
}

export interface TransitionRequest {
  actor: Actor;
  /**
   * Who asked, once: the Update id (`<user id>/<Idempotency-Key>`, or a random id). The step's
   * history row carries it, so a retried write is recognised by the request, never by its seq.
   */
  requestId?: string;
  /** The validated request body: `action` plus that action's fields. */
  input: { action: Action } & Record<string, unknown>;
  /** What the api resolved from the input (ids of village codes for an adjustment). */
  resolved?: { villageIds?: string[]; townshipCodes?: string[] };
}

/** A 调项 adjustment: only the fields that change; the activity keeps the before/after in history. */
export interface AdjustmentEffects {
  name?: string;
  location?: string | null;
  budgetFen?: number;
  fundSources?: { kind: FundSourceKind; amountFen: number; documentNo: string | null }[];
  villageIds?: string[];
  villageCodes?: string[];
  plannedDates?: PlannedDates;
}

/** Alerts of some ladders leave the active state together with a step (same transaction). */
export interface CloseAlerts {
  status: 'resolved' | 'superseded' | 'cancelled';
  ladders: { kind: DeadlineKind; period: string }[];
}

export interface TransitionRecord {
  projectId: string;
  seq: number;
  /** The request this step carries out (absent in histories recorded before it was kept). */
  requestId?: string;
  action: Action | 'create';
  fromStage: Stage | null;
  toStage: Stage;
  actor: Actor;
  at: string;
  payload: Record<string, unknown>;
  /** Fields of the project row this step changes besides the stage. */
  effects: {
    progressPercent?: number;
    plannedDates?: PlannedDates;
    adjustment?: AdjustmentEffects;
    closeAlerts?: CloseAlerts[];
  };
}

/** One step of a deadline ladder, written by the `recordAlert` activity. */
export interface AlertRecord {
  projectId: string;
  /** History sequence number of this alert (shared with the stage steps). */
  seq: number;
  stage: Stage;
  kind: DeadlineKind;
  period: string;
  arm: number;
  step: LadderStep;
  dueDate: string;
  stepDate: string;
  daysLate: number;
  responsibleUnitId: string;
  at: string;
  /** `alert:<kind>:<period>:<arm>:<step>` (absent in histories recorded before it was kept). */
  requestId?: string;
}

/**
 * What writing a step found: `recorded` now; `duplicate`, the same request was recorded before (at
 * `seq`, reaching `stage`: nothing changes); `conflict`, the seq was taken by a row of another
 * request that the workflow does not know (written by a run whose progress was lost), and the
 * last seq in PostgreSQL is `lastSeq`: the workflow moves past it and writes again.
 */
export type StepOutcome =
  | { status: 'recorded' }
  | { status: 'duplicate'; seq: number; stage: Stage }
  | { status: 'conflict'; lastSeq: number };

/** The failure type of a write that cannot succeed however often it is retried (bad data). */
export const STEP_REJECTED = 'StepRejected';

/** The request id of a ladder step: its identity in the ladder, whatever seq it is written at. */
export function alertRequestId(a: { kind: string; period: string; arm: number; step: string }): string {
  return `alert:${a.kind}:${a.period}:${a.arm}:${a.step}`;
}

/** A deadline ladder the workflow is running: its plan, which arming it is, how far it got. */
export interface ActiveLadder extends LadderPlan {
  arm: number;
  /** Number of steps fired so far (they fire in order). */
  fired: number;
  /**
   * How many steps were already due when the ladder was armed (a project registered, or a date
   * adjusted, after they had passed): they are recorded together and announced once, by the last.
   */
  catchUp?: number;
}

export interface DeadlineState {
  /** Ladders were configured off when this project's clock was set: nothing is chased. */
  enabled: boolean;
  clock: LadderClock;
  /** Incremented on every arming, so a re-armed deadline never collides with its old alerts. */
  armSeq: number;
  ladders: ActiveLadder[];
  /** First month a progress entry is expected (the start month), and the last month armed. */
  progressFrom: string | null;
  progressArmedThrough: string | null;
  /** Months reported ahead of their ladder being armed. */
  progressReported: string[];
  /** The overdue kinds last written to the ProjectOverdue search attribute. */
  overdueShown: DeadlineKind[];
}

export interface ProjectState {
  projectId: string;
  code: string;
  stage: Stage;
  /** Sequence number of the last history row written (0 = creation). */
  seq: number;
  recorded: boolean;
  progressPercent: number;
  plannedDates: PlannedDates;
  /** Deadline ladders; absent in runs recorded before the ladders shipped. */
  deadlines?: DeadlineState;
}

/** What `getProjectState` answers: the state plus the ladder position in a readable form. */
export interface ProjectStateView extends ProjectState {
  overdue: DeadlineKind[];
  activeAlerts: { kind: DeadlineKind; period: string; step: LadderStep; dueDate: string; daysLate: number }[];
  ladderPositions: {
    kind: DeadlineKind;
    period: string;
    dueDate: string;
    arm: number;
    lastStep: LadderStep | null;
    next: { step: LadderStep; date: string } | null;
  }[];
}

export function projectWorkflowId(code: string): string {
  return `project-${code}`;
}
