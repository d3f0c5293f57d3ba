/**
 * A per-file stack on the shared servers: a fresh database cloned from the template, a worker on
 * its own task queue, and the real Express app on a free port. Nothing is mocked.
 */
import { createFsArchiveStorage } from '#api/modules/archives/storage.js';
import { createFileCompleter } from '#scripts/lib/project-file.js';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import pg from 'pg';
import { inject } from 'vitest';
import { createApp } from '#api/app.js';
import { createApiServer } from '#api/server.js';
import type { SessionUser } from '#api/modules/auth/session.js';
import { startSessionCache } from '#api/modules/auth/session-cache.js';
import type { RouteDef } from '#api/http.js';
import { createAuditLog, type AuditLog } from '#db/audit.js';
import { initORM, type Orm } from '#db/orm.js';
import { createLogger } from '#platform/log.js';
import { startHeartbeat } from '#worker/heartbeat.js';
import { createWorker } from '#worker/worker.js';
import { DEFAULT_DEADLINE_CONFIG, type DeadlineConfig } from '#domain/deadlines.js';
import type { ComplaintSlaConfig } from '#domain/complaint-records.js';
import type { ComplaintLimits } from '#domain/complaint-schemas.js';
import type { NotificationChannel } from '#activities/notify.activities.js';
import type { ChannelAdapter } from '#activities/notify/channel.js';
import type { DeliveryConfig } from '#activities/notify/delivery-config.js';
import { templateRender } from '#activities/notify/render.js';
import { startDispatcher, type Dispatcher, type DispatcherOptions } from '#worker/dispatcher.js';
import { withDatabase } from './global-setup.js';
import { TEST_AUDIT_KEY, TEST_PASSWORD } from './constants.js';

