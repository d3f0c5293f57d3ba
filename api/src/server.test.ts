import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { apiServerFor, createApiServer } from './server.js';

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

  it('listens before its app exists and serves it once given', async () => {
    const { server, serve } = createApiServer();
    const base = await listening(server);
    const app = appWithRoutes();
    serve(app);
    const res = await fetch(`${base}/echo?x=1`);
    expect(await res.json()).toEqual({ q: { x: '1' }, method: 'GET' });
  });
});
