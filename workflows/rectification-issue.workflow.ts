/**
 * Issuing a notice, durably: one workflow per issuing request (`rectification-issue-<request>`).
 * Its activity takes the year's next serial number and writes the notice in one transaction; the
 * notice's own workflow (`rectification-<year>-<number>`) is then started as a child the issuer
 * abandons. Were the api to die after the number was taken, the issuer carries on by itself: a
 * number is never left without its notice, nor a notice without its workflow.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  allHandlersFinished,
  condition,
  setHandler,
  startChild,
} from '@temporalio/workflow';
import { STEP_REJECTED } from '#domain/project-records.js';
import { issuedUpdate, type IssuedAnswer, type RectificationIssueInput } from './rectification.messages.js';
import { rectify } from './rectification.proxies.js';
import { rectificationWorkflow } from './rectification.workflow.js';

export async function rectificationIssueWorkflow(input: RectificationIssueInput): Promise<IssuedAnswer> {
  let answer: IssuedAnswer | undefined;
  let refusal: ApplicationFailure | undefined;
  setHandler(issuedUpdate, async () => {
    await condition(() => answer !== undefined || refusal !== undefined);
    if (refusal) throw refusal;
    return answer!;
  });
  try {
    const notice = await rectify.issueRectification(input.request);
    await startChild(rectificationWorkflow, {
      workflowId: notice.workflowId,
      args: [{ notice }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    answer = { id: notice.id, serial: notice.serial, workflowId: notice.workflowId };
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    refusal = ApplicationFailure.nonRetryable(
      String((cause as Error)?.message ?? cause),
      cause instanceof ApplicationFailure ? (cause.type ?? STEP_REJECTED) : STEP_REJECTED,
    );
  }
  await condition(allHandlersFinished);
  if (refusal) throw refusal;
  return answer!;
}
