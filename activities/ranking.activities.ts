/**
 * The monthly ranking's activity: compute a month's report and store it, once. Idempotent by the
 * month (ranking_report's key): a retry, a second trigger or a backfill of a stored month inserts
 * nothing and answers created: false. A month that is malformed or not yet over cannot succeed on
 * any retry: non-retryable.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { computeRankingReport } from '#db/ranking/compute.js';
import { storeRankingReport, type RankingTrigger } from '#db/ranking/store.js';
import { SYSTEM_SCOPE, inScope } from '#db/scope.js';
import { MONTH_PATTERN, monthCutoffInstant } from '#domain/ranking/report.js';
import { permanentFailuresFinal } from './write-errors.js';

export interface RankingRunInput {
  month: string;
  trigger: RankingTrigger;
  workflowId: string;
  /** The workflow's clock (ISO), recorded as computed_at. */
  at: string;
}

export interface RankingRunResult {
  month: string;
  created: boolean;
}

export function createRankingActivities(deps: { orm: Orm; audit: AuditLog }) {
  return {
    async computeMonthlyRanking(input: RankingRunInput): Promise<RankingRunResult> {
      if (!MONTH_PATTERN.test(input.month))
        throw ApplicationFailure.nonRetryable(
          `不是有效的月份 (not a month: ${input.month})`,
          'RankingMonthInvalid',
        );
      if (monthCutoffInstant(input.month) > Date.parse(input.at))
        throw ApplicationFailure.nonRetryable(
          `${input.month} 尚未结束 (${input.month} is not over yet)`,
          'RankingMonthNotOver',
        );
      return permanentFailuresFinal('ranking', () =>
        inScope(deps.orm, SYSTEM_SCOPE, async (tx) => {
          const exists = await tx.execute<{ n: number }[]>(
            'SELECT count(*)::int AS n FROM ranking_report WHERE month = ?',
            [input.month],
          );
          if ((exists[0]?.n ?? 0) > 0) return { month: input.month, created: false };
          const report = await computeRankingReport(tx, input.month, input.at);
          const { created } = await storeRankingReport(
            tx,
            deps.audit,
            report,
            input.trigger,
            input.workflowId,
          );
          return { month: input.month, created };
        }),
      );
    },
  };
}
