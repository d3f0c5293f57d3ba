/**
 * Per-bucket send limits: at most `limit` sends in any `windowMs` (a robot: 20 a minute). A
 * sliding window, not a refilling token bucket, because the vendors count sends per window: a
 * bucket of 20 refilled continuously would allow close to 40 within one minute and be throttled.
 * Each bucket holds the instants of its last `limit` sends.
 */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

export class RateLimiter {
  private readonly sent = new Map<string, number[]>();

  constructor(private readonly limitOf: (bucket: string) => RateLimit | null) {}

  /**
   * Takes a slot for one send now: 0 when taken, else the ms to wait before one frees (nothing
   * is taken then).
   */
  take(bucket: string, nowMs: number): number {
    const rule = this.limitOf(bucket);
    if (!rule) return 0;
    const times = (this.sent.get(bucket) ?? []).filter((t) => t > nowMs - rule.windowMs);
    if (times.length >= rule.limit) {
      this.sent.set(bucket, times);
      return times[times.length - rule.limit]! + rule.windowMs - nowMs;
    }
    times.push(nowMs);
    this.sent.set(bucket, times);
    return 0;
  }

  /**
   * Over every limited bucket a send was taken from: how many sends all of them together could take
   * now (Infinity when none is known yet), and when the first full one frees a slot.
   */
  room(nowMs: number): { free: number; nextFreeMs: number } {
    let free = this.sent.size ? 0 : Infinity;
    let nextFreeMs = Infinity;
    for (const [bucket, all] of this.sent) {
      const rule = this.limitOf(bucket);
      if (!rule) continue;
      const times = all.filter((t) => t > nowMs - rule.windowMs);
      this.sent.set(bucket, times);
      if (times.length < rule.limit) free += rule.limit - times.length;
      else nextFreeMs = Math.min(nextFreeMs, times[times.length - rule.limit]! + rule.windowMs);
    }
    return { free, nextFreeMs };
  }
}

/** `20/60` → 20 sends per 60 s (seconds may be fractional: `5/2.5`); null when malformed. */
export function parseRateLimit(text: string): RateLimit | null {
  const m = /^(\d{1,6})\/(\d{1,6}(?:\.\d{1,3})?)$/.exec(text.trim());
  if (!m) return null;
  const limit = Number(m[1]);
  const windowMs = Math.round(Number(m[2]) * 1000);
  return limit >= 1 && windowMs >= 1 ? { limit, windowMs } : null;
}
