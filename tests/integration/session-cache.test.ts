/**
 * Sessions kept in memory by the api (api/src/modules/auth/session-cache.ts): reads are answered
 * from them, and any change to an account, its roles, its unit or the session — made by this api, by
 * another replica, or by hand in SQL — takes them away before the next read, or within the moment a
 * notification takes to cross. Three replicas here on the same database, each with its own cache:
 * the stack's api (A), a second app (B), and one that listens to another database (deaf to this
 * one's notifications: the replica that made a change must not need them).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '#api/app.js';
import { apiServerFor } from '#api/server.js';
import type { SessionUser } from '#api/modules/auth/session.js';
import { LISTENER_NAME, startSessionCache, type SessionCache } from '#api/modules/auth/session-cache.js';
import { createLogger } from '#platform/log.js';
import { enableAdminTotp } from '../support/authz/stack.js';
import { eventually } from '../support/eventually.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let cacheB: SessionCache<SessionUser>;
let baseB: string;
/** A replica whose cache listens to another database: live, but deaf to this one's changes. */
let baseDeaf: string;
/** How long B answers from a kept session without news (short, so the bound itself is tested). */
const TTL_MS = 10_000;
/** How soon a notification must have dropped a kept session: well inside the time to live. */
const NOTICE_MS = 3_000;
const servers: Server[] = [];
const caches: SessionCache<SessionUser>[] = [];

/** Another api on the stack's database, with `cache`: its base URL. */
async function replica(cache: SessionCache<SessionUser>): Promise<string> {
  const { app } = createApp({
    orm: stack.orm,
    audit: stack.audit,
    temporal: stack.client,
    namespace: 'default',
    taskQueue: stack.taskQueue,
    log: createLogger('replica', 'error'),
    session: { idleMinutes: 30, absoluteHours: 12 },
    cookieSecure: 'off',
    sessionCache: cache,
  });
  const server = apiServerFor(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  caches.push(cache);
  await eventually(async () => cache.live, 10_000);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  stack = await startTestStack({ login: { ipLimitPerMinute: 10_000 } });
  const log = createLogger('replica', 'error');
  cacheB = startSessionCache<SessionUser>({ url: stack.databaseUrl, log, ttlMs: TTL_MS, pingMs: 1_000 });
  baseB = await replica(cacheB);
  const elsewhere = new URL(stack.databaseUrl);
  elsewhere.pathname = '/postgres';
  baseDeaf = await replica(startSessionCache<SessionUser>({ url: elsewhere.toString(), log }));
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
  for (const cache of caches) await cache.close();
  await stack?.stop();
});

/** Runs SQL with triggers off (as a replica applying changes does): a change no one announces. */
async function silently(sql: string, params: unknown[] = []): Promise<void> {
  const c = await stack.db.connect();
  try {
    await c.query('BEGIN');
    await c.query(`SET LOCAL session_replication_role = replica`);
    await c.query(sql, params);
    await c.query('COMMIT');
  } finally {
    c.release();
  }
}

