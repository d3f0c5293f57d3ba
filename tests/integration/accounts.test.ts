/**
 * Accounts: lockout and rate limiting, password policy, forced change, session revocation, TOTP, administration.
 * Long because every case logs in to the same stack's accounts; one file keeps one stack.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTotpSecret, totpAt, totpStepAt } from '#api/modules/auth/totp.js';
import { TEST_PASSWORD } from '../support/constants.js';
import { migrateAgain } from '../support/migrations.js';
import { freshTotp, totpOfStep } from '../support/totp.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ login: { maxFailures: 5, lockMinutes: 15, ipLimitPerMinute: 30 } });
});
afterAll(async () => {
  await stack?.stop();
});

const attempt = (username: string, password: string, extra: Record<string, unknown> = {}) =>
  new Session(stack.baseUrl).post('/api/auth/login', { username, password, ...extra });

/** An administrator session with two-factor authentication set up (required before anything else). */
async function adminSession(): Promise<Session> {
  const s = await Session.login(stack.baseUrl, 'admin');
  const blocked = await s.get('/api/admin/users');
  if (blocked.status === 403 && blocked.body.error.details?.restriction === 'totpSetup') {
    const setup = await s.post('/api/auth/totp/setup');
    expect(setup.status).toBe(200);
    const enabled = await s.post('/api/auth/totp/enable', { code: await freshTotp(setup.body.secret) });
    expect(enabled.status).toBe(200);
    adminSecret = setup.body.secret;
  }
  return s;
}
let adminSecret = '';

