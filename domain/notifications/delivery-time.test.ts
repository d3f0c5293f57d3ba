import { describe, expect, it } from 'vitest';
import {
  inQuietWindow,
  nextTimeOfDay,
  parseClockTime,
  parseQuietWindow,
  retryDelayMs,
  smsNotBefore,
} from './delivery-time.js';
import { RateLimiter } from './rate-limit.js';

const TZ = 'Asia/Shanghai';
/** An instant given as Beijing wall-clock time. */
const cst = (iso: string) => Date.parse(`${iso}+08:00`);
const night = parseQuietWindow('22:00-07:00')!;

describe('quiet hours', () => {
  it('parses times and windows, refusing malformed ones', () => {
    expect(parseClockTime('07:00')).toBe(7 * 3600);
    expect(parseClockTime('23:59:30')).toBe(86_370);
    expect(parseClockTime('24:00')).toBeNull();
    expect(parseClockTime('7:00')).toBeNull();
    expect(parseQuietWindow('22:00-07:00')).toEqual({ start: 79_200, end: 25_200 });
    expect(parseQuietWindow('22:00')).toBeNull();
    expect(parseQuietWindow('22:00-07:00-08:00')).toBeNull();
  });

  it('holds an SMS at 23:00 until 07:00 the next day', () => {
    expect(smsNotBefore(cst('2026-03-10T23:00:00'), night, TZ)).toBe(cst('2026-03-11T07:00:00'));
  });

  it('holds one sent after midnight until 07:00 the same day', () => {
    expect(smsNotBefore(cst('2026-03-11T03:15:00'), night, TZ)).toBe(cst('2026-03-11T07:00:00'));
  });

  it('crosses a month end and a year end', () => {
    expect(smsNotBefore(cst('2026-02-28T22:30:00'), night, TZ)).toBe(cst('2026-03-01T07:00:00'));
    expect(smsNotBefore(cst('2026-12-31T22:00:00'), night, TZ)).toBe(cst('2027-01-01T07:00:00'));
  });

  it('lets an SMS outside the window go at once; the window end itself is outside', () => {
    expect(smsNotBefore(cst('2026-03-11T07:00:00'), night, TZ)).toBe(cst('2026-03-11T07:00:00'));
    expect(smsNotBefore(cst('2026-03-11T21:59:59'), night, TZ)).toBe(cst('2026-03-11T21:59:59'));
    expect(smsNotBefore(cst('2026-03-11T12:00:00'), null, TZ)).toBe(cst('2026-03-11T12:00:00'));
  });

  it('handles a window that does not cross midnight', () => {
    const lunch = parseQuietWindow('12:00-13:30')!;
    expect(inQuietWindow(cst('2026-03-11T11:59:59'), lunch, TZ)).toBe(false);
    expect(smsNotBefore(cst('2026-03-11T12:00:00'), lunch, TZ)).toBe(cst('2026-03-11T13:30:00'));
    expect(smsNotBefore(cst('2026-03-11T13:30:00'), lunch, TZ)).toBe(cst('2026-03-11T13:30:00'));
    expect(inQuietWindow(cst('2026-03-11T23:00:00'), lunch, TZ)).toBe(false);
  });

  it('treats an empty window as no quiet hours', () => {
    expect(smsNotBefore(cst('2026-03-11T03:00:00'), parseQuietWindow('07:00-07:00'), TZ)).toBe(
      cst('2026-03-11T03:00:00'),
    );
  });

  it('reads wall-clock time in the configured zone, not the process zone', () => {
    // 23:00 in Shanghai is 15:00 UTC: quiet there, not in UTC.
    const at = Date.parse('2026-03-10T15:00:00Z');
    expect(inQuietWindow(at, night, TZ)).toBe(true);
    expect(inQuietWindow(at, night, 'UTC')).toBe(false);
    expect(smsNotBefore(at, night, 'UTC')).toBe(at);
  });
});

describe('digest time', () => {
  it('is today at 08:00 before it, tomorrow after it, now at it', () => {
    const at = parseClockTime('08:00')!;
    expect(nextTimeOfDay(cst('2026-03-31T06:00:00'), at, TZ)).toBe(cst('2026-03-31T08:00:00'));
    expect(nextTimeOfDay(cst('2026-03-31T08:00:01'), at, TZ)).toBe(cst('2026-04-01T08:00:00'));
    expect(nextTimeOfDay(cst('2026-03-31T08:00:00'), at, TZ)).toBe(cst('2026-03-31T08:00:00'));
  });
});

describe('retry back-off', () => {
  it('doubles per attempt up to the cap; a longer vendor pause wins', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1000, 5000))).toEqual([1000, 2000, 4000, 5000]);
    expect(retryDelayMs(1, 1000, 5000, 30_000)).toBe(30_000);
    expect(retryDelayMs(3, 1000, 5000, 10)).toBe(4000);
  });
});

describe('rate limiter', () => {
  it('lets `limit` sends through per window and says how long the next one waits', () => {
    const sut = new RateLimiter((b) => (b === 'robot' ? { limit: 3, windowMs: 1000 } : null));
    expect([0, 10, 20].map((t) => sut.take('robot', t))).toEqual([0, 0, 0]);
    expect(sut.take('robot', 30)).toBe(970);
    expect(sut.take('robot', 999)).toBe(1);
    expect(sut.take('robot', 1000)).toBe(0);
    expect(sut.take('robot', 1001)).toBe(9);
    // Unlimited buckets and other buckets are not affected.
    for (let i = 0; i < 100; i++) expect(sut.take('smtp', 30)).toBe(0);
  });
});
