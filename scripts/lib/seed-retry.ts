/**
 * What the demo seed does when a call fails: retry it (bounded, with backoff) when it may succeed
 * later, re-read the project when the answer says its state is not what the seed read, and stop
 * with a line naming the project, the step and every cause otherwise.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { AppError } from '#domain/errors.js';

/**
 * - `retry`: a timeout, an unreachable or restarting server, a dropped connection; it is also
 *   a sign that the machine is congested.
 * - `reread`: the project was not where the seed thought (a step sent before an interruption has
 *   landed since, or a registration whose answer was lost did happen): read it again and go on.
 * - `fatal`: the request is wrong and stays wrong.
 */
export type Verdict = 'retry' | 'reread' | 'fatal';

const FATAL_CODES = new Set([
  'VALIDATION_FAILED',
  'BAD_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'PAYLOAD_TOO_LARGE',
  'ARCHIVE_INTEGRITY_FAILED',
]);

export function verdictOf(err: unknown): Verdict {
  if (err instanceof AppError) {
    if (err.code === 'TRANSITION_NOT_ALLOWED' || err.code === 'CONFLICT') return 'reread';
    return FATAL_CODES.has(err.code) ? 'fatal' : 'retry';
  }
  // The workflow answered and refused: sending the same again gets the same answer.
  if (err instanceof WorkflowUpdateFailedError) return 'fatal';
  // Bugs, not weather.
  if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError) return 'fatal';
  return 'retry';
}

/** Every message down the cause chain, so that "Workflow Update failed" is never all one sees. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 6 && e !== undefined && e !== null; depth++) {
    if (e instanceof Error) {
      const code = (e as { code?: unknown }).code;
      const label = `${e.name}${code !== undefined ? ` [${String(code)}]` : ''}`;
      const text = e.message ? `${label}: ${e.message.split('\n')[0]}` : label;
      if (!parts.includes(text)) parts.push(text);
      e = (e as { cause?: unknown }).cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join(' ← ') || 'unknown error';
}

export class SeedStepError extends Error {
  constructor(
    readonly project: string,
    readonly step: string,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(
      `demo project ${project}, step ${step}: ${describeError(cause)}` +
        (attempts > 1 ? ` (gave up after ${attempts} attempts)` : ''),
      { cause },
    );
    this.name = 'SeedStepError';
  }
}

export interface RetryPolicy {
  attempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export const SEED_RETRY: RetryPolicy = { attempts: 8, firstDelayMs: 1000, maxDelayMs: 30_000 };

/** The delay before attempt `n + 1` (n ≥ 1): doubling, capped, with a little jitter. */
export function backoff(policy: RetryPolicy, n: number): number {
  const base = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (n - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
