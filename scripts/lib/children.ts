/** Child processes of the launcher: started with IPC so each can say when it is ready. */
import { fork, type ChildProcess } from 'node:child_process';
import type { Logger } from '#platform/log.js';

export interface Child {
  name: string;
  process: ChildProcess;
  pid?: number;
  /** Resolves with how the process ended ("code 1", "signal SIGKILL"), asked to or not. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

export function startNodeChild(opts: {
  name: string;
  entry: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  readyTimeoutMs?: number;
  /** Extra node flags, e.g. `--cpu-prof` for a benchmark's profile of this child. */
  execArgv?: string[];
  onUnexpectedExit?: (name: string, code: number | null) => void;
}): Promise<Child> {
  const child = fork(opts.entry, [], {
    execArgv: ['--import', 'tsx', ...(opts.execArgv ?? [])],
    env: opts.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let stopping = false;
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`)),
  );
  child.once('exit', (code) => {
    if (!stopping) opts.onUnexpectedExit?.(opts.name, code);
  });
  const handle: Child = {
    name: opts.name,
    process: child,
    pid: child.pid,
    exited,
    stop: async () => {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(killer);
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running beside the next attempt.
      void handle.stop();
      reject(new Error(`${opts.name} did not become ready`));
    }, opts.readyTimeoutMs ?? 120_000);
    child.on('message', (m: unknown) => {
      if (typeof m === 'object' && m !== null && (m as { type?: string }).type === 'ready') {
        clearTimeout(timer);
        resolve(handle);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${opts.name} exited with code ${code} before it was ready`));
    });
  });
}
