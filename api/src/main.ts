/** Entrypoint of the api process: serves the API and the built console on PORT. */
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createAuditLog } from '#db/audit.js';
import { initORM } from '#db/orm.js';
import { loadAuditKey } from '#platform/audit-key.js';
import { channelsConfig, loadEnv, redFlagConfig } from '#platform/env.js';
import { createLogger } from '#platform/log.js';
import { createApp } from './app.js';
import { apiServerFor } from './server.js';
import type { SessionUser } from './modules/auth/session.js';
import { sessionCacheFromEnv } from './modules/auth/session-cache.js';
import { archiveStorageFromEnv } from './modules/archives/storage-from-env.js';
import { complaintSecret } from './modules/complaints/service.js';
import { channelStatus } from '#activities/notify/channels/index.js';
import { templateRender } from '#activities/notify/render.js';

const log = createLogger('api');

async function main() {
  const env = loadEnv();
  if (!env.DATABASE_URL || !env.TEMPORAL_ADDRESS)
    throw new Error('the api needs DATABASE_URL and TEMPORAL_ADDRESS');
  const orm = await initORM(env.DATABASE_URL);
  // The client on the SDK's native (Rust) connection, as the worker has: every step is one
  // Update call, and grpc-js's HTTP/2 in JavaScript cost the api about an eighth of its CPU.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
  const channels = channelsConfig(env);
  const auditKey = loadAuditKey(env);
  const sessionCache = sessionCacheFromEnv<SessionUser>(env, log);
  const { app } = createApp({
    orm,
    sessionCache,
    audit: createAuditLog(auditKey),
    complaints: { secret: complaintSecret(auditKey) },
    temporal,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    log,
    session: { idleMinutes: env.SESSION_IDLE_MINUTES, absoluteHours: env.SESSION_ABSOLUTE_HOURS },
    stepTimeoutMs: env.STEP_TIMEOUT_SECONDS * 1000,
    cookieSecure: env.COOKIE_SECURE,
    login: {
      maxFailures: env.LOGIN_MAX_FAILURES,
      lockMinutes: env.LOGIN_LOCK_MINUTES,
      ipLimitPerMinute: env.LOGIN_IP_LIMIT_PER_MINUTE,
    },
    webDist: fileURLToPath(new URL('../../web/dist', import.meta.url)),
    dataDir: env.dataDir,
    archiveStorage: archiveStorageFromEnv(env),
    archiveMaxBytes: env.ARCHIVE_MAX_BYTES,
    trustProxy: env.TRUST_PROXY,
    portal: {
      baseUrl: env.PUBLIC_BASE_URL,
      complaintPhone: env.COMPLAINT_PHONE,
      ratePerMinute: env.PUBLIC_RATE_LIMIT_PER_MINUTE,
    },
    redFlags: redFlagConfig(env),
    notifications: {
      render: templateRender(channels),
      channels: () => [{ name: 'inbox', live: true, detail: 'in-app' }, ...channelStatus(channels)],
    },
  });
  const server = apiServerFor(app);
  server.listen(env.PORT, env.HOST, () => {
    log.info(`listening on http://${env.HOST}:${env.PORT}`);
    process.send?.({ type: 'ready' });
  });
  server.on('error', (err) => {
    log.error(`cannot listen on ${env.HOST}:${env.PORT}: ${err.message}`);
    process.exit(1);
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    log.info('stopping');
    server.close(async () => {
      await connection.close();
      await sessionCache?.close();
      await orm.close();
      process.exit(0);
    });
    server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  log.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
