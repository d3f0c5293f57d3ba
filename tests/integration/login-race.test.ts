/**
 * Lockout and the per-address limit under concurrent bursts: each attempt is counted atomically
 * before its password is checked, so a burst never gets more checks than the configured limits;
 * and checks in flight are not failures, so a burst of right passwords locks nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endCheck } from '#api/modules/auth/login.repository.js';
import { TEST_PASSWORD } from '../support/constants.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

const MAX_FAILURES = 5;
const IP_LIMIT = 30;

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    login: { maxFailures: MAX_FAILURES, lockMinutes: 15, ipLimitPerMinute: IP_LIMIT },
  });
});
afterAll(async () => {
  await stack?.stop();
});

const attempt = (username: string, password: string) =>
  new Session(stack.baseUrl).post('/api/auth/login', { username, password });

/** Sends every attempt at once and answers their statuses, in the order given. */
const burst = (tries: [string, string][]) => Promise.all(tries.map(([u, p]) => attempt(u, p)));

const count = (xs: number[], x: number) => xs.filter((s) => s === x).length;

async function reasons(username: string) {
  const { rows } = await stack.db.query(
    `SELECT after->>'reason' AS reason FROM audit_log WHERE actor_username = $1 AND action = 'auth.login.refused'`,
    [username],
  );
  return rows.map((r) => r.reason as string);
}

async function account(username: string) {
  const { rows } = await stack.db.query(
    `SELECT failed_logins, COALESCE(locked_until > now(), false) AS locked,
              cardinality(login_places) AS places
       FROM app_user WHERE username = $1`,
    [username],
  );
  return rows[0];
}

