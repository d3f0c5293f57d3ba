/** The demo seed's adaptive concurrency, its retry verdicts, and its error lines. */
import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { AppError } from '#domain/errors.js';
import { AdaptiveLimit } from '#scripts/lib/adaptive-limit.js';
import { SeedStepError, describeError, verdictOf } from '#scripts/lib/seed-retry.js';

describe('AdaptiveLimit', () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it('grows while steps answer quickly, and halves when they slow down or time out', () => {
    const c = clock();
    const limit = new AdaptiveLimit({ initial: 4, max: 32, now: c.now, coolDownMs: 1000 });
    for (let i = 0; i < 200; i++) {
      limit['inFlight']++;
      limit.release({ ms: 300 });
    }
    const grown = limit.limit;
    expect(grown).toBeGreaterThan(12);
    c.advance(5000);
    limit['inFlight']++;
    limit.release({ ms: 20_000 }); // far slower than the quickest answer seen
    expect(limit.limit).toBe(Math.floor(grown / 2));
    // A burst of bad answers within the cool-down is one signal, not five.
    for (let i = 0; i < 5; i++) {
      limit['inFlight']++;
      limit.release('congested');
    }
    expect(limit.limit).toBe(Math.floor(grown / 2));
    c.advance(5000);
    limit['inFlight']++;
    limit.release('congested');
    expect(limit.limit).toBe(Math.floor(grown / 4));
  });

  it('never goes below one nor above its maximum', () => {
    const c = clock();
    const limit = new AdaptiveLimit({ initial: 2, max: 5, now: c.now, coolDownMs: 0 });
    for (let i = 0; i < 10; i++) {
      c.advance(1);
      limit['inFlight']++;
      limit.release('congested');
    }
    expect(limit.limit).toBe(1);
    for (let i = 0; i < 500; i++) {
      limit['inFlight']++;
      limit.release({ ms: 10 });
    }
    expect(limit.limit).toBe(5);
  });

  it('lets no more than the limit run at once', async () => {
    const limit = new AdaptiveLimit({ initial: 3, max: 3 });
    let running = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 12 }, () =>
        limit.run(
          async () => {
            most = Math.max(most, ++running);
            await new Promise((r) => setTimeout(r, 5));
            running--;
          },
          () => false,
        ),
      ),
    );
    expect(most).toBe(3);
  });
});

describe('seed retry verdicts', () => {
  it('retries timeouts and lost connections, rereads refusals, stops on wrong requests', () => {
    expect(verdictOf(new WorkflowUpdateRPCTimeoutOrCancelledError('Timed out'))).toBe('retry');
    expect(verdictOf(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(
      'retry',
    );
    expect(verdictOf(new AppError('UNAVAILABLE', 'Temporal did not answer'))).toBe('retry');
    expect(
      verdictOf(new AppError('TRANSITION_NOT_ALLOWED', '当前阶段「立项」不能执行「确定实施方式」')),
    ).toBe('reread');
    expect(verdictOf(new AppError('CONFLICT', '项目编号已存在'))).toBe('reread');
    expect(verdictOf(new AppError('VALIDATION_FAILED', 'bad'))).toBe('fatal');
    expect(verdictOf(new TypeError('x is undefined'))).toBe('fatal');
  });

  it('names the project, the step and every cause', () => {
    const cause = ApplicationFailure.create({ message: 'duplicate key value', type: 'DbError' });
    const err = new SeedStepError(
      'CK2026-017',
      '开工 (start)',
      8,
      new WorkflowUpdateFailedError('Workflow Update failed', cause),
    );
    expect(err.message).toContain('CK2026-017');
    expect(err.message).toContain('开工 (start)');
    expect(err.message).toContain('Workflow Update failed');
    expect(err.message).toContain('duplicate key value');
    expect(err.message).toContain('8 attempts');
    expect(describeError(new Error(''))).toBe('Error');
  });
});
