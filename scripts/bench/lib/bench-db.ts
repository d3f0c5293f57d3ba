/**
 * A database for a benchmark: DATABASE_URL (a fresh database beside it) or an embedded server in
 * a temporary directory; migrated, with the demo county's units and accounts, and an audit log.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAuditLog, type AuditLog } from '#db/audit.js';
import { initORM, migrateAsOwner, type Orm } from '#db/orm.js';
import { createLogger } from '#platform/log.js';
import { ensureDatabase, startEmbeddedPostgres } from '#platform/postgres.js';
import { seedOrgsAndUsers } from '../../lib/demo-seed.js';

export interface BenchDb {
  orm: Orm;
  /** The database's URL (its owner: bulk loads, ANALYZE). */
  url: string;
  audit: AuditLog;
  /** Org unit ids by code. */
  orgs: Map<string, string>;
  close(): Promise<void>;
}

export async function openBenchDb(name: string): Promise<BenchDb> {
  const log = createLogger('bench', 'warn');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`));
  fs.chmodSync(tmp, 0o755);
  let stopPg = async () => {};
  let url = process.env.DATABASE_URL;
  if (!url) {
    const pg = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg'), database: 'postgres', log });
    stopPg = pg.stop;
    url = pg.url.replace(/\/[^/]*$/, `/bench_${name}`);
  } else url = url.replace(/\/[^/]*$/, `/bench_${name}_${process.pid}`);
  await ensureDatabase(url);
  await migrateAsOwner(url);
  const orm = await initORM(url);
  const audit = createAuditLog(randomBytes(32));
  await seedOrgsAndUsers(orm, 'Bench-Passw0rd', audit);
  const rows = await orm.em
    .fork()
    .execute<{ code: string; id: string }[]>('SELECT code, id FROM org_unit', [], 'all');
  return {
    orm,
    url,
    audit,
    orgs: new Map(rows.map((r) => [r.code, r.id])),
    close: async () => {
      await orm.close();
      await stopPg();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
