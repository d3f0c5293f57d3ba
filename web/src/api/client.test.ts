/**
 * What the console says when the answer is not the api's JSON error (a proxy's error page, a
 * server that cannot be reached): in the console's language, as the api's own errors are, never
 * the English status text or the browser's own words. Against a real server on loopback.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { i18n } from '../i18n';
import { ApiError, request } from './client';

const HAN = /\p{Script=Han}/u;
let server: http.Server;
let base = '';

beforeAll(async () => {
  // A proxy in front of a stopped api answers with its own HTML page.
  server = http.createServer((_req, res) => {
    res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** The message a failed GET gives, with the console in `locale`. */
async function failure(locale: 'zh-CN' | 'en', url: string): Promise<string> {
  i18n.global.locale.value = locale;
  const err = await request('GET', url).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return (err as Error).message;
}

describe('a failure that is not the api’s own error', () => {
  it('is said in the console’s language: a proxy’s error page', async () => {
    const en = await failure('en', `${base}/api/projects`);
    expect(en).toMatch(/HTTP 502/);
    expect(en).not.toMatch(HAN);
    const zh = await failure('zh-CN', `${base}/api/projects`);
    expect(zh).toMatch(HAN);
    expect(zh).not.toMatch(/Bad Gateway/);
    expect(await request('GET', `${base}/x`).catch((e: unknown) => e)).toBeInstanceOf(ApiError);
  });

  it('is said in the console’s language: a server that cannot be reached', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/api/projects`;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await failure('en', url)).toMatch(/could not be reached/);
    expect(await failure('zh-CN', url)).toBe('无法连接服务器，请检查网络后重试');
  });
});
