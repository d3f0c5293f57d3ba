/**
 * Makes a backup (see manifest.ts for its layout). Order matters, because the database keeps
 * changing while the backup runs:
 *   1. the audit checkpoints file first: chains only grow, so every checkpoint in the copy is at
 *      or behind the database snapshot taken next, and `audit:verify` passes on the restored copy;
 *   2. the database, every table in one REPEATABLE READ snapshot;
 *   3. the archive files the snapshot names, read through the archive storage (filesystem or S3)
 *      and checked against the SHA-256 the database holds for each: files are stored before
 *      their row commits and never deleted, so each one the snapshot names exists.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import pg from 'pg';
import type { ArchiveStorage } from '#api/modules/archives/storage.js';
import { CHECKPOINT_FILE } from '#db/audit-checkpoint.js';
import {
  BACKUP_FORMAT,
  BACKUP_VERSION,
  sha256,
  sha256File,
  signManifest,
  type FileEntry,
  type Manifest,
  type TableEntry,
} from './manifest.js';
import { archiveTables, dataTables, MIGRATIONS_TABLE, quoteIdent } from './schema.js';

export interface BackupOptions {
  /** The database, as its owner (or a superuser): row-level security must not hide rows. */
  databaseUrl: string;
  /** Where the audit checkpoints file lives (DATA_DIR). */
  dataDir: string;
  storage: ArchiveStorage;
  auditKey: Buffer;
  /** The backup directory to create; must not exist or be empty. */
  out: string;
  appVersion: string;
  /** Rows fetched at a time from each table's cursor. */
  batch?: number;
}

export async function createBackup(opts: BackupOptions): Promise<Manifest> {
  if (fs.existsSync(opts.out) && fs.readdirSync(opts.out).length > 0)
    throw new Error(`${opts.out} exists and is not empty: give a new directory`);
  fs.mkdirSync(path.join(opts.out, 'db'), { recursive: true, mode: 0o700 });

  let checkpoints: Manifest['checkpoints'] = null;
  const cpSource = path.join(opts.dataDir, CHECKPOINT_FILE);
  if (fs.existsSync(cpSource)) {
    const text = fs.readFileSync(cpSource);
    fs.writeFileSync(path.join(opts.out, CHECKPOINT_FILE), text);
    const lines = text
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim()).length;
    checkpoints = { file: CHECKPOINT_FILE, sha256: sha256(text), lines };
  }

  const client = new pg.Client({ connectionString: opts.databaseUrl });
  await client.connect();
  const tables: TableEntry[] = [];
  let keys: { key: string; sha256: string }[] = [];
  let migrations: string[];
  let sequences: Manifest['sequences'];
  let createdAt: string;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    createdAt = (await client.query<{ now: Date }>('SELECT now()')).rows[0]!.now.toISOString();
    migrations = (
      await client.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`)
    ).rows.map((r) => r.name);
    for (const name of await dataTables(client)) tables.push(await dumpTable(client, name, opts));
    for (const t of await archiveTables(client)) {
      const { rows } = await client.query<{ key: string; sha256: string }>(
        `SELECT storage_key AS key, sha256 FROM ${quoteIdent(t)} ORDER BY storage_key`,
      );
      keys = keys.concat(rows);
    }
    // Read last: sequences are not transactional, so these are at or past every value the snapshot used.
    sequences = (
      await client.query<{ name: string; last_value: string | null }>(
        `SELECT sequencename AS name, last_value::text FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`,
      )
    ).rows.map((r) => ({ name: r.name, lastValue: r.last_value }));
    await client.query('COMMIT');
  } finally {
    await client.end();
  }

  const files: FileEntry[] = [];
  const problems: string[] = [];
  for (const { key, sha256: expected } of keys) {
    const data = await opts.storage.get(key);
    if (!data) {
      problems.push(`${key}: missing from ${opts.storage.describe()}`);
      continue;
    }
    const sum = sha256(data);
    if (sum !== expected) {
      problems.push(`${key}: its SHA-256 is ${sum}, the database recorded ${expected}`);
      continue;
    }
    const rel = path.join('files', key);
    fs.mkdirSync(path.dirname(path.join(opts.out, rel)), { recursive: true });
    fs.writeFileSync(path.join(opts.out, rel), data);
    files.push({ key, file: rel, bytes: data.length, sha256: sum });
  }
  if (problems.length)
    throw new Error(
      `archive files the database names are missing or damaged (no backup written):\n  ${problems.join('\n  ')}`,
    );

  const manifest: Manifest = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    createdAt,
    appVersion: opts.appVersion,
    migrations,
    tables,
    sequences,
    files,
    checkpoints,
    auditKeySha256: sha256(opts.auditKey),
  };
  manifest.signature = signManifest(opts.auditKey, manifest);
  fs.writeFileSync(path.join(opts.out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** One table through a cursor, a row a line as `to_jsonb` text (no parsing, exact values). */
async function dumpTable(client: pg.Client, name: string, opts: BackupOptions): Promise<TableEntry> {
  const rel = path.join('db', `${name}.jsonl.gz`);
  const file = path.join(opts.out, rel);
  const batch = opts.batch ?? 2000;
  let rows = 0;
  await client.query(
    `DECLARE backup_cur NO SCROLL CURSOR FOR SELECT to_jsonb(t)::text AS j FROM ${quoteIdent(name)} t`,
  );
  async function* lines() {
    for (;;) {
      const { rows: got } = await client.query<{ j: string }>(`FETCH ${batch} FROM backup_cur`);
      if (got.length === 0) break;
      rows += got.length;
      yield got.map((r) => `${r.j}\n`).join('');
    }
  }
  await pipeline(Readable.from(lines()), zlib.createGzip(), fs.createWriteStream(file));
  await client.query('CLOSE backup_cur');
  return { name, file: rel, rows, sha256: await sha256File(file) };
}