describe('concurrent login bursts', () => {
  it('checks no more wrong passwords than the limit, then refuses even the right one', async () => {
    await stack.db.query('DELETE FROM login_attempt'); // a fresh minute for this address
    const res = await burst(Array.from({ length: 25 }, (_, i) => ['nyw.op', `Wrong-Password-${i}`]));
    const statuses = res.map((r) => r.status);
    expect(count(statuses, 401), JSON.stringify(statuses)).toBe(MAX_FAILURES);
    expect(count(statuses, 429)).toBe(25 - MAX_FAILURES);
    const why = await reasons('nyw.op');
    expect(why.filter((r) => r === 'wrong-password')).toHaveLength(MAX_FAILURES);
    // The rest waited for a place and found the lock (or, on a machine far behind, none in time).
    expect(why.filter((r) => r === 'locked' || r === 'busy')).toHaveLength(25 - MAX_FAILURES);
    expect(await account('nyw.op')).toEqual({ failed_logins: MAX_FAILURES, locked: true, places: 0 });
    const locked = await attempt('nyw.op', TEST_PASSWORD);
    expect(locked.status).toBe(429);
    // When to come back: what is left of the 15 minutes' lock.
    const retry = Number(locked.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(14 * 60);
    expect(retry).toBeLessThanOrEqual(15 * 60);
    expect(locked.body.error.details.retryAfterSeconds).toBeCloseTo(retry, -1);
  });

  it('lets the right password in only among the first attempts counted, never after the limit', async () => {
    await stack.db.query('DELETE FROM login_attempt');
    const tries: [string, string][] = Array.from({ length: 19 }, (_, i) => ['jtj.op', `Wrong-${i}`]);
    tries.push(['jtj.op', TEST_PASSWORD]);
    const statuses = (await burst(tries)).map((r) => r.status);
    const right = statuses.at(-1)!;
    const wrongChecked = count(statuses.slice(0, -1), 401);
    expect([200, 429], JSON.stringify(statuses)).toContain(right);
    expect(count(statuses, 429)).toBe(20 - wrongChecked - (right === 200 ? 1 : 0));
    const why = await reasons('jtj.op');
    expect(why.filter((r) => r === 'wrong-password')).toHaveLength(wrongChecked);
    const state = await account('jtj.op');
    expect(state.places).toBe(0);
    // On a machine so far behind that some attempts gave up waiting for a place, fewer were checked.
    if (why.includes('busy')) return expect(state.failed_logins).toBeLessThanOrEqual(MAX_FAILURES);
    // A wrong password gives its place back only as a failure: unless the right one was checked and
    // forgave what it found, exactly the limit's wrong passwords were checked, then the lock held.
    if (right === 429) expect(wrongChecked).toBe(MAX_FAILURES);
    else expect(wrongChecked).toBeLessThan(2 * MAX_FAILURES);
    // A success forgives only the failures counted before it: the ones after it locked the account.
    expect(state).toEqual({ failed_logins: MAX_FAILURES, locked: true, places: 0 });
  });

  it('lets a burst of the right password in, more at once than the limit, and locks nothing', async () => {
    await stack.db.query('DELETE FROM login_attempt');
    const n = 2 * MAX_FAILURES;
    const res = await burst(Array.from({ length: n }, () => ['swj.op', TEST_PASSWORD]));
    expect(
      res.map((r) => r.status),
      JSON.stringify(res.map((r) => r.body?.error?.message ?? r.status)),
    ).toEqual(Array(n).fill(200));
    expect(await reasons('swj.op')).toEqual([]);
    expect(await account('swj.op')).toEqual({ failed_logins: 0, locked: false, places: 0 });
  });

  it('takes the places of checks an api died in for lost after 15 s, and never for a lock', async () => {
    await stack.db.query('DELETE FROM login_attempt');
    // What an api killed during its checks leaves: every place taken, none given back.
    await stack.db.query(
      `UPDATE app_user SET login_places = array_fill(now(), ARRAY[$1::int]) WHERE username = 'lyj.op'`,
      [MAX_FAILURES],
    );
    const busy = await attempt('lyj.op', TEST_PASSWORD);
    expect(busy.status).toBe(429);
    expect(busy.body.error.message).toMatch(/同时登录的请求过多/);
    expect(busy.body.error.message).not.toMatch(/锁定/);
    expect(busy.headers.get('retry-after')).toBe('5');
    expect(await reasons('lyj.op')).toEqual(['busy']);
    expect(await account('lyj.op')).toMatchObject({ failed_logins: 0, locked: false });
    // 15 seconds on, the places are taken for lost.
    await stack.db.query(
      `UPDATE app_user SET login_places = array_fill(now() - interval '15 seconds', ARRAY[$1::int])
        WHERE username = 'lyj.op'`,
      [MAX_FAILURES],
    );
    expect((await attempt('lyj.op', TEST_PASSWORD)).status).toBe(200);
    expect(await account('lyj.op')).toEqual({ failed_logins: 0, locked: false, places: 0 });
  });

  it('lets each lost place lapse on its own, while the account is logged into without a pause', async () => {
    await stack.db.query('DELETE FROM login_attempt');
    // All but one place lost 20 s ago; the last taken just now by a check still in flight.
    // Counted as one, with the time of the last, the lost ones would last as long as the logins did.
    const { rows } = await stack.db.query<{ live: string }>(
      `UPDATE app_user
          SET login_places = array_fill(now() - interval '20 seconds', ARRAY[$1::int]) || now()
        WHERE username = 'fpb.op' RETURNING now()::text AS live`,
      [MAX_FAILURES - 1],
    );
    const res = await burst(Array.from({ length: MAX_FAILURES - 1 }, () => ['fpb.op', TEST_PASSWORD]));
    expect(res.map((r) => r.status)).toEqual(Array(MAX_FAILURES - 1).fill(200));
    expect(await reasons('fpb.op')).toEqual([]);
    // The lost places are gone, each login gave back its own, and the one in flight keeps its own.
    const { rows: left } = await stack.db.query<{ places: string[] }>(
      `SELECT login_places::text[] AS places FROM app_user WHERE username = 'fpb.op'`,
    );
    expect(left[0]!.places).toEqual([rows[0]!.live]);
  });

  it('gives back one place of its own: one of two taken at the same instant, none once lapsed', async () => {
    const policy = { maxFailures: MAX_FAILURES, lockMinutes: 15 };
    const { rows } = await stack.db.query<{ id: string; same: string; other: string }>(
      `UPDATE app_user SET login_places = ARRAY[now(), now(), now() + interval '1 ms']
        WHERE username = 'tpgjb.op'
       RETURNING id, now()::text AS same, (now() + interval '1 ms')::text AS other`,
    );
    const { id, same, other } = rows[0]!;
    const places = async () =>
      (
        await stack.db.query<{ places: string[] }>(
          'SELECT login_places::text[] AS places FROM app_user WHERE id = $1',
          [id],
        )
      ).rows[0]!.places;
    await endCheck(stack.orm.em.fork(), { userId: id, takenAt: same }, { outcome: 'neither' }, policy);
    expect(await places()).toEqual([same, other]);
    // A check that outlived its place (pruned as lapsed) takes nothing of the others'.
    const lapsed = '2026-01-01 00:00:00.000001+00';
    await endCheck(stack.orm.em.fork(), { userId: id, takenAt: lapsed }, { outcome: 'failed' }, policy);
    expect(await places()).toEqual([same, other]);
    expect(await account('tpgjb.op')).toMatchObject({ failed_logins: 1, places: 2 });
    await endCheck(stack.orm.em.fork(), { userId: id, takenAt: other }, { outcome: 'neither' }, policy);
    expect(await places()).toEqual([same]);
  });

  it('holds the per-address limit under a burst: no more attempts checked than it allows', async () => {
    await stack.db.query('DELETE FROM login_attempt');
    // Unknown accounts: every attempt that passes the limit is checked (against a dummy hash).
    const statuses = (
      await burst(Array.from({ length: 60 }, (_, i) => [`nobody-${i}`, `Wrong-Password-${i}`]))
    ).map((r) => r.status);
    expect(count(statuses, 401), JSON.stringify(statuses)).toBe(IP_LIMIT);
    expect(count(statuses, 429)).toBe(60 - IP_LIMIT);
    const { rows } = await stack.db.query(
      `SELECT after->>'reason' AS reason, count(*)::int AS n FROM audit_log
        WHERE actor_username LIKE 'nobody-%' GROUP BY 1 ORDER BY 1`,
    );
    expect(rows).toEqual([
      { reason: 'rate-limited', n: 60 - IP_LIMIT },
      { reason: 'unknown-user', n: IP_LIMIT },
    ]);
    // Refused attempts count toward the minute too: the next one is refused without a check.
    const limited = await attempt('swj.op', TEST_PASSWORD);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
  });

  it('logs the right password in on the attempt that reaches the limit, and clears the count', async () => {
    await stack.db.query('DELETE FROM login_attempt');
    await stack.db.query(
      `UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE username = 'zjw.op'`,
    );
    for (let i = 0; i < MAX_FAILURES - 1; i++)
      expect((await attempt('zjw.op', `Wrong-${i}`)).status).toBe(401);
    expect(await account('zjw.op')).toEqual({
      failed_logins: MAX_FAILURES - 1,
      locked: false,
      places: 0,
    });
    expect((await attempt('zjw.op', TEST_PASSWORD)).status).toBe(200);
    expect(await account('zjw.op')).toEqual({ failed_logins: 0, locked: false, places: 0 });
  });
});
