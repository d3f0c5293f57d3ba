/**
 * The project list's pages stay index ranges under row-level security, read by cursor or by number. Beneath a policy,
 * PostgreSQL tests a condition before the policy's only if it is leakproof, and only such a
 * condition can become an index condition; the default order's key was once `(-year)` (unary minus
 * is not leakproof), so the page after a cursor read and sorted every project in scope: 30 s at a
 * million. Sequential scans are switched off here so that the plan shows what the index may be
 * given, whatever the table's size.
 *
 * A page by number of a unit's list read the county's order and dropped the projects of other
 * units one by one before skipping its own (page 500 of a village: 330 ms at a million); it reads
 * the unit's own ordered range now, so what it reads of \`project\` is the page alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cursorCondition, encodeCursor, listOrder, orderSql } from '#api/modules/projects/keyset.js';
import { listStatements } from '#api/modules/projects/list-statements.js';
import type { Principal } from '#domain/access.js';
import { projectListQuerySchema } from '#domain/schemas.js';
import { inScope, scopeOf, type DbScope, type Statement, type Tx } from '#db/scope.js';
import { generateRange } from '#scripts/bench/lib/gen-projects.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
const scopes: Record<string, DbScope> = {};
const principals: Record<string, Principal> = {};
beforeAll(async () => {
  stack = await startTestStack();
  const client = await stack.db.connect();
  try {
    await generateRange(client, 1, 400);
    await client.query('ANALYZE project');
  } finally {
    client.release();
  }
  const unit = async (code: string) =>
    (await stack.db.query<{ id: string }>(`SELECT id FROM org_unit WHERE code = $1`, [code])).rows[0]!.id;
  scopes.county = { kind: 'county', unitId: await unit('ck'), roles: ['leader'] };
  scopes.township = { kind: 'township', unitId: await unit('mbz'), roles: ['operator'] };
  // The village of the most generated projects, and its township.
  const village = (
    await stack.db.query<{ code: string }>(
      `SELECT v.code FROM project_village pv JOIN org_unit v ON v.id = pv.village_id
        GROUP BY v.code ORDER BY count(*) DESC, v.code LIMIT 1`,
    )
  ).rows[0]!.code;
  principals.village = { orgUnitId: await unit(village), orgKind: 'village', roles: ['operator'] };
  principals.township = { orgUnitId: await unit('mbz'), orgKind: 'township', roles: ['operator'] };
  principals.county = { orgUnitId: await unit('ck'), orgKind: 'county', roles: ['leader'] };
  principals.department = { orgUnitId: await unit('jtj'), orgKind: 'department', roles: ['operator'] };
}, 240_000);
afterAll(async () => {
  await stack?.stop();
});

/** The plan of the page after `values` in `sort`'s order, in `scope`, with no sequential scan. */
async function planAfter(scope: DbScope, sort: { sort?: 'budget'; order?: 'desc' }, values: unknown[]) {
  const order = listOrder(sort);
  const cursor = cursorCondition(order, 'after', encodeCursor(order, values));
  return inScope(stack.orm, scope, async (tx) => {
    await tx.execute('SET LOCAL enable_seqscan = off');
    await tx.execute('SET LOCAL enable_bitmapscan = off');
    const rows = await tx.execute<{ 'QUERY PLAN': string }[]>(
      `EXPLAIN SELECT p.id FROM project p WHERE TRUE AND ${cursor.sql} ORDER BY ${orderSql(order)} LIMIT 21`,
      cursor.params,
    );
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

describe('the project list by cursor', () => {
  for (const who of ['county', 'township']) {
    it(`starts the default order's page at the cursor in the index, for a ${who} account`, async () => {
      const plan = await planAfter(scopes[who]!, {}, [-2026, 'BR-200']);
      expect(plan).toMatch(/Index Cond: \(ROW\(.*\) > ROW\(/);
      expect(plan).not.toMatch(/\bSort\b/);
    });

    it(`starts the budget order's page at the cursor in the index, for a ${who} account`, async () => {
      const plan = await planAfter(scopes[who]!, { sort: 'budget', order: 'desc' }, [1_500_000, 'BR-200']);
      expect(plan).toMatch(/Index Cond: \(ROW\(budget_fen, code\) < ROW\(/);
      expect(plan).not.toMatch(/\bSort\b/);
    });
  }
});

/** What `run` reads of `project` (rows scanned or fetched), inside a function as the owner too. */
async function projectRowsRead<T>(tx: Tx, run: () => Promise<T>): Promise<[T, number]> {
  const counted = `SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0)::int AS n
                     FROM pg_stat_xact_user_tables WHERE relname = 'project'`;
  const before = (await tx.execute<{ n: number }[]>(counted))[0]!.n;
  const result = await run();
  return [result, (await tx.execute<{ n: number }[]>(counted))[0]!.n - before];
}

/** The page's ids `choose` picks in `who`'s scope, and what it read of `project`, with no sequential scan. */
function chosen(who: Principal, choose: Statement) {
  return inScope(stack.orm, scopeOf(who), async (tx) => {
    await tx.execute('SET LOCAL enable_seqscan = off');
    await tx.execute('SET LOCAL enable_bitmapscan = off');
    return projectRowsRead(tx, async () =>
      (await tx.execute<{ id: string }[]>(choose.sql, [...(choose.params ?? [])])).map((r) => r.id),
    );
  });
}

describe('the project list by page number', () => {
  for (const who of ['village', 'township', 'department']) {
    it(`chooses a page deep in a ${who} account's list reading no more projects than the page`, async () => {
      const q = projectListQuerySchema.parse({ page: 3, pageSize: 4 });
      const [ids, read] = await chosen(principals[who]!, listStatements(principals[who]!, q).choose);
      expect(ids.length, 'a full page and one more').toBe(5);
      expect(read).toBeLessThanOrEqual(5);
    });
  }
});

describe("the list's overdue filter", () => {
  // Beneath the policies its page walked the county's order and tested each project's readers: a
  // village holding one project in ten read 2,400 projects to find 21 at a million. It reads the
  // unit's own range now, by number or from a cursor, and answers what the policies would.
  const pages = async (who: Principal, overdue: string) => {
    const q = (more: Record<string, unknown>) =>
      projectListQuerySchema.parse({ overdue, pageSize: 2, ...more });
    const reference = await inScope(stack.orm, scopeOf(who), (tx) =>
      tx.execute<{ id: string; list_year_key: number; code: string }[]>(
        `SELECT p.id, p.list_year_key, p.code FROM project p WHERE EXISTS (SELECT 1 FROM alert a
            WHERE a.project_id = p.id AND a.status = 'active' AND a.step <> 'reminder'
              AND (a.kind = ? OR ? = 'any')) ORDER BY p.list_year_key, p.code`,
        [overdue, overdue],
      ),
    );
    return { q, reference };
  };
  for (const who of ['village', 'township', 'county'])
    for (const overdue of ['any', 'completion', 'acceptance'])
      it(`pages a ${who} account's projects overdue (${overdue}) as the policies admit them`, async () => {
        const principal = principals[who]!;
        const { q, reference } = await pages(principal, overdue);
        const ids = reference.map((r) => r.id);
        if (overdue !== 'acceptance')
          expect(ids.length, 'the fixture has overdue projects').toBeGreaterThan(3);
        for (const page of [1, 2]) {
          const [got, read] = await chosen(principal, listStatements(principal, q({ page })).choose);
          expect(got).toEqual(ids.slice((page - 1) * 2, page * 2 + 1));
          if (who !== 'county') expect(read, 'projects read').toBe(0);
        }
        if (ids.length < 2) return;
        const order = listOrder({});
        const at = reference[1]!;
        for (const [param, want] of [
          ['after', ids.slice(2, 5)],
          ['before', ids.slice(0, 1)],
        ] as const) {
          const cursor = encodeCursor(order, [at.list_year_key, at.code]);
          const [got] = await chosen(principal, listStatements(principal, q({ [param]: cursor })).choose);
          expect(param === 'before' ? got.reverse() : got).toEqual(want);
        }
      });
});

describe("the list's text search", () => {
  // Words of one or two characters (a village's name, 道路) hold no trigram: the trigram index
  // was read whole and every project rechecked (3.4 s at a million for a term found nowhere).
  // What the search reads of `project` is what it finds, whichever index serves the term.
  for (const [term, found] of [
    ['罗江', 0],
    ['目1', 111], // 基准项目1, 10–19, 100–199
    ['z', 0],
    ['目12', 11], // three characters: the trigrams
    ['基准项目12', 11], // the trigrams of 目12: 基准项 and 准项目 are in every project
    ['r-1', 111], // no trigram (pg_trgm splits words at -): the pairs, BR-1, 10–19, 100–199
    ['z-9', 0],
  ] as const)
    it(`reads only the projects it finds for “${term}”`, async () => {
      const [ids, read] = await inScope(stack.orm, scopes.county!, async (tx) => {
        await tx.execute('SET LOCAL enable_seqscan = off');
        const counted = `SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0)::int AS n
                           FROM pg_stat_xact_user_tables WHERE relname = 'project'`;
        const before = (await tx.execute<{ n: number }[]>(counted))[0]!.n;
        const ids = await tx.execute<{ id: string }[]>(`SELECT app_project_search(?, NULL) AS id`, [term]);
        return [ids, (await tx.execute<{ n: number }[]>(counted))[0]!.n - before];
      });
      expect(ids).toHaveLength(found);
      expect(read).toBeLessThanOrEqual(found);
    });
});

describe("the list's text search up to a cap", () => {
  // The list in its default order asks for its first matches only: a term in most projects walks
  // the order's index, a rarer one is fetched through its index and sorted; either way the answer
  // is the first matches in the order among what the scope may read.
  for (const who of ['county', 'township'])
    for (const [term, cap] of [
      ['基准', 10], // in every generated name: the walk
      ['基准', 1], // the walk for the township too (its estimate is a quarter of the county's)
      ['目1', 200], // 111 of 400: the index
      ['目12', 5], // three characters: the trigrams, then the first five
      ['基准项目12', 5], // the trigrams of 目12, then the term tested on what they find
      ['r-1', 5], // no trigram: the pairs
      ['罗江', 10],
    ] as const)
      it(`answers the first ${cap} matches of “${term}” in the order, for a ${who} account`, async () => {
        const [got, expected] = await inScope(stack.orm, scopes[who]!, async (tx) => [
          await tx.execute<{ id: string }[]>(`SELECT app_project_search(?, ?) AS id`, [term, cap]),
          await tx.execute<{ id: string }[]>(
            `SELECT p.id FROM project p WHERE p.name ILIKE ? OR p.code ILIKE ?
              ORDER BY p.list_year_key, p.code LIMIT ?`,
            [`%${term}%`, `%${term}%`, cap],
          ),
        ]);
        expect(new Set(got.map((r) => r.id))).toEqual(new Set(expected.map((r) => r.id)));
        if (term !== '罗江') expect(got.length).toBeGreaterThan(0);
      });
});

describe('the part of a search term the trigram indexes are given', () => {
  // A trigram in nearly every project's name (基准项 here, 工程 in a real county's) is a posting
  // list of nearly every project, which the index intersects with the rest: at a million, 基准项目1234
  // took 10 ms in the name index where 目1234 took 1. Which grams are common is read from the
  // statistics of the grams index (the 400 projects are analysed before these tests).
  const indexTerm = async (term: string) =>
    (await stack.db.query<{ part: string }>(`SELECT app_search_index_term($1) AS part`, [term])).rows[0]!
      .part;

  it('leaves out the grams most projects hold', async () => {
    // 基准, 准项 and 项目 are in all 400 names, 目1 in 111 of them; 12 and 23 in fewer than a tenth.
    expect(await indexTerm('基准项目123')).toBe('目123');
  });

  it('keeps a term whose grams are all common, or none of them', async () => {
    expect(await indexTerm('基准项目')).toBe('基准项目');
    expect(await indexTerm('罗江村道路')).toBe('罗江村道路');
    expect(await indexTerm('br-')).toBe('br-');
  });

  it('gives the grams index the uncommon pairs of a term no trigram serves', async () => {
    const pairs = async (term: string) =>
      (
        await stack.db.query<{ pairs: string[] }>(`SELECT app_search_index_pairs($1) AS pairs`, [term])
      ).rows[0]!.pairs.sort();
    expect(await pairs('r-z')).toEqual(['-z']); // r- is in every code (BR-…)
    expect(await pairs('r-1')).toEqual(['-1', 'r-']); // both common: all of them
  });

  it('answers the whole term, not its part, when other names hold only the part', async () => {
    // In one transaction, rolled back: two projects renamed so that 目123 (the part) is in their
    // names and 基准项目123 (the term) is not, and one so that the term is, in capitals.
    const client = await stack.db.connect();
    try {
      await client.query('BEGIN');
      const some = (
        await client.query<{ id: string }>(
          `SELECT id FROM project WHERE name NOT LIKE '%123%' ORDER BY code LIMIT 3`,
        )
      ).rows.map((r) => r.id);
      await client.query(`UPDATE project SET name = '测试目123工程' WHERE id = $1`, [some[0]]);
      await client.query(`UPDATE project SET name = '目1234 水池' WHERE id = $1`, [some[1]]);
      await client.query(`UPDATE project SET name = 'X基准项目123Y' WHERE id = $1`, [some[2]]);
      await client.query(`SELECT set_config('app.scope_kind', 'system', true)`);
      for (const [term, cap] of [
        ['基准项目123', null],
        ['基准项目123', 10],
        ['x基准项目123', 10],
      ] as const) {
        const got = (
          await client.query<{ id: string }>(`SELECT app_project_search($1, $2) AS id`, [term, cap])
        ).rows;
        const expected = (
          await client.query<{ id: string }>(
            `SELECT id FROM project WHERE name ILIKE $1 OR code ILIKE $1 ORDER BY list_year_key, code`,
            [`%${term}%`],
          )
        ).rows;
        expect(new Set(got.map((r) => r.id)), `${term} up to ${cap}`).toEqual(
          new Set(expected.slice(0, cap ?? undefined).map((r) => r.id)),
        );
        expect(got.map((r) => r.id)).not.toContain(some[0]);
        expect(got.map((r) => r.id)).not.toContain(some[1]);
      }
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
