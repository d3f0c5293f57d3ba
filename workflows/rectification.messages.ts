/**
 * What the outside world sees of a rectification notice's workflows: the Updates the api sends
 * (each with a synchronous validator: a refused one leaves nothing in history or database), the
 * Query, and the issuing workflow's Update. The api and the tests import these, never strings.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type {
  AnswerRequest,
  IssueRectificationRequest,
  IssuedRectification,
  RectificationState,
  VerdictRequest,
  WithdrawRequest,
} from '#domain/rectification-records.js';

export interface RectificationWorkflowInput {
  notice: IssuedRectification;
  /** Carried over by continue-as-new; absent on the first run. */
  state?: RectificationState;
}

export interface RectificationIssueInput {
  request: IssueRectificationRequest;
}

/** What issuing answers: the notice written, and the workflow that now runs it. */
export interface IssuedAnswer {
  id: string;
  serial: string;
  workflowId: string;
}

/** Resolves once the notice is written and its workflow started (Update-with-Start). */
export const issuedUpdate = defineUpdate<IssuedAnswer>('issued');

/** What an exchange answers: the problem's status afterwards (the api reads the rest from PostgreSQL). */
export interface ExchangeResult {
  status: string;
}
export const answerUpdate = defineUpdate<ExchangeResult, [AnswerRequest]>('answer');
export const verdictUpdate = defineUpdate<ExchangeResult, [VerdictRequest]>('verdict');
export const withdrawUpdate = defineUpdate<ExchangeResult, [WithdrawRequest]>('withdraw');

export const getRectificationStateQuery = defineQuery<RectificationState>('getRectificationState');
