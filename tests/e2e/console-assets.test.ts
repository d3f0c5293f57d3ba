/**
 * The console's files as a browser on a slow line gets them: the scripts and styles compressed by
 * the build and sent compressed to whoever accepts it, the same bytes once decoded; kept a year by
 * their hashed names; and a phone's first visit in Chromium loads them compressed and works.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rawRequest } from '../support/raw-http.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { launchBrowser, login, newPage } from './support/browser.js';

let stack: TestStack;
let browser: Browser;
const webDist = inject('webDist');

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ webDist }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** The stylesheet and the entry script index.html names. */
function entryAssets(): string[] {
  const html = fs.readFileSync(path.join(webDist, 'index.html'), 'utf8');
  const names = [...html.matchAll(/\/assets\/([\w.-]+\.(?:js|css))/g)].map((m) => m[1]!);
  expect(names.some((n) => n.endsWith('.css')) && names.some((n) => n.endsWith('.js'))).toBe(true);
  return names;
}

const get = (name: string, acceptEncoding?: string, method = 'GET') =>
  rawRequest(stack.baseUrl, {
    method,
    path: `/assets/${name}`,
    headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding },
  });

describe('the console’s assets', () => {
  it('are sent compressed to whoever accepts it, decoding to the very file, and plain to whoever does not', async () => {
    for (const name of entryAssets()) {
      const file = fs.readFileSync(path.join(webDist, 'assets', name));
      const type = name.endsWith('.css') ? 'text/css' : 'text/javascript';
      const cases: [string | undefined, string | undefined, (b: Buffer) => Buffer][] = [
        ['gzip, deflate', 'gzip', zlib.gunzipSync],
        ['gzip, deflate, br, zstd', 'br', zlib.brotliDecompressSync],
        ['br;q=0, gzip', 'gzip', zlib.gunzipSync],
        [undefined, undefined, (b) => b],
        ['gzip;q=0, br;q=0', undefined, (b) => b],
        ['deflate', undefined, (b) => b],
      ];
      for (const [accept, encoding, decode] of cases) {
        const res = await get(name, accept);
        const what = `${name} with Accept-Encoding ${accept ?? '(none)'}`;
        expect(res.status, what).toBe(200);
        expect(res.headers['content-encoding'], what).toBe(encoding);
        expect(res.headers['content-type'], what).toContain(type);
        expect(res.headers.vary, what).toBe('Accept-Encoding');
        expect(res.headers['cache-control'], what).toBe('public, max-age=31536000, immutable');
        expect(decode(res.bytes).equals(file), what).toBe(true);
        if (encoding) expect(res.bytes.length, what).toBeLessThan(file.length / 2);
      }
      const head = await get(name, 'gzip', 'HEAD');
      expect(head.headers['content-encoding']).toBe('gzip');
      expect(head.bytes.length).toBe(0);
    }
  });

  it('leave index.html to be asked for every time, and an unknown asset is not the console', async () => {
    const index = await rawRequest(stack.baseUrl, { method: 'GET', path: '/login' });
    expect(index.status).toBe(200);
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.text).toContain('<div id="app">');
    const missing = await get('nothing-here.js', 'gzip');
    expect(missing.headers['content-encoding']).toBeUndefined();
  });

  it('reach a phone’s Chromium compressed on its first visit, and the console works', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    try {
      const assets: { url: string; encoding: string | undefined; wire: number; size: number }[] = [];
      page.on('requestfinished', (request) => {
        void (async () => {
          if (!new URL(request.url()).pathname.startsWith('/assets/')) return;
          const response = await request.response();
          const sizes = await request.sizes();
          const name = path.basename(new URL(request.url()).pathname);
          assets.push({
            url: name,
            encoding: response?.headers()['content-encoding'],
            wire: sizes.responseBodySize,
            size: fs.statSync(path.join(webDist, 'assets', name)).size,
          });
        })();
      });
      await login(page, 'xqz-btc.op');
      await expect.poll(() => assets.length).toBeGreaterThan(3);
      // Chromium offers br on localhost and over TLS, gzip everywhere.
      const large = assets.filter((a) => a.size >= 1024 && /\.(js|css)$/.test(a.url));
      expect(large.length).toBeGreaterThan(3);
      for (const a of large) expect(['br', 'gzip'], a.url).toContain(a.encoding);
      const wire = large.reduce((n, a) => n + a.wire, 0);
      const size = large.reduce((n, a) => n + a.size, 0);
      expect(wire).toBeLessThan(size / 2.5);
    } finally {
      await context.close();
    }
  });
});