/** Milliseconds until `fn` is true, polling every 5 ms; throws after `limitMs`. */
async function msUntil(fn: () => Promise<boolean>, limitMs = NOTICE_MS + 2_000): Promise<number> {
  const t = performance.now();
  for (;;) {
    if (await fn()) return performance.now() - t;
    if (performance.now() - t > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sessionsOf = async (username: string) =>
  (
    await stack.db.query(
      `SELECT count(*)::int AS n FROM user_session s JOIN app_user u ON u.id = s.user_id WHERE u.username = $1`,
      [username],
    )
  ).rows[0].n as number;

describe('the session cache', () => {
  it('answers reads from the kept session, at most its time to live without news', async () => {
    const a = await Session.login(stack.baseUrl, 'jtj.op');
    const b = a.on(baseB);
    expect((await b.get('/api/auth/me')).status).toBe(200);
    expect(cacheB.size).toBeGreaterThan(0);
    // Gone from the database with no notification: B still answers from memory (what shows it
    // kept the session), and A, whose cache heard nothing either, keeps answering too.
    await silently(
      `DELETE FROM user_session WHERE user_id = (SELECT id FROM app_user WHERE username = 'jtj.op')`,
    );
    expect((await b.get('/api/auth/me')).status).toBe(200);
    // A write never trusts memory.
    expect((await b.post('/api/inbox/read-all')).status).toBe(401);
    const took = await msUntil(async () => (await b.get('/api/auth/me')).status === 401, TTL_MS + 5_000);
    expect(took).toBeLessThan(TTL_MS + 2_000);
  });

  it('forgets a session ended on the other replica, and on its own before any notification', async () => {
    // The replica that ends the session has not heard (and never will) from the database.
    const a = await Session.login(baseDeaf, 'mbz.op');
    const b = a.on(baseB);
    expect((await a.get('/api/auth/me')).status).toBe(200);
    expect((await b.get('/api/auth/me')).status).toBe(200);
    expect((await a.post('/api/auth/logout')).status).toBe(204);
    // Its own replica: the very next read.
    expect((await a.get('/api/auth/me')).status).toBe(401);
    // The other: as soon as the notification arrives, far inside its time to live.
    const took = await msUntil(async () => (await b.get('/api/auth/me')).status === 401);
    expect(took).toBeLessThan(NOTICE_MS);
  });

  it('drops the kept session when the account, its roles or its unit change, by whoever writes', async () => {
    const a = await Session.login(stack.baseUrl, 'fpb.op');
    const b = a.on(baseB);
    const me = async () => (await b.get('/api/auth/me')).body;
    expect((await me()).roles).toEqual(['operator']);

    await stack.db.query(
      `INSERT INTO user_role (user_id, role) SELECT id, 'viewer' FROM app_user WHERE username = 'fpb.op'`,
    );
    expect(await msUntil(async () => (await me()).roles.join() === 'operator,viewer')).toBeLessThan(
      NOTICE_MS,
    );

    await stack.db.query(`UPDATE org_unit SET name = '扶贫办（改）' WHERE code = 'fpb'`);
    expect(await msUntil(async () => (await me()).orgUnit.name === '扶贫办（改）')).toBeLessThan(NOTICE_MS);
    await stack.db.query(`UPDATE org_unit SET name = '扶贫办' WHERE code = 'fpb'`);

    await stack.db.query(`UPDATE app_user SET disabled = true WHERE username = 'fpb.op'`);
    expect(await msUntil(async () => (await b.get('/api/auth/me')).status === 401)).toBeLessThan(NOTICE_MS);
    await stack.db.query(`UPDATE app_user SET disabled = false WHERE username = 'fpb.op'`);
  });

  it('lets an administrator disable an account: its next read is refused on the same replica', async () => {
    const { admin: adminA } = await enableAdminTotp(stack);
    const admin = adminA.on(baseDeaf);
    const user = await Session.login(baseDeaf, 'zjw.op');
    expect((await user.get('/api/projects')).status).toBe(200);
    const id = (await user.get('/api/auth/me')).body.id as string;
    expect((await admin.post(`/api/admin/users/${id}/disable`)).status).toBe(200);
    expect((await user.get('/api/projects')).status).toBe(401);
    expect(await sessionsOf('zjw.op')).toBe(0);
  });

  it('keeps nothing while it cannot listen, and starts again once it can', async () => {
    const never = startSessionCache<SessionUser>({
      url: 'postgres://postgres@127.0.0.1:1/none',
      log: createLogger('never', 'error'),
      pingMs: 50,
    });
    never.put(never.epoch(), 'kept', entry('x'));
    expect(never.live).toBe(false);
    expect(never.get('kept', Date.now(), 60_000)).toBeUndefined();
    await never.close();

    const a = await Session.login(stack.baseUrl, 'swj.op');
    const b = a.on(baseB);
    expect((await b.get('/api/auth/me')).status).toBe(200);
    expect(cacheB.size).toBeGreaterThan(0);
    // The listener's connection cut: B has heard nothing of what follows, and forgot what it kept.
    await stack.db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = $1 AND datname = current_database()`,
      [LISTENER_NAME],
    );
    await msUntil(async () => cacheB.size === 0);
    await silently(
      `DELETE FROM user_session WHERE user_id = (SELECT id FROM app_user WHERE username = 'swj.op')`,
    );
    expect((await b.get('/api/auth/me')).status).toBe(401);
    await eventually(async () => cacheB.live, 5_000);
    const again = await Session.login(stack.baseUrl, 'swj.op');
    expect((await again.on(baseB).get('/api/auth/me')).status).toBe(200);
    expect(cacheB.size).toBeGreaterThan(0);
  });

  it('does not keep a lookup that began before a change', async () => {
    const before = cacheB.epoch();
    const id = (await stack.db.query(`SELECT id FROM app_user WHERE username = 'nyw.op'`)).rows[0].id;
    await stack.db.query(`UPDATE app_user SET display_name = display_name || '·' WHERE id = $1`, [id]);
    await msUntil(async () => cacheB.epoch() !== before);
    cacheB.put(before, 'race', entry(id));
    expect(cacheB.get('race', Date.now(), 60_000)).toBeUndefined();
    cacheB.put(cacheB.epoch(), 'race', entry(id));
    expect(cacheB.get('race', Date.now(), 60_000)?.userId).toBe(id);
  });
});

/** A kept session of `userId`, fresh now. */
function entry(userId: string) {
  return {
    user: { id: userId } as unknown as SessionUser,
    userId,
    lastSeen: Date.now(),
    expiresAt: Date.now() + 60_000,
    keptAt: Date.now(),
  };
}
