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
} from '#domain/complaint-records.js';

export interface ComplaintWorkflowInput {
  submission: ComplaintSubmission;
  /** Carried over by continue-as-new; absent on the first run. */
  state?: ComplaintState;
}

/** Resolves once the complaint is written. */
export const submittedUpdate = defineUpdate<{ id: string; receipt: string }>('submitted');

export const complaintStepUpdate = defineUpdate<{ status: ComplaintStatus }, [ComplaintStepRequest]>(
  'complaintStep',
);

export const getComplaintStateQuery = defineQuery<ComplaintState>('getComplaintState');
