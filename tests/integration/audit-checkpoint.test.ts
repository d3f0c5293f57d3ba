/**
 * Checkpoints anchor the audit chains outside the database: deleting a chain's newest rows (which
 * leaves a valid, shorter chain) is found by `npm run audit:verify`; a chain that only grew
 * passes; a checkpoint line not signed with the key is refused.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditTable, type AuditRow } from '#db/audit.js';
import {
  checkpointAuditChains,
  checkpointFile,
  makeCheckpoint,
  ormQuery,
  readCheckpoints,
  startAuditCheckpoints,
  type Query,
} from '#db/audit-checkpoint.js';
import type { Logger } from '#platform/log.js';
import { aProject } from '../support/builders.js';
import { TEST_AUDIT_KEY } from '../support/constants.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let stack: TestStack;
let dbUrl: string;
let file: string;
let dept: Session;
let projectId: string;
beforeAll(async () => {
  stack = await startTestStack();
  const { rows } = await stack.db.query('SELECT current_database() AS db');
  const u = new URL(
    (stack.db as unknown as { options: { connectionString: string } }).options.connectionString,
  );
  u.pathname = `/${rows[0].db}`;
  dbUrl = u.toString();
  file = checkpointFile(stack.dataDir);
  dept = await Session.login(stack.baseUrl, 'swj.op');
  const created = await dept.post('/api/projects', aProject());
  expect(created.status).toBe(201);
  projectId = created.body.id;
});
afterAll(async () => {
  await stack?.stop();
});

const query: Query = async (sql, params) => (await stack.db.query(sql, params)).rows;
const verify = () =>
  verifyAuditTable(
    async (sql, params) => (await stack.db.query<AuditRow>(sql, params)).rows,
    stack.auditKey,
    {
      checkpoint: readCheckpoints(file, stack.auditKey).latest,
    },
  );

async function cli(): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/audit-verify.ts'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: dbUrl, AUDIT_KEY: TEST_AUDIT_KEY, DATA_DIR: stack.dataDir },
    });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

function sink(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const add = (l: string) => (m: string) => lines.push(`${l} ${m}`);
  return { lines, debug: add('debug'), info: add('info'), warn: add('warn'), error: add('error') };
}

/** Deleting rows needs the table's owner with triggers off: what someone with DBA rights would do. */
async function asTamperer(sql: string, params: unknown[] = []) {
  const client = await stack.db.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    await client.query(sql, params);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

const step = (body: Record<string, unknown>) => dept.post(`/api/projects/${projectId}/transitions`, body);
const lines = () => fs.readFileSync(file, 'utf8').trim().split('\n');

describe('audit checkpoints', () => {
  it('passes a chain that grew after its checkpoint, and checkpoints what it verified', async () => {
    let out = await cli();
    expect(out.code, out.out).toBe(0);
    expect(out.out).toMatch(/audit chain intact: \d+ rows checked without a checkpoint/);
    expect(out.out).toMatch(/checkpoint written: .* \d+ chains, \d+ rows, sig [0-9a-f]{64}/);
    expect(lines()).toHaveLength(1);

    // More rows in the project's chain (and others: the login) than the checkpoint knows.
    const approved = await step({ action: 'approveDesign', documentNo: 'CP-1', approvedOn: '2026-03-01' });
    expect(approved.status).toBe(200);
    await Session.login(stack.baseUrl, 'xqz.op');
    const result = await verify();
    expect(result).toMatchObject({ ok: true, problems: [] });
    out = await cli();
    expect(out.code, out.out).toBe(0);
    expect(out.out).toMatch(/intact: \d+ rows checked against the checkpoint of .* line 1\)/);
    expect(lines()).toHaveLength(2);
  });

  it('has the worker checkpoint on an interval, only when a chain moved, and say so in the log', async () => {
    const log = sink();
    // Through the application's ORM and role, as the worker runs it.
    const opts = { query: ormQuery(stack.orm), key: stack.auditKey, file, log };
    expect(await checkpointAuditChains(opts)).toEqual({ written: false, problems: [] }); // nothing new
    await Session.login(stack.baseUrl, 'mbz.op');
    const before = lines().length;
    const ticking = startAuditCheckpoints({ ...opts, intervalMs: 50 });
    await new Promise((r) => setTimeout(r, 300));
    await ticking.stop();
    expect(lines()).toHaveLength(before + 1);
    expect(log.lines).toEqual([expect.stringMatching(/^info audit checkpoint .* sig [0-9a-f]{64}$/)]);
    const latest = readCheckpoints(file, stack.auditKey).latest!;
    expect(log.lines[0]).toContain(latest.sig);
    expect((await verify()).ok).toBe(true);
  });

  it('refuses a checkpoint line that is forged or edited', async () => {
    const valid = lines();
    const latest = JSON.parse(valid.at(-1)!);
    // Someone who can write the file but lacks the key lowers a chain's length (to cover a deletion)…
    // (the longest chain, shortened by one: an edit that changes nothing would keep its signature)
    const lengths = Object.entries(latest.chains as Record<string, { length: number }>);
    const [chain, head] = lengths.reduce((a, b) => (b[1].length > a[1].length ? b : a));
    const edited = {
      ...latest,
      chains: { ...latest.chains, [chain]: { ...head, length: head.length - 1 } },
    };
    // …or signs a whole checkpoint with another key.
    const heads = new Map(Object.entries(latest.chains).map(([c, h]) => [Number(c), h as never]));
    const forged = makeCheckpoint(Buffer.from('not-the-audit-key-0123456789abcdef'), heads);
    fs.appendFileSync(file, `${JSON.stringify(edited)}\n${JSON.stringify(forged)}\nnot json\n`);

    const loaded = readCheckpoints(file, stack.auditKey);
    expect(loaded.latest).toMatchObject({ line: valid.length, sig: latest.sig });
    expect(loaded.refused).toEqual([
      { line: valid.length + 1, problem: expect.stringContaining('bad signature') },
      { line: valid.length + 2, problem: expect.stringContaining('bad signature') },
      { line: valid.length + 3, problem: expect.stringContaining('not JSON') },
    ]);
    const out = await cli();
    expect(out.code).toBe(1);
    expect(out.out).toContain(`line ${valid.length + 1}: bad signature`);
    expect(out.out).toContain(`line ${valid.length + 2}: bad signature`);
    expect(out.out).toContain(`checked against the checkpoint of ${latest.at}`);
    expect(lines()).toHaveLength(valid.length + 3); // nothing written over a tampered file

    fs.writeFileSync(file, `${valid.join('\n')}\n`); // the operator removes the forged lines
    // A valid but older line appended again does not lower the bar.
    fs.appendFileSync(file, `${valid[0]}\n`);
    expect(readCheckpoints(file, stack.auditKey).latest).toMatchObject({
      line: valid.length,
      sig: latest.sig,
    });
    fs.writeFileSync(file, `${valid.join('\n')}\n`);
    expect((await cli()).code).toBe(0);
  });

  it('finds the newest row of a chain deleted, and rows deleted and then written over', async () => {
    expect((await cli()).code).toBe(0); // a checkpoint of everything so far
    // The newest row of the project's chain (which other entities' rows may share).
    const { rows } = await stack.db.query(
      `SELECT id::text, chain FROM audit_log
        WHERE chain = (SELECT chain FROM audit_log WHERE entity_id = $1 LIMIT 1) ORDER BY id DESC LIMIT 1`,
      [projectId],
    );
    const newest = rows[0].id as string;
    const chain = rows[0].chain as number;
    const [previous] = (
      await stack.db.query(`SELECT max(id)::text AS id FROM audit_log WHERE chain = $1 AND id < $2`, [
        chain,
        newest,
      ])
    ).rows;

    // Nothing has written to the chain since the checkpoint: the row deleted is the head it recorded.
    expect(readCheckpoints(file, stack.auditKey).latest!.chains[String(chain)]?.headId).toBe(newest);
    await asTamperer('DELETE FROM audit_log WHERE id = $1', [newest]);
    // The chain alone still looks whole: that is why checkpoints exist.
    const alone = await verifyAuditTable(
      async (sql, params) => (await stack.db.query<AuditRow>(sql, params)).rows,
      stack.auditKey,
    );
    // Should this fail, the rows from the one before the deleted one on name what else was written.
    const since = await stack.db.query(
      `SELECT id, chain, action, entity, via, at FROM audit_log WHERE id >= $1 ORDER BY id`,
      [previous.id],
    );
    expect(alone.problems, JSON.stringify(since.rows)).toEqual([]);
    let result = await verify();
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      {
        id: newest,
        problem: expect.stringContaining(`chain ${chain} has`),
      },
    ]);
    expect(result.problems[0]!.problem).toContain(`newest 1 row(s) were deleted (after row ${previous.id}`);
    let out = await cli();
    expect(out.code).toBe(1);
    expect(out.out).toContain(`row ${newest}: chain ${chain} has`);
    const linesBefore = lines().length;

    // The worker does not write a checkpoint that would hide the deletion from the next check.
    const log = sink();
    const worker = await checkpointAuditChains({ query, key: stack.auditKey, file, log });
    expect(worker.written).toBe(false);
    expect(worker.problems).toEqual([expect.stringContaining(`chain ${chain} has`)]);
    expect(log.lines).toEqual([expect.stringMatching(/^error audit chains no longer match/)]);
    expect(lines()).toHaveLength(linesBefore);

    // A new step on the project refills the chain to its old length with another row.
    const fixed = await dept.post(`/api/projects/${projectId}/transitions`, {
      action: 'adjust',
      documentNo: 'CP-ADJ-1',
      reason: '检查点测试',
      location: '白台村',
    });
    expect(fixed.status, JSON.stringify(fixed.body)).toBe(200);
    result = await verify();
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.problem).join('\n')).toMatch(
      new RegExp(`is row \\d+ of chain ${chain}, where the checkpoint of .* recorded row ${newest}`),
    );
    out = await cli();
    expect(out.code).toBe(1);
    expect(lines()).toHaveLength(linesBefore);
  });
});
