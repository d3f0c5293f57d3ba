/**
 * DATA_DIR/stack.json: the running launcher's pid, where its servers are (database URL and
 * Temporal address, chosen at start: `npm run audit:verify` and `npm run reconcile` find them
 * here) and the pids of the servers it started. PostgreSQL and the Temporal dev server run in their own
 * process groups (so that Ctrl-C reaches the launcher first); a launcher killed outright (SIGKILL,
 * a closed terminal's group) leaves them running on DATA_DIR. The next start reads this file and
 * stops what such a dead launcher left behind, instead of refusing to start.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from './log.js';

export interface StackFile {
  pid: number;
  databaseUrl?: string;
  /** Absent while Temporal is still starting (and in files written before it was recorded). */
  temporalAddress?: string;
  postgresPid?: number;
  temporalPid?: number;
}

export const stackFilePath = (dataDir: string) => path.join(dataDir, 'stack.json');

export function writeStackFile(dataDir: string, content: StackFile): void {
  const file = stackFilePath(dataDir);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(content), { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of `pid` (Linux); undefined where /proc is not there. */
function commandOf(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

/** Alive and, where the system says, running what we expect (a pid may have been reused). */
function isOurs(pid: number | undefined, expect: RegExp): pid is number {
  if (!pid || !alive(pid)) return false;
  const cmd = commandOf(pid);
  return cmd === undefined ? fs.existsSync('/proc') === false : expect.test(cmd);
}

async function stopPid(pid: number, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const until = Date.now() + graceMs;
  while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
    while (alive(pid)) await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * When the previous launcher on this DATA_DIR is dead, stops the PostgreSQL and Temporal servers
 * it left running. A live one is left alone: starting a second stack on the same data is refused.
 */
export async function stopLeftovers(dataDir: string, log: Logger): Promise<void> {
  let previous: StackFile;
  try {
    previous = JSON.parse(fs.readFileSync(stackFilePath(dataDir), 'utf8')) as StackFile;
  } catch {
    return;
  }
  if (previous.pid !== process.pid && isOurs(previous.pid, /start\.ts/)) {
    throw new Error(
      `another npm start (pid ${previous.pid}) is using ${dataDir}: stop it, or give this stack its own DATA_DIR`,
    );
  }
  const leftovers: [string, number, NodeJS.Signals, number][] = [];
  if (isOurs(previous.temporalPid, /temporal/))
    leftovers.push(['Temporal dev server', previous.temporalPid, 'SIGTERM', 10_000]);
  if (isOurs(previous.postgresPid, /postgres/))
    leftovers.push(['PostgreSQL', previous.postgresPid, 'SIGINT', 30_000]);
  for (const [name, pid, signal, grace] of leftovers) {
    log.warn(
      `the previous launcher (pid ${previous.pid}) died without stopping its ${name} (pid ${pid}): stopping it`,
    );
    await stopPid(pid, signal, grace);
  }
  fs.rmSync(stackFilePath(dataDir), { force: true });
}

/** The running stack's file, or undefined when there is none or its launcher is gone. */
export function readStackFile(dataDir: string): StackFile | undefined {
  const file = stackFilePath(dataDir);
  if (!fs.existsSync(file)) return undefined;
  const info = JSON.parse(fs.readFileSync(file, 'utf8')) as StackFile;
  return alive(info.pid) ? info : undefined; // a launcher killed outright left it behind
}
