/**
 * Backup and restore on real data: projects walked through their workflows (history, ledger rows,
 * uploaded archive files, audit rows, a checkpoint of the audit chains), backed up, restored into
 * a new empty database and an empty archive directory. There the reconciliation with the same
 * Temporal finds nothing, the audit chain verifies against the restored checkpoints, and the data
 * equals the original. A backup edited after the fact is refused before anything is written, and
 * so is a target that already holds data.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFsArchiveStorage } from '#api/modules/archives/storage.js';
import { verifyAuditTable, type AuditRow } from '#db/audit.js';
import { checkpointAuditChains, checkpointFile, ormQuery, readCheckpoints } from '#db/audit-checkpoint.js';
import { initORM, type Orm } from '#db/orm.js';
import type { Logger } from '#platform/log.js';
import { createBackup } from '#scripts/lib/backup/create.js';
import { restoreBackup } from '#scripts/lib/backup/restore.js';
import { reconcile } from '#scripts/lib/reconcile/index.js';
import { aProject } from '../support/builders.js';
import { withDatabase } from '../support/global-setup.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { loginActors, take, walkTo, type Actors } from '../support/walk.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} } as unknown as Logger;

let stack: TestStack;
let actors: Actors;
let tmp: string;
const extraDbs: string[] = [];

async function emptyDatabase(): Promise<string> {
  const name = `sanzhang_restore_${Math.random().toString(16).slice(2, 10)}`;
  await stack.db.query(`CREATE DATABASE ${name}`);
  extraDbs.push(name);
  return withDatabase(stack.databaseUrl, name);
}

async function counts(db: pg.Pool | pg.Client): Promise<Record<string, number>> {
  const { rows } = await db.query<{ t: string }>(
    `SELECT relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE nspname = 'public' AND relkind = 'r' AND relname <> 'mikro_orm_migrations' ORDER BY 1`,
  );
  const out: Record<string, number> = {};
  for (const { t } of rows) out[t] = Number((await db.query(`SELECT count(*) AS n FROM "${t}"`)).rows[0].n);
  return out;
}

beforeAll(async () => {
  stack = await startTestStack();
  actors = await loginActors(stack);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sanzhang-backup-test-'));
});
afterAll(async () => {
  await stack?.stop();
  const admin = new pg.Client({ connectionString: withDatabase(stack.databaseUrl, 'postgres') });
  await admin.connect();
  for (const name of extraDbs) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('backup and restore', () => {
  const backupDir = () => path.join(tmp, 'backup');
  const ids: string[] = [];

  it('backs up projects with history, ledgers, archive files and audit checkpoints', async () => {
    for (const stage of ['accepted', 'underway'] as const) {
      const res = await actors.dept.post('/api/projects', aProject());
      expect(res.status).toBe(201);
      await walkTo(actors, res.body.id, stage);
      ids.push(res.body.id);
    }
    // The second, under way, reports progress: a step after the first project's file was filled.
    expect((await take(actors, ids[1]!, 'reportProgress', { month: '2026-05' })).status).toBe(200);
    const written = await checkpointAuditChains({
      query: ormQuery(stack.orm),
      key: stack.auditKey,
      file: checkpointFile(stack.dataDir),
      log: quiet,
    });
    expect(written.written).toBe(true);

    const m = await createBackup({
      databaseUrl: stack.databaseUrl,
      dataDir: stack.dataDir,
      storage: createFsArchiveStorage(path.join(stack.dataDir, 'archives')),
      auditKey: stack.auditKey,
      out: backupDir(),
      appVersion: 'test',
    });
    const original = await counts(stack.db);
    expect(Object.fromEntries(m.tables.map((t) => [t.name, t.rows]))).toEqual(original);
    expect(original.project).toBe(2);
    expect(original.disbursement).toBeGreaterThan(0);
    expect(original.archive_document).toBeGreaterThan(0);
    expect(m.files.length).toBe(original.archive_document);
    expect(m.checkpoints?.lines).toBe(1);
    // The key is not in the backup, only its fingerprint.
    const everything = fs.readFileSync(path.join(backupDir(), 'manifest.json'), 'utf8');
    expect(everything).not.toContain(stack.auditKey.toString('utf8'));
  });

  it('restores into an empty database and archive directory: reconcile and audit:verify pass, data equal', async () => {
    const url = await emptyDatabase();
    const dataDir = path.join(tmp, 'restored-data');
    const storage = createFsArchiveStorage(path.join(dataDir, 'archives'));
    const r = await restoreBackup({
      dir: backupDir(),
      databaseUrl: url,
      dataDir,
      storage,
      auditKey: stack.auditKey,
    });
    expect(r.files).toBeGreaterThan(0);

    const restored = new pg.Client({ connectionString: url });
    await restored.connect();
    let orm: Orm | undefined;
    try {
      expect(await counts(restored)).toEqual(await counts(stack.db));
      // A few rows exactly, money and timestamps included.
      const exact = [
        `SELECT * FROM project ORDER BY code`,
        `SELECT * FROM project_history ORDER BY project_id, seq`,
        `SELECT * FROM disbursement ORDER BY id`,
        `SELECT * FROM archive_document ORDER BY id`,
        `SELECT * FROM audit_log ORDER BY id DESC LIMIT 20`,
      ];
      for (const sql of exact)
        expect((await restored.query(sql)).rows).toEqual((await stack.db.query(sql)).rows);
      // The sequences continue past the restored rows.
      const next = `SELECT nextval('audit_log_id_seq')::text AS n`;
      const max = (await restored.query(`SELECT max(id)::text AS m FROM audit_log`)).rows[0].m;
      expect(BigInt((await restored.query(next)).rows[0].n)).toBeGreaterThan(BigInt(max));

      // The file bytes, against the original storage and the database's own SHA-256.
      const docs = (await restored.query<{ storage_key: string }>(`SELECT storage_key FROM archive_document`))
        .rows;
      const source = createFsArchiveStorage(path.join(stack.dataDir, 'archives'));
      for (const d of docs) expect(await storage.get(d.storage_key)).toEqual(await source.get(d.storage_key));

      // audit:verify's logic against the restored checkpoints.
      const key = stack.auditKey;
      const { latest, refused } = readCheckpoints(checkpointFile(dataDir), key);
      expect(refused).toEqual([]);
      expect(latest).toBeDefined();
      const verified = await verifyAuditTable(
        async (sql, params) => (await restored.query<AuditRow>(sql, params)).rows,
        key,
        { checkpoint: latest },
      );
      expect(verified.problems).toEqual([]);
      expect(verified.ok).toBe(true);

      // reconcile: the restored database against the workflows, which the same Temporal still holds.
      orm = await initORM(url);
      const rec = await reconcile({ orm, client: stack.client, taskQueue: stack.taskQueue, concurrency: 4 });
      expect(rec.projects).toBe(2);
      expect(rec.differences).toEqual([]);
    } finally {
      await orm?.close();
      await restored.end();
    }
  });

  it('refuses a target database that already holds data, unless forced', async () => {
    const dataDir = path.join(tmp, 'other-data');
    await expect(
      restoreBackup({
        dir: backupDir(),
        databaseUrl: stack.databaseUrl,
        dataDir,
        storage: createFsArchiveStorage(path.join(dataDir, 'archives')),
        auditKey: stack.auditKey,
      }),
    ).rejects.toThrow(/already holds data/);
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('refuses a tampered backup before writing anything: a file, or a file and its checksum', async () => {
    const copy = path.join(tmp, 'tampered');
    fs.cpSync(backupDir(), copy, { recursive: true });
    const m = JSON.parse(fs.readFileSync(path.join(copy, 'manifest.json'), 'utf8'));
    const file = path.join(copy, m.files[0].file);
    const bytes = fs.readFileSync(file);
    bytes[0] = bytes[0]! ^ 0xff;
    fs.writeFileSync(file, bytes);
    const url = await emptyDatabase();
    const dataDir = path.join(tmp, 'tampered-data');
    const attempt = () =>
      restoreBackup({
        dir: copy,
        databaseUrl: url,
        dataDir,
        storage: createFsArchiveStorage(path.join(dataDir, 'archives')),
        auditKey: stack.auditKey,
      });
    await expect(attempt()).rejects.toThrow(new RegExp(`${m.files[0].file}: checksum differs`));

    // Whoever edits a file and recomputes its checksum cannot sign the manifest without the key.
    const { createHash } = await import('node:crypto');
    m.files[0].sha256 = createHash('sha256').update(bytes).digest('hex');
    fs.writeFileSync(path.join(copy, 'manifest.json'), JSON.stringify(m));
    await expect(attempt()).rejects.toThrow(/bad signature/);

    // Another key cannot check it either.
    await expect(
      restoreBackup({
        dir: backupDir(),
        databaseUrl: url,
        dataDir,
        storage: createFsArchiveStorage(path.join(dataDir, 'archives')),
        auditKey: Buffer.from('another-key-0123456789abcdef0123456789'),
      }),
    ).rejects.toThrow(/not the one the backup was made with/);

    // Nothing was written: the database is as created, the directory absent.
    const target = new pg.Client({ connectionString: url });
    await target.connect();
    expect((await target.query(`SELECT to_regclass('public.project') AS t`)).rows[0].t).toBeNull();
    await target.end();
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});
