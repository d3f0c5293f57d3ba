/**
 * `npm run audit:verify`: checks the audit chain and names every edited, deleted or inserted row.
 * Exit 0 when intact, 1 when not, 2 when it could not check. Database: DATABASE_URL, else the
 * running local stack (DATA_DIR/stack.json), else the stopped embedded one under DATA_DIR.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { verifyAuditTable, type AuditRow } from '../db/audit.js';
import { loadAuditKey } from '../platform/audit-key.js';
import { loadEnv } from '../platform/env.js';
import { createLogger } from '../platform/log.js';
import { startEmbeddedPostgres } from '../platform/postgres.js';

const log = createLogger('audit:verify', 'warn');

async function main(): Promise<number> {
  const env = loadEnv();
  const key = loadAuditKey(env, false);
  let url = env.DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  const stackFile = path.join(env.dataDir, 'stack.json');
  if (!url && fs.existsSync(stackFile))
    url = (JSON.parse(fs.readFileSync(stackFile, 'utf8')) as { databaseUrl: string }).databaseUrl;
  if (!url) {
    const dir = path.join(env.dataDir, 'pg');
    if (!fs.existsSync(path.join(dir, 'PG_VERSION')))
      throw new Error(`no database: set DATABASE_URL, or run npm start first (looked in ${dir})`);
    const server = await startEmbeddedPostgres({ dir, database: 'sanzhang', log });
    url = server.url;
    stop = server.stop;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await verifyAuditTable(
      async (sql, params) => (await client.query<AuditRow>(sql, params)).rows,
      key,
    );
    if (result.ok) {
      process.stdout.write(`audit chain intact: ${result.checked} rows checked\n`);
      return 0;
    }
    process.stdout.write(
      `audit chain BROKEN: ${result.problems.length} problem(s) in ${result.checked} rows\n`,
    );
    for (const p of result.problems) process.stdout.write(`  row ${p.id}: ${p.problem}\n`);
    return 1;
  } finally {
    await client.end();
    await stop?.();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`audit:verify: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
