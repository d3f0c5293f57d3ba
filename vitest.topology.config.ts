import { defineConfig } from 'vitest/config';

/**
 * `npm run test:topology`: the production topology (tests/topology) — the real Temporal server on
 * PostgreSQL, two workers, two api replicas — kept out of `npm test`: it needs the server built
 * once beforehand (`npm run temporal:server`, a Go build of several minutes) and takes minutes.
 */
export default defineConfig({
  test: {
    reporters: ['default', './tests/support/summary-reporter.ts'],
    include: ['tests/topology/**/*.test.ts'],
    // Native code (Temporal core) and worker threads do not mix; one stack at a time.
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 900_000,
    hookTimeout: 600_000,
  },
});
