/**
 * When an outside message may go: SMS quiet hours (held until the window ends, never dropped),
 * the daily digest time, and the back-off between attempts. Wall-clock times are read in one
 * IANA time zone (Asia/Shanghai by default, which has no daylight saving); the offset is asked
 * of `Intl` at each instant, so a zone with DST still lands on the right wall-clock time.
 */

const DAY_S = 86_400;

/** A time of day, in seconds since local midnight. */
export type ClockTime = number;

/** `HH:MM` or `HH:MM:SS` → seconds since midnight; null when it is not a time of day. */
export function parseClockTime(text: string): ClockTime | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0);
}

/** A daily window [start, end): crosses midnight when end < start; empty when they are equal. */
export interface QuietWindow {
  start: ClockTime;
  end: ClockTime;
}

/** `22:00-07:00` → the window; null when malformed. */
export function parseQuietWindow(text: string): QuietWindow | null {
  const [a, b, ...rest] = text.split('-');
  if (a === undefined || b === undefined || rest.length) return null;
  const start = parseClockTime(a);
  const end = parseClockTime(b);
  return start === null || end === null ? null : { start, end };
}

/** The zone's offset from UTC at an instant, in ms (Asia/Shanghai: +8 h). */
export function zoneOffsetMs(timeZone: string, atMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(atMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(atMs / 1000) * 1000;
}

/** Seconds since local midnight at an instant. */
export function localSeconds(atMs: number, timeZone: string): number {
  const local = atMs + zoneOffsetMs(timeZone, atMs);
  return Math.floor((((local / 1000) % DAY_S) + DAY_S) % DAY_S);
}

/** The first instant at or after `nowMs` whose local time of day is `at`. */
export function nextTimeOfDay(nowMs: number, at: ClockTime, timeZone: string): number {
  const offset = zoneOffsetMs(timeZone, nowMs);
  const localMidnight = Math.floor((nowMs + offset) / (DAY_S * 1000)) * DAY_S * 1000;
  for (const day of [0, 1, 2]) {
    const wall = localMidnight + (day * DAY_S + at) * 1000;
    // The offset at the candidate itself (a DST change between now and then moves it).
    const candidate = wall - zoneOffsetMs(timeZone, wall - offset);
    if (candidate >= nowMs) return candidate;
  }
  return nowMs;
}

export function inQuietWindow(nowMs: number, w: QuietWindow, timeZone: string): boolean {
  if (w.start === w.end) return false;
  const s = localSeconds(nowMs, timeZone);
  return w.start < w.end ? s >= w.start && s < w.end : s >= w.start || s < w.end;
}

/**
 * When an SMS may go: now, or the end of the quiet window it falls in (the next morning for a
 * window across midnight entered in the evening).
 */
export function smsNotBefore(nowMs: number, w: QuietWindow | null, timeZone: string): number {
  if (!w || !inQuietWindow(nowMs, w, timeZone)) return nowMs;
  return nextTimeOfDay(nowMs, w.end, timeZone);
}

/** Exponential back-off after attempt `attempt` (1-based), capped; a vendor's own pause wins if longer. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, retryAfterMs?: number): number {
  const backoff = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(backoff, retryAfterMs ?? 0);
}
