/**
 * The activities a complaint's workflow calls. Writes are short and idempotent: retried until they
 * land, except what no retry can cure — data refused (STEP_REJECTED: malformed, a missing row,
 * PostgreSQL's constraints) or a step the recorded status refuses (TRANSITION_NOT_ALLOWED) — which
 * fails the request at once. The activities throw those non-retryable; the types are named here too,
 * so that one thrown without the flag is not retried either.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { createComplaintActivities } from '#activities/complaint.activities.js';
import type { createNotifyActivities } from '#activities/notify.activities.js';
import { TRANSITION_NOT_ALLOWED } from '#domain/errors.js';
import { STEP_REJECTED } from '#domain/project-records.js';

type ComplaintActivities = ReturnType<typeof createComplaintActivities>;
type NotifyActivities = ReturnType<typeof createNotifyActivities>;

export const complain = proxyActivities<ComplaintActivities>({
  startToCloseTimeout: '15 seconds',
  retry: {
    initialInterval: '200 ms',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    nonRetryableErrorTypes: [STEP_REJECTED, TRANSITION_NOT_ALLOWED],
  },
});

/** As the other ladders: delivery may be slow or flaky; retried, idempotent by key. */
export const { notify: notifyComplaint } = proxyActivities<NotifyActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});