export interface TestStack {
  baseUrl: string;
  /** The api's route table, as the OpenAPI document and the authorization matrix see it. */
  routes: RouteDef[];
  /** The api's DATA_DIR (archives are stored under it); removed on stop. */
  dataDir: string;
  /** Fills a project's ledgers and required archives up to 竣工 (what 验收 asks for). */
  completeFile: (id: string, opts?: { withoutArchives?: readonly string[] }) => Promise<void>;
  /** The file's own database (for a worker started as a separate process). */
  databaseUrl: string;
  orm: Orm;
  audit: AuditLog;
  auditKey: Buffer;
  db: pg.Pool;
  client: Client;
  taskQueue: string;
  worker: Worker;
  /** The running notification dispatcher, when the stack was given `notifications`. */
  dispatcher: Dispatcher | undefined;
  /** Stops the worker only (to test restarts); `startWorker` brings a new one up. */
  stopWorker(): Promise<void>;
  startWorker(): Promise<void>;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

export interface TestStackOptions {
  login?: { maxFailures?: number; lockMinutes?: number; ipLimitPerMinute?: number };
  /** A built console to serve (browser tests); without it the api answers alone. */
  webDist?: string;
  /**
   * Deadline ladders are off unless a test asks for them: most tests use planned dates in the past
   * and assert exact histories, which alerts firing at once would interleave with.
   */
  deadlines?: Partial<DeadlineConfig>;
  /** How long a request waits for a step (the api's STEP_TIMEOUT_SECONDS, in ms). */
  stepTimeoutMs?: number;
  /** Complaints: the public routes' limits and the time limits (docs/complaints.md). */
  complaints?: { limits?: Partial<ComplaintLimits>; sla?: ComplaintSlaConfig };
  /** Requests per client per minute to /public (PUBLIC_RATE_LIMIT_PER_MINUTE; 120 when absent). */
  publicRatePerMinute?: number;
  /** false: no worker in this process (a test runs worker/main.ts as a child to kill it). */
  inProcessWorker?: boolean;
  /** A database to use as it is (a restored one) instead of a fresh clone of the template. */
  databaseUrl?: string;
  /** The Temporal namespace of the worker and the api (registered beforehand); `default` otherwise. */
  namespace?: string;
  /** The worker's notification channels (the inbox alone when not given). */
  channels?: (deps: { orm: Orm; audit: AuditLog }) => NotificationChannel[];
  /**
   * Outside deliveries: the notify activity queues them for the adapters' channels (and
   * `delivery`'s robots), and a dispatcher in this process sends them, started and stopped with
   * the worker, as worker/main.ts runs it.
   */
  notifications?: {
    adapters: ChannelAdapter[];
    delivery?: Partial<DeliveryConfig>;
    dispatcher?: Partial<Omit<DispatcherOptions, 'orm' | 'adapters'>>;
  };
}

/** The console's address the test messages link to, and the SMS templates they use. */
export const TEST_PUBLIC_URL = 'http://console.test';
export const TEST_SMS_TEMPLATES = { deadline: 'SMS_480000001', text: 'SMS_480000002' };
export const testRender = templateRender({ publicUrl: TEST_PUBLIC_URL, smsTemplates: TEST_SMS_TEMPLATES });

function testDelivery(n: NonNullable<TestStackOptions['notifications']>): DeliveryConfig {
  const has = (c: string) => n.adapters.some((a) => a.channel === c);
  return {
    email: has('email'),
    sms: has('sms'),
    robots: [],
    outbox: has('outbox'),
    quiet: null,
    criticalBypassQuiet: true,
    digestAt: 8 * 3600,
    timeZone: 'Asia/Shanghai',
    render: testRender,
    ...n.delivery,
  };
}

export async function startTestStack(opts: TestStackOptions = {}): Promise<TestStack> {
  const deadlines: DeadlineConfig = { ...DEFAULT_DEADLINE_CONFIG, enabled: false, ...opts.deadlines };
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const suffix = randomBytes(4).toString('hex');
  let url = opts.databaseUrl;
  if (!url) {
    const dbName = `sanzhang_t_${suffix}`;
    const baseUrl = inject('postgresUrl');
    const admin = new pg.Client({ connectionString: withDatabase(baseUrl, 'postgres') });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName} TEMPLATE ${inject('templateDb')}`);
    await admin.end();
    url = withDatabase(baseUrl, dbName);
  }
  const orm = await initORM(url);
  const auditKey = Buffer.from(TEST_AUDIT_KEY);
  const audit = createAuditLog(auditKey);
  const db = new pg.Pool({ connectionString: url, max: 3 });

  const address = inject('temporalAddress');
  // The api's client on the native connection, as in production (api/src/main.ts).
  const connection = await NativeConnection.connect({ address });
  const namespace = opts.namespace ?? 'default';
  const client = new Client({ connection, namespace });
  const taskQueue = `test-${suffix}`;

  let worker!: Worker;
  let running: Promise<void> = Promise.resolve();
  let closeWorkerConnection: () => Promise<void> = async () => {};
  let heartbeat: { stop(): Promise<void> } | undefined;
  const startWorker = async () => {
    const created = await createWorker({
      address,
      namespace,
      taskQueue,
      orm,
      audit,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      deadlines,
      ...(opts.complaints?.sla ? { complaintSla: opts.complaints.sla } : {}),
      ...(opts.channels ? { channels: opts.channels({ orm, audit }) } : {}),
      ...(opts.notifications ? { delivery: testDelivery(opts.notifications) } : {}),
    });
    worker = created.worker;
    running = worker.run();
    if (opts.notifications)
      stack.dispatcher = startDispatcher({
        pollMs: 100,
        retryBaseMs: 200,
        retryMaxMs: 2000,
        leaseMs: 5000,
        ...opts.notifications.dispatcher,
        orm,
        adapters: opts.notifications.adapters,
        log: createLogger('test-dispatcher', 'error'),
      });
    // As worker/main.ts does: the api's /readyz looks for it.
    heartbeat = startHeartbeat({ worker, orm, taskQueue });
    closeWorkerConnection = () => created.connection.close();
    stack.worker = worker;
  };
  const stopWorker = async () => {
    await stack.dispatcher?.stop();
    stack.dispatcher = undefined;
    if (!worker) return;
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await heartbeat?.stop();
    await closeWorkerConnection();
  };

  const log = createLogger('test-api', 'warn');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `sanzhang-data-${suffix}-`));
  // Listening before the app exists, so the portal's own address (PUBLIC_BASE_URL: posters' QR
  // codes, open data) is this server's: a URL decoded from a poster opens here.
  const { server, serve } = createApiServer();
  // Idle keep-alive sockets are closed by the client (fetch: after 4 s), not by the server too: in
  // one process, a synchronous stretch of a test (a schema compiled) holds both timers up, and a
  // request sent as the server's fires was reset (ECONNRESET).
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  // As the api runs: reads answered from sessions kept in memory, dropped on every change.
  const sessionCache = startSessionCache<SessionUser>({ url, log });
  const { app, routes } = createApp({
    orm,
    sessionCache,
    audit,
    login: opts.login,
    stepTimeoutMs: opts.stepTimeoutMs,
    temporal: client,
    namespace,
    taskQueue,
    log,
    session: { idleMinutes: 30, absoluteHours: 12 },
    cookieSecure: 'off',
    webDist: opts.webDist,
    dataDir,
    portal: {
      baseUrl: `http://127.0.0.1:${port}`,
      complaintPhone: '12317',
      ratePerMinute: opts.publicRatePerMinute ?? 120,
    },
    ...(opts.complaints?.limits ? { complaints: { limits: opts.complaints.limits } } : {}),
  });
  serve(app);

  const files = createFileCompleter({
    orm,
    audit,
    storage: createFsArchiveStorage(path.join(dataDir, 'archives')),
    log,
  });
  const stack: TestStack = {
    baseUrl: `http://127.0.0.1:${port}`,
    completeFile: (id, opts) => files.complete(id, 'completed', opts),
    routes,
    dataDir,
    databaseUrl: url,
    orm,
    audit,
    auditKey,
    db,
    client,
    taskQueue,
    worker,
    dispatcher: undefined,
    stopWorker,
    startWorker,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await stopWorker();
      await connection.close();
      await sessionCache.close();
      await db.end();
      await orm.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  if (opts.inProcessWorker !== false) await startWorker();
  return stack;
}

