/**
 * The monthly ranking's Schedule as deployments get it: the worker process (worker/main.ts, from
 * the environment, as `npm start` and docker compose run it) started twice leaves one schedule
 * with the right spec; the schedule's trigger makes the month just over once, a backfill of a past
 * action time makes that month once, and doing either again changes nothing.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ScheduleOverlapPolicy, type ScheduleHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rankingMonthFor } from '#domain/ranking/report.js';
import { createLogger } from '#platform/log.js';
import { PROJECT_ROOT } from '#platform/temporal-cli.js';
import { startNodeChild } from '#scripts/lib/children.js';
import { TEST_AUDIT_KEY } from '../support/constants.js';
import { eventually } from '../support/eventually.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let dataDir: string;
const scheduleId = `monthly-ranking-test-${randomBytes(4).toString('hex')}`;
const log = createLogger('schedule-test', 'warn');

/** One start of the worker process, until it is ready (the schedule is ensured before that). */
async function startAndStopWorker(): Promise<void> {
  const child = await startNodeChild({
    name: 'worker',
    entry: path.join(PROJECT_ROOT, 'worker/main.ts'),
    log,
    readyTimeoutMs: 240_000,
    onUnexpectedExit: () => undefined,
    env: {
      ...process.env,
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      DATA_DIR: dataDir,
      AUDIT_KEY: TEST_AUDIT_KEY,
      AUDIT_CHECKPOINT_SECONDS: '0',
      LOG_LEVEL: 'error',
      DEADLINE_ALERTS: 'off',
      RANKING_SCHEDULE_ID: scheduleId,
      RANKING_CATCHUP_DAYS: '3',
    },
  });
  await child.stop();
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sanzhang-ranking-schedule-'));
  stack = await startTestStack();
}, 240_000);
afterAll(async () => {
  await stack?.client.schedule
    .getHandle(scheduleId)
    .delete()
    .catch(() => undefined);
  await stack?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function reportsOf(month: string) {
  return (
    await stack.db.query<{ computed_at: Date; trigger: string; workflow_id: string }>(
      'SELECT computed_at, trigger, workflow_id FROM ranking_report WHERE month = $1',
      [month],
    )
  ).rows;
}

/** The schedule's completed runs, with their results (visibility is eventually consistent). */
async function ticks(handle: ScheduleHandle, n: number) {
  return eventually(async () => {
    const desc = await handle.describe();
    const recent = desc.info.recentActions;
    if (recent.length < n) return undefined;
    const results = await Promise.all(
      recent.map((a) => stack.client.workflow.getHandle(a.action.workflow.workflowId).result()),
    );
    return results as { month: string; created: boolean; ran: boolean }[];
  }, 60_000);
}

describe('the ranking schedule', () => {
  let handle: ScheduleHandle;

  it('two starts of the worker make one schedule: the 1st at 06:00 Asia/Shanghai, overlap SKIP, catch-up window set', async () => {
    await startAndStopWorker();
    await startAndStopWorker();
    const ids: string[] = [];
    for await (const s of stack.client.schedule.list())
      if (s.scheduleId.startsWith(scheduleId)) ids.push(s.scheduleId);
    expect(ids).toEqual([scheduleId]);
    handle = stack.client.schedule.getHandle(scheduleId);
    const d = await handle.describe();
    expect(d.spec.timezone).toBe('Asia/Shanghai');
    expect(d.spec.calendars).toHaveLength(1);
    expect(d.spec.calendars![0]).toMatchObject({
      dayOfMonth: [{ start: 1, end: 1, step: 1 }],
      hour: [{ start: 6, end: 6, step: 1 }],
      minute: [{ start: 0, end: 0, step: 1 }],
      second: [{ start: 0, end: 0, step: 1 }],
    });
    expect(d.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(d.policies.catchupWindow).toBe(3 * 86_400_000);
    expect(d.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'monthlyRankingTick',
      taskQueue: stack.taskQueue,
    });
    // The next run is on a 1st at 06:00 in Shanghai (22:00 UTC the day before).
    const next = d.info.nextActionTimes[0]!;
    expect([
      next.getUTCHours(),
      next.getUTCMinutes(),
      new Date(next.getTime() + 8 * 3600_000).getUTCDate(),
    ]).toEqual([22, 0, 1]);
  });

  it('a manual trigger makes the month just over once; triggering again changes nothing', async () => {
    const month = rankingMonthFor(Date.now());
    await handle.trigger();
    const [first] = await ticks(handle, 1);
    expect(first).toEqual({ month, created: true, ran: true });
    const before = await reportsOf(month);
    expect(before).toEqual([
      { computed_at: expect.any(Date), trigger: 'schedule', workflow_id: `ranking-${month}` },
    ]);
    await handle.trigger();
    const runs = await ticks(handle, 2);
    expect(runs[1]).toEqual({ month, created: false, ran: false });
    expect(await reportsOf(month)).toEqual(before);
  });

  it('a backfill of a past action time makes that month once; backfilling again changes nothing', async () => {
    // The action of August 1st 06:00 reports on July.
    const at = new Date('2026-08-01T06:00:00+08:00');
    const window = {
      start: at,
      end: new Date(at.getTime() + 1000),
      overlap: ScheduleOverlapPolicy.ALLOW_ALL,
    };
    await handle.backfill([window]);
    const runs = await ticks(handle, 3);
    expect(runs[2]).toEqual({ month: '2026-07', created: true, ran: true });
    const before = await reportsOf('2026-07');
    expect(before).toEqual([
      { computed_at: expect.any(Date), trigger: 'backfill', workflow_id: 'ranking-2026-07' },
    ]);
    await handle.backfill([window]);
    const again = await ticks(handle, 4);
    expect(again[3]).toEqual({ month: '2026-07', created: false, ran: false });
    expect(await reportsOf('2026-07')).toEqual(before);
  });
});
