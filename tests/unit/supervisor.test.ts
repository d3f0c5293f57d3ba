/** The launcher's supervision of its processes: restart with backoff, give up on a crash loop, stop for good. */
import { describe, expect, it } from 'vitest';
import type { Logger } from '#platform/log.js';
import { supervise, type Instance } from '#scripts/lib/supervisor.js';

function fakeProcesses() {
  const started: { pid: number; die: (how: string) => void; stopped: boolean }[] = [];
  const start = async (): Promise<Instance> => {
    let die!: (how: string) => void;
    const exited = new Promise<string>((r) => (die = r));
    const p = { pid: 100 + started.length, die, stopped: false };
    started.push(p);
    return {
      pid: p.pid,
      exited,
      stop: async () => {
        p.stopped = true;
        die('code 0');
      },
    };
  };
  return { started, start };
}

function memoryLog() {
  const lines: string[] = [];
  const log: Logger = {
    debug: () => undefined,
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
  return { lines, log };
}

const until = async (ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(ok()).toBe(true);
};

describe('supervise', () => {
  it('starts a part that died again, says so, and doubles the pause while it keeps dying', async () => {
    const { started, start } = fakeProcesses();
    const { lines, log } = memoryLog();
    const part = await supervise({
      name: 'worker',
      log,
      start,
      stopping: () => false,
      onGiveUp: () => undefined,
      firstDelayMs: 10,
    });
    started[0]!.die('signal SIGKILL');
    await until(() => started.length === 2);
    started[1]!.die('code 1');
    await until(() => started.length === 3);
    expect(lines).toContain('warn worker exited unexpectedly (signal SIGKILL); restarting it in 0 s');
    expect(lines).toContain('info worker restarted (pid 101)');
    expect(part.current()?.pid).toBe(102);
    await part.stop();
    expect(started[2]!.stopped).toBe(true);
  });

  it('gives up after so many failures in a row, naming the part and the reason', async () => {
    const { started, start } = fakeProcesses();
    const { lines, log } = memoryLog();
    let gaveUp = '';
    await supervise({
      name: 'api',
      log,
      start,
      stopping: () => false,
      onGiveUp: (reason) => (gaveUp = reason),
      firstDelayMs: 1,
      maxFailures: 3,
    });
    for (let i = 0; i < 3; i++) {
      await until(() => started.length === i + 1);
      started[i]!.die('code 1');
    }
    await until(() => gaveUp !== '');
    expect(gaveUp).toBe('api exited unexpectedly (code 1)');
    expect(lines.at(-1)).toMatch(/failed 3 times in a row: giving up/);
    expect(started).toHaveLength(3);
  });

  it('restarts nothing once the stack is stopping', async () => {
    const { started, start } = fakeProcesses();
    const { log } = memoryLog();
    let stopping = false;
    await supervise({
      name: 'PostgreSQL',
      log,
      start,
      stopping: () => stopping,
      onGiveUp: () => undefined,
      firstDelayMs: 1,
    });
    stopping = true;
    started[0]!.die('code 0');
    await new Promise((r) => setTimeout(r, 30));
    expect(started).toHaveLength(1);
  });
});
