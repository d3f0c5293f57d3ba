/**
 * The database of the reads benchmark, kept between runs (generating a million projects takes a
 * while): DATABASE_URL as given, or an embedded PostgreSQL in BENCH_PGDATA (default
 * $TMPDIR/sanzhang-bench-reads), database `bench_reads`. Migrated, with the demo county's units and
 * accounts and the generator's sparse village and its accounts (password BENCH_PASSWORD).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { createAuditLog } from '#db/audit.js';
import { initORM, migrateAsOwner, type Orm } from '#db/orm.js';
import { createLogger } from '#platform/log.js';
import { ensureDatabase, startEmbeddedPostgres } from '#platform/postgres.js';
import { DEMO_UNITS } from '#db/seed/demo-county.js';
import { seedOrgsAndUsers } from '../../lib/demo-seed.js';
import { SPARSE_VILLAGE } from './gen-projects.js';

export const BENCH_PASSWORD = 'Bench-Passw0rd';

export interface ReadsDb {
  /** The owner's URL (bulk loads, raw SQL as owner). */
  url: string;
  orm: Orm;
  close(): Promise<void>;
}

export async function openReadsDb(): Promise<ReadsDb> {
  const log = createLogger('bench', 'warn');
  let url = process.env.DATABASE_URL;
  let stopPg = async () => {};
  if (!url) {
    const dir = process.env.BENCH_PGDATA ?? path.join(os.tmpdir(), 'sanzhang-bench-reads');
    const pg = await startEmbeddedPostgres({ dir, database: 'postgres', log });
    stopPg = pg.stop;
    url = pg.url.replace(/\/[^/]*$/, '/bench_reads');
  }
  await ensureDatabase(url);
  await migrateAsOwner(url);
  const orm = await initORM(url);
  const sparse = await orm.em
    .fork()
    .execute('SELECT 1 FROM app_user WHERE username = ?', [`${SPARSE_VILLAGE.code}.op`], 'all');
  if (!sparse.length) {
    // Only what is missing is added (a database of an earlier generator lacks the sparse village).
    const units = [...DEMO_UNITS, SPARSE_VILLAGE];
    await seedOrgsAndUsers(orm, BENCH_PASSWORD, createAuditLog(randomBytes(32)), undefined, units);
  }
  return {
    url,
    orm,
    close: async () => {
      await orm.close();
      await stopPg();
    },
  };
}
