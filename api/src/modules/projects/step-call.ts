/**
 * Calling a project workflow from a request: a bounded wait, and the workflow's verdict as the
 * api's error. A request never waits on Temporal without a bound: past it the caller hears 504
 * (or 503 when Temporal cannot be reached) and the step is done once or not at all — the Update
 * id is the request's identity, so asking again with the same Idempotency-Key tells which.
 */
import {
  ServiceError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { AppError, splitBilingual, TRANSITION_NOT_ALLOWED } from '#domain/errors.js';
import { STEP_REJECTED } from '#domain/project-records.js';

class StepTimeout extends Error {}

export async function boundedStep<T>(temporal: Client, ms: number, call: () => Promise<T>): Promise<T> {
  const ctrl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  // The race answers even if the cancelled call is slow to notice its abort.
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ctrl.abort();
      reject(new StepTimeout());
    }, ms);
  });
  try {
    return await Promise.race([temporal.withAbortSignal(ctrl.signal, call), late]);
  } catch (err) {
    if (ctrl.signal.aborted) throw new StepTimeout();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** The failure of a step call as the answer the caller gets. */
export function stepFailure(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const cause: unknown = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
  if (cause instanceof ApplicationFailure) {
    if (cause.type === TRANSITION_NOT_ALLOWED) return new AppError('TRANSITION_NOT_ALLOWED', cause.message);
    if (cause.type === STEP_REJECTED) {
      // The refusal's own words: the house form, or the database's (English) verdict on the data.
      const why = splitBilingual(cause.message);
      return new AppError('STEP_REJECTED', {
        zh: `数据未被接受，步骤未记录：${why.zh}`,
        en: `the data was not accepted; the step was not recorded: ${why.en}`,
      });
    }
  }
  if (err instanceof StepTimeout || err instanceof WorkflowUpdateRPCTimeoutOrCancelledError)
    return new AppError(
      'TIMEOUT',
      '步骤未能及时完成：它只会被执行一次或不执行，请稍后用相同的 Idempotency-Key 重试以获知结果 (the step did not answer in time; retry with the same Idempotency-Key)',
    );
  if (err instanceof ServiceError || hasGrpcCode(err))
    return new AppError('UNAVAILABLE', '流程服务暂不可用，请稍后重试 (the workflow service is unavailable)');
  return err;
}

function hasGrpcCode(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 4; i++) {
    if (typeof e.code === 'number') return true;
    e = e.cause as typeof e;
  }
  return false;
}
