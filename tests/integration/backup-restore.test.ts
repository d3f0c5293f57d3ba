/**
 * Backup and restore on real data: projects walked through their workflows (history, ledger rows,
 * uploaded archive files, audit rows, a checkpoint of the audit chains), backed up, restored into
 * a new empty database and an empty archive directory. There the reconciliation with the same
 * Temporal finds nothing, the audit chain verifies against the restored checkpoints, and the data
 * equals the original. Restored into a new environment (an empty database and a Temporal namespace
 * of its own), the unfinished projects', complaints' and notices' workflows are started again from
 * the database, their next steps work through the api, and a second run starts nothing. A backup
 * edited after the fact is refused before anything is written, and so is a target that already
 * holds data.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { Connection, WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createFsArchiveStorage } from '#api/modules/archives/storage.js';
import { verifyAuditTable, type AuditRow } from '#db/audit.js';
import { checkpointAuditChains, checkpointFile, ormQuery, readCheckpoints } from '#db/audit-checkpoint.js';
import { initORM, type Orm } from '#db/orm.js';
import { DEFAULT_COMPLAINT_SLA } from '#domain/complaint-records.js';
import { DEFAULT_DEADLINE_CONFIG, addDays } from '#domain/deadlines.js';
import type { Logger } from '#platform/log.js';
import { waitFor } from '#platform/ports.js';
import { ensureNamespace, ensureSearchAttributes } from '#platform/temporal-server.js';
import { createBackup } from '#scripts/lib/backup/create.js';
import { restoreBackup } from '#scripts/lib/backup/restore.js';
import { reconcile } from '#scripts/lib/reconcile/index.js';
import { recreateWorkflows } from '#scripts/lib/recreate/index.js';
import { aProject } from '../support/builders.js';
import { submitJson } from '../support/complaints.js';
import { eventually } from '../support/eventually.js';
import { withDatabase } from '../support/global-setup.js';
import { today } from '../support/ladders.js';
import { issue, noticesAbout, spreadSerials } from '../support/rectification.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
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
  stack = await startTestStack({
    complaints: { limits: { minFillMs: 0, submitPerHour: 1000, lookupPerMinute: 10_000 } },
  });
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
    // The one under way is late for its completion (ten days ago), its later dates still ahead.
    const late = {
      start: addDays(today(), -100),
      completion: addDays(today(), -10),
      acceptance: addDays(today(), 60),
      reimbursement: addDays(today(), 90),
    };
    for (const stage of ['accepted', 'underway', 'cancelled'] as const) {
      const res = await actors.dept.post(
        '/api/projects',
        aProject(stage === 'underway' ? { plannedDates: late } : {}),
      );
      expect(res.status).toBe(201);
      await walkTo(actors, res.body.id, stage);
      ids.push(res.body.id);
    }
    // A complaint and a rectification notice, each waiting for its next step.
    expect((await submitJson(stack.baseUrl, { village: 'xqz-btc' })).status).toBe(201);
    await spreadSerials(stack);
    await issue(await Session.login(stack.baseUrl, 'supervisor'), noticesAbout()([30]));
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
    expect(original.project).toBe(3);
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
      expect(rec.projects).toBe(3);
      expect(rec.differences).toEqual([]);
    } finally {
      await orm?.close();
      await restored.end();
    }
  });

  it('restored into a new environment: the workflows are started again from the database, the next steps work, a second run starts nothing', async () => {
    const url = await emptyDatabase();
    const dataDir = path.join(tmp, 'new-environment');
    await restoreBackup({
      dir: backupDir(),
      databaseUrl: url,
      dataDir,
      storage: createFsArchiveStorage(path.join(dataDir, 'archives')),
      auditKey: stack.auditKey,
    });
    // A Temporal that never saw these workflows: a namespace of its own, set up as `npm run migrate` does.
    const namespace = `restored-${randomBytes(4).toString('hex')}`;
    const admin = await Connection.connect({ address: inject('temporalAddress') });
    try {
      await ensureNamespace(admin, namespace);
      await waitFor('the namespace', () => ensureSearchAttributes(admin, namespace), { intervalMs: 500 });
    } finally {
      await admin.close();
    }
    // Ladders on, with real days: the restored environment chases deadlines.
    const deadlines = { ...DEFAULT_DEADLINE_CONFIG, enabled: true };
    const env = await startTestStack({ databaseUrl: url, namespace, deadlines });
    try {
      const [accepted, underway, cancelled] = ids as [string, string, string];
      // Before: every unfinished project lacks its workflow (the cancelled one is finished).
      const before = await reconcile({ orm: env.orm, client: env.client, taskQueue: env.taskQueue });
      expect(before.differences.map((d) => d.kind)).toEqual(['no-workflow', 'no-workflow']);
      const sut = () =>
        recreateWorkflows({
          orm: env.orm,
          client: env.client,
          taskQueue: env.taskQueue,
          deadlines,
          complaintSla: DEFAULT_COMPLAINT_SLA,
        });
      const first = await sut();
      expect(first.tallies).toEqual({
        projects: { unfinished: 2, started: 2, running: 0, closed: 0 },
        rectifications: { unfinished: 1, started: 1, running: 0, closed: 0 },
        complaints: { unfinished: 1, started: 1, running: 0, closed: 0 },
      });
      const workflowOf = async (table: string, id: string) => {
        const q = {
          project: `SELECT workflow_id AS w FROM project WHERE id = $1`,
          complaint: `SELECT 'complaint-' || receipt AS w FROM complaint WHERE id = $1`,
          rectification_notice: `SELECT 'rectification-' || year || '-' || number AS w FROM rectification_notice WHERE id = $1`,
        }[table]!;
        return (await env.db.query<{ w: string }>(q, [id])).rows[0]!.w;
      };
      const status = async (workflowId: string) =>
        (await env.client.workflow.getHandle(workflowId).describe()).status.name;
      for (const id of [accepted, underway])
        expect(await status(await workflowOf('project', id))).toBe('RUNNING');
      // A cancelled project is finished: nothing to start.
      await expect(status(await workflowOf('project', cancelled))).rejects.toBeInstanceOf(
        WorkflowNotFoundError,
      );

      // The late completion's ladder, planned again from the stored date: its steps due by now
      // (reminder, overdue, escalated to county) recorded at once, at the first arming.
      const completionAlerts = async () =>
        (
          await env.db.query(
            `SELECT arm, step, status FROM alert WHERE project_id = $1 AND kind = 'completion' ORDER BY history_seq`,
            [underway],
          )
        ).rows;
      await eventually(async () => (await completionAlerts()).length === 3);
      expect(await completionAlerts()).toEqual([
        { arm: 1, step: 'reminder', status: 'active' },
        { arm: 1, step: 'overdue', status: 'active' },
        { arm: 1, step: 'escalated', status: 'active' },
      ]);

      // The next step of each, through the api of the new environment.
      const restoredActors = await loginActors(env);
      const done = await take(restoredActors, underway, 'complete');
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      expect(done.body.stage).toBe('completed');
      expect((await completionAlerts()).map((a) => a.status)).toEqual(['resolved', 'resolved', 'resolved']);
      const paid = await take(restoredActors, accepted, 'reimburse');
      expect(paid.status, JSON.stringify(paid.body)).toBe(200);
      const office = await Session.login(env.baseUrl, 'supervisor');
      const complaintId = (await env.db.query<{ id: string }>(`SELECT id FROM complaint`)).rows[0]!.id;
      const ack = await office.post(`/api/complaints/${complaintId}/acknowledge`, {});
      expect(ack.status, JSON.stringify(ack.body)).toBe(200);
      const notice = (
        await env.db.query<{ id: string; problem: number }>(
          `SELECT n.id, p.id::int AS problem FROM rectification_notice n JOIN rectification_problem p ON p.notice_id = n.id`,
        )
      ).rows[0]!;
      const unit = await Session.login(env.baseUrl, 'xqz.op');
      const answer = await unit.post(`/api/rectifications/${notice.id}/problems/${notice.problem}/answer`, {
        action: '已补拨资金并补录台账',
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(await status(await workflowOf('complaint', complaintId))).toBe('RUNNING');
      expect(await status(await workflowOf('rectification_notice', notice.id))).toBe('RUNNING');

      // Again: every workflow is running, nothing is started twice, no alert recorded twice.
      const second = await sut();
      expect(second.tallies).toEqual({
        projects: { unfinished: 2, started: 0, running: 2, closed: 0 },
        rectifications: { unfinished: 1, started: 0, running: 1, closed: 0 },
        complaints: { unfinished: 1, started: 0, running: 1, closed: 0 },
      });
      expect(await completionAlerts()).toHaveLength(3);

      // The new environment agrees with itself: reconcile (the rows before the restart are the
      // re-created workflows' state, the cancelled project is finished) and the audit chain.
      const rec = await reconcile({ orm: env.orm, client: env.client, taskQueue: env.taskQueue });
      expect(rec.differences).toEqual([]);
      expect(rec.projects).toBe(3);
      const chain = await verifyAuditTable(
        async (sql, params) => (await env.db.query<AuditRow>(sql, params)).rows,
        env.auditKey,
      );
      expect(chain.problems).toEqual([]);
    } finally {
      await env.stop();
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
