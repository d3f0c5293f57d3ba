/**
 * Keeps one part of the local stack running: when it exits without being asked to, the launcher
 * says so and starts it again after a pause that doubles with each failure in a row (1 s, 2 s,
 * 4 s … 30 s). A part that stays up for a minute has recovered: the next failure starts from 1 s.
 * After `maxFailures` failures in a row (it keeps dying at once, or cannot start at all) the
 * launcher gives up and stops the stack, naming the part and the last reason.
 */
import type { Logger } from '#platform/log.js';

export interface Instance {
  pid?: number;
  /** Resolves with a description ("code 1", "signal SIGKILL") when the process has exited. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

export interface Supervised {
  name: string;
  current(): Instance | undefined;
  stop(): Promise<void>;
}

export interface SuperviseOptions<I extends Instance> {
  name: string;
  log: Logger;
  /** Starts the part; for restarts too. The first start's failure is thrown to the caller. */
  start: (restart: number) => Promise<I>;
  /** After each (re)start, e.g. to record the new pid. */
  onStarted?: (instance: I, restart: number) => void;
  /** When an instance exits unasked, before the restart is scheduled. */
  onDown?: (instance: I) => void;
  /** Stops restarts for good when the whole stack is stopping. */
  stopping: () => boolean;
  onGiveUp: (reason: string) => void;
  maxFailures?: number;
  firstDelayMs?: number;
  maxDelayMs?: number;
  stableMs?: number;
}

export async function supervise<I extends Instance>(opts: SuperviseOptions<I>): Promise<Supervised> {
  const maxFailures = opts.maxFailures ?? 8;
  const firstDelay = opts.firstDelayMs ?? 1000;
  const maxDelay = opts.maxDelayMs ?? 30_000;
  const stableMs = opts.stableMs ?? 60_000;
  let current: I | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let starting: Promise<unknown> | undefined;
  let failures = 0;
  let restarts = 0;
  let upSince = 0;

  const halted = () => stopped || opts.stopping();

  const watch = (instance: I) => {
    upSince = Date.now();
    void instance.exited.then((how) => {
      if (halted() || current !== instance) return;
      current = undefined;
      opts.onDown?.(instance);
      if (Date.now() - upSince >= stableMs) failures = 0;
      failures++;
      scheduleRestart(`exited unexpectedly (${how})`);
    });
  };

  const scheduleRestart = (why: string) => {
    if (failures >= maxFailures) {
      opts.log.error(`${opts.name} ${why}; it failed ${failures} times in a row: giving up`);
      opts.onGiveUp(`${opts.name} ${why}`);
      return;
    }
    const delay = Math.min(maxDelay, firstDelay * 2 ** (failures - 1));
    opts.log.warn(`${opts.name} ${why}; restarting it in ${(delay / 1000).toFixed(0)} s`);
    timer = setTimeout(() => {
      timer = undefined;
      if (halted()) return;
      restarts++;
      const attempt = opts.start(restarts).then(
        (instance) => {
          if (halted()) return instance.stop();
          current = instance;
          opts.log.info(`${opts.name} restarted${instance.pid ? ` (pid ${instance.pid})` : ''}`);
          opts.onStarted?.(instance, restarts);
          watch(instance);
        },
        (err: unknown) => {
          if (halted()) return;
          failures++;
          scheduleRestart(
            `did not start (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`,
          );
        },
      );
      starting = attempt.finally(() => (starting = undefined));
    }, delay);
  };

  current = await opts.start(0);
  opts.onStarted?.(current, 0);
  watch(current);

  return {
    name: opts.name,
    current: () => current,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await starting;
      const instance = current;
      current = undefined;
      await instance?.stop();
    },
  };
}
