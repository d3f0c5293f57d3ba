/**
 * The audit trail: every write (api and activity) appends a chained row; `npm run audit:verify`
 * passes on an untouched database and names an edited, deleted or forged row; the application's
 * role cannot UPDATE or DELETE audit rows at all.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditTable, type AuditRow } from '#db/audit.js';
import { aProject } from '../support/builders.js';
import { TEST_AUDIT_KEY } from '../support/constants.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let stack: TestStack;
let dbUrl: string;
beforeAll(async () => {
  stack = await startTestStack();
  const { rows } = await stack.db.query('SELECT current_database() AS db');
  const u = new URL(
    (stack.db as unknown as { options: { connectionString: string } }).options.connectionString,
  );
  u.pathname = `/${rows[0].db}`;
  dbUrl = u.toString();
});
afterAll(async () => {
  await stack?.stop();
});

const verify = () =>
  verifyAuditTable(async (sql, params) => (await stack.db.query<AuditRow>(sql, params)).rows, stack.auditKey);

async function cli(): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/audit-verify.ts'], {
      cwd: ROOT,
      // Its own DATA_DIR: the checkpoints it writes belong to this database only.
      env: { ...process.env, DATABASE_URL: dbUrl, AUDIT_KEY: TEST_AUDIT_KEY, DATA_DIR: stack.dataDir },
    });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

/** Tampering needs the database owner with triggers off: exactly what an attacker with DBA rights would do. */
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

describe('audit trail', () => {
  it('records api and activity writes with who, unit, when, what, before and after', async () => {
    const dept = await Session.login(stack.baseUrl, 'swj.op');
    const created = await dept.post('/api/projects', aProject());
    expect(created.status).toBe(201);
    const step = await dept.post(`/api/projects/${created.body.id}/transitions`, {
      action: 'approveDesign',
      documentNo: 'A-1',
      approvedOn: '2026-03-01',
    });
    expect(step.status).toBe(200);
    await new Session(stack.baseUrl).post('/api/auth/login', {
      username: 'swj.op',
      password: 'wrong-Password-1',
    });
    const ledgerWrite = await dept.request('PUT', `/api/projects/${created.body.id}/ledgers/department`, {
      constructionContent: '新建蓄水池 1 座',
    });
    expect(ledgerWrite.status, JSON.stringify(ledgerWrite.body)).toBe(200);

    const { rows } = await stack.db.query(
      `SELECT action, actor_username, actor_unit, via, entity_id, before, after FROM audit_log ORDER BY id`,
    );
    const login = rows.find((r) => r.action === 'auth.login' && r.actor_username === 'swj.op');
    expect(login).toMatchObject({ via: 'api', actor_unit: 'swj' });
    const create = rows.find((r) => r.action === 'project.create' && r.entity_id === created.body.id);
    expect(create).toMatchObject({ via: 'activity', actor_username: 'swj.op' });
    expect(create.after.budgetFen).toBe(created.body.budgetFen);
    const approve = rows.find((r) => r.action === 'project.approveDesign' && r.entity_id === created.body.id);
    expect(approve.before).toEqual({ stage: 'approved', seq: 0 });
    expect(approve.after).toMatchObject({ stage: 'designApproved', seq: 1, payload: { documentNo: 'A-1' } });
    expect(rows.some((r) => r.action === 'auth.login.refused' && r.after.reason === 'wrong-password')).toBe(
      true,
    );
    // Ledger writes are in the same chain, with the writer's unit looked up from the account.
    const ledger = rows.find(
      (r) => r.action.startsWith('ledger.department.') && r.entity_id === created.body.id,
    );
    expect(ledger).toMatchObject({
      via: 'api',
      actor_username: 'swj.op',
      actor_unit: 'swj',
      after: { constructionContent: '新建蓄水池 1 座' },
    });
    expect(create.actor_unit).toBe('swj');
  });

  it('verifies an untouched chain, by function and by `npm run audit:verify`', async () => {
    const result = await verify();
    expect(result).toMatchObject({ ok: true, problems: [] });
    expect(result.checked).toBeGreaterThan(10);
    const { code, out } = await cli();
    expect(code).toBe(0);
    expect(out).toMatch(/audit chain intact: \d+ rows checked/);
  });

  it('keeps the application role from changing or deleting audit rows', async () => {
    await expect(
      stack.orm.em.fork().execute(`UPDATE audit_log SET action = 'x' WHERE id = 1`, [], 'run'),
    ).rejects.toThrow(/permission denied/);
    await expect(
      stack.orm.em.fork().execute(`DELETE FROM audit_log WHERE id = 1`, [], 'run'),
    ).rejects.toThrow(/permission denied/);
    // And the owner is stopped by the trigger unless it deliberately switches triggers off.
    await expect(stack.db.query(`UPDATE audit_log SET action = 'x' WHERE id = 1`)).rejects.toThrow(
      /append-only/,
    );
  });

  it('names an edited row, a deleted row and a forged row', async () => {
    const { rows } = await stack.db.query('SELECT id::int AS id, chain FROM audit_log ORDER BY id');
    const ids: number[] = rows.map((r) => r.id);
    const edited = ids[3]!;
    // The trail is several chains: delete from the middle of the longest one.
    const chains = new Map<number, number[]>();
    for (const r of rows) chains.set(r.chain, [...(chains.get(r.chain) ?? []), r.id]);
    const chain = [...chains.values()].sort((a, b) => b.length - a.length)[0]!;
    expect(chain.length).toBeGreaterThanOrEqual(4);
    const k = chain[1] === edited ? 2 : 1;
    const [previous, deleted, next] = [chain[k - 1]!, chain[k]!, chain[k + 1]!];
    await asTamperer(`UPDATE audit_log SET after = '{"reason":"nothing to see"}'::jsonb WHERE id = $1`, [
      edited,
    ]);

    let result = await verify();
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([{ id: String(edited), problem: expect.stringContaining('edited') }]);
    let out = await cli();
    expect(out.code).toBe(1);
    expect(out.out).toContain(`row ${edited}:`);

    await asTamperer('DELETE FROM audit_log WHERE id = $1', [deleted]);
    result = await verify();
    expect(result.problems.map((p) => p.id)).toEqual([edited, next].sort((a, b) => a - b).map(String));
    expect(result.problems.find((p) => p.id === String(next))!.problem).toContain(
      `does not follow row ${previous}`,
    );

    // A row forged without the key, appended where it would look natural: after its chain's last row.
    const [last] = (await stack.db.query('SELECT id, chain, hash FROM audit_log ORDER BY id DESC LIMIT 1'))
      .rows;
    await asTamperer(
      `INSERT INTO audit_log (chain, at, actor_username, via, action, entity, prev_hash, hash)
       VALUES ($2, now(), 'admin', 'api', 'admin.user.create', 'user', $1, repeat('0', 64))`,
      [last.hash, last.chain],
    );
    result = await verify();
    const forged = (await stack.db.query('SELECT max(id)::text AS id FROM audit_log')).rows[0].id;
    expect(result.problems.at(-1)).toEqual({ id: forged, problem: expect.stringContaining('hash') });
    out = await cli();
    expect(out.code).toBe(1);
    expect(out.out).toContain(`row ${forged}:`);
  });
});