/** A logged-in HTTP session against the test api (cookie kept between calls). */
export class Session {
  private cookie = '';
  constructor(private readonly baseUrl: string) {}

  static async login(baseUrl: string, username: string, password = TEST_PASSWORD): Promise<Session> {
    const s = new Session(baseUrl);
    const res = await s.post('/api/auth/login', { username, password });
    if (res.status !== 200)
      throw new Error(`login ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return s;
  }

  /** The same logged-in session, sent to another api (a second replica). */
  on(baseUrl: string): Session {
    const s = new Session(baseUrl);
    s.cookie = this.cookie;
    return s;
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: any; headers: Headers }> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  get(path: string) {
    return this.request('GET', path);
  }

  /** Sends raw bytes (a file upload: archives, ledger imports). */
  async upload(
    path: string,
    bytes: Uint8Array,
    contentType: string,
    fileName: string,
    headers: Record<string, string> = {},
  ) {
    const res = await fetch(this.baseUrl + path, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'x-file-name': encodeURIComponent(fileName),
        cookie: this.cookie,
        ...headers,
      },
      body: bytes,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  }

  /** GETs a file: status, headers and the bytes (or the parsed JSON error). */
  async download(path: string) {
    const res = await fetch(this.baseUrl + path, { headers: { cookie: this.cookie } });
    const bytes = Buffer.from(await res.arrayBuffer());
    const json = (res.headers.get('content-type') ?? '').includes('json')
      ? JSON.parse(bytes.toString())
      : null;
    return { status: res.status, headers: res.headers, bytes, json };
  }
  post(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('POST', path, body ?? {}, headers);
  }
}
