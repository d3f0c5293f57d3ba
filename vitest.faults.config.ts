import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: the fault suite (tests/faults), kept out of `npm test` for its length —
 * each case starts a burst of hundreds of steps and kills one process of a real stack. Its quick
 * cases run in `npm test` (tests/integration/faults-quick.test.ts).
 */
export default defineConfig({
  test: {
    reporters: ['default', './tests/support/summary-reporter.ts'],
    include: ['tests/faults/**/*.test.ts'],
    // Native code (Temporal core) and worker threads do not mix; one file at a time, the cases in
    // order on one stack.
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
