/**
 * The monthly ranking's Temporal Schedule: the 1st of each month at 06:00 Asia/Shanghai, starting
 * `monthlyRankingTick` (workflows/ranking.workflow.ts). Every worker ensures it at start, because
 * the worker is the one process every deployment runs (`npm start`, docker compose, a cluster):
 * the first creates it; later starts find it and bring its spec and policies up to date, so any
 * number of starts leaves one schedule. Overlap SKIP: a run still going when the next is due is
 * not doubled. The catch-up window is explicit: a run missed while the cluster was down starts
 * when it is back, if within the window.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
} from '@temporalio/client';

export interface RankingScheduleConfig {
  scheduleId: string;
  taskQueue: string;
  catchupDays: number;
}

export function rankingScheduleOptions(c: RankingScheduleConfig): ScheduleOptions {
  return {
    scheduleId: c.scheduleId,
    spec: {
      calendars: [{ comment: '每月1日06:00 月度考核排名', dayOfMonth: 1, hour: 6, minute: 0, second: 0 }],
      timezone: 'Asia/Shanghai',
    },
    action: {
      type: 'startWorkflow',
      workflowType: 'monthlyRankingTick',
      // The server appends the action time: ranking-tick-2027-01-01T06:00:00+08:00 …
      workflowId: 'ranking-tick',
      taskQueue: c.taskQueue,
      args: [],
    },
    policies: {
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: `${c.catchupDays} days`,
      pauseOnFailure: false,
    },
  };
}

/** Creates the schedule, or updates the one there: one schedule however many starts. */
export async function ensureRankingSchedule(
  client: Client,
  c: RankingScheduleConfig,
): Promise<'created' | 'updated'> {
  const opts = rankingScheduleOptions(c);
  try {
    await client.schedule.create(opts);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(c.scheduleId).update((prev) => ({
    ...prev,
    spec: opts.spec,
    action: opts.action,
    policies: { ...prev.policies, ...opts.policies },
  }));
  return 'updated';
}
