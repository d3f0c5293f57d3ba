/**
 * `npm run migrate`: applies database migrations to DATABASE_URL and, when TEMPORAL_ADDRESS is
 * set, registers the namespace (when the server lacks it) and our search attributes on it. Run once
 * per deployment (compose does).
 */
import { Connection } from '@temporalio/client';
import { migrateAsOwner } from '#db/orm.js';
import { loadEnv } from '#platform/env.js';
import { createLogger } from '#platform/log.js';
import { ensureNamespace, ensureSearchAttributes } from '#platform/temporal-server.js';
import { waitFor } from '#platform/ports.js';

const log = createLogger('migrate');

async function main() {
  const env = loadEnv();
  if (!env.DATABASE_URL)
    throw new Error('DATABASE_URL is required (npm start runs migrations itself for the embedded stack)');
  const applied = await waitFor('PostgreSQL', () => migrateAsOwner(env.DATABASE_URL!), {
    timeoutMs: 120_000,
    intervalMs: 1000,
  });
  log.info(applied.length ? `applied: ${applied.join(', ')}` : 'schema up to date');
  if (env.TEMPORAL_ADDRESS) {
    const connection = await waitFor(
      'Temporal',
      () => Connection.connect({ address: env.TEMPORAL_ADDRESS! }),
      { timeoutMs: 180_000, intervalMs: 2000 },
    );
    const ns = await waitFor('Temporal', () => ensureNamespace(connection, env.TEMPORAL_NAMESPACE), {
      timeoutMs: 180_000,
      intervalMs: 2000,
    });
    if (ns === 'registered') log.info(`namespace ${env.TEMPORAL_NAMESPACE} registered`);
    await waitFor('Temporal namespace', () => ensureSearchAttributes(connection, env.TEMPORAL_NAMESPACE), {
      timeoutMs: 180_000,
      intervalMs: 2000,
    });
    log.info(`search attributes registered on namespace ${env.TEMPORAL_NAMESPACE}`);
    await connection.close();
  }
}

main().catch((err: unknown) => {
  log.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
