/**
 * Running one month's ranking by hand (the supervision office's trigger and backfill, the api and
 * `npm run ranking:run`): the `monthlyRanking` workflow under the month's id `ranking-YYYY-MM`.
 * The id makes it once: a month whose workflow completed is refused by the reuse policy (its report
 * stands: created false), a run in progress is joined (conflict policy USE_EXISTING), and only a
 * failed one may run again. The activity's insert is keyed on the month besides.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import {
  rankingWorkflowId,
  type MonthlyRankingResult,
  type RankingTriggerKind,
} from '#domain/ranking/run.js';

export async function runRankingMonth(
  client: Client,
  taskQueue: string,
  month: string,
  trigger: Exclude<RankingTriggerKind, 'schedule'>,
): Promise<MonthlyRankingResult & { workflowId: string }> {
  const workflowId = rankingWorkflowId(month);
  try {
    const handle = await client.workflow.start('monthlyRanking', {
      workflowId,
      taskQueue,
      args: [{ month, trigger }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
    const result = (await handle.result()) as MonthlyRankingResult;
    return { ...result, workflowId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { month, created: false, workflowId };
    throw err;
  }
}
