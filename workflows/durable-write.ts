/**
 * Writing a step (or a ladder's alerts) at the next history seq, with the two answers a write can
 * get besides `recorded`: the same request was recorded before (`duplicate`: by this write's own
 * earlier attempt, or in an earlier run), or the seq is held by a row of a request the workflow
 * does not know (`conflict`, a write whose run was lost).
 */
import { ActivityFailure, ApplicationFailure, log, patched } from '@temporalio/workflow';
import { STEP_REJECTED, type StepOutcome } from '#domain/project-records.js';
import { OWN_WRITE_RETRIED_PATCH } from './project.patches.js';

/** How often a write moves past seqs taken by rows the workflow does not know before giving up. */
const MAX_SEQ_CONFLICTS = 3;

/**
 * Writes through `write(seq)`: a seq found taken by a row of another request (a write whose run
 * was lost) is moved past; a write PostgreSQL refuses for its data becomes a refused step.
 */
export async function writeDurably(
  first: { seq: number },
  write: (seq: number) => Promise<StepOutcome>,
): Promise<{ status: 'recorded'; seq: number } | Extract<StepOutcome, { status: 'duplicate' }>> {
  let seq = first.seq;
  for (let conflicts = 0; ; conflicts++) {
    let outcome: StepOutcome;
    try {
      outcome = await write(seq);
    } catch (err) {
      throw refusedWrite(err);
    }
    if (outcome.status === 'recorded') return { status: 'recorded', seq };
    if (outcome.status === 'duplicate') {
      // At the very seq this write asked for: an earlier attempt of this same activity wrote it
      // and its worker died before reporting it. The write is this run's, as if just recorded.
      if (outcome.seq === seq && patched(OWN_WRITE_RETRIED_PATCH)) return { status: 'recorded', seq };
      return outcome;
    }
    if (conflicts >= MAX_SEQ_CONFLICTS)
      throw ApplicationFailure.nonRetryable(
        `项目历史序号冲突，请运行 npm run reconcile (history seq ${seq} is taken)`,
        STEP_REJECTED,
      );
    log.warn('history seq taken by an unknown request; writing after it', { seq, last: outcome.lastSeq });
    seq = Math.max(seq, outcome.lastSeq + 1);
  }
}

/** A failed write as the refusal of the step: its message and type, never a failed workflow task. */
function refusedWrite(err: unknown): ApplicationFailure {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure)
    return ApplicationFailure.nonRetryable(
      cause.message,
      cause.type ?? STEP_REJECTED,
      ...(cause.details ?? []),
    );
  return ApplicationFailure.nonRetryable(
    `步骤未能记录 (the step could not be recorded: ${String((cause as Error)?.message ?? cause)})`,
    STEP_REJECTED,
  );
}
