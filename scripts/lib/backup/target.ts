/**
 * The database the backup and restore commands work on, as `audit:verify` and `reconcile` find
 * theirs: DATABASE_URL, else the running `npm start` stack of DATA_DIR (its stack.json), else the
 * embedded cluster under DATA_DIR, started for the command (and created, for a restore into a
 * new DATA_DIR).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Env } from '#platform/env.js';
import type { Logger } from '#platform/log.js';
import { startEmbeddedPostgres } from '#platform/postgres.js';
import { readStackFile } from '#platform/stack-file.js';

export async function openDatabase(
  env: Env,
  log: Logger,
  opts: { create: boolean },
): Promise<{ url: string; stop: () => Promise<void> }> {
  const url = env.DATABASE_URL ?? readStackFile(env.dataDir)?.databaseUrl;
  if (url) return { url, stop: async () => {} };
  const dir = path.join(env.dataDir, 'pg');
  if (!opts.create && !fs.existsSync(path.join(dir, 'PG_VERSION')))
    throw new Error(`no database: set DATABASE_URL, or run npm start first (looked in ${dir})`);
  const server = await startEmbeddedPostgres({ dir, database: 'sanzhang', log });
  return { url: server.url, stop: server.stop };
}

export function appVersion(): string {
  const pkg = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version;
}
