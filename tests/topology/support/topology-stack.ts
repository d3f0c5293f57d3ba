/**
 * The production topology as separate OS processes: one embedded PostgreSQL holding our database
 * and Temporal's two (as docker-compose.yml puts them on one server), the real Temporal server
 * persisting to it (deploy/temporal, platform/temporal-postgres.ts), two workers and two api
 * replicas. A test kills replicas (SIGKILL) and starts them again on the same port.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createFsArchiveStorage } from '#api/modules/archives/storage.js';
import { createAuditLog, type AuditLog } from '#db/audit.js';
import { initORM, migrateAsOwner, type Orm } from '#db/orm.js';
import { loadAuditKey } from '#platform/audit-key.js';
import { createLogger } from '#platform/log.js';
import { freePort } from '#platform/ports.js';
import { startEmbeddedPostgres, type RunningPostgres } from '#platform/postgres.js';
import { PROJECT_ROOT } from '#platform/temporal-cli.js';
import { requireTemporalServer, startTemporalOnPostgres } from '#platform/temporal-postgres.js';
import type { RunningTemporal } from '#platform/temporal-server.js';
import { seedOrgsAndUsers } from '#scripts/lib/demo-seed.js';
import { startNodeChild, type Child } from '#scripts/lib/children.js';
import { createFileCompleter } from '#scripts/lib/project-file.js';
import { reconcile, type ReconcileResult } from '#scripts/lib/reconcile/index.js';

export const TOPOLOGY_PASSWORD = 'Topology-Passw0rd!';
export type Replica = 'worker-1' | 'worker-2' | 'api-1' | 'api-2';
const REPLICAS: Replica[] = ['worker-1', 'worker-2', 'api-1', 'api-2'];

export interface TopologyStack {
  /** The api replicas' base URLs, in replica order (api-1, api-2). */
  apis: string[];
  temporalAddress: string;
  auditKey: Buffer;
  audit: AuditLog;
  /** The owner's connection to a database of the PostgreSQL server (no row-level security). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], database?: string): Promise<T[]>;
  /** Ledgers and archive documents up to 竣工, which 验收 asks for. */
  completeFile(id: string): Promise<void>;
  client(): Promise<Client>;
  /** SIGKILL: at once, nothing flushed. Resolves with how the process ended. */
  kill(replica: Replica): Promise<string>;
  /** Starts a killed replica again (an api on its own port); resolves when it is ready. */
  restart(replica: Replica): Promise<void>;
  reconcile(codes: readonly string[]): Promise<ReconcileResult>;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

export async function startTopologyStack(): Promise<TopologyStack> {
  const log = createLogger('topology', 'warn');
  // Before anything starts: without the binaries there is nothing to test (building is a setup step).
  const bin = requireTemporalServer();
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sanzhang-topology-'));
  fs.chmodSync(dataDir, 0o755); // PostgreSQL runs as its own user when we are root
  // The children read AUDIT_KEY as they would in production (its UTF-8 bytes): so does this process.
  const auditKeyText = crypto.randomBytes(32).toString('hex');
  const auditKey = loadAuditKey({ AUDIT_KEY: auditKeyText, dataDir });
  const taskQueue = 'projects';
  const closers: (() => Promise<void>)[] = [];
  const children: Partial<Record<Replica, Child>> = {};
  let postgres: RunningPostgres | undefined;
  let temporal: RunningTemporal | undefined;
  let connection: NativeConnection | undefined;
  const pools = new Map<string, pg.Pool>();

  const stop = async () => {
    for (const r of REPLICAS) await children[r]?.stop().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await temporal?.stop().catch(() => undefined);
    for (const close of closers.reverse()) await close().catch(() => undefined);
    for (const p of pools.values()) await p.end().catch(() => undefined);
    await postgres?.stop().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    postgres = await startEmbeddedPostgres({ dir: path.join(dataDir, 'pg'), database: 'sanzhang', log });
    const url = postgres.url;
    temporal = await startTemporalOnPostgres({
      bin,
      db: { host: '127.0.0.1', port: postgres.port, user: 'postgres', password: 'postgres' },
      log,
      namespace: 'default',
    });
    await migrateAsOwner(url);
    const orm: Orm = await initORM(url, { overrides: { pool: { min: 0, max: 4 } } });
    closers.push(() => orm.close());
    const audit = createAuditLog(auditKey);
    await seedOrgsAndUsers(orm, TOPOLOGY_PASSWORD, audit);
    const files = createFileCompleter({
      orm,
      audit,
      storage: createFsArchiveStorage(path.join(dataDir, 'archives')),
      log,
    });

    const apiPorts = { 'api-1': await freePort(), 'api-2': await freePort() };
    const envOf = (replica: Replica): NodeJS.ProcessEnv => ({
      ...process.env,
      DATABASE_URL: url,
      TEMPORAL_ADDRESS: temporal!.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATA_DIR: dataDir,
      AUDIT_KEY: auditKeyText,
      HOST: '127.0.0.1',
      ...(replica.startsWith('api') ? { PORT: String(apiPorts[replica as 'api-1' | 'api-2']) } : {}),
      LOGIN_IP_LIMIT_PER_MINUTE: '100000',
      // Exact histories: no deadline ladder step may fire between the walk's steps.
      DEADLINE_ALERTS: 'off',
      LOG_LEVEL: 'error',
      NODE_ENV: 'production',
    });
    const start = async (replica: Replica, readyTimeoutMs = 600_000) => {
      children[replica] = await startNodeChild({
        name: replica,
        entry: path.join(PROJECT_ROOT, replica.startsWith('worker') ? 'worker/main.ts' : 'api/src/main.ts'),
        env: envOf(replica),
        log,
        // A worker bundles the workflows as it starts: minutes on a machine loaded by others.
        readyTimeoutMs,
        // Exits are the test's doing; anything else shows up as failed requests.
        onUnexpectedExit: () => undefined,
      });
    };
    // Workers first, one at a time (each bundles the workflows: two at once only slow each other).
    await start('worker-1');
    await start('worker-2');
    await Promise.all([start('api-1'), start('api-2')]);

    const poolFor = (database: string) => {
      let p = pools.get(database);
      if (!p) {
        const u = new URL(url);
        u.pathname = `/${database}`;
        p = new pg.Pool({ connectionString: u.toString(), max: 2 });
        // pool.end() resolves before its idle connections have closed, so PostgreSQL stopping
        // right after may still tell one it is shutting down (57P01): an error of no query, which
        // an unlistened pool throws as uncaught. A query's own error still rejects that query.
        p.on('error', () => undefined);
        pools.set(database, p);
      }
      return p;
    };
    const client = async () => {
      connection ??= await NativeConnection.connect({ address: temporal!.address });
      return new Client({ connection, namespace: 'default' });
    };

    return {
      apis: [`http://127.0.0.1:${apiPorts['api-1']}`, `http://127.0.0.1:${apiPorts['api-2']}`],
      temporalAddress: temporal.address,
      auditKey,
      audit,
      async query<T>(sql: string, params: unknown[] = [], database = 'sanzhang') {
        return (await poolFor(database).query(sql, params)).rows as T[];
      },
      completeFile: (id) => files.complete(id, 'completed'),
      client,
      async kill(replica) {
        const child = children[replica]!;
        child.process.kill('SIGKILL');
        return child.exited;
      },
      restart: (replica) => start(replica),
      async reconcile(codes) {
        return reconcile({ orm, client: await client(), taskQueue, codes, concurrency: 8 });
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
