/**
 * Sessions kept in memory, so a read costs one round trip to PostgreSQL instead of two (the
 * session's lookup, then the read). A kept session is dropped the moment anything that decides its
 * rights changes, whichever process or person wrote it: the triggers of the session-notify
 * migration announce every such change on channel `app_session`, and this cache listens.
 *
 * Safety first, speed second:
 * - it answers only while notifications are seen to arrive (its own ping, sent every few
 *   seconds through the database, comes back); otherwise every request looks its session up as
 *   before, and the cache refills only once a ping has come back again;
 * - an entry lives at most `ttlMs` even if no notification came (a connection that died
 *   without a word);
 * - a lookup that began before a notification is not kept (its row may be from before the change);
 * - only reads (GET, HEAD) are answered from it: a write always checks its session in the
 *   database (api/src/modules/auth/session.ts).
 */
import pg from 'pg';
import type { Logger } from '#platform/log.js';

export const SESSION_CHANNEL = 'app_session';
/** The listening connection's application_name, as pg_stat_activity shows it. */
export const LISTENER_NAME = 'sanzhang-session-cache';
/** Payloads of the cache's own pings on the channel (account ids are uuids: never confused). */
const PING = 'ping:';

export interface CachedSession<U> {
  user: U;
  userId: string;
  /** Local clock, ms: when this process last knew the session to be used, and when it ends. */
  lastSeen: number;
  expiresAt: number;
  keptAt: number;
}

export interface SessionCache<U> {
  /** The kept session if it is still good to answer from (live, young, neither idle nor expired). */
  get(id: string, now: number, idleMs: number): CachedSession<U> | undefined;
  /** A token to take before a lookup and give back to `put`: changes in between void the lookup. */
  epoch(): number;
  put(epoch: number, id: string, entry: CachedSession<U>): void;
  /** Forgets every kept session (this process changed an account, say). */
  clear(): void;
  readonly live: boolean;
  readonly size: number;
  close(): Promise<void>;
}

export interface SessionCacheOptions {
  url: string;
  log: Logger;
  /** The longest an entry is answered from without a fresh lookup. */
  ttlMs?: number;
  max?: number;
  /** How often the listening connection is checked, and how soon it is opened again after a loss. */
  pingMs?: number;
}

/** The api's cache as its environment sets it (SESSION_CACHE_SECONDS; 0: none), on DATABASE_URL. */
export function sessionCacheFromEnv<U>(
  env: { SESSION_CACHE_SECONDS: number; DATABASE_URL?: string },
  log: Logger,
): SessionCache<U> | undefined {
  if (env.SESSION_CACHE_SECONDS <= 0 || !env.DATABASE_URL) return undefined;
  return startSessionCache<U>({ url: env.DATABASE_URL, log, ttlMs: env.SESSION_CACHE_SECONDS * 1000 });
}

/** Starts listening; the cache answers nothing until its first ping has come back. Never throws. */
export function startSessionCache<U>(opts: SessionCacheOptions): SessionCache<U> {
  const ttl = opts.ttlMs ?? 30_000;
  const max = opts.max ?? 10_000;
  const pingMs = opts.pingMs ?? 5_000;
  const entries = new Map<string, CachedSession<U>>();
  let epoch = 0;
  let live = false;
  let closed = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;

  const clear = () => {
    epoch++;
    entries.clear();
  };
  const down = (why: string) => {
    if (live) opts.log.warn(`session cache off until its listener is back: ${why}`);
    live = false;
    clear();
    const c = client;
    client = undefined;
    c?.end().catch(() => undefined);
  };
  /** The ping sent on the channel and not yet heard back, if any. */
  let awaited: string | undefined;
  let pings = 0;
  const onNotice = (msg: pg.Notification) => {
    if (msg.channel !== SESSION_CHANNEL) return;
    if (msg.payload === awaited) {
      awaited = undefined;
      // Notifications are heard: from now on, what is kept can be dropped in time.
      if (!live) {
        clear();
        live = true;
      }
      return;
    }
    if (msg.payload?.startsWith(PING)) return; // another process's ping
    epoch++;
    if (msg.payload === '*' || !msg.payload) return entries.clear();
    for (const [id, e] of entries) if (e.userId === msg.payload) entries.delete(id);
  };
  const connect = async () => {
    const c = new pg.Client({ connectionString: opts.url, keepAlive: true, application_name: LISTENER_NAME });
    c.on('error', (err) => down(err.message));
    c.on('end', () => client === c && down('connection ended'));
    c.on('notification', onNotice);
    try {
      await c.connect();
      await c.query(`LISTEN ${SESSION_CHANNEL}`);
    } catch (err) {
      await c.end().catch(() => undefined);
      throw err;
    }
    if (closed) return void (await c.end());
    client = c;
  };
  /**
   * Every `pingMs`: (re)connect if down; otherwise the last ping must have come back, through the
   * database, as a notification. That proves the whole path a revocation takes, not just a live
   * socket: a connection that went quiet, or a pooler in front of PostgreSQL that does not carry
   * notifications (PgBouncer's transaction mode), keeps the cache off. A new ping goes out.
   */
  const tick = async () => {
    try {
      if (client && awaited) throw new Error('its ping did not come back as a notification');
      if (!client) await connect();
      if (client) {
        awaited = `${PING}${process.pid}:${++pings}`;
        await client.query(`SELECT pg_notify($1, $2)`, [SESSION_CHANNEL, awaited]);
      }
    } catch (err) {
      awaited = undefined;
      down(err instanceof Error ? err.message : String(err));
    }
    if (!closed) timer = setTimeout(() => void tick(), pingMs).unref();
  };
  void tick();

  return {
    get(id, now, idleMs) {
      if (!live) return undefined;
      const e = entries.get(id);
      if (!e) return undefined;
      if (now - e.keptAt >= ttl || now >= e.expiresAt || now - e.lastSeen >= idleMs) {
        entries.delete(id);
        return undefined;
      }
      return e;
    },
    epoch: () => epoch,
    put(at, id, entry) {
      if (!live || at !== epoch) return;
      entries.delete(id);
      if (entries.size >= max) entries.delete(entries.keys().next().value!);
      entries.set(id, entry);
    },
    clear,
    get live() {
      return live;
    },
    get size() {
      return entries.size;
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      live = false;
      clear();
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
