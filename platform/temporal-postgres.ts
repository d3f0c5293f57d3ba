/**
 * The production topology's Temporal: the real server (not the dev server) persisting to
 * PostgreSQL, with PostgreSQL advanced visibility, configured by deploy/temporal/ exactly as
 * docker compose runs it. The binaries (temporal-server and temporal-sql-tool, release 1.29.1, the
 * server the CLI's dev server embeds) are built once from the Go module proxy by
 * `npm run temporal:server` and cached like the CLI; starting never builds, so nothing downloads
 * while a test or a benchmark runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Logger } from './log.js';
import { freePort, waitFor } from './ports.js';
import { PROJECT_ROOT } from './temporal-cli.js';
import {
  ensureNamespace,
  ensureSearchAttributes,
  waitForFrontend,
  type RunningTemporal,
} from './temporal-server.js';

export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const PACKAGES = { server: 'go.temporal.io/server/cmd/server', sql: 'go.temporal.io/server/cmd/tools/sql' };
const DIR_NAME = `temporal-server-${TEMPORAL_SERVER_VERSION}`;
/** The server's configuration and schema script, shared with docker-compose.yml. */
export const TEMPORAL_DEPLOY_DIR = path.join(PROJECT_ROOT, 'deploy', 'temporal');

export interface TemporalServerBinaries {
  dir: string;
  server: string;
  sqlTool: string;
}

/** Where a built pair is kept outside the clone, for the next clone on this machine (as .ci/run keeps the CLI). */
export function temporalServerCacheDir(): string {
  return path.join(
    process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'),
    'sanzhang-yibiao',
    DIR_NAME,
  );
}

function binariesIn(dir: string): TemporalServerBinaries | undefined {
  const b = { dir, server: path.join(dir, 'temporal-server'), sqlTool: path.join(dir, 'temporal-sql-tool') };
  const ok = (f: string) => {
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  return ok(b.server) && ok(b.sqlTool) ? b : undefined;
}

/** TEMPORAL_SERVER_DIR, then .tools/temporal-server-v1.29.1, then the cache outside the clone. */
export function findTemporalServer(
  explicit = process.env.TEMPORAL_SERVER_DIR,
): TemporalServerBinaries | undefined {
  if (explicit) {
    const b = binariesIn(explicit);
    if (!b) throw new Error(`TEMPORAL_SERVER_DIR=${explicit} holds no temporal-server and temporal-sql-tool`);
    return b;
  }
  return binariesIn(path.join(PROJECT_ROOT, '.tools', DIR_NAME)) ?? binariesIn(temporalServerCacheDir());
}

/** The binaries, or an error that says how to build them (never a build: that is a setup step). */
export function requireTemporalServer(): TemporalServerBinaries {
  const b = findTemporalServer();
  if (!b)
    throw new Error(
      `the Temporal server ${TEMPORAL_SERVER_VERSION} is not built (.tools/${DIR_NAME}, ${temporalServerCacheDir()}): ` +
        'run `npm run temporal:server` once (a Go build of several minutes), or set TEMPORAL_SERVER_DIR',
    );
  return b;
}

/** `npm run temporal:server`: finds the binaries or builds them with `go install` (and caches them). */
export async function ensureTemporalServer(log: Logger): Promise<TemporalServerBinaries> {
  const found = findTemporalServer();
  if (found) return found;
  const go = ['/usr/local/go/bin/go', 'go'].find((g) => spawnSync(g, ['version']).status === 0);
  if (!go) throw new Error(`building the Temporal server needs Go ≥ 1.25 (go install ${PACKAGES.server})`);
  const target = path.join(PROJECT_ROOT, '.tools', DIR_NAME);
  const staging = `${target}.partial`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  const mods = [PACKAGES.server, PACKAGES.sql].map((p) => `${p}@${TEMPORAL_SERVER_VERSION}`);
  log.info(`building the Temporal server once: go install ${mods.join(' ')} (several minutes)…`);
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(go, ['install', ...mods], {
      env: { ...process.env, GOBIN: staging, CGO_ENABLED: '0' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const ticker = setInterval(
      () => log.info(`  still building (${Math.round((Date.now() - started) / 1000)} s)…`),
      60_000,
    );
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(ticker);
      if (code === 0) resolve();
      else reject(new Error(`go install failed with exit code ${code}`));
    });
  });
  // `go install` names them after their package directories.
  fs.renameSync(path.join(staging, 'server'), path.join(staging, 'temporal-server'));
  fs.renameSync(path.join(staging, 'sql'), path.join(staging, 'temporal-sql-tool'));
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(staging, target);
  const cache = temporalServerCacheDir();
  if (!binariesIn(cache)) {
    fs.mkdirSync(cache, { recursive: true });
    for (const f of ['temporal-server', 'temporal-sql-tool'])
      fs.copyFileSync(path.join(target, f), path.join(cache, f));
    for (const f of ['temporal-server', 'temporal-sql-tool']) fs.chmodSync(path.join(cache, f), 0o755);
  }
  log.info(`Temporal server built in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
  return binariesIn(target)!;
}

/**
 * The server's arguments after `--root` (docker-compose.yml's entrypoint has the same): the
 * configuration deploy/temporal/config/production.yaml, every service in one process. No
 * authorizer: the frontend listens on loopback here and on the compose network there.
 */
export const TEMPORAL_SERVER_ARGS = ['--config', 'config', '--env', 'production', '--allow-no-auth', 'start'];

export interface TemporalDatabase {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** The server's environment for deploy/temporal/config/production.yaml (the image's variable names). */
export function databaseEnv(db: TemporalDatabase): Record<string, string> {
  return {
    POSTGRES_SEEDS: db.host,
    DB_PORT: String(db.port),
    POSTGRES_USER: db.user,
    POSTGRES_PWD: db.password,
  };
}

/** deploy/temporal/setup-schema.sh with this build's temporal-sql-tool: databases and schemas, idempotent. */
export async function setupTemporalSchema(bin: TemporalServerBinaries, db: TemporalDatabase): Promise<void> {
  const out = await new Promise<{ code: number | null; text: string }>((resolve, reject) => {
    const child = spawn('sh', [path.join(TEMPORAL_DEPLOY_DIR, 'setup-schema.sh')], {
      env: { ...process.env, ...databaseEnv(db), TEMPORAL_SQL_TOOL: bin.sqlTool },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    child.stderr.on('data', (c: Buffer) => (text += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, text }));
  });
  if (out.code !== 0)
    throw new Error(
      `setting up Temporal's schema failed (exit ${out.code}): ${out.text.trim().split('\n').slice(-8).join(' | ')}`,
    );
}

