/**
 * `npm run backup [-- DIR]`: the database, the archive files and the audit checkpoints into one
 * new directory with a signed manifest (docs/operations.md, "Backup and restore"). DIR defaults to
 * backups/sanzhang-<county date_time>+0800. The audit key is NOT written into it: keep the key apart.
 * Exit 0 when written, 1 when it could not be.
 */
import path from 'node:path';
import { archiveStorageFromEnv } from '#api/modules/archives/storage-from-env.js';
import { loadAuditKey } from '#platform/audit-key.js';
import { loadEnv } from '#platform/env.js';
import { createLogger } from '#platform/log.js';
import { createBackup } from './lib/backup/create.js';
import { defaultBackupName } from './lib/backup/manifest.js';
import { appVersion, openDatabase } from './lib/backup/target.js';

const log = createLogger('backup', 'warn');

async function main(): Promise<void> {
  const env = loadEnv();
  const key = loadAuditKey(env, false);
  const out = path.resolve(process.argv[2] ?? path.join('backups', defaultBackupName(Date.now())));
  const db = await openDatabase(env, log, { create: false });
  try {
    const t0 = Date.now();
    const m = await createBackup({
      databaseUrl: db.url,
      dataDir: env.dataDir,
      storage: archiveStorageFromEnv(env),
      auditKey: key,
      out,
      appVersion: appVersion(),
    });
    const rows = m.tables.reduce((n, t) => n + t.rows, 0);
    const bytes = m.files.reduce((n, f) => n + f.bytes, 0);
    process.stdout.write(
      `backup written to ${out} in ${((Date.now() - t0) / 1000).toFixed(1)} s: snapshot of ${m.createdAt}, ${m.tables.length} tables, ${rows} rows, ${m.files.length} archive files (${bytes} bytes), ${m.checkpoints ? `${m.checkpoints.lines} audit checkpoints` : 'no audit checkpoints file'}\n`,
    );
  } finally {
    await db.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`backup: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
