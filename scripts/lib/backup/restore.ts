/**
 * Restores a backup into an empty database and an empty archive storage. Everything is checked
 * before anything is written: the backup whole (signature, every checksum), the code's migrations
 * against the backup's, and that the target holds nothing (unless `force`). The tables are then
 * loaded in one transaction with triggers off (`session_replication_role = replica`: the audit
 * table's append-only guard and the foreign keys would refuse a bulk load in arbitrary order), so a
 * failed load leaves the database as it was.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import zlib from 'node:zlib';
import pg from 'pg';
import type { ArchiveStorage } from '#api/modules/archives/storage.js';
import { CHECKPOINT_FILE } from '#db/audit-checkpoint.js';
import { MIGRATIONS, migrateAsOwner } from '#db/orm.js';
import { readVerifiedBackup, sha256, type Manifest } from './manifest.js';
import { insertableColumns, quoteIdent } from './schema.js';

export interface RestoreOptions {
  /** The backup directory. */
  dir: string;
  /** The target database, as a superuser (the load turns triggers off). */
  databaseUrl: string;
  /** Where the audit checkpoints file goes (DATA_DIR). */
  dataDir: string;
  storage: ArchiveStorage;
  auditKey: Buffer;
  /** Overwrite a database or storage that already holds data. */
  force?: boolean;
  batch?: number;
}

export interface RestoreResult {
  manifest: Manifest;
  rows: number;
  files: number;
  /** Where an existing checkpoints file was moved (with `force`). */
  movedCheckpoints?: string;
}

export async function restoreBackup(opts: RestoreOptions): Promise<RestoreResult> {
  const m = await readVerifiedBackup(opts.dir, opts.auditKey);
  const code = MIGRATIONS.map((x) => x.name);
  if (code.join('\n') !== m.migrations.join('\n'))
    throw new Error(
      `the backup's schema (${m.migrations.length} migrations, last ${m.migrations.at(-1)}) is not this code's (${code.length}, last ${code.at(-1)}): restore with the version that made it (${m.appVersion}), then upgrade with npm run migrate`,
    );

  const client = new pg.Client({ connectionString: opts.databaseUrl });
  await client.connect();
  try {
    const held = await heldRows(client);
    if (held > 0 && !opts.force)
      throw new Error(
        `the target database already holds data (${held} accounts and audit rows): restore into an empty one, or pass --force to replace everything in it`,
      );
    const toWrite: Manifest['files'] = [];
    for (const f of m.files) {
      const existing = await opts.storage.get(f.key);
      if (!existing) toWrite.push(f);
      else if (sha256(existing) !== f.sha256 && !opts.force)
        throw new Error(
          `the archive storage (${opts.storage.describe()}) already holds another file under ${f.key}: pass --force to keep going`,
        );
    }
    const cpTarget = path.join(opts.dataDir, CHECKPOINT_FILE);
    if (m.checkpoints && fs.existsSync(cpTarget) && !opts.force)
      throw new Error(
        `${cpTarget} exists: its checkpoints may be newer than the backup (audit:verify would then report the rows lost since); pass --force to move it aside`,
      );

    await migrateAsOwner(opts.databaseUrl);
    let rows = 0;
    await client.query('BEGIN');
    try {
      await client.query(`SET LOCAL session_replication_role = replica`);
      await client.query(`TRUNCATE ${m.tables.map((t) => quoteIdent(t.name)).join(', ')}`);
      for (const t of m.tables) {
        const loaded = await loadTable(client, t.name, path.join(opts.dir, t.file), opts.batch ?? 500);
        if (loaded !== t.rows) throw new Error(`${t.name}: loaded ${loaded} rows, the backup has ${t.rows}`);
        rows += loaded;
      }
      for (const s of m.sequences)
        await client.query(`SELECT setval($1, COALESCE($2::bigint, 1), $2 IS NOT NULL)`, [
          `public.${quoteIdent(s.name)}`,
          s.lastValue,
        ]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    }

    for (const f of toWrite) await opts.storage.put(f.key, fs.readFileSync(path.join(opts.dir, f.file)));
    let movedCheckpoints: string | undefined;
    if (m.checkpoints) {
      if (fs.existsSync(cpTarget)) {
        movedCheckpoints = `${cpTarget}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        fs.renameSync(cpTarget, movedCheckpoints);
      }
      fs.mkdirSync(opts.dataDir, { recursive: true });
      fs.copyFileSync(path.join(opts.dir, m.checkpoints.file), cpTarget);
    }
    return { manifest: m, rows, files: m.files.length, movedCheckpoints };
  } finally {
    await client.end();
  }
}

/** Accounts and audit rows: a database that was only migrated has neither. */
async function heldRows(client: pg.Client): Promise<number> {
  const { rows: found } = await client.query<{ t: string | null }>(
    `SELECT to_regclass('public.audit_log') AS t`,
  );
  if (!found[0]!.t) return 0;
  const { rows } = await client.query<{ n: string }>(
    `SELECT (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM app_user) AS n`,
  );
  return Number(rows[0]!.n);
}

/** The table's lines, `batch` rows a statement, each row rebuilt by PostgreSQL from its JSON. */
async function loadTable(client: pg.Client, table: string, file: string, batch: number): Promise<number> {
  const cols = (await insertableColumns(client, table)).map(quoteIdent).join(', ');
  const t = quoteIdent(table);
  const sql = `INSERT INTO ${t} (${cols}) OVERRIDING SYSTEM VALUE
               SELECT ${cols} FROM jsonb_populate_recordset(NULL::${t}, $1::jsonb)`;
  let pending: string[] = [];
  let n = 0;
  const flush = async () => {
    if (!pending.length) return;
    await client.query(sql, [`[${pending.join(',')}]`]);
    n += pending.length;
    pending = [];
  };
  const lines = readline.createInterface({
    input: fs.createReadStream(file).pipe(zlib.createGunzip()),
    crlfDelay: Infinity,
  });
  for await (const line of lines) {
    if (!line) continue;
    pending.push(line);
    if (pending.length >= batch) await flush();
  }
  await flush();
  return n;
}
