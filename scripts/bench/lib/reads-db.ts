/**
 * The database of the reads benchmark, kept between runs (generating a million projects takes a
 * while): DATABASE_URL as given, or an embedded PostgreSQL in BENCH_PGDATA (default
 * $TMPDIR/sanzhang-bench-reads), database `bench_reads`. Migrated, with the demo county's units and
 * accounts (password BENCH_PASSWORD).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { createAuditLog } from '#db/audit.js';
import { initORM, migrateAsOwner, type Orm } from '#db/orm.js';
import { createLogger } from '#platform/log.js';
import { ensureDatabase, startEmbeddedPostgres } from '#platform/postgres.js';
import { seedOrgsAndUsers } from '../../lib/demo-seed.js';

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
  const users = await orm.em.fork().execute<{ n: string }[]>('SELECT count(*) AS n FROM app_user', [], 'all');
  if (Number(users[0]!.n) === 0) await seedOrgsAndUsers(orm, BENCH_PASSWORD, createAuditLog(randomBytes(32)));
  return {
    url,
    orm,
    close: async () => {
      await orm.close();
      await stopPg();
    },
  };
}
