/** The monthly ranking workflow's identity and messages, shared by the workflow, api, CLI and tests. */

export type RankingTriggerKind = 'schedule' | 'manual' | 'backfill';

export interface MonthlyRankingInput {
  month: string;
  trigger: RankingTriggerKind;
}

export interface MonthlyRankingResult {
  month: string;
  created: boolean;
}

/** One workflow id per month: however many triggers name a month, its report is computed once. */
export function rankingWorkflowId(month: string): string {
  return `ranking-${month}`;
}