describe('login protection', () => {
  it('locks an account after repeated failures, refuses even the right password, rate-limits, and audits every attempt', async () => {
    const auditBefore = (
      await stack.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE actor_username = 'nyw.op'`)
    ).rows[0].n;
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) statuses.push((await attempt('nyw.op', `Wrong-Password-${i}`)).status);
    // 5 wrong passwords → locked (429); after 30 attempts in a minute from this address → rate-limited (429).
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
    const { rows } = await stack.db.query(
      `SELECT failed_logins, locked_until > now() AS locked FROM app_user WHERE username = 'nyw.op'`,
    );
    expect(rows[0]).toEqual({ failed_logins: 5, locked: true });

    const right = await attempt('nyw.op', TEST_PASSWORD);
    expect(right.status).toBe(429);

    const reasons = (
      await stack.db.query(
        `SELECT after->>'reason' AS reason FROM audit_log WHERE actor_username = 'nyw.op' ORDER BY id`,
      )
    ).rows.map((r) => r.reason);
    expect(reasons.length - auditBefore).toBe(101);
    expect(reasons.filter((r) => r === 'wrong-password')).toHaveLength(5);
    expect(reasons.filter((r) => r === 'locked').length).toBeGreaterThan(0);
    expect(reasons.filter((r) => r === 'rate-limited').length).toBeGreaterThan(0);
    expect(reasons.at(-1)).toMatch(/locked|rate-limited/);
  });
});

describe('passwords and sessions', () => {
  it('logs in a username typed in full width or in capitals as the account it spells', async () => {
    await stack.db.query(`DELETE FROM login_attempt`); // a fresh minute for this address
    for (const typed of ['ｔｐｇｊｂ．ｖｉｅｗ', 'TPGJB.View']) {
      const res = await attempt(typed, TEST_PASSWORD);
      expect(res.status, `${typed}: ${JSON.stringify(res.body)}`).toBe(200);
      expect(res.body.username).toBe('tpgjb.view');
    }
  });

  it('enforces the policy, refuses a recent password, and ends every session on change', async () => {
    await stack.db.query(`DELETE FROM login_attempt`); // a fresh minute for this address
    const a = await Session.login(stack.baseUrl, 'jtj.op');
    const b = await Session.login(stack.baseUrl, 'jtj.op');
    const weak = await a.post('/api/auth/password', { currentPassword: TEST_PASSWORD, newPassword: 'short' });
    expect(weak.status).toBe(422);
    expect(weak.body.error.details[0].path).toBe('body.newPassword');
    const withName = await a.post('/api/auth/password', {
      currentPassword: TEST_PASSWORD,
      newPassword: 'JTJ.OP-is-Strong-1',
    });
    expect(withName.status).toBe(422);
    const same = await a.post('/api/auth/password', {
      currentPassword: TEST_PASSWORD,
      newPassword: TEST_PASSWORD,
    });
    expect(same.status).toBe(422);
    const wrongCurrent = await a.post('/api/auth/password', {
      currentPassword: 'Nope-Nope-123',
      newPassword: 'Brand-New-Pass-42',
    });
    expect(wrongCurrent.status).toBe(422);

    const ok = await a.post('/api/auth/password', {
      currentPassword: TEST_PASSWORD,
      newPassword: 'Brand-New-Pass-42',
    });
    expect(ok.status).toBe(200);
    // The api hashes with the production parameters (the seeded test accounts use cheaper ones).
    const stored = await stack.db.query(`SELECT password_hash FROM app_user WHERE username = 'jtj.op'`);
    expect(stored.rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await a.get('/api/auth/me')).status).toBe(200); // the changing client gets a fresh session
    expect((await b.get('/api/auth/me')).status).toBe(401); // every other session ended

    const back = await a.post('/api/auth/password', {
      currentPassword: 'Brand-New-Pass-42',
      newPassword: TEST_PASSWORD,
    });
    expect(back.status).toBe(422); // a recent password
    expect(back.body.error.message).toContain('最近');
  });
});

describe('two-factor authentication', () => {
  it('keeps an administrator to 2FA setup until it is on, then asks for the code at every login', async () => {
    await stack.db.query(`DELETE FROM login_attempt`);
    const s = await Session.login(stack.baseUrl, 'admin');
    const blocked = await s.get('/api/projects');
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.details.restriction).toBe('totpSetup');
    expect((await s.get('/api/auth/me')).body.restriction).toBe('totpSetup');
    await adminSession(); // sets it up
    const noCode = await attempt('admin', TEST_PASSWORD);
    expect(noCode.status).toBe(401);
    expect(noCode.body.error.details.totpRequired).toBe(true);
    expect((await attempt('admin', TEST_PASSWORD, { totp: '000000' })).status).toBe(401);
    const admin = new Session(stack.baseUrl);
    const withCode = await admin.post('/api/auth/login', {
      username: 'admin',
      password: TEST_PASSWORD,
      totp: await freshTotp(adminSecret),
    });
    expect(withCode.status).toBe(200);
    expect(withCode.body).toMatchObject({ totpEnabled: true, restriction: null });
    adminWithCode = admin;
  });
});

describe('a TOTP code is accepted once (RFC 6238 §5.2)', () => {
  /** What a login or a 2FA change could alter, read straight from the database. */
  const account = async (username: string) => {
    const { rows } = await stack.db.query(
      `SELECT u.totp_enabled, u.totp_secret, u.totp_last_step, u.failed_logins, u.locked_until,
              (SELECT count(*)::int FROM user_session s WHERE s.user_id = u.id) AS sessions,
              (SELECT count(*)::int FROM audit_log a WHERE a.actor_username = u.username AND a.action = 'auth.login') AS logins
         FROM app_user u WHERE u.username = $1`,
      [username],
    );
    const r = rows[0];
    return { ...r, totp_last_step: r.totp_last_step === null ? null : Number(r.totp_last_step) };
  };
  const lastRefusal = async (username: string) =>
    (
      await stack.db.query(
        `SELECT after->>'reason' AS reason FROM audit_log
          WHERE actor_username = $1 AND action = 'auth.login.refused' ORDER BY id DESC LIMIT 1`,
        [username],
      )
    ).rows[0]?.reason;

  describe('at enrolment', () => {
    const USER = 'lyj.op';
    let secret = '';
    let session: Session;

    it('confirms with a code once, and that code then logs nobody in', async () => {
      await stack.db.query(`DELETE FROM login_attempt`);
      session = await Session.login(stack.baseUrl, USER);
      const setup = await session.post('/api/auth/totp/setup');
      expect(setup.status).toBe(200);
      secret = setup.body.secret;
      const step = totpStepAt(Date.now());
      const code = await totpOfStep(secret, step);
      expect((await session.post('/api/auth/totp/enable', { code })).status).toBe(200);
      const enrolled = await account(USER);
      expect(enrolled).toMatchObject({ totp_enabled: true, totp_last_step: step });

      const again = await session.post('/api/auth/totp/enable', { code });
      expect(again.status).toBe(422);
      expect(again.body.error).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: expect.stringMatching(/^动态口令已使用过/),
        details: [{ path: 'body.code', message: expect.stringContaining('已使用') }],
      });
      const enables = await stack.db.query(
        `SELECT count(*)::int AS n FROM audit_log WHERE actor_username = $1 AND action = 'auth.totp.enable'`,
        [USER],
      );
      expect(enables.rows[0].n).toBe(1); // the refused confirmation changed nothing
      // …but it counts toward the account's lock, and is audited, as a refused code at login is.
      const refusedEnable = await stack.db.query(
        `SELECT after->>'reason' AS reason FROM audit_log WHERE actor_username = $1 AND action = 'auth.totp.enable.refused'`,
        [USER],
      );
      expect(refusedEnable.rows).toEqual([{ reason: 'totp-reused' }]);
      const counted = { ...enrolled, failed_logins: enrolled.failed_logins + 1 };
      expect(await account(USER)).toEqual(counted);
      // A fresh code does not turn it on a second time either.
      const fresh = await session.post('/api/auth/totp/enable', { code: await totpOfStep(secret, step + 1) });
      expect(fresh.status).toBe(409);
      expect(fresh.body.error.code).toBe('CONFLICT');
      expect(await account(USER)).toEqual(counted);

      const login = await attempt(USER, TEST_PASSWORD, { totp: code });
      expect(login.status).toBe(401);
      expect(login.body.error).toMatchObject({ code: 'UNAUTHENTICATED', details: { totpRequired: true } });
      expect(login.body.error.message).toMatch(/^动态口令已使用过/);
      expect(login.headers.get('set-cookie')).toBeNull();
      // Refused as a wrong code is: audited, counted toward the lock, and no session.
      expect(await lastRefusal(USER)).toBe('totp-reused');
      expect(await account(USER)).toEqual({ ...enrolled, failed_logins: enrolled.failed_logins + 2 });
    });

    it('turns 2FA off only with an unused code, and forgets the last step with the secret', async () => {
      const { totp_last_step: last } = await account(USER);
      const used = await session.post('/api/auth/totp/disable', { code: await totpOfStep(secret, last) });
      expect(used.status).toBe(422);
      expect(used.body.error.message).toMatch(/^动态口令已使用过/);
      expect(await account(USER)).toMatchObject({ totp_enabled: true, totp_last_step: last });

      const off = await session.post('/api/auth/totp/disable', { code: await totpOfStep(secret, last + 1) });
      expect(off.status).toBe(200);
      expect(await account(USER)).toMatchObject({
        totp_enabled: false,
        totp_secret: null,
        totp_last_step: null,
      });
    });
  });

  it('counts wrong codes at 2FA’s own endpoints toward the lock, so a session cannot try them all', async () => {
    await stack.db.query(`DELETE FROM login_attempt`);
    const USER = 'fpb.op';
    const secret = newTotpSecret();
    await stack.db.query(
      `UPDATE app_user SET totp_secret = $1, totp_enabled = true, totp_last_step = NULL, failed_logins = 0 WHERE username = $2`,
      [secret, USER],
    );
    const session = new Session(stack.baseUrl);
    const login = await session.post('/api/auth/login', {
      username: USER,
      password: TEST_PASSWORD,
      totp: await freshTotp(secret),
    });
    expect(login.status).toBe(200);
    const now = totpStepAt(Date.now());
    const right = await totpOfStep(secret, now + 1);
    // Five codes no step of the window has (the current one, and one either side).
    const valid = new Set([-1, 0, 1, 2].map((d) => totpAt(secret, (now + d) * 30_000)));
    const wrongCodes = Array.from({ length: 20 }, (_, i) => String(i * 111_111 + 7).padStart(6, '0'))
      .filter((c) => !valid.has(c))
      .slice(0, 5);
    const statuses: number[] = [];
    for (const code of wrongCodes)
      statuses.push((await session.post('/api/auth/totp/disable', { code })).status);
    expect(statuses).toEqual([422, 422, 422, 422, 422]);
    const locked = await stack.db.query(
      `SELECT failed_logins, locked_until > now() AS locked, totp_enabled FROM app_user WHERE username = $1`,
      [USER],
    );
    expect(locked.rows[0]).toEqual({ failed_logins: 5, locked: true, totp_enabled: true });
    // Locked: not even the right code is looked at, here or at login.
    const refused = await session.post('/api/auth/totp/disable', { code: right });
    expect(refused.status).toBe(429);
    expect((await attempt(USER, TEST_PASSWORD, { totp: right })).status).toBe(429);
    const audited = await stack.db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE actor_username = $1 AND action = 'auth.totp.disable.refused'`,
      [USER],
    );
    expect(audited.rows[0].n).toBe(5);
    await stack.db.query(`UPDATE app_user SET locked_until = NULL, failed_logins = 0 WHERE username = $1`, [
      USER,
    ]);
  });

  it('at login: a code logs in once, a replay (even a concurrent one) opens no session, the next step’s code does', async () => {
    await stack.db.query(`DELETE FROM login_attempt`);
    // 2FA set up directly, so no code of this minute has been spent on enrolment.
    const USER = 'zjw.op';
    const secret = newTotpSecret();
    await stack.db.query(
      `UPDATE app_user SET totp_secret = $1, totp_enabled = true, totp_last_step = NULL WHERE username = $2`,
      [secret, USER],
    );
    const before = await account(USER);
    const step = totpStepAt(Date.now());
    const code = await totpOfStep(secret, step);
    const wrong = await attempt(USER, TEST_PASSWORD, { totp: code === '000000' ? '000001' : '000000' });
    expect(wrong.status).toBe(401);

    // Two logins with one code at the same time: exactly one gets a session.
    const both = await Promise.all([
      attempt(USER, TEST_PASSWORD, { totp: code }),
      attempt(USER, TEST_PASSWORD, { totp: code }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 401]);
    expect(both.find((r) => r.status === 401)!.body.error.message).toMatch(/^动态口令已使用过/);
    const afterFirst = await account(USER);
    expect(afterFirst).toMatchObject({
      totp_last_step: step,
      sessions: before.sessions + 1,
      logins: before.logins + 1,
    });

    // Once more, alone: refused exactly as a wrong code is (status, error code, details), and
    // nothing changes but the failure count.
    const replay = await attempt(USER, TEST_PASSWORD, { totp: code });
    expect(replay.status).toBe(wrong.status);
    expect(replay.body.error.code).toBe(wrong.body.error.code);
    expect(replay.body.error.details).toEqual(wrong.body.error.details);
    expect(replay.headers.get('set-cookie')).toBeNull();
    expect(await lastRefusal(USER)).toBe('totp-reused');
    expect(await account(USER)).toEqual({ ...afterFirst, failed_logins: afterFirst.failed_logins + 1 });

    // The next step's code logs in (as one step of clock drift, if that step has not begun yet).
    const next = await attempt(USER, TEST_PASSWORD, { totp: await totpOfStep(secret, step + 1) });
    expect(next.status).toBe(200);
    expect(await account(USER)).toMatchObject({
      totp_last_step: step + 1,
      failed_logins: 0,
      sessions: before.sessions + 2,
      logins: before.logins + 2,
    });
  });
});

describe('administration', () => {
  it('keeps no temporary password in clear for a retry: the retry answers without it', async () => {
    await stack.db.query(`DELETE FROM login_attempt`);
    const admin = await adminLogin();
    const body = {
      username: 'mbz-lpc.retry',
      displayName: '李四',
      orgUnitCode: 'mbz-lpc',
      roles: ['operator'],
    };
    const key = { 'Idempotency-Key': 'create-lpc-retry' };
    const created = await admin.post('/api/admin/users', body, key);
    expect(created.status).toBe(201);
    const temp: string = created.body.temporaryPassword;
    expect(temp).toMatch(/\S{8,}/);
    const stored = await stack.db.query(`SELECT response::text AS r FROM idempotent_request WHERE key = $1`, [
      'create-lpc-retry',
    ]);
    expect(stored.rows[0].r).not.toContain(temp);
    const retry = await admin.post('/api/admin/users', body, key);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual({ user: created.body.user, temporaryPassword: null });
    expect((await stack.db.query(`SELECT 1 FROM app_user WHERE username = 'mbz-lpc.retry'`)).rowCount).toBe(
      1,
    );

    // Answers stored before are scrubbed on upgrade.
    await stack.db.query(
      `UPDATE idempotent_request SET response = jsonb_set(response, '{temporaryPassword}', $2)
      WHERE key = $1`,
      ['create-lpc-retry', JSON.stringify(temp)],
    );
    await migrateAgain(stack.databaseUrl, 'Migration20261227000000_stored_answer_secrets');
    const scrubbed = await stack.db.query(
      `SELECT response::text AS r FROM idempotent_request WHERE key = $1`,
      ['create-lpc-retry'],
    );
    expect(scrubbed.rows[0].r).not.toContain(temp);
  });

  it('creates an account that must change its temporary password before anything else', async () => {
    await stack.db.query(`DELETE FROM login_attempt`);
    const admin = await adminLogin();
    const created = await admin.post('/api/admin/users', {
      username: 'mbz-lpc.zhang',
      displayName: '张三',
      orgUnitCode: 'mbz-lpc',
      roles: ['operator'],
    });
    expect(created.status).toBe(201);
    const temp: string = created.body.temporaryPassword;
    expect(created.body.user).toMatchObject({
      username: 'mbz-lpc.zhang',
      mustChangePassword: true,
      roles: ['operator'],
    });

    const user = await Session.login(stack.baseUrl, 'mbz-lpc.zhang', temp);
    const blocked = await user.get('/api/projects');
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.details.restriction).toBe('passwordChange');
    const changed = await user.post('/api/auth/password', {
      currentPassword: temp,
      newPassword: 'Zhang-San-Field-9',
    });
    expect(changed.status).toBe(200);
    expect((await user.get('/api/projects')).status).toBe(200);

    // Roles must fit the unit: a village account cannot be a county leader.
    const wrongRole = await admin.post('/api/admin/users', {
      username: 'mbz-lpc.li',
      displayName: '李四',
      orgUnitCode: 'mbz-lpc',
      roles: ['leader'],
    });
    expect(wrongRole.status).toBe(422);
    expect(wrongRole.body.error.details[0]).toEqual({
      path: 'body.roles',
      message: expect.stringContaining('县领导'),
    });
    expect(
      (
        await admin.post('/api/admin/users', {
          username: 'mbz-lpc.zhang',
          displayName: 'x',
          orgUnitCode: 'mbz-lpc',
          roles: ['viewer'],
        })
      ).status,
    ).toBe(409);
  });

  it('finds accounts by the words as typed, in full width too, taking % and _ as they are', async () => {
    const admin = await adminLogin();
    const found = async (q: string) =>
      (await admin.get(`/api/admin/users?q=${encodeURIComponent(q)}`)).body.items.map(
        (u: { username: string }) => u.username,
      );
    expect(await found('xqz-dhc')).toContain('xqz-dhc.op');
    expect(await found('ｘｑｚ－ｄｈｃ')).toContain('xqz-dhc.op');
    expect(await found('xqz_dhc')).not.toContain('xqz-dhc.op');
    expect(await found('xqz%op')).not.toContain('xqz-dhc.op');
  });

  it('resets, disables and enables accounts, ending their sessions, and audits each action with before and after', async () => {
    await stack.db.query(`DELETE FROM login_attempt`);
    const admin = await adminLogin();
    const list = await admin.get('/api/admin/users?q=xqz-dhc');
    const target = list.body.items.find((u: { username: string }) => u.username === 'xqz-dhc.op');
    const victim = await Session.login(stack.baseUrl, 'xqz-dhc.op');

    const disabled = await admin.post(`/api/admin/users/${target.id}/disable`);
    expect(disabled.body.disabled).toBe(true);
    expect((await victim.get('/api/auth/me')).status).toBe(401);
    expect((await attempt('xqz-dhc.op', TEST_PASSWORD)).status).toBe(401);
    expect((await admin.post(`/api/admin/users/${target.id}/enable`)).body.disabled).toBe(false);

    const reset = await admin.post(`/api/admin/users/${target.id}/reset-password`);
    expect(reset.status).toBe(200);
    expect(reset.body.user.mustChangePassword).toBe(true);
    expect((await attempt('xqz-dhc.op', TEST_PASSWORD)).status).toBe(401);
    expect((await attempt('xqz-dhc.op', reset.body.temporaryPassword)).status).toBe(200);

    // An administrator changes their own password the normal way; a reset of oneself is refused.
    const me =
      list.body.items.find((u: { username: string }) => u.username === 'admin') ??
      (await admin.get('/api/admin/users?q=admin')).body.items.find(
        (u: { username: string }) => u.username === 'admin',
      );
    expect((await admin.post(`/api/admin/users/${me.id}/reset-password`)).status).toBe(409);

    const renamed = await admin.request('PATCH', '/api/admin/org-units/xqz-dhc', { name: '东河社区' });
    expect(renamed.body.name).toBe('东河社区');
    const org = await admin.post('/api/admin/org-units', {
      code: 'xqz-xhc',
      name: '新华村',
      kind: 'village',
      parentCode: 'xqz',
    });
    expect(org.status).toBe(201);
    expect(
      (
        await admin.post('/api/admin/org-units', {
          code: 'bad-v',
          name: '坏村',
          kind: 'village',
          parentCode: 'swj',
        })
      ).status,
    ).toBe(422);

    const audit = (
      await stack.db.query(
        `SELECT action, actor_username, before, after FROM audit_log WHERE action LIKE 'admin.%' ORDER BY id`,
      )
    ).rows;
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        'admin.user.disable',
        'admin.user.enable',
        'admin.user.resetPassword',
        'admin.org.rename',
        'admin.org.create',
      ]),
    );
    const disable = audit.find((a) => a.action === 'admin.user.disable');
    expect(disable).toMatchObject({
      actor_username: 'admin',
      before: { disabled: false },
      after: { disabled: true },
    });
    expect(JSON.stringify(audit)).not.toMatch(/argon2/);
  });

  it('sets and clears an account’s e-mail, mobile number and unit-head flag on create and edit, audited; refuses a bad one naming the field', async () => {
    await stack.db.query(`DELETE FROM login_attempt`);
    const admin = await adminLogin();
    const created = await admin.post('/api/admin/users', {
      username: 'xqz.head',
      displayName: '王主任',
      orgUnitCode: 'xqz',
      roles: ['viewer'],
      email: ' head@xqz.example.cn ',
      phone: '+8613900000001',
      unitHead: true,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.user).toMatchObject({
      email: 'head@xqz.example.cn',
      phone: '+8613900000001',
      unitHead: true,
    });
    const id: string = created.body.user.id;
    const row = async () =>
      (await stack.db.query(`SELECT email, phone, unit_head FROM app_user WHERE id = $1`, [id])).rows[0];
    expect(await row()).toEqual({ email: 'head@xqz.example.cn', phone: '+8613900000001', unit_head: true });
    // Without the new fields an account has none of them (older clients keep working).
    const plain = await admin.post('/api/admin/users', {
      username: 'xqz.plain',
      displayName: '赵五',
      orgUnitCode: 'xqz',
      roles: ['viewer'],
    });
    expect(plain.body.user).toMatchObject({ email: null, phone: null, unitHead: false });

    // An edit changes only what it sends; null clears.
    const edited = await admin.request('PATCH', `/api/admin/users/${id}`, {
      phone: '13900000002',
      email: null,
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body).toMatchObject({
      email: null,
      phone: '13900000002',
      unitHead: true,
      displayName: '王主任',
    });
    const demoted = await admin.request('PATCH', `/api/admin/users/${id}`, { unitHead: false });
    expect(demoted.body).toMatchObject({ phone: '13900000002', unitHead: false });
    expect(await row()).toEqual({ email: null, phone: '13900000002', unit_head: false });
    const listed = (await admin.get('/api/admin/users?q=xqz.head')).body.items;
    expect(listed).toEqual([expect.objectContaining({ username: 'xqz.head', phone: '13900000002' })]);

    const audit = (
      await stack.db.query(
        `SELECT action, before, after FROM audit_log WHERE entity = 'user' AND entity_id = $1 ORDER BY id`,
        [id],
      )
    ).rows;
    expect(audit.map((a) => a.action)).toEqual([
      'admin.user.create',
      'admin.user.update',
      'admin.user.update',
    ]);
    expect(audit[0].after).toMatchObject({ email: 'head@xqz.example.cn', unitHead: true });
    expect(audit[1].before).toMatchObject({ email: 'head@xqz.example.cn', phone: '+8613900000001' });
    expect(audit[1].after).toMatchObject({ email: null, phone: '13900000002' });
    expect(audit[2]).toMatchObject({ before: { unitHead: true }, after: { unitHead: false } });

    // Bad contact facts: 422 naming the field, in Chinese by default and in English on request;
    // nothing is written.
    const auditCount = async () =>
      (await stack.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE entity = 'user'`)).rows[0].n;
    const n = await auditCount();
    const badPhone = await admin.request('PATCH', `/api/admin/users/${id}`, { phone: '12345' });
    expect(badPhone.status).toBe(422);
    expect(badPhone.body.error.code).toBe('VALIDATION_FAILED');
    expect(badPhone.body.error.details).toEqual([
      { path: 'body.phone', message: expect.stringContaining('手机号') },
    ]);
    expect(badPhone.body.error.message).toContain('请求内容不合法');
    const badEmail = await admin.request(
      'POST',
      '/api/admin/users',
      {
        username: 'xqz.bad',
        displayName: 'x',
        orgUnitCode: 'xqz',
        roles: ['viewer'],
        email: 'not-an-address',
      },
      { 'accept-language': 'en' },
    );
    expect(badEmail.status).toBe(422);
    expect(badEmail.body.error.details).toEqual([
      { path: 'body.email', message: expect.stringContaining('not a valid e-mail address') },
    ]);
    expect(badEmail.body.error.message).toMatch(/^invalid body: body\.email/);
    const badHead = await admin.request('PATCH', `/api/admin/users/${id}`, { unitHead: 'yes' });
    expect(badHead.status).toBe(422);
    expect(badHead.body.error.details[0].path).toBe('body.unitHead');
    expect(await row()).toEqual({ email: null, phone: '13900000002', unit_head: false });
    expect(await auditCount()).toBe(n);
    expect((await stack.db.query(`SELECT 1 FROM app_user WHERE username = 'xqz.bad'`)).rowCount).toBe(0);
  });

  it('drops the unit-head flag when the account moves to another unit, unless the move says so', async () => {
    await stack.db.query(`DELETE FROM login_attempt`);
    const admin = await adminLogin();
    const created = await admin.post('/api/admin/users', {
      username: 'xqz.movinghead',
      displayName: '赵主任',
      orgUnitCode: 'xqz',
      roles: ['viewer'],
      unitHead: true,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id: string = created.body.user.id;
    const patch = (body: object) => admin.request('PATCH', `/api/admin/users/${id}`, body);
    // Kept while the unit stays (the console sends the unit it shows).
    expect((await patch({ orgUnitCode: 'xqz', displayName: '赵主任' })).body.unitHead).toBe(true);
    // Head of 修齐镇 is not head of 庙坝镇: its warnings would reach the wrong person.
    const moved = await patch({ orgUnitCode: 'mbz' });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body).toMatchObject({ orgUnit: { code: 'mbz' }, unitHead: false });
    // Made head of the new unit on purpose: said in the same request.
    expect((await patch({ orgUnitCode: 'xqz', unitHead: true })).body).toMatchObject({
      orgUnit: { code: 'xqz' },
      unitHead: true,
    });
  });

  it('refuses administration to everyone but administrators', async () => {
    await stack.db.query(`DELETE FROM login_attempt`);
    for (const u of ['leader', 'supervisor', 'swj.op']) {
      const s = await Session.login(stack.baseUrl, u);
      expect((await s.get('/api/admin/users')).status, u).toBe(403);
    }
  });
});

/**
 * The administrator's session from a login with a code, shared by the tests of this file: each login
 * spends a code (RFC 6238 §5.2), and a fresh one comes only every 30 s.
 */
let adminWithCode: Session | undefined;
async function adminLogin(): Promise<Session> {
  if (!adminSecret) return adminSession();
  if (adminWithCode) return adminWithCode;
  const s = new Session(stack.baseUrl);
  const res = await s.post('/api/auth/login', {
    username: 'admin',
    password: TEST_PASSWORD,
    totp: await freshTotp(adminSecret),
  });
  expect(res.status).toBe(200);
  adminWithCode = s;
  return s;
}
