/**
 * One PostgreSQL and one Temporal dev server for the whole integration run (both real).
 * PostgreSQL: DATABASE_URL if set, else an embedded server in a temporary directory. A template
 * database gets the migrations and the demo accounts once; each test file clones it.
 * Temporal: TEMPORAL_ADDRESS if set, else the CLI's dev server, in memory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hash } from '@node-rs/argon2';
import type { TestProject } from 'vitest/node';
import { createAuditLog } from '#db/audit.js';
import { initORM, migrateAsOwner } from '#db/orm.js';
import { createLogger } from '#platform/log.js';
import { ensureDatabase, startEmbeddedPostgres } from '#platform/postgres.js';
import { ensureTemporalCli } from '#platform/temporal-cli.js';
import { startTemporalDevServer } from '#platform/temporal-server.js';
import { seedOrgsAndUsers } from '#scripts/lib/demo-seed.js';
import { bundleWorkflows } from '#worker/worker.js';
import { TEST_AUDIT_KEY, TEST_PASSWORD } from './constants.js';

/**
 * The seeded test accounts' password hashes: argon2id still, but 1 MiB and one pass, so the
 * hundreds of logins of the authorization matrix cost ~3 ms each instead of ~45 ms. Verification
 * reads the parameters from the hash; every hash the api itself writes (new accounts, resets,
 * password changes) uses the production parameters, which password.test.ts pins.
 */
const TEST_ACCOUNT_ARGON2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    templateDb: string;
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject) {
  const log = createLogger('test-setup', 'warn');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sanzhang-test-'));
  fs.chmodSync(tmp, 0o755);
  const stops: (() => Promise<void>)[] = [];

  let baseUrl = process.env.DATABASE_URL;
  if (!baseUrl) {
    const pg = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg'), database: 'postgres', log });
    stops.push(pg.stop);
    baseUrl = pg.url;
  }
  const templateDb = `sanzhang_tpl_${process.pid}`;
  const templateUrl = withDatabase(baseUrl, templateDb);
  await ensureDatabase(templateUrl);
  await migrateAsOwner(templateUrl);
  const orm = await initORM(templateUrl);
  await seedOrgsAndUsers(orm, TEST_PASSWORD, createAuditLog(Buffer.from(TEST_AUDIT_KEY)), (pw) =>
    hash(pw, TEST_ACCOUNT_ARGON2),
  );
  await orm.close();

  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    const cli = await ensureTemporalCli(log);
    const server = await startTemporalDevServer({ cli, log, namespace: 'default', ui: false });
    stops.push(server.stop);
    temporalAddress = server.address;
  }

  const bundle = await bundleWorkflows();
  const workflowBundlePath = path.join(tmp, 'workflow-bundle.js');
  fs.writeFileSync(workflowBundlePath, bundle.code);

  project.provide('postgresUrl', baseUrl);
  project.provide('templateDb', templateDb);
  project.provide('temporalAddress', temporalAddress);
  project.provide('workflowBundlePath', workflowBundlePath);

  return async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}
