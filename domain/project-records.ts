/**
 * Plain records that cross the workflow boundary (workflow input, activity arguments, query
 * results). JSON-safe: strings, numbers (money in integer 分), booleans, arrays.
 */
import type { Action, Stage } from './lifecycle.js';
import type { FundSourceKind, PlannedDates } from './schemas.js';

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
  location: string | null;
  approvalDocumentNo: string;
  budgetFen: number;
  fundSources: { kind: FundSourceKind; amountFen: number; documentNo: string | null }[];
  plannedDates: PlannedDates;
}

export interface TransitionRequest {
  actor: Actor;
  /** The validated request body: `action` plus that action's fields. */
  input: { action: Action } & Record<string, unknown>;
}

export interface TransitionRecord {
  projectId: string;
  seq: number;
  action: Action | 'create';
  fromStage: Stage | null;
  toStage: Stage;
  actor: Actor;
  at: string;
  payload: Record<string, unknown>;
  /** Fields of the project row this step changes besides the stage. */
  effects: { progressPercent?: number; plannedDates?: PlannedDates };
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
}

export function projectWorkflowId(code: string): string {
  return `project-${code}`;
}
