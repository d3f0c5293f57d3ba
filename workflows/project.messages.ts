/**
 * What the outside world sees of a project workflow: its input, the Updates and the Query the api
 * calls, and the search attributes it keeps. The api and the tests import these definitions, never
 * string names.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, type UpdateDefinition } from '@temporalio/common';
import { ACTIONS, type Action, type Stage } from '#domain/lifecycle.js';
import type {
  Actor,
  NewProjectRecord,
  ProjectState,
  ProjectStateView,
  TransitionRequest,
} from '#domain/project-records.js';

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
  /**
   * Set when the workflow was started again from PostgreSQL (`npm run recreate-workflows`, after a
   * restore into an empty Temporal), with `state` read from there: the history rows up to
   * `state.seq` were written before this workflow, `stageSeq` is its last step's. The workflow
   * ignores it; the reconciliation reads it (it is carried on by continue-as-new with the rest).
   */
  recreated?: { at: string; stageSeq: number };
}

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
