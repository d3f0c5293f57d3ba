import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './tests/support/summary-reporter.ts'],
    projects: [
      {
        // The console's own unit tests import the shared domain as the console's build does.
        resolve: { alias: { '@domain': fileURLToPath(new URL('./domain', import.meta.url)) } },
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: [
            'domain/**/*.test.ts',
            'api/**/*.test.ts',
            'platform/**/*.test.ts',
            'tests/replay/**/*.test.ts',
            'tests/unit/**/*.test.ts',
            'web/src/**/*.test.ts',
          ],
          pool: 'forks',
          testTimeout: 60_000,
        },
      },
      {
        test: {
          // Adapters against vendor stand-ins on loopback (SMTP, SMS APIs, chat robots): in-process
          // servers only, so none of the integration project's PostgreSQL and Temporal.
          name: 'loopback',
          // With the unit tests: projects that share a group must share maxWorkers.
          sequence: { groupOrder: 0 },
          include: ['tests/loopback/**/*.test.ts'],
          pool: 'forks',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          // The workflows on a real Temporal dev server, their activities mocked: no PostgreSQL, no api.
          name: 'workflow',
          sequence: { groupOrder: 1 },
          include: ['tests/workflow/**/*.test.ts'],
          globalSetup: ['tests/workflow/support/global-setup.ts'],
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 2 },
          include: ['tests/integration/**/*.test.ts'],
          globalSetup: ['tests/support/global-setup.ts'],
          // Native code (Temporal core, argon2) and worker threads do not mix: one process per file.
          pool: 'forks',
          testTimeout: 180_000,
          hookTimeout: 180_000,
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'e2e',
          sequence: { groupOrder: 3 },
          include: ['tests/e2e/**/*.test.ts'],
          // The same real servers as the integration tests, plus the console built once for the run.
          globalSetup: ['tests/support/global-setup.ts', 'tests/e2e/support/build-console.ts'],
          pool: 'forks',
          testTimeout: 180_000,
          hookTimeout: 180_000,
          maxWorkers: 1,
        },
      },
    ],
  },
});
