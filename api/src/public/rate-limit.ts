/**
 * A per-client limit on the public endpoints, kept in the process (no outside service): a fixed
 * window per client address. The address is Express's `req.ip`, which believes X-Forwarded-For
 * only from the proxies TRUST_PROXY names, so a client cannot pick its own bucket.
 */
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '#domain/errors.js';

export interface RateLimitOptions {
  /** Requests per client per window. */
  limit: number;
  windowMs: number;
  /** How many client addresses are tracked at most (the oldest windows are dropped first). */
  maxClients?: number;
}

export function publicRateLimit(o: RateLimitOptions) {
  const max = o.maxClients ?? 50_000;
  const windows = new Map<string, { start: number; count: number }>();
  return (req: Request, res: Response, next: NextFunction) => {
    const now = Date.now();
    const key = req.ip ?? 'unknown';
    let w = windows.get(key);
    if (!w || now - w.start >= o.windowMs) {
      windows.delete(key);
      if (windows.size >= max) windows.delete(windows.keys().next().value!);
      w = { start: now, count: 0 };
      windows.set(key, w); // re-inserted: the map stays in window-start order
    }
    w.count++;
    res.setHeader('RateLimit-Limit', String(o.limit));
    res.setHeader('RateLimit-Remaining', String(Math.max(0, o.limit - w.count)));
    if (w.count > o.limit) {
      res.setHeader('Retry-After', String(Math.ceil((w.start + o.windowMs - now) / 1000)));
      throw new AppError('RATE_LIMITED', '请求过于频繁，请稍后再试 (too many requests, try again later)');
    }
    next();
  };
}
