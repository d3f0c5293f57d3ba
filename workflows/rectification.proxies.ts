/**
 * The activities the rectification workflows call. Writes are short and idempotent: retried until
 * they land, except data PostgreSQL refuses (STEP_REJECTED), which fails the request at once.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { createRectificationActivities } from '#activities/rectification.activities.js';
import type { createNotifyActivities } from '#activities/notify.activities.js';
import { STEP_REJECTED } from '#domain/project-records.js';

type RectificationActivities = ReturnType<typeof createRectificationActivities>;
type NotifyActivities = ReturnType<typeof createNotifyActivities>;

export const rectify = proxyActivities<RectificationActivities>({
  startToCloseTimeout: '15 seconds',
  retry: {
    initialInterval: '200 ms',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    nonRetryableErrorTypes: [STEP_REJECTED],
  },
});

/** As the project ladders: delivery may be slow or flaky; retried, idempotent by key. */
export const { notify } = proxyActivities<NotifyActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});