/** The server's ports: the frontend's gRPC port is what clients dial; the rest stay on loopback. */
export const TEMPORAL_PORT_VARS = [
  'FRONTEND_GRPC_PORT',
  'FRONTEND_HTTP_PORT',
  'FRONTEND_MEMBERSHIP_PORT',
  'HISTORY_GRPC_PORT',
  'HISTORY_MEMBERSHIP_PORT',
  'MATCHING_GRPC_PORT',
  'MATCHING_MEMBERSHIP_PORT',
  'WORKER_GRPC_PORT',
  'WORKER_MEMBERSHIP_PORT',
] as const;
export type TemporalPorts = Record<(typeof TEMPORAL_PORT_VARS)[number], number>;

/** Whether `port` can be listened on at 127.0.0.1 now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A free port below 32768: the server keeps membership ports in a PostgreSQL `smallint`
 * (cluster_membership.rpc_port), and the kernel's own picks lie above it.
 */
async function freeLowPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!taken.has(port) && (await canListen(port))) return port;
  }
  throw new Error('no free port between 20000 and 32000 on 127.0.0.1');
}

export async function freeTemporalPorts(): Promise<TemporalPorts> {
  const ports = {} as TemporalPorts;
  const taken = new Set<number>();
  for (const v of TEMPORAL_PORT_VARS) {
    ports[v] = v.endsWith('_MEMBERSHIP_PORT') ? await freeLowPort(taken) : await freePort();
    taken.add(ports[v]);
  }
  return ports;
}

/**
 * Sets up the schema, starts the server (all four services in one process, its own process
 * group), waits until the frontend answers, and registers the namespace and our search attributes.
 * `ports`: those of an earlier start, so that a restart keeps the address its clients know.
 */
export async function startTemporalOnPostgres(opts: {
  bin: TemporalServerBinaries;
  db: TemporalDatabase;
  log: Logger;
  namespace: string;
  ports?: TemporalPorts;
  /** The server's own log level (LOG_LEVEL of the config): warn unless told. */
  logLevel?: string;
}): Promise<RunningTemporal & { ports: TemporalPorts }> {
  await setupTemporalSchema(opts.bin, opts.db);
  const ports = opts.ports ?? (await freeTemporalPorts());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...databaseEnv(opts.db),
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    LOG_LEVEL: opts.logLevel ?? 'warn',
    BIND_ON_IP: '127.0.0.1',
  };
  const args = ['--root', '.', ...TEMPORAL_SERVER_ARGS];
  // Its own process group (as the dev server): a test kills the whole server; Ctrl-C reaches the launcher only.
  const child = spawn(opts.bin.server, args, {
    cwd: TEMPORAL_DEPLOY_DIR,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  let exited: string | undefined;
  const ended = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = `exited (${signal ?? code})`;
      process.removeListener('exit', onExit);
      resolve(signal ? `signal ${signal}` : `code ${code}`);
    }),
  );
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      tail.push(line.slice(0, 400));
      if (tail.length > 20) tail.shift();
      opts.log.debug(line);
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const address = `127.0.0.1:${ports.FRONTEND_GRPC_PORT}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      process.removeListener('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('exit', () => {
        clearTimeout(killer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  try {
    await waitForFrontend({
      what: 'the Temporal server on PostgreSQL',
      address,
      // The server's own namespace: ours may not exist yet (it is registered below).
      namespace: 'temporal-system',
      exited: () => exited && `${exited} while starting: ${tail.join(' | ')}`,
      timeoutMs: 120_000,
      intervalMs: 500,
    });
    const ready = await Connection.connect({ address, connectTimeout: 5000 });
    try {
      await ensureNamespace(ready, opts.namespace);
      await waitFor('the namespace', () => ensureSearchAttributes(ready, opts.namespace), {
        timeoutMs: 60_000,
        intervalMs: 1000,
      });
    } finally {
      await ready.close();
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    address,
    port: ports.FRONTEND_GRPC_PORT,
    ports,
    pid: child.pid,
    process: child,
    exited: ended,
    stop,
  };
}
