/**
 * `npm start` as a newcomer runs it: a fresh DATA_DIR, everything embedded. It must reach
 * /readyz, serve the console, seed the demo county, stop cleanly on SIGINT, keep its data for
 * the next start, and run beside a second stack with another PORT and DATA_DIR. A worker killed
 * outright is started again; a seed interrupted by Ctrl-C or by a kill of the whole process group
 * is finished by the next start, each step taken once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PROJECTS } from '#db/seed/demo-county.js';
import { DEMO_COMPLAINTS, DEMO_RECTIFICATIONS } from '#db/seed/demo-supervision.js';
import { freePort, waitFor } from '#platform/ports.js';
import { demoPlan } from '#scripts/lib/demo-steps.js';
import { buildConsoleIfStale } from '#scripts/lib/console-build.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const running: ChildProcess[] = [];

/**
 * Starts `npm start` and waits until it is up (`ready`), has begun seeding (`seeding`), or its
 * output matches `until`.
 */
async function startStack(
  dataDir: string,
  port: number,
  until: 'ready' | 'seeding' | RegExp = 'ready',
  env: Record<string, string> = {},
) {
  if (!dataDirs.includes(dataDir)) dataDirs.push(dataDir);
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
      ...env,
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
      if (until instanceof RegExp) {
        if (!until.test(output)) throw new Error(`no ${until} yet`);
        return;
      }
      if (!output.includes('press Ctrl-C')) throw new Error('not up yet');
      const res = await fetch(`${base}/readyz`);
      if (res.status !== 200) throw new Error(`readyz ${res.status}`);
    },
    { timeoutMs: 240_000, intervalMs: until === 'ready' ? 500 : 50 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n--- output ---\n${output}`);
  });
  return {
    base,
    output: () => output,
    stop: async (signal: NodeJS.Signals = 'SIGINT') => {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      process.kill(-child.pid!, signal); // Ctrl-C, or a kill of the whole terminal session
      return exited;
    },
  };
}

/** The steps each demo project's history records, in order (alerts and registration aside). */
async function stepsTaken(base: string, cookie: string, code: string): Promise<string[]> {
  const res = await fetch(`${base}/api/projects/${code}`, { headers: { cookie } });
  expect(res.status, code).toBe(200);
  const detail = (await res.json()) as { history: { action: string }[] };
  return detail.history.map((h) => h.action).filter((a) => a !== 'alert' && a !== 'create');
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
beforeAll(() => buildConsoleIfStale());
const dataDirs: string[] = [];

afterAll(() => {
  const kill = (pid: number) => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone already */
    }
  };
  for (const c of running) if (c.exitCode === null && c.signalCode === null) kill(-c.pid!);
  // A launcher killed outright leaves PostgreSQL and Temporal (own process groups) running.
  for (const dir of dataDirs) {
    const file = path.join(dir, 'stack.json');
    if (!fs.existsSync(file)) continue;
    const left = JSON.parse(fs.readFileSync(file, 'utf8')) as { postgresPid?: number; temporalPid?: number };
    for (const pid of [left.postgresPid, left.temporalPid]) if (pid) kill(pid);
  }
});

describe('npm start', () => {
  // Four starts (one a second stack beside the first), each seeding or restarting workflows.
  it(
    'brings up the whole stack with demo data, stops cleanly, and keeps the data',
    { timeout: 300_000 },
    async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sanzhang-stack-'));
      fs.chmodSync(dataDir, 0o755);
      const port = await freePort();
      const first = await startStack(dataDir, port);

      expect(first.output()).toMatch(/workflow bundle built \(\d+\.\d s\)/);
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
      // The supervision office has its work too: notices and complaints, as the demo data says.
      const office = await login(first.base, 'supervisor');
      for (const [what, n] of [
        ['rectifications', DEMO_RECTIFICATIONS.length],
        ['complaints', DEMO_COMPLAINTS.length],
      ] as const) {
        const res = await fetch(`${first.base}/api/${what}`, { headers: { cookie: office } });
        expect(((await res.json()) as { total: number }).total, what).toBe(n);
      }

      // A second stack beside the first, with its own port and data (no demo projects: seeding
      // is the first stack's part of this test).
      const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sanzhang-stack-'));
      fs.chmodSync(otherDir, 0o755);
      const second = await startStack(otherDir, await freePort(), 'ready', { DEMO_SEED: 'off' });
      expect((await fetch(`${second.base}/readyz`)).status).toBe(200);
      expect((await fetch(`${first.base}/readyz`)).status).toBe(200);
      expect(await second.stop()).toBe(0);

      // Ctrl-C stops every part in order, and exits 0.
      expect(await first.stop()).toBe(0);
      const out = first.output();
      expect(out).toMatch(
        /api stopped[\s\S]*worker stopped[\s\S]*Temporal dev server stopped[\s\S]*PostgreSQL stopped/,
      );

      // Started again on the same DATA_DIR: the same projects, no second seeding, and the
      // workflow bundle of the first start (nothing in it changed).
      const again = await startStack(dataDir, port);
      expect(again.output()).not.toContain('seeding the demo county');
      expect(again.output()).toContain('workflow bundle unchanged since the last start');
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
      fs.rmSync(otherDir, { recursive: true, force: true });
    },
  );

  // Three starts and two worker restarts: about a minute on a quiet machine.
  it(
    'finishes a seed interrupted by Ctrl-C and by a killed process group, each step once; restarts a killed worker',
    { timeout: 420_000 },
    async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sanzhang-stack-'));
      fs.chmodSync(dataDir, 0o755);
      const port = await freePort();
      const first = await startStack(dataDir, port, /seeding the demo county: 10 projects/);
      expect(await first.stop()).toBe(0);
      const out = first.output();
      expect(out).not.toContain('press Ctrl-C'); // it was stopped before the seed was done
      expect(out).toMatch(
        /Temporal client stopped[\s\S]*Temporal dev server stopped[\s\S]*PostgreSQL stopped/,
      );
      expect(out).not.toMatch(/^\s+at /m); // no stack trace
      // A dev server that lost the port it was given to another process is started again on
      // other ports; that warning quotes the server's own log (level=ERROR), which is not an error
      // of this run.
      const ownLines = out.split('\n').filter((l) => !l.includes('starting it again on other ports'));
      expect(ownLines.join('\n')).not.toContain('ERROR');

      // Caught while the seed resumes (its first progress line, or a later one before the end):
      // waiting for a later line alone made the test depend on the seed taking over 10 s.
      const second = await startStack(dataDir, port, /demo projects: [0-8] of 10 done/);
      // Ready means the demo accounts log in, even while the projects are still being seeded.
      const ready = (await (await fetch(`${second.base}/readyz`)).json()) as any;
      expect(ready.status).toBe('ready');
      expect(ready.demoSeed).toMatchObject({ state: 'seeding', total: 10 });
      await login(second.base, 'leader');
      // The worker killed outright: /readyz says not ready at once (a step would wait)…
      const killWorker = async (stack: { base: string; output: () => string }) => {
        process.kill(Number(/worker started \(pid (\d+)\)/.exec(stack.output())![1]), 'SIGKILL');
        await waitFor(
          'readyz to say not ready',
          async () => {
            const res = await fetch(`${stack.base}/readyz`);
            if (res.status !== 503) throw new Error(`readyz ${res.status}`);
            expect(((await res.json()) as { worker: string }).worker).toMatch(/^down/);
          },
          { timeoutMs: 20_000, intervalMs: 100 },
        );
      };
      await killWorker(second);
      // …and, the seed stalled half-way, the launcher's whole process group is killed outright:
      // PostgreSQL and Temporal (in their own groups) are left running on DATA_DIR.
      expect(await second.stop('SIGKILL')).toBe(null);

      const again = await startStack(dataDir, port);
      expect(again.output()).toMatch(/died without stopping its PostgreSQL/);
      expect(again.output()).toContain('seeding the demo county');
      const cookie = await login(again.base, 'leader');
      const list = (await (
        await fetch(`${again.base}/api/projects?pageSize=100`, { headers: { cookie } })
      ).json()) as any;
      const codes: string[] = list.items.map((p: { code: string }) => p.code);
      expect(codes.filter((c) => c.startsWith('CK2026-'))).toHaveLength(10);
      expect(new Set(codes).size).toBe(codes.length);
      // Every project took exactly the steps of its plan: none lost, none taken twice.
      for (const p of DEMO_PROJECTS.slice(0, 10))
        expect(await stepsTaken(again.base, cookie, p.code), p.code).toEqual(
          demoPlan(p).map((s) => s.input.action),
        );
      expect(((await (await fetch(`${again.base}/readyz`)).json()) as any).demoSeed).toEqual({
        state: 'done',
      });

      // A worker killed under a running stack is started again, and /readyz says ready again.
      await killWorker(again);
      await waitFor(
        'the worker to be restarted',
        async () => {
          if (!/worker restarted \(pid \d+\)/.test(again.output())) throw new Error('not restarted yet');
          const res = await fetch(`${again.base}/readyz`);
          if (res.status !== 200) throw new Error(`readyz ${res.status}`);
        },
        { timeoutMs: 120_000, intervalMs: 250 },
      );
      expect(again.output()).toMatch(/worker exited unexpectedly \(signal SIGKILL\); restarting it in 1 s/);
      expect(await again.stop()).toBe(0);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  );
});
