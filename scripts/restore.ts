/**
 * `npm run restore -- DIR [--force]`: a backup made by `npm run backup` into the database and
 * archive storage the environment names (docs/operations.md, "Backup and restore"). Refuses a
 * backup whose signature or checksums fail, and a target that already holds data unless --force.
 * The audit key must be the one the backup was made with (AUDIT_KEY, AUDIT_KEY_FILE or
 * DATA_DIR/audit.key). Exit 0 when restored, 1 when refused or failed.
 */
import path from 'node:path';
import { archiveStorageFromEnv } from '#api/modules/archives/storage-from-env.js';
import { loadAuditKey } from '#platform/audit-key.js';
import { loadEnv } from '#platform/env.js';
import { createLogger } from '#platform/log.js';
import { restoreBackup } from './lib/backup/restore.js';
import { openDatabase } from './lib/backup/target.js';

const log = createLogger('restore', 'warn');

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const dir = args.find((a) => !a.startsWith('--'));
  if (!dir) throw new Error('usage: npm run restore -- DIR [--force]');
  const env = loadEnv();
  const key = loadAuditKey(env, false);
  const db = await openDatabase(env, log, { create: true });
  try {
    const r = await restoreBackup({
      dir: path.resolve(dir),
      databaseUrl: db.url,
      dataDir: env.dataDir,
      storage: archiveStorageFromEnv(env),
      auditKey: key,
      force,
    });
    process.stdout.write(
      `restored the snapshot of ${r.manifest.createdAt}: ${r.rows} rows in ${r.manifest.tables.length} tables, ${r.files} archive files${r.movedCheckpoints ? `; the checkpoints file that was there is now ${r.movedCheckpoints}` : ''}\n` +
        `next: npm run audit:verify, then start the stack; on a new Temporal, npm run recreate-workflows; then npm run reconcile (docs/operations.md)\n`,
    );
  } finally {
    await db.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`restore: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
