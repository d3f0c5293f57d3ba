/**
 * `npm run temporal:server`: finds or builds (once, from the Go module proxy) the Temporal server
 * and its schema tool for the production topology (platform/temporal-postgres.ts) and prints
 * their directory. A setup step: `npm run test:topology` and `BENCH_TEMPORAL=postgres` never build.
 */
import { createLogger } from '#platform/log.js';
import { ensureTemporalServer } from '#platform/temporal-postgres.js';

const log = createLogger('temporal-server', 'info', true); // stdout carries only the directory
ensureTemporalServer(log).then(
  (b) => process.stdout.write(`${b.dir}\n`),
  (err: unknown) => {
    log.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
