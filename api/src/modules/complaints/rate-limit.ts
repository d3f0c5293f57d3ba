/**
 * Per-client rate limits for the public complaint routes, with no outside service: a fixed window
 * per client address (Express's `req.ip`, which follows TRUST_PROXY, so a client cannot pick its
 * own address with X-Forwarded-For). Kept in this process's memory: a restart forgets it, and
 * several api processes each count their own share — enough against one pushy client.
 */
import { AppError } from '#domain/errors.js';

export function windowLimiter(limit: number, windowMs: number, now: () => number = Date.now) {
  const hits = new Map<string, { start: number; count: number }>();
  const refused = (h: { start: number }, t: number) =>
    new AppError('RATE_LIMITED', '请求过于频繁，请稍后再试 (too many requests; try again later)', {
      retryAfterSeconds: Math.ceil((h.start + windowMs - t) / 1000),
    });
  return {
    limit,
    /** Refuses with 429 when `client` has used up the window's share, without counting anything. */
    check(client: string): void {
      const t = now();
      const h = hits.get(client);
      if (h && t - h.start < windowMs && h.count >= limit) throw refused(h, t);
    },
    /** Counts one request of `client`; refuses with 429 once the window's share is used up. */
    take(client: string): void {
      const t = now();
      if (hits.size > 50_000) for (const [k, v] of hits) if (t - v.start >= windowMs) hits.delete(k);
      const h = hits.get(client);
      if (!h || t - h.start >= windowMs) {
        hits.set(client, { start: t, count: 1 });
        return;
      }
      h.count += 1;
      if (h.count > limit) throw refused(h, t);
    },
    /** Gives back one request of `client` taken in this window (it was refused, nothing done). */
    give(client: string): void {
      const h = hits.get(client);
      if (h && now() - h.start < windowMs && h.count > 0) h.count -= 1;
    },
  };
}
