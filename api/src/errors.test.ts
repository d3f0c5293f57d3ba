import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '#platform/log.js';
import { freePort } from '#platform/ports.js';
import { errorHandler } from './errors.js';

const open: http.Server[] = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  for (const s of open.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** The api's error handler behind one route that fails with `err`. */
async function failingWith(err: unknown): Promise<string> {
  const app = express();
  app.get('/fail', () => {
    throw err;
  });
  app.use(errorHandler(createLogger('test', 'error')));
  const server = http.createServer(app);
  open.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/fail`;
}

/** What a pg client says when no server listens where it connects (at `port`). */
async function refusedConnection(port: number): Promise<unknown> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'x', database: 'x' });
  return client.connect().then(
    () => new Error('connected to a port nothing listens on'),
    (err: unknown) => err,
  );
}

/** What the server sends a session as it shuts down (a restart, a crash of another backend). */
function shutdownNotice(code: string): pg.DatabaseError {
  const e = new pg.DatabaseError('terminating connection due to administrator command', 0, 'error');
  e.code = code;
  e.severity = 'FATAL';
  return e;
}

describe('the error handler, when the database is unavailable', () => {
  it('answers 503 with Retry-After, in the caller’s language, where it answered 500', async () => {
    const dbPort = await freePort();
    vi.stubEnv('DATABASE_URL', `postgres://x@127.0.0.1:${dbPort}/x`);
    for (const err of [
      await refusedConnection(dbPort),
      shutdownNotice('57P01'),
      shutdownNotice('57P02'),
      shutdownNotice('08006'),
      new Error('Connection terminated unexpectedly'),
      // As an ORM or a pool wraps it.
      Object.assign(new Error('a query failed'), { cause: shutdownNotice('57P03') }),
    ]) {
      const url = await failingWith(err);
      const zh = await fetch(url);
      expect(zh.status, String(err)).toBe(503);
      expect(zh.headers.get('retry-after')).toBe('2');
      expect(((await zh.json()) as { error: unknown }).error).toEqual({
        code: 'UNAVAILABLE',
        message: '数据库暂时不可用，请稍后重试',
        details: { retryAfterSeconds: 2 },
      });
      const en = await fetch(url, { headers: { 'accept-language': 'en' } });
      expect(((await en.json()) as { error: { message: string } }).error.message).toBe(
        'the database is unavailable for a moment: try again',
      );
    }
  });

  it('still answers an error of the program 500, and a value the database refuses 422', async () => {
    const bug = await fetch(await failingWith(new TypeError('x is undefined')));
    expect(bug.status).toBe(500);
    expect(bug.headers.get('retry-after')).toBeNull();
    const value = Object.assign(new Error('invalid input syntax for type uuid'), { code: '22P02' });
    expect((await fetch(await failingWith(value))).status).toBe(422);
  });

  it('does not take a bug or another service for the database down', async () => {
    vi.stubEnv('DATABASE_URL', `postgres://x@127.0.0.1:${await freePort()}/x`);
    // 08P01: a message the server could not read (too many parameters for one statement) is a bug.
    const protocol = shutdownNotice('08P01');
    // A connection refused by some other service (an archive store, say), not the database.
    const other = await refusedConnection(await freePort());
    for (const err of [protocol, other]) {
      const res = await fetch(await failingWith(err));
      expect(res.status, String(err)).toBe(500);
    }
  });
});
