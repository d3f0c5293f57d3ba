/**
 * The readiness wait both Temporal servers we start share (the dev server and the real server on
 * PostgreSQL): it gives up at once when the server has exited, and at its deadline otherwise.
 */
import net from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { waitForFrontend } from './temporal-server.js';

/** A port that refuses connections: listened on, then closed. */
let refused: string;
beforeAll(async () => {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  refused = `127.0.0.1:${port}`;
});

describe('waitForFrontend', () => {
  it('fails at once, naming how, when the server exited while starting', async () => {
    const t0 = Date.now();
    await expect(
      waitForFrontend({
        what: 'the server',
        address: refused,
        namespace: 'default',
        exited: () => 'exited (1): bind: address already in use',
        timeoutMs: 60_000,
        intervalMs: 100,
      }),
    ).rejects.toThrow('the server exited (1): bind: address already in use');
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('notices an exit between two attempts', async () => {
    let gone: string | undefined;
    setTimeout(() => (gone = 'exited (signal SIGKILL)'), 300);
    const t0 = Date.now();
    await expect(
      waitForFrontend({
        what: 'the server',
        address: refused,
        namespace: 'default',
        exited: () => gone,
        timeoutMs: 60_000,
        intervalMs: 100,
      }),
    ).rejects.toThrow('the server exited (signal SIGKILL)');
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('gives up at its deadline when nothing answers', async () => {
    await expect(
      waitForFrontend({
        what: 'the server',
        address: refused,
        namespace: 'default',
        exited: () => undefined,
        timeoutMs: 1_000,
        intervalMs: 100,
      }),
    ).rejects.toThrow(/the server did not answer in 1 s/);
  });
});
