/**
 * A backup is one directory: manifest.json, the database as one gzipped JSON-lines file per table
 * (db/<table>.jsonl.gz), every archive file under files/<storage key>, and the audit checkpoints
 * file. The manifest names the SHA-256 of every other file and is itself signed with the audit
 * key (HMAC), so a backup edited after the fact, file and checksum alike, is refused.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '#db/audit.js';
import { cstDateTime } from '#domain/deadlines.js';

export const BACKUP_FORMAT = 'sanzhang-backup';
export const BACKUP_VERSION = 1;

export interface TableEntry {
  name: string;
  /** Relative to the backup directory. */
  file: string;
  rows: number;
  sha256: string;
}

export interface FileEntry {
  /** The storage key (as the database names it) and the file's path in the backup. */
  key: string;
  file: string;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_VERSION;
  /** When the database snapshot was taken. */
  createdAt: string;
  appVersion: string;
  /** The schema's migrations, in order: a restore needs the code that has exactly these. */
  migrations: string[];
  tables: TableEntry[];
  sequences: { name: string; lastValue: string | null }[];
  files: FileEntry[];
  checkpoints: { file: string; sha256: string; lines: number } | null;
  /** SHA-256 of the audit key (not the key): a restore checks that it has the same one. */
  auditKeySha256: string;
  signature?: string;
}

export function sha256(data: Buffer | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Domain-separated from the audit rows and checkpoints signed with the same key. */
export function signManifest(key: Buffer, m: Manifest): string {
  const { signature: _omit, ...rest } = m;
  return crypto
    .createHmac('sha256', key)
    .update('backup-manifest\n')
    .update(canonicalJson(rest))
    .digest('hex');
}

/**
 * Reads a backup and checks it whole before anything is written anywhere: the manifest's
 * signature, then every file's SHA-256. Returns the manifest, or throws naming every problem.
 */
export async function readVerifiedBackup(dir: string, key: Buffer): Promise<Manifest> {
  const mfile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(mfile)) throw new Error(`${dir} is not a backup: no manifest.json`);
  const m = JSON.parse(fs.readFileSync(mfile, 'utf8')) as Manifest;
  if (m.format !== BACKUP_FORMAT || m.version !== BACKUP_VERSION)
    throw new Error(`${mfile}: not a backup of format ${BACKUP_FORMAT} version ${BACKUP_VERSION}`);
  if (m.auditKeySha256 !== sha256(key))
    throw new Error(
      'the audit key given is not the one the backup was made with (its SHA-256 differs): the manifest cannot be checked and the restored audit chain would not verify',
    );
  const expected = signManifest(key, m);
  if (
    typeof m.signature !== 'string' ||
    m.signature.length !== expected.length ||
    !crypto.timingSafeEqual(Buffer.from(m.signature), Buffer.from(expected))
  )
    throw new Error(`${mfile}: bad signature: the manifest was edited after the backup was made`);
  const problems: string[] = [];
  const check = async (rel: string, sum: string) => {
    const file = path.join(dir, rel);
    if (path.relative(dir, file).startsWith('..')) problems.push(`${rel}: outside the backup`);
    else if (!fs.existsSync(file)) problems.push(`${rel}: missing`);
    else if ((await sha256File(file)) !== sum) problems.push(`${rel}: checksum differs`);
  };
  for (const t of m.tables) await check(t.file, t.sha256);
  for (const f of m.files) await check(f.file, f.sha256);
  if (m.checkpoints) await check(m.checkpoints.file, m.checkpoints.sha256);
  if (problems.length)
    throw new Error(`the backup ${dir} is damaged, nothing restored:\n  ${problems.join('\n  ')}`);
  return m;
}

/**
 * A backup's default directory name, on the county's clock with its offset: the operator looks for
 * "last night's 01:00 backup", which in UTC would carry the day before.
 */
export function defaultBackupName(ms: number): string {
  const t = cstDateTime(ms); // 2026-12-09T01:00:00+08:00
  return `sanzhang-${t.slice(0, 10)}_${t.slice(11, 19).replace(/:/g, '-')}+0800`;
}
