/**
 * The scoped transactions every write and read goes through (db/scope.ts): statements batched
 * into one round trip with their COMMIT, and prepared statements, must keep all-or-nothing and
 * recover from a failure on the same pooled connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PREPARED_PER_CONNECTION,
  SYSTEM_SCOPE,
  executeAll,
  inScope,
  queryInScope,
  queryUnscoped,
} from '#db/scope.js';
import { initORM } from '#db/orm.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const meta = async (key: string) =>
  (await stack.db.query('SELECT value FROM app_meta WHERE key = $1', [key])).rows[0]?.value;

describe('scoped transactions', () => {
  it('writes a batch and its COMMIT in one go, and a failing batch writes nothing at all', async () => {
    const [, rows] = await queryInScope(stack.orm, SYSTEM_SCOPE, [
      { sql: `INSERT INTO app_meta (key, value) VALUES (?, ?::jsonb)`, params: ['batch.ok', '1'] },
      { sql: `SELECT value FROM app_meta WHERE key = ?`, params: ['batch.ok'], prepare: true },
    ]);
    expect(rows).toEqual([{ value: 1 }]);
    expect(await meta('batch.ok')).toBe(1);

    // The first statement succeeds, the second fails: the first must not survive.
    await expect(
      inScope(stack.orm, SYSTEM_SCOPE, async (em) => {
        await em.execute(`INSERT INTO app_meta (key, value) VALUES (?, ?::jsonb)`, ['batch.bad', '2'], 'run');
        await executeAll(
          em,
          [
            { sql: `INSERT INTO app_meta (key, value) VALUES (?, ?::jsonb)`, params: ['batch.bad2', '3'] },
            { sql: `SELECT 1 / 0` },
          ],
          { commit: true },
        );
      }),
    ).rejects.toThrow(/division by zero/);
    expect(await meta('batch.bad')).toBeUndefined();
    expect(await meta('batch.bad2')).toBeUndefined();
  });

  it('recovers its prepared statements after a batch failed before or after preparing one', async () => {
    const read = { sql: 'SELECT value FROM app_meta WHERE key = ? AND ? > 0', prepare: true };
    for (let i = 0; i < 10; i++) {
      // A failure before a new statement's PREPARE was reached, on whichever connection the pool gave.
      await expect(
        queryInScope(stack.orm, SYSTEM_SCOPE, [
          { sql: 'SELECT 1 / 0' },
          { sql: `SELECT ${i} + ? AS n`, params: [1], prepare: true },
        ]),
      ).rejects.toThrow(/division by zero/);
      // And one after it.
      await expect(
        queryInScope(stack.orm, SYSTEM_SCOPE, [
          { sql: `SELECT ${i} * ?::int AS n`, params: [2], prepare: true },
          { sql: 'SELECT 1 / 0' },
        ]),
      ).rejects.toThrow(/division by zero/);
    }
    // Every connection still answers both the statements it prepared before and new ones.
    for (let i = 0; i < 30; i++) {
      const [rows] = await queryInScope(stack.orm, SYSTEM_SCOPE, [{ ...read, params: ['batch.ok', i + 1] }]);
      expect(rows).toEqual([{ value: 1 }]);
      const [prepared, notReached] = await queryInScope(stack.orm, SYSTEM_SCOPE, [
        { sql: `SELECT ${i % 10} * ?::int AS n`, params: [3], prepare: true },
        { sql: `SELECT ${i % 10} + ? AS n`, params: [1], prepare: true },
      ]);
      expect(prepared).toEqual([{ n: (i % 10) * 3 }]);
      expect(notReached).toEqual([{ n: (i % 10) + 1 }]);
    }
  });

  it('keeps at most PREPARED_PER_CONNECTION statements on a connection, preparing again what it evicted', async () => {
    // Statements prepared one after another on whichever connections the pool gives (enough for
    // every one of them to pass the cap), each answering right whether it was prepared, reused or
    // prepared again after its eviction; and what the connection holds counted in the same batch.
    const kept = { sql: 'SELECT ?::int + 1000 AS n', prepare: true };
    const held = {
      sql: `SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'sz%'`,
    };
    const rounds = PREPARED_PER_CONNECTION * 12;
    for (let i = 0; i < rounds; i++) {
      const [fresh, again, count] = await queryInScope(stack.orm, SYSTEM_SCOPE, [
        { sql: `SELECT ?::int + ${i} AS n`, params: [1], prepare: true },
        { ...kept, params: [i] },
        held,
      ]);
      expect(fresh).toEqual([{ n: i + 1 }]);
      expect(again).toEqual([{ n: i + 1000 }]);
      expect((count as { n: number }[])[0]!.n).toBeLessThanOrEqual(PREPARED_PER_CONNECTION);
    }
  });

  it('runs statements on data without row-level security with no scope set', async () => {
    const [a, b] = await queryUnscoped(stack.orm, [
      { sql: 'SELECT current_setting(?, true) AS kind', params: ['app.scope_kind'], prepare: true },
      { sql: 'SELECT count(*)::int AS n FROM org_unit' },
    ]);
    // No scope set: row-level security would show nothing, and the settings are empty.
    expect([null, '']).toContain((a![0] as { kind: string | null }).kind);
    expect((b![0] as { n: number }).n).toBeGreaterThan(0);
  });

  it('keeps its connection through a pause longer than the pool lets a connection idle', async () => {
    // A new connection made the first request after a pause ~50 ms slower (a new backend's
    // caches and plans); the pool keeps some open however long nobody asks. An ORM of its own:
    // the stack's has users of its own that would keep a connection busy.
    const orm = await initORM(stack.databaseUrl);
    try {
      const { pool } = (
        orm.em.getConnection().getKnex() as unknown as { client: { pool: { idleTimeoutMillis: number } } }
      ).client;
      const pid = async () =>
        (
          (await queryInScope(orm, SYSTEM_SCOPE, [{ sql: 'SELECT pg_backend_pid() AS pid' }]))[0]![0] as {
            pid: number;
          }
        ).pid;
      const before = await pid();
      // Past the idle limit and the reaper's next round (every second).
      await new Promise((r) => setTimeout(r, pool.idleTimeoutMillis + 2_500));
      expect(await pid()).toBe(before);
    } finally {
      await orm.close(true);
    }
  });
});
