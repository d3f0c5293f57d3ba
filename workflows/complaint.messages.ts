/**
 * What the outside world sees of a complaint's workflow (`complaint-<receipt>`): the Update the
 * submission starts it with (Update-with-Start), the Update of every later step (with a synchronous
 * validator: a refused one leaves nothing in history or database) and the Query.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type {
  ComplaintState,
  ComplaintStatus,
  ComplaintStepRequest,
  ComplaintSubmission,
  SlaPhase,
} from '#domain/complaint-records.js';

/** The complaint's state as its workflow keeps it. */
export interface ComplaintRunState extends ComplaintState {
  /**
   * How many time-limit terms of each phase the complaint has armed (the highest number given),
   * never lowered: an answer ends the running term, and the next one must not take its number.
   * Absent from the state of a run begun before it was counted and from one started again from
   * PostgreSQL; the run then counts from its running term.
   */
  armed?: Partial<Record<SlaPhase, number>>;
}

export interface ComplaintWorkflowInput {
  submission: ComplaintSubmission;
  /** Carried over by continue-as-new (or read back from PostgreSQL); absent on the first run. */
  state?: ComplaintRunState;
}

/** Resolves once the complaint is written. */
export const submittedUpdate = defineUpdate<{ id: string; receipt: string }>('submitted');

export const complaintStepUpdate = defineUpdate<{ status: ComplaintStatus }, [ComplaintStepRequest]>(
  'complaintStep',
);

export const getComplaintStateQuery = defineQuery<ComplaintState>('getComplaintState');
