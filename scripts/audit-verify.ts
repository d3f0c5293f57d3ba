/**
 * `npm run audit:verify`: checks the audit chain and names every edited, deleted or inserted row,
 * and, against the latest signed checkpoint in DATA_DIR/audit-checkpoints.jsonl, every chain that
 * lost its newest rows. When intact, it appends a checkpoint of what it verified.
 * Exit 0 when intact, 1 when not, 2 when it could not check. Database: DATABASE_URL, else the
 * running local stack (DATA_DIR/stack.json), else the stopped embedded one under DATA_DIR.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { verifyAuditTable, type AuditRow } from '#db/audit.js';
import {
  appendCheckpoint,
  checkpointFile,
  describe,
  makeCheckpoint,
  readCheckpoints,
} from '#db/audit-checkpoint.js';
import { loadAuditKey } from '#platform/audit-key.js';
import { loadEnv } from '#platform/env.js';
import { createLogger } from '#platform/log.js';
import { startEmbeddedPostgres } from '#platform/postgres.js';

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
    const file = checkpointFile(env.dataDir);
    const { latest, refused } = readCheckpoints(file, key);
    const result = await verifyAuditTable(
      async (sql, params) => (await client.query<AuditRow>(sql, params)).rows,
      key,
      { checkpoint: latest },
    );
    const against = latest
      ? `against the checkpoint of ${latest.at} (${file}, line ${latest.line})`
      : `without a checkpoint (none in ${file} yet: deleted newest rows cannot be detected)`;
    for (const r of refused) process.stdout.write(`  ${file} line ${r.line}: ${r.problem}\n`);
    if (result.ok && refused.length === 0) {
      const cp = makeCheckpoint(key, result.heads);
      appendCheckpoint(file, cp);
      process.stdout.write(`audit chain intact: ${result.checked} rows checked ${against}\n`);
      process.stdout.write(`checkpoint written: ${describe(cp)}\n`);
      return 0;
    }
    const count = result.problems.length + refused.length;
    process.stdout.write(
      `audit chain BROKEN: ${count} problem(s) in ${result.checked} rows, checked ${against}\n`,
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
