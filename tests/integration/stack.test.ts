/**
 * `npm start` as a newcomer runs it: a fresh DATA_DIR, everything embedded. It must reach
 * /readyz, serve the console, seed the demo county, stop cleanly on SIGINT, keep its data for
 * the next start, and run beside a second stack with another PORT and DATA_DIR.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../../platform/ports.js';
import { buildConsoleIfStale } from '../support/web-dist.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const running: ChildProcess[] = [];

/** Starts `npm start` and waits until it is up (`ready`) or has begun seeding (`seeding`). */
async function startStack(dataDir: string, port: number, until: 'ready' | 'seeding' = 'ready') {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
      TEMPORAL_UI: 'off',
      DEMO_PASSWORD: 'Stack-Test-1',
      // The launcher is under test, not the county: its ten handcrafted projects are enough (the
      // whole county is seeded by seed-demo.test.ts), and two full seeds side by side take minutes.
      DEMO_SEED: 'small',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, like a terminal session: SIGINT goes to the group
  });
  running.push(child);
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    'stack',
    async () => {
      if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${output}`);
      if (until === 'seeding') {
        if (!output.includes('seeding the demo county')) throw new Error('not seeding yet');
        return;
      }
      if (!output.includes('press Ctrl-C')) throw new Error('not up yet');
      const res = await fetch(`${base}/readyz`);
      if (res.status !== 200) throw new Error(`readyz ${res.status}`);
    },
    { timeoutMs: 240_000, intervalMs: until === 'seeding' ? 50 : 500 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n--- output ---\n${output}`);
  });
  return {
    base,
    output: () => output,
    stop: async () => {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      process.kill(-child.pid!, 'SIGINT'); // Ctrl-C
      return exited;
    },
  };
}

async function login(base: string, username: string) {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'Stack-Test-1' }),
  });
  expect(res.status).toBe(200);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

// Shared setup, outside each test's time: the console build the launcher would otherwise make.
beforeAll(buildConsoleIfStale);
afterAll(() => {
  for (const c of running) if (c.exitCode === null) process.kill(-c.pid!, 'SIGKILL');
});

describe('npm start', () => {
  // The first start's data and what it served, which the restart below must find again (two
  // tests, each with its own time limit: together they are three starts of the whole stack).
  const kept = { dataDir: '', port: 0, items: [] as { id: string; stage: string; code: string }[] };

  it('brings up the whole stack with demo data beside a second one, and stops cleanly', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sanzhang-stack-'));
    fs.chmodSync(dataDir, 0o755);
    const port = await freePort();
    // A second stack beside the first, with its own port and data, started at the same time.
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sanzhang-stack-'));
    fs.chmodSync(otherDir, 0o755);
    const [first, second] = await Promise.all([
      startStack(dataDir, port),
      startStack(otherDir, await freePort()),
    ]);

    const html = await (await fetch(`${first.base}/projects`)).text();
    expect(html).toContain('<div id="app">');
    expect(html).toContain('三账一表');
    const cookie = await login(first.base, 'leader');
    const list = (await (
      await fetch(`${first.base}/api/projects?pageSize=100`, { headers: { cookie } })
    ).json()) as any;
    expect(list.total).toBeGreaterThanOrEqual(10);
    const stages = new Set(list.items.map((p: { stage: string }) => p.stage));
    for (const s of ['approved', 'underway', 'rectifying', 'afterCare', 'cancelled'])
      expect(stages).toContain(s);

    expect((await fetch(`${second.base}/readyz`)).status).toBe(200);
    expect((await fetch(`${first.base}/readyz`)).status).toBe(200);
    expect(await second.stop()).toBe(0);

    // Ctrl-C stops every part in order, and exits 0.
    expect(await first.stop()).toBe(0);
    const out = first.output();
    expect(out).toMatch(
      /api stopped[\s\S]*worker stopped[\s\S]*Temporal dev server stopped[\s\S]*PostgreSQL stopped/,
    );
    Object.assign(kept, { dataDir, port, items: list.items });
    fs.rmSync(otherDir, { recursive: true, force: true });
  });

  it('keeps the data for the next start: the same projects, no second seeding, live workflows', async () => {
    expect(kept.items.length).toBeGreaterThanOrEqual(10); // the test above ran
    const { dataDir, port } = kept;
    const list = { items: kept.items };
    // Started again on the same DATA_DIR: the same projects, no second seeding.
    const again = await startStack(dataDir, port);
    expect(again.output()).not.toContain('seeding the demo county');
    const cookie2 = await login(again.base, 'leader');
    const list2 = (await (
      await fetch(`${again.base}/api/projects?pageSize=100`, { headers: { cookie: cookie2 } })
    ).json()) as any;
    expect(list2.items.map((p: { id: string; stage: string }) => [p.id, p.stage])).toEqual(
      list.items.map((p: { id: string; stage: string }) => [p.id, p.stage]),
    );
    // The workflows survived too: a step still goes through the restarted Temporal server.
    const owner = await login(again.base, 'mbz.op');
    const first1 = list2.items.find((p: { code: string }) => p.code === 'CK2026-003'); // 实施方式 fixed, 庙坝镇 owns it
    const step = await fetch(`${again.base}/api/projects/${first1.id}/transitions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: owner },
      body: JSON.stringify({ action: 'start', startedOn: '2026-04-03' }),
    });
    expect(step.status).toBe(200);
    expect(await again.stop()).toBe(0);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops cleanly when Ctrl-C comes during the first seed, and the next start finishes it', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sanzhang-stack-'));
    fs.chmodSync(dataDir, 0o755);
    const port = await freePort();
    const first = await startStack(dataDir, port, 'seeding');
    expect(await first.stop()).toBe(0);
    const out = first.output();
    expect(out).not.toContain('press Ctrl-C'); // it was stopped before the seed was done
    expect(out).toMatch(/Temporal client stopped[\s\S]*Temporal dev server stopped[\s\S]*PostgreSQL stopped/);
    expect(out).not.toMatch(/^\s+at /m); // no stack trace
    expect(out).not.toContain('ERROR');

    const again = await startStack(dataDir, port);
    expect(again.output()).toContain('seeding the demo county');
    const cookie = await login(again.base, 'leader');
    const list = (await (
      await fetch(`${again.base}/api/projects?pageSize=100`, { headers: { cookie } })
    ).json()) as any;
    const codes: string[] = list.items.map((p: { code: string }) => p.code);
    expect(codes.filter((c) => c.startsWith('CK2026-'))).toHaveLength(10);
    expect(new Set(codes).size).toBe(codes.length);
    expect(await again.stop()).toBe(0);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
