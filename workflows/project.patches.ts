/**
 * The `patched()` ids of the project workflow, one per change to its command sequence. Each id is
 * written into the histories of the runs that took the change, so the ids never change and none
 * is removed while a history recorded before it may still replay (tests/fixtures/histories).
 */

/** The deadline ladders. Histories recorded before them replay without them. */
export const DEADLINE_LADDERS_PATCH = 'deadline-ladders';
/**
 * Planning a ladder and recording its alerts as local activities: both are one short step on
 * this worker, and a round trip through the task queue cost 开工 (which arms the progress
 * ladder) a whole extra activity task and workflow task. Histories recorded before it replay
 * with the regular activities.
 */
export const LOCAL_DEADLINE_ACTIVITIES_PATCH = 'local-deadline-activities';
/**
 * The step lock taken inside the condition that waits for it. Waiting with `!busy` and setting
 * `busy` afterwards let every waiter through at once when the lock came free (the SDK checks all
 * blocked conditions before any of them resumes), so concurrent steps took the same sequence
 * number and all but one were lost. Histories recorded before it replay with the old wait.
 */
export const EXCLUSIVE_STEPS_PATCH = 'exclusive-steps';
/**
 * Before continuing as new, wait again for the steps that arrived while the run awaited its
 * pending notifications. The server aborts an accepted Update whose run ends, so such a step
 * answered 500. Histories recorded before it continue as new at once (the old behaviour).
 */
export const STEPS_BEFORE_RENEWAL_PATCH = 'steps-before-renewal';
/**
 * A step's cost in the worker and the server. A free step lock is taken at once instead of
 * through a condition (each wait costs the SDK another pass into the workflow sandbox, with its
 * watchdog thread), and a step upserts only the search attributes it changes: every upsert is a
 * visibility write, and 录入月度进度 — the commonest step — changes none. Histories recorded
 * before it replay with a condition per lock and a stage upsert per step.
 */
export const LEAN_STEPS_PATCH = 'lean-steps';
/**
 * A ladder armed after some of its steps had passed (a project registered late, a date adjusted
 * into the past) records those steps in one write and announces only the last: a reminder sent
 * when the date is long gone, then an overdue alert, an escalation and a 约谈 flag a moment apart,
 * told the same people four times what one message says. Histories recorded before it fire
 * such steps one by one.
 */
export const LADDER_CATCH_UP_PATCH = 'ladder-catch-up';
/**
 * Steps and ladder alerts written by regular activities, keyed by the request they carry out. A
 * local activity commits before the workflow task that ran it is persisted: when the server died
 * in between, the replayed run handed the same seq to another request, whose write the "already
 * recorded?" check then skipped (a step answered 200 and never written), while the lost one was
 * written again on retry. A regular activity runs only once the decision to take the step (its
 * seq, its request) is in the history. Checked at each write, so runs that began before it take
 * the new way from their next step on; histories recorded before it replay as they were.
 */
export const DURABLE_STEPS_PATCH = 'durable-steps';
/**
 * A step's write found already recorded at the very seq it asked for is taken as recorded: the
 * same activity's earlier attempt wrote it and its worker died before reporting it (the server
 * then retried the activity elsewhere). The step used to be answered as a duplicate without the
 * run taking it, so the project stayed at its old stage in the workflow (the next step refused)
 * while PostgreSQL had moved on. Histories recorded before it replay with the old answer.
 */
export const OWN_WRITE_RETRIED_PATCH = 'own-write-retried';
/**
 * A month's progress ladder, before each step, asks PostgreSQL whether the month's entry is in
 * the implementing ledger: the ledger's form and an import write it without the step 录入月度进度,
 * and the ladder went on to overdue, escalation and a 约谈 flag for a month already reported.
 * Histories recorded before it fire those steps without asking.
 */
export const PROGRESS_ENTRY_CHECK_PATCH = 'progress-entry-check';
