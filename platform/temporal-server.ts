/**
 * The local Temporal dev server (used when TEMPORAL_ADDRESS is not set), and the one-time
 * namespace setup that any server needs: our custom search attributes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '#domain/search-attributes.js';
import type { Logger } from './log.js';
import { freePort } from './ports.js';

export interface RunningTemporal {
  address: string;
  port: number;
  uiUrl?: string;
  uiPort?: number;
  pid?: number;
  process: ChildProcess;
  /** Resolves with how the server ended ("code 1", "signal SIGKILL"), asked to or not. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

/**
 * Waits until a Temporal frontend we started answers for `namespace`: a connection and a
 * DescribeNamespace, tried every `intervalMs` until `timeoutMs`. A server that exits while
 * starting fails the wait at once (`exited` names how), instead of when the time is up.
 */
export async function waitForFrontend(opts: {
  what: string;
  address: string;
  namespace: string;
  /** Why the server can no longer answer (it exited), or undefined while it runs. */
  exited: () => string | undefined;
  timeoutMs: number;
  intervalMs: number;
}): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const gone = opts.exited();
    if (gone) throw new Error(`${opts.what} ${gone}`);
    try {
      const conn = await Connection.connect({ address: opts.address, connectTimeout: 1000 });
      try {
        await conn.workflowService.describeNamespace({ namespace: opts.namespace });
        return;
      } finally {
        await conn.close();
      }
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(
          `${opts.what} did not answer in ${Math.round(opts.timeoutMs / 1000)} s: ${String(err)}`,
        );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs));
  }
}

interface DevServerOptions {
  cli: string;
  log: Logger;
  dbFile?: string; // omitted: in memory (tests)
  namespace: string;
  ui?: boolean;
  /** Ports to listen on (a restart keeps the address its clients know); free ones otherwise. */
  port?: number;
  uiPort?: number;
}

/** Starts with ports of its choosing this many times before it gives up. */
const START_ATTEMPTS = 3;

/**
 * Starts the dev server. One that exits while starting on ports it chose is started again on
 * fresh ones: a port found free can be taken before the server binds it, on a machine where other
 * stacks start at the same moment.
 */
export async function startTemporalDevServer(opts: DevServerOptions): Promise<RunningTemporal> {
  const chosen = opts.port === undefined && opts.uiPort === undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (!chosen || attempt >= START_ATTEMPTS || !(err instanceof ExitedWhileStarting)) throw err;
      opts.log.warn(`${err.message}; starting it again on other ports (${attempt + 1}/${START_ATTEMPTS})`);
    }
  }
}

class ExitedWhileStarting extends Error {}

async function startOnce(opts: DevServerOptions): Promise<RunningTemporal> {
  const port = opts.port ?? (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  args.push('--http-port', String(await freePort()), '--metrics-port', String(await freePort()));
  let uiUrl: string | undefined;
  let uiPort: number | undefined;
  if (opts.ui) {
    uiPort = opts.uiPort ?? (await freePort());
    args.push('--ui-port', String(uiPort));
    uiUrl = `http://127.0.0.1:${uiPort}`;
  } else {
    args.push('--headless');
  }
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  // A step's write is a regular activity on the worker that ran the step: eager dispatch hands it
  // back with the workflow task's completion instead of through another poll.
  args.push('--dynamic-config-value', 'system.enableActivityEagerExecution=true');
  if (opts.namespace !== 'default') args.push('--namespace', opts.namespace);
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES))
    args.push('--search-attribute', `${name}=${type}`);

  // Its own process group: Ctrl-C reaches the launcher, which stops the server after the worker.
  const child = spawn(opts.cli, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const onExit = () => child.kill('SIGKILL'); // backstop: never leave it orphaned
  process.once('exit', onExit);
  let exited: string | undefined;
  const ended = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = `exited (${signal ?? code})`;
      process.removeListener('exit', onExit);
      resolve(signal ? `signal ${signal}` : `code ${code}`);
    }),
  );
  // The first lines and the last: Go prints a panic's reason first and its stack after it.
  const head: string[] = [];
  const tail: string[] = [];
  let dropped = 0;
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      if (head.length < 5) head.push(line);
      else {
        tail.push(line);
        if (tail.length > 15) {
          tail.shift();
          dropped++;
        }
      }
      opts.log.debug(line);
    }
  };
  const output = () => [...head, ...(dropped ? [`… ${dropped} lines …`] : []), ...tail].join(' | ');
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const address = `127.0.0.1:${port}`;
  try {
    await waitForFrontend({
      what: 'the Temporal dev server',
      address,
      namespace: opts.namespace,
      exited: () => exited && `the process ${exited}: ${output()}`,
      timeoutMs: 90_000,
      intervalMs: 300,
    });
  } catch (err) {
    process.removeListener('exit', onExit);
    child.kill('SIGKILL');
    throw exited ? new ExitedWhileStarting((err as Error).message) : err;
  }
  return {
    address,
    port,
    uiUrl,
    uiPort,
    pid: child.pid,
    process: child,
    exited: ended,
    stop: () =>
      new Promise<void>((resolve) => {
        process.removeListener('exit', onExit);
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(killer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

// @temporalio/proto is CommonJS: take the namespace from its default export under plain Node ESM.
const { temporal } = proto;
const TYPE_ENUM: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {
  Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KeywordList: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  Int: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Text: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  Bool: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  Datetime: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  Double: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
};

/** Registers any of our search attributes the namespace lacks (an external server, say). */
export async function ensureSearchAttributes(
  connection: Pick<Connection, 'operatorService'>,
  namespace: string,
): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.entries(SEARCH_ATTRIBUTES).filter(
    ([name]) => !(name in (existing.customAttributes ?? {})),
  );
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, TYPE_ENUM[type]!])),
  });
}

/** gRPC status codes the namespace calls answer with. */
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const grpcCode = (err: unknown) => (err as { code?: number }).code;

/**
 * Registers the namespace when the server lacks it: a server of our own on PostgreSQL starts with
 * none (the dev server and the auto-setup image create theirs). Closed workflows are kept 30 days.
 */
export async function ensureNamespace(
  connection: Pick<Connection, 'workflowService'>,
  namespace: string,
  retentionDays = 30,
): Promise<'exists' | 'registered'> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return 'exists';
  } catch (err) {
    if (grpcCode(err) !== NOT_FOUND) throw err;
  }
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`),
    });
  } catch (err) {
    if (grpcCode(err) !== ALREADY_EXISTS) throw err;
  }
  return 'registered';
}
