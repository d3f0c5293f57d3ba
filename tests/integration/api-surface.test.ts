/** The stable outside surface: health, readiness, OpenAPI, error shape, sessions, CSRF, headers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS } from '#domain/lifecycle.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('health', () => {
  it('answers /healthz and /readyz with PostgreSQL, Temporal and a worker up', async () => {
    const live = await fetch(`${stack.baseUrl}/healthz`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${stack.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      postgres: 'ok',
      temporal: 'ok',
      worker: 'ok',
      demoSeed: { state: 'none' },
    });
  });

  it('says not ready while no worker beats, and ready again once one runs', async () => {
    await stack.stopWorker();
    const down = await fetch(`${stack.baseUrl}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({
      status: 'unavailable',
      worker: expect.stringMatching(/^down/),
    });
    await stack.startWorker();
    await expect
      .poll(async () => (await fetch(`${stack.baseUrl}/readyz`)).status, { timeout: 10_000 })
      .toBe(200);
  });
});

describe('OpenAPI', () => {
  it('documents every route, and every transition action with its own fields', async () => {
    const res = await fetch(`${stack.baseUrl}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as any;
    expect(doc.openapi).toBe('3.1.0');
    for (const p of [
      '/api/projects',
      '/api/projects/{id}',
      '/api/projects/{id}/transitions',
      '/api/auth/login',
      '/api/orgs',
      '/healthz',
      '/readyz',
    ]) {
      expect(doc.paths[p], p).toBeDefined();
    }
    const body =
      doc.paths['/api/projects/{id}/transitions'].post.requestBody.content['application/json'].schema;
    const variants = body.oneOf ?? body.anyOf;
    const actions = variants.map((v: any) => v.properties.action.const);
    expect(new Set(actions)).toEqual(new Set(ACTIONS));
    const inspect = variants.find((v: any) => v.properties.action.const === 'inspect');
    expect(inspect.required).toEqual(expect.arrayContaining(['passed', 'inspectedOn']));
    const create = doc.paths['/api/projects'].post.requestBody.content['application/json'].schema;
    expect(create.properties.budgetFen.type).toBe('integer');
    // The api refuses a field it does not read, and the document says so, nested objects included.
    expect(create.additionalProperties).toBe(false);
    expect(create.properties.fundSources.items.additionalProperties).toBe(false);
    expect(inspect.additionalProperties).toBe(false);
  });
});

describe('errors and sessions', () => {
  it('answers an unknown api route with a JSON 404, never HTML or a stack', async () => {
    const res = await fetch(`${stack.baseUrl}/api/nothing-here`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as any;
    expect(body.error.code).toBe('NOT_FOUND');
    expect(JSON.stringify(body)).not.toMatch(/at \w+ \(/);
  });

  it('refuses a wrong password with 401, and sets a hardened session cookie on success', async () => {
    const s = new Session(stack.baseUrl);
    const wrong = await s.post('/api/auth/login', { username: 'swj.op', password: 'nope-nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('UNAUTHENTICATED');
    const unknown = await s.post('/api/auth/login', { username: 'nobody', password: 'nope-nope' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.message).toBe(wrong.body.error.message); // no account enumeration

    const res = await fetch(`${stack.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'swj.op', password: 'Test-Passw0rd!' }),
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^sid=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const me = (await res.json()) as any;
    expect(me).toMatchObject({
      username: 'swj.op',
      roles: ['operator'],
      orgUnit: { code: 'swj', kind: 'department' },
    });
    // Only a hash of the token is stored.
    const token = cookie.split(';')[0]!.slice('sid='.length);
    const { rows } = await stack.db.query('SELECT id FROM user_session');
    expect(rows.map((r) => r.id)).not.toContain(token);
    const { rows: users } = await stack.db.query(
      `SELECT password_hash FROM app_user WHERE username = 'swj.op'`,
    );
    expect(users[0].password_hash).toMatch(/^\$argon2id\$/);
  });

  it('ends the session server-side on logout', async () => {
    const s = await Session.login(stack.baseUrl, 'mbz.op');
    expect((await s.get('/api/auth/me')).status).toBe(200);
    expect((await s.post('/api/auth/logout')).status).toBe(204);
    expect((await s.get('/api/auth/me')).status).toBe(401);
  });

  it('refuses cross-site writes (foreign Origin, or a non-JSON body)', async () => {
    const foreign = await fetch(`${stack.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: JSON.stringify({ username: 'swj.op', password: 'Test-Passw0rd!' }),
    });
    expect(foreign.status).toBe(403);
    const form = await fetch(`${stack.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=swj.op&password=x',
    });
    expect(form.status).toBe(400);
  });

  it('sends security headers', async () => {
    const res = await fetch(`${stack.baseUrl}/healthz`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('lists the org units and their codes', async () => {
    const s = await Session.login(stack.baseUrl, 'leader');
    const res = await s.get('/api/orgs');
    expect(res.status).toBe(200);
    const codes = res.body.items.map((o: { code: string }) => o.code);
    expect(codes).toEqual(expect.arrayContaining(['ck', 'swj', 'fpb', 'mbz', 'xqz', 'mbz-ljc']));
    expect(res.body.items.find((o: { code: string }) => o.code === 'mbz-ljc')).toMatchObject({
      kind: 'village',
      parentCode: 'mbz',
    });
  });
});
