/** What the dispatcher asks the rate limiter before it claims: the room left now, and when more frees. */
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '#domain/notifications/rate-limit.js';

describe('RateLimiter.room', () => {
  it('is unbounded before any limited send, then the free slots of every bucket together', () => {
    const sut = new RateLimiter((b) => (b === 'open' ? null : { limit: 3, windowMs: 1000 }));
    expect(sut.room(0)).toEqual({ free: Infinity, nextFreeMs: Infinity });
    sut.take('open', 0); // unlimited: never counted
    expect(sut.room(0).free).toBe(Infinity);
    sut.take('a', 0);
    sut.take('a', 100);
    expect(sut.room(100)).toEqual({ free: 1, nextFreeMs: Infinity });
    sut.take('a', 200);
    sut.take('b', 300);
    expect(sut.room(300)).toEqual({ free: 2, nextFreeMs: 1000 });
  });

  it('is 0 while every bucket is full, with the instant the first slot frees', () => {
    const sut = new RateLimiter(() => ({ limit: 2, windowMs: 1000 }));
    for (const t of [0, 50]) sut.take('a', t);
    for (const t of [10, 20]) sut.take('b', t);
    expect(sut.room(500)).toEqual({ free: 0, nextFreeMs: 1000 });
    // The window slides: a's first send leaves it at 1000, b's two at 1010 and 1020.
    expect(sut.room(1000)).toEqual({ free: 1, nextFreeMs: 1010 });
    expect(sut.room(1020)).toEqual({ free: 3, nextFreeMs: Infinity });
  });
});
