/**
 * One workflow per rectification notice (`rectification-<year>-<number>`), modelled on a
 * monitoring procedure: issued → the elimination period of each problem → the unit's answer →
 * the office's verdict (accept, or send back with reasons and a new term) → closed when every
 * problem is accepted, or withdrawn with a reason. Each exchange is an Update with a synchronous
 * validator; activities write it (rectification.activities.ts). Deterministic: imports only
 * @temporalio/workflow, domain/ and activity types.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { TRANSITION_NOT_ALLOWED } from '#domain/errors.js';
import { STEP_REJECTED } from '#domain/project-records.js';
import {
  closedOnTime,
  noticeToday,
  type ProblemState,
  type RectificationState,
} from '#domain/rectification-records.js';
import { fireDue, nextWake, type LadderRun } from './rectification.ladder.js';
import {
  answerUpdate,
  getRectificationStateQuery,
  verdictUpdate,
  withdrawUpdate,
  type RectificationWorkflowInput,
} from './rectification.messages.js';
import { rectify } from './rectification.proxies.js';
import { StepLock } from './project.run.js';

export async function rectificationWorkflow(input: RectificationWorkflowInput): Promise<RectificationState> {
  const { problems, ...notice } = input.notice;
  const state: RectificationState = input.state ?? {
    notice,
    status: 'open',
    problems: problems.map((p) => ({
      id: p.id,
      seq: p.seq,
      status: 'open',
      term: p.term,
      fired: 0,
      late: false,
    })),
  };
  const lock = new StepLock(true, true);
  const run: LadderRun & { dirty: boolean } = { state, deliveries: new Set(), dirty: false };
  const nowIso = () => new Date().toISOString();
  const today = () => noticeToday(state.notice.clock, Date.now());

  setHandler(getRectificationStateQuery, () => state);

  setHandler(
    answerUpdate,
    (req) =>
      exclusive(lock, async () => {
        const p = answerable(state, req.problemId);
        const onTime = today() <= p.term.dueDate;
        const out = await written(() =>
          rectify.recordAnswer({ ...req, noticeId: notice.id, arm: p.term.arm, onTime, at: nowIso() }),
        );
        if (out.status === 'recorded') {
          p.status = 'answered';
          if (!onTime) p.late = true;
          run.dirty = true; // its ladder stops
        }
        return { status: p.status };
      }),
    { validator: (req) => void answerable(state, req?.problemId) },
  );

  setHandler(
    verdictUpdate,
    (req) =>
      exclusive(lock, async () => {
        const p = verifiable(state, req.problemId);
        const newTerm =
          req.verdict === 'sendBack'
            ? await rectify.planRectificationTerm({
                arm: p.term.arm + 1,
                from: today(),
                days: req.deadlineDays,
                dayCount: state.notice.dayCount,
                clock: state.notice.clock,
              })
            : null;
        const last =
          req.verdict === 'accept' && state.problems.every((q) => q === p || q.status === 'accepted');
        const out = await written(() =>
          rectify.recordVerdict({
            ...req,
            noticeId: notice.id,
            arm: p.term.arm,
            at: nowIso(),
            newTerm,
            close: last ? { onTime: closedOnTime(state.problems) } : null,
          }),
        );
        if (out.status === 'recorded') {
          if (newTerm) {
            p.status = 'sentBack';
            p.term = newTerm;
            p.fired = 0;
          } else p.status = 'accepted';
          if (last) state.status = 'closed';
          run.dirty = true;
        }
        return { status: p.status };
      }),
    { validator: (req) => void verifiable(state, req?.problemId) },
  );

  setHandler(
    withdrawUpdate,
    (req) =>
      exclusive(lock, async () => {
        open(state);
        const out = await written(() =>
          rectify.recordWithdrawal({ ...req, noticeId: notice.id, at: nowIso() }),
        );
        if (out.status === 'recorded') {
          state.status = 'withdrawn';
          for (const p of state.problems) if (p.status !== 'accepted') p.status = 'withdrawn';
          run.dirty = true;
        }
        return { status: state.status };
      }),
    { validator: (_req) => open(state) },
  );

  while (state.status === 'open' && !workflowInfo().continueAsNewSuggested) {
    await lock.locked(() => fireDue(run));
    const wake = nextWake(state);
    run.dirty = false;
    const stop = () => run.dirty || state.status !== 'open' || workflowInfo().continueAsNewSuggested;
    if (wake === undefined) await condition(stop);
    else if (wake > Date.now()) await condition(stop, wake - Date.now());
  }
  await condition(allHandlersFinished);
  await Promise.all([...run.deliveries]);
  if (state.status === 'open') return continueAsNew<typeof rectificationWorkflow>({ ...input, state });
  return state;
}

/** Handlers run one at a time, and never beside a ladder write. */
async function exclusive<T>(lock: StepLock, fn: () => Promise<T>): Promise<T> {
  await lock.acquire();
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

function refuse(message: string): never {
  throw ApplicationFailure.nonRetryable(message, TRANSITION_NOT_ALLOWED);
}

function open(state: RectificationState): void {
  if (state.status !== 'open')
    refuse(
      state.status === 'closed'
        ? '整改通知书已办结 (the notice is closed)'
        : '整改通知书已撤回 (the notice is withdrawn)',
    );
}

function problemOf(state: RectificationState, problemId: unknown): ProblemState {
  open(state);
  const p = state.problems.find((x) => x.id === problemId);
  if (!p) refuse(`整改通知书没有这个问题 (no problem ${String(problemId)} in this notice)`);
  return p;
}

/** A problem waiting for the unit's answer: new, or sent back. */
function answerable(state: RectificationState, problemId: unknown): ProblemState {
  const p = problemOf(state, problemId);
  if (p.status !== 'open' && p.status !== 'sentBack')
    refuse(
      p.status === 'answered'
        ? '该问题已答复，等待审核 (already answered, awaiting the verdict)'
        : '该问题已通过审核 (the problem is already accepted)',
    );
  return p;
}

/** A problem the unit has answered and the office has not yet judged. */
function verifiable(state: RectificationState, problemId: unknown): ProblemState {
  const p = problemOf(state, problemId);
  if (p.status !== 'answered')
    refuse(
      p.status === 'accepted'
        ? '该问题已通过审核 (the problem is already accepted)'
        : '该问题尚未答复，不能审核 (the problem has not been answered yet)',
    );
  return p;
}

/** A write's refusal (data PostgreSQL or the claim refuses) as the Update's, never a failed task. */
async function written<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    if (cause instanceof ApplicationFailure)
      throw ApplicationFailure.nonRetryable(cause.message, cause.type ?? STEP_REJECTED);
    throw ApplicationFailure.nonRetryable(String((cause as Error)?.message ?? cause), STEP_REJECTED);
  }
}
