/**
 * The monthly ranking (docs/supervision.md). `monthlyRanking` (workflow id `ranking-YYYY-MM`)
 * computes and stores one month's report through an idempotent activity. The Schedule
 * (worker/ranking-schedule.ts) starts `monthlyRankingTick` on the 1st at 06:00 Asia/Shanghai; the
 * tick works out the month from its scheduled time (a backfill's is the past action time, not
 * now) and runs `monthlyRanking` for it as a child with the month's id, so however many ticks,
 * triggers and backfills name a month, its report is computed once.
 */
import {
  ApplicationFailure,
  SearchAttributeType,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  defineSearchAttributeKey,
} from '@temporalio/common';
import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createRankingActivities } from '#activities/ranking.activities.js';
import { rankingMonthFor } from '#domain/ranking/report.js';
import {
  rankingWorkflowId,
  type MonthlyRankingInput,
  type MonthlyRankingResult,
} from '#domain/ranking/run.js';

type RankingActivities = ReturnType<typeof createRankingActivities>;

const { computeMonthlyRanking } = proxyActivities<RankingActivities>({
  // An aggregate over every project of the year: minutes at most, even on a large county.
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function monthlyRanking(input: MonthlyRankingInput): Promise<MonthlyRankingResult> {
  return computeMonthlyRanking({
    month: input.month,
    trigger: input.trigger,
    workflowId: workflowInfo().workflowId,
    at: new Date().toISOString(),
  });
}

const scheduledStart = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** Started by the Schedule; `trigger` tells a backfill from the regular run (set by who starts it). */
export async function monthlyRankingTick(): Promise<MonthlyRankingResult & { ran: boolean }> {
  const at = workflowInfo().typedSearchAttributes.get(scheduledStart);
  if (!at)
    throw ApplicationFailure.nonRetryable(
      '不是由考核排名计划启动的 (not started by the ranking schedule)',
      'RankingNotScheduled',
    );
  const month = rankingMonthFor(at.getTime());
  // A scheduled time more than a day before this run started is a backfill (or a late catch-up).
  const late = workflowInfo().startTime.getTime() - at.getTime() > 86_400_000;
  try {
    const result = await executeChild(monthlyRanking, {
      workflowId: rankingWorkflowId(month),
      args: [{ month, trigger: late ? 'backfill' : 'schedule' }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    });
    return { ...result, ran: true };
  } catch (err) {
    // The month's workflow has already run (or runs now, started by a person): its report stands.
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { month, created: false, ran: false };
    throw err;
  }
}
