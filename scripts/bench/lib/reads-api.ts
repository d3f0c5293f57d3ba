/**
 * The api process of `npm run bench:queries`: api/src/main.ts's app, listening on PORT, with a
 * Temporal client that never connects (the reads measured touch no workflow), so the benchmark needs
 * no Temporal server. Everything else — routes, sessions, scopes, the pool — is the real api's.
 */
import { Client, Connection } from '@temporalio/client';
import { createApp } from '#api/app.js';
import { apiServerFor } from '#api/server.js';
import type { SessionUser } from '#api/modules/auth/session.js';
import { sessionCacheFromEnv } from '#api/modules/auth/session-cache.js';
import { createAuditLog } from '#db/audit.js';
import { initORM } from '#db/orm.js';
import { loadAuditKey } from '#platform/audit-key.js';
import { loadEnv, redFlagConfig } from '#platform/env.js';
import { createLogger } from '#platform/log.js';

const log = createLogger('api');
const env = loadEnv();
const orm = await initORM(env.DATABASE_URL!);
const temporal = new Client({
  connection: Connection.lazy({ address: '127.0.0.1:1' }),
  namespace: 'default',
});
const { app } = createApp({
  orm,
  sessionCache: sessionCacheFromEnv<SessionUser>(env, log),
  audit: createAuditLog(loadAuditKey(env)),
  temporal,
  namespace: 'default',
  taskQueue: 'bench-unused',
  log,
  session: { idleMinutes: env.SESSION_IDLE_MINUTES, absoluteHours: env.SESSION_ABSOLUTE_HOURS },
  stepTimeoutMs: env.STEP_TIMEOUT_SECONDS * 1000,
  cookieSecure: 'off',
  login: { maxFailures: 100, lockMinutes: 1, ipLimitPerMinute: 1000 },
  dataDir: env.dataDir,
  redFlags: redFlagConfig(env),
});
apiServerFor(app).listen(env.PORT, '127.0.0.1', () => process.send?.({ type: 'ready' }));
