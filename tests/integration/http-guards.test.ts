/**
 * The HTTP edge: the CSRF check compares the whole origin, api answers are never cached, an upload
 * from nobody is refused before its body is read, and X-Forwarded-For counts only when TRUST_PROXY
 * says a proxy is there.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '#api/app.js';
import { COMPRESS_MIN_BYTES } from '#platform/precompress.js';
import { apiServerFor } from '#api/server.js';
import { createLogger } from '#platform/log.js';
import { aProject } from '../support/builders.js';
import { TEST_PASSWORD } from '../support/constants.js';
import { rawLogin, rawRequest } from '../support/raw-http.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

const IP_LIMIT = 3;
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ login: { maxFailures: 50, lockMinutes: 15, ipLimitPerMinute: IP_LIMIT } });
});
afterAll(async () => {
  await stack?.stop();
});

const post = (baseUrl: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(baseUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('compression', () => {
  it('compresses a large JSON answer for a client that takes it, to the same JSON, and leaves small ones', async () => {
    const swj = await Session.login(stack.baseUrl, 'swj.op');
    for (let i = 0; i < 3; i++) expect((await swj.post('/api/projects', aProject())).status).toBe(201);
    const cookie = await rawLogin(stack.baseUrl, 'leader');
    const get = (path: string, acceptEncoding?: string) =>
      rawRequest(stack.baseUrl, {
        method: 'GET',
        path,
        headers: { cookie, ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}) },
      });
    const plain = await get('/api/projects?pageSize=50');
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(Number(plain.headers['content-length'])).toBe(plain.bytes.length);
    expect(plain.bytes.length).toBeGreaterThan(COMPRESS_MIN_BYTES);
    for (const [accept, encoding, decode] of [
      ['gzip, deflate', 'gzip', zlib.gunzipSync],
      ['gzip, deflate, br', 'br', zlib.brotliDecompressSync],
      ['br;q=0, gzip', 'gzip', zlib.gunzipSync],
      ['deflate', undefined, (b: Buffer) => b],
    ] as const) {
      const res = await get('/api/projects?pageSize=50', accept);
      expect(res.status, accept).toBe(200);
      expect(res.headers['content-encoding'], accept).toBe(encoding);
      expect(res.headers.vary, accept).toContain('Accept-Encoding');
      expect(res.headers.etag, accept).toBeUndefined();
      expect(res.headers['content-type'], accept).toBe('application/json; charset=utf-8');
      expect(Number(res.headers['content-length']), accept).toBe(res.bytes.length);
      expect(JSON.parse(decode(res.bytes).toString('utf8')), accept).toEqual(plain.json);
      if (encoding) expect(res.bytes.length, accept).toBeLessThan(plain.bytes.length / 3);
    }
    // An answer that fits a packet goes as it is.
    const me = await get('/api/auth/me', 'gzip, br');
    expect(me.status).toBe(200);
    expect(me.bytes.length).toBeLessThan(COMPRESS_MIN_BYTES);
    expect(me.headers['content-encoding']).toBeUndefined();
    // A refusal as well as an answer: a project with nothing filled in names every field.
    const refused = await rawRequest(stack.baseUrl, {
      method: 'POST',
      path: '/api/projects',
      headers: {
        cookie,
        origin: stack.baseUrl,
        'content-type': 'application/json',
        'accept-encoding': 'gzip',
      },
      body: '{}',
    });
    expect(refused.status).toBe(422);
    expect(refused.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(zlib.gunzipSync(refused.bytes).toString('utf8')).error.code).toBe('VALIDATION_FAILED');
  });
});

describe('CSRF: the Origin must be ours in scheme, host and port', () => {
  it('refuses another scheme or port of the same host, and accepts our own origin', async () => {
    await stack.db.query('DELETE FROM login_attempt');
    const host = new URL(stack.baseUrl).host; // 127.0.0.1:<port>, served over http
    const login = { username: 'swj.op', password: TEST_PASSWORD };
    for (const origin of [`https://${host}`, `http://${host.replace(/:\d+$/, ':1')}`, 'null']) {
      const res = await post(stack.baseUrl, '/api/auth/login', login, { origin });
      expect(res.status, origin).toBe(403);
      expect(res.headers.get('cache-control')).toBe('no-store'); // refusals too
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    }
    const ours = await post(stack.baseUrl, '/api/auth/login', login, { origin: `http://${host}` });
    expect(ours.status).toBe(200);
  });
});

describe('caching', () => {
  it('marks every api answer no-store: JSON, errors and files alike', async () => {
    await stack.db.query('DELETE FROM login_attempt');
    const leader = await Session.login(stack.baseUrl, 'leader');
    const list = await leader.get('/api/projects');
    expect(list.status).toBe(200);
    expect(list.headers.get('cache-control')).toBe('no-store');
    const missing = await leader.get('/api/projects/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('cache-control')).toBe('no-store');
    const file = await leader.download('/api/projects/export');
    expect(file.status).toBe(200);
    expect(file.headers.get('cache-control')).toBe('no-store');
    expect((await new Session(stack.baseUrl).get('/api/auth/me')).headers.get('cache-control')).toBe(
      'no-store',
    );
  });

  it('gives api answers no ETag, which no cache could use, and public answers one a cache can revalidate', async () => {
    const leader = await Session.login(stack.baseUrl, 'leader');
    const list = await leader.get('/api/projects');
    expect(list.status).toBe(200);
    expect(list.headers.get('etag')).toBeNull();
    expect(list.headers.get('content-type')).toBe('application/json; charset=utf-8');
    // Nor do its refusals, which come from the error handler.
    const missing = await leader.get('/api/projects/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    expect(missing.headers.get('etag')).toBeNull();
    expect(missing.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const head = await rawRequest(stack.baseUrl, { method: 'HEAD', path: '/api/openapi.json' });
    expect(head.status).toBe(200);
    expect(head.headers.etag).toBeUndefined();
    expect(Number(head.headers['content-length'])).toBeGreaterThan(1000);
    expect(head.text).toBe('');

    // Through node:http: fetch adds `cache-control: no-cache` to a conditional request.
    const path = '/public/api/projects';
    const first = await rawRequest(stack.baseUrl, { method: 'GET', path });
    expect(first.status).toBe(200);
    const etag = first.headers.etag;
    expect(etag).toMatch(/^W\/"/);
    const again = await rawRequest(stack.baseUrl, {
      method: 'GET',
      path,
      headers: { 'if-none-match': etag! },
    });
    expect(again.status).toBe(304);
  });
});

describe('uploads', () => {
  it('refuses an upload without a session before reading its body', async () => {
    const url = new URL(`${stack.baseUrl}/api/projects/00000000-0000-4000-8000-000000000000/archives`);
    url.search = 'ledger=site&stage=approved&fileName=a.pdf';
    const req = http.request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/pdf',
        'content-length': String(20 * 1024 * 1024),
        'x-file-name': 'a.pdf',
      },
    });
    req.on('error', () => {}); // the server may close the connection on the rest of the body
    const answered = new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    req.write(Buffer.alloc(64 * 1024)); // a sliver of the 20 MiB announced; the rest never comes
    const res = await Promise.race([answered, new Promise<null>((r) => setTimeout(() => r(null), 5_000))]);
    req.destroy();
    expect(res, 'no answer while the body was still owed').not.toBeNull();
    expect(res!.statusCode).toBe(401);
    res!.resume();
  });
});

describe('X-Forwarded-For', () => {
  const attempts = (baseUrl: string, n: number) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        post(
          baseUrl,
          '/api/auth/login',
          { username: 'nobody', password: 'Wrong-Password-1' },
          { 'x-forwarded-for': `203.0.113.${i + 1}` },
        ).then((r) => r.status),
      ),
    );

  it('is ignored without TRUST_PROXY: a client cannot pick its own rate-limit address', async () => {
    await stack.db.query('DELETE FROM login_attempt');
    const statuses = await attempts(stack.baseUrl, IP_LIMIT + 2);
    expect(statuses.filter((s) => s === 401)).toHaveLength(IP_LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    const { rows } = await stack.db.query('SELECT DISTINCT ip FROM login_attempt');
    expect(rows.map((r) => r.ip)).toEqual([expect.stringMatching(/127\.0\.0\.1$/)]);
  });

  it('is believed from the proxy TRUST_PROXY names', async () => {
    await stack.db.query('DELETE FROM login_attempt');
    const { app } = createApp({
      orm: stack.orm,
      audit: stack.audit,
      temporal: stack.client,
      namespace: 'default',
      taskQueue: stack.taskQueue,
      log: createLogger('test-api', 'warn'),
      session: { idleMinutes: 30, absoluteHours: 12 },
      cookieSecure: 'off',
      login: { maxFailures: 50, lockMinutes: 15, ipLimitPerMinute: IP_LIMIT },
      dataDir: stack.dataDir,
      trustProxy: 'loopback',
    });
    const server = await new Promise<http.Server>((resolve) => {
      const s = apiServerFor(app).listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const statuses = await attempts(baseUrl, IP_LIMIT + 2);
      expect(statuses.every((s) => s === 401)).toBe(true); // five addresses, one attempt each
      const { rows } = await stack.db.query('SELECT ip FROM login_attempt ORDER BY ip');
      expect(rows.map((r) => r.ip)).toEqual(
        Array.from({ length: IP_LIMIT + 2 }, (_, i) => `203.0.113.${i + 1}`).sort(),
      );
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
