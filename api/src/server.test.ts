import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { apiServerFor, createApiServer, KEEP_ALIVE_MS } from './server.js';

const open: http.Server[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function listening(server: http.Server): Promise<string> {
  open.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function appWithRoutes() {
  const app = express();
  app.use(express.json());
  app.get('/echo', (req, res) => {
    res.set('X-Lang', req.get('accept-language') ?? '').json({ q: req.query, method: req.method });
  });
  app.post('/echo', (req, res) => {
    res.status(201).json({ body: req.body as unknown });
  });
  return app;
}

describe('the api server', () => {
  it('creates each request and response with the app’s prototypes before Express sees them', async () => {
    const app = appWithRoutes();
    const server = apiServerFor(app);
    const seen: boolean[] = [];
    // Runs before the app's own listener: what the server created, before Express's handle.
    server.prependListener('request', (req, res) => {
      seen.push(Object.getPrototypeOf(req) === app.request, Object.getPrototypeOf(res) === app.response);
    });
    const base = await listening(server);
    expect((await fetch(`${base}/echo`)).status).toBe(200);
    expect(seen).toEqual([true, true]);
  });

  it('serves Express as before: query, headers, JSON bodies, statuses', async () => {
    const base = await listening(apiServerFor(appWithRoutes()));
    const get = await fetch(`${base}/echo?a=1&b=中文`, { headers: { 'accept-language': 'en' } });
    expect(get.status).toBe(200);
    expect(get.headers.get('x-lang')).toBe('en');
    expect(get.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await get.json()).toEqual({ q: { a: '1', b: '中文' }, method: 'GET' });
    const post = await fetch(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ 金额: 100 }),
    });
    expect(post.status).toBe(201);
    expect(await post.json()).toEqual({ body: { 金额: 100 } });
  });

  it('keeps an idle connection open past Node’s 5 s, for a proxy that reuses it later', async () => {
    expect(KEEP_ALIVE_MS).toBeGreaterThan(60_000);
    const base = new URL(await listening(apiServerFor(appWithRoutes())));
    const socket = net.connect(Number(base.port), base.hostname);
    let received = '';
    let closed = false;
    socket.on('data', (d: Buffer) => (received += d.toString()));
    socket.on('close', () => (closed = true));
    const ask = async (n: number) => {
      socket.write(`GET /echo?n=${n} HTTP/1.1\r\nHost: ${base.host}\r\nConnection: keep-alive\r\n\r\n`);
      await expect.poll(() => received.split('HTTP/1.1 200').length - 1).toBe(n);
    };
    try {
      await ask(1);
      await new Promise((r) => setTimeout(r, 6_000));
      expect(closed).toBe(false);
      await ask(2);
      expect(received).toContain('"n":"2"');
    } finally {
      socket.destroy();
    }
  });

  it('refuses a request it cannot read with the house error, in the caller’s language', async () => {
    const base = new URL(await listening(apiServerFor(appWithRoutes())));
    /** What the server answers to `raw`, sent as it is, read until the server closes the connection. */
    const answer = (raw: string) =>
      new Promise<{ head: string; body: unknown }>((resolve, reject) => {
        const socket = net.connect(Number(base.port), base.hostname);
        let received = '';
        socket.on('data', (d: Buffer) => (received += d.toString()));
        socket.on('error', reject);
        socket.on('close', () => {
          const [head = '', body = ''] = received.split('\r\n\r\n');
          resolve({ head, body: body ? JSON.parse(body) : null });
        });
        socket.write(raw);
      });
    const tooLong = `GET /echo?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: ${base.host}\r\n\r\n`;
    const zh = await answer(tooLong);
    expect(zh.head).toMatch(/^HTTP\/1\.1 431 /);
    expect(zh.head).toMatch(/\r\ncontent-type: application\/json; charset=utf-8\r\n/i);
    expect(zh.body).toEqual({ error: { code: 'HEADERS_TOO_LARGE', message: '请求头或网址过长' } });
    const big = `GET /echo HTTP/1.1\r\nHost: ${base.host}\r\nAccept-Language: en-GB,en;q=0.9,zh;q=0.8\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`;
    expect((await answer(big)).body).toEqual({
      error: { code: 'HEADERS_TOO_LARGE', message: 'request headers or URL too long' },
    });
    const garbled = await answer(`GET /echo HTTP/1.1\r\nHost ${base.host}\r\nAccept-Language: en\r\n\r\n`);
    expect(garbled.head).toMatch(/^HTTP\/1\.1 400 /);
    expect(garbled.body).toEqual({ error: { code: 'BAD_REQUEST', message: 'malformed HTTP request' } });
    // The server still serves the next caller.
    expect((await fetch(`${base.origin}/echo?x=1`)).status).toBe(200);
  });

  it('listens before its app exists and serves it once given', async () => {
    const { server, serve } = createApiServer();
    const base = await listening(server);
    const app = appWithRoutes();
    serve(app);
    const res = await fetch(`${base}/echo?x=1`);
    expect(await res.json()).toEqual({ q: { x: '1' }, method: 'GET' });
  });
});
