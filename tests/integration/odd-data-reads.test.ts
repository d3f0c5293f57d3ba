/**
 * No data, however odd, makes a read answer 500. The largest amounts the database takes (10^12 分
 * each), inserted directly as the owner in numbers whose sum passes 2^53 分, must leave every read
 * route answering, and the dashboard's totals exact to the 分.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FEN } from '#domain/money.js';
import { rawLogin, rawRequest } from '../support/raw-http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
/** Enough projects of 10^12 分 that their sum is past Number.MAX_SAFE_INTEGER (≈ 9.007 × 10^15). */
const ODD_PROJECTS = 9_100;
const ODD_YEAR = 2031;
let oddId: string;

beforeAll(async () => {
  stack = await startTestStack();
  const c = await stack.db.connect();
  try {
    await c.query('BEGIN');
    await c.query(
      `INSERT INTO project (id, code, workflow_id, name, year, type, nature, department_id, owner_unit_id,
                            approval_document_no, budget_fen, stage, planned_start, planned_completion,
                            planned_acceptance, planned_reimbursement)
       SELECT gen_random_uuid(), 'ODD-' || g, 'odd-' || g, '巨额项目 ' || g, $1, '道路', 'new', d.id, o.id,
              '文号', $2, 'approved', '2031-01-01', '2031-06-30', '2031-07-31', '2031-08-31'
         FROM generate_series(1, $3::int) g, org_unit d, org_unit o WHERE d.code = 'swj' AND o.code = 'xqz'`,
      [ODD_YEAR, MAX_FEN, ODD_PROJECTS],
    );
    await c.query(
      `INSERT INTO project_fund_source (project_id, position, kind, amount_fen)
       SELECT id, 0, 'centralSpecial', budget_fen FROM project WHERE code LIKE 'ODD-%'`,
    );
    await c.query(
      `INSERT INTO project_village (project_id, village_id)
       SELECT p.id, v.id FROM project p, org_unit v WHERE p.code LIKE 'ODD-%' AND v.code = 'xqz-btc'`,
    );
    await c.query('COMMIT');
  } finally {
    c.release();
  }
  oddId = (await stack.db.query(`SELECT id FROM project WHERE code = 'ODD-1'`)).rows[0].id;
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe('reads over amounts whose sum passes 2^53 分', () => {
  it('gives the dashboard’s totals exactly, as decimal strings, with and without ?year', async () => {
    const { total } = (await stack.db.query(`SELECT sum(amount_fen)::text AS total FROM project_fund_source`))
      .rows[0] as { total: string };
    expect(BigInt(total)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
    const leader = await rawLogin(stack.baseUrl, 'leader');
    for (const path of ['/api/stats/dashboard', `/api/stats/dashboard?year=${ODD_YEAR}`]) {
      const res = await rawRequest(stack.baseUrl, { method: 'GET', path, headers: { cookie: leader } });
      expect(res.status, res.text).toBe(200);
      expect(res.json.money.budgetFen).toBe(total);
      expect(res.json.money.bySource).toEqual([
        { kind: 'centralSpecial', budgetFen: total, disbursedFen: '0', disbursedBasisPoints: 0 },
      ]);
    }
  });

  it('answers every read route below 500, for the leader and for the department', async () => {
    // The ledger export reads every project in scope one by one, so the route walk keeps a few
    // dozen of the odd projects (each still at the ceiling).
    await stack.db.query(`DELETE FROM project WHERE code LIKE 'ODD-%' AND length(code) > 6`);
    // Odd in other ways, each as PostgreSQL takes it: a very long name, a closed and a cancelled
    // project without any history, dates at both ends of the range, no village, a NULL location.
    await stack.db.query(
      `UPDATE project SET name = repeat('长', 2000), location = NULL WHERE code = 'ODD-2'`,
    );
    await stack.db.query(`UPDATE project SET stage = 'closed', progress_percent = 100 WHERE code = 'ODD-3'`);
    await stack.db.query(`UPDATE project SET stage = 'cancelled' WHERE code = 'ODD-4'`);
    await stack.db.query(
      `UPDATE project SET planned_start = '1990-01-01', planned_completion = '1990-01-01',
              planned_acceptance = '2100-12-31', planned_reimbursement = '2100-12-31' WHERE code = 'ODD-5'`,
    );
    await stack.db.query(
      `DELETE FROM project_village WHERE project_id = (SELECT id FROM project WHERE code = 'ODD-5')`,
    );
    const oddIds = (
      await stack.db.query(
        `SELECT id FROM project WHERE code IN ('ODD-1', 'ODD-2', 'ODD-3', 'ODD-4', 'ODD-5')`,
      )
    ).rows.map((r) => r.id as string);
    expect(oddIds).toHaveLength(5);
    const gets = stack.routes.filter((r) => r.method === 'get');
    expect(gets.length).toBeGreaterThan(15);
    for (const username of ['leader', 'swj.op']) {
      const cookie = await rawLogin(stack.baseUrl, username);
      const calls = gets.flatMap((r) =>
        r.path.startsWith('/api/projects/:id') ? oddIds.map((id) => ({ r, id })) : [{ r, id: oddId }],
      );
      for (const { r, id } of calls) {
        const path = r.path
          .replace(':id', r.path.startsWith('/api/projects/') ? id : '00000000-0000-4000-8000-000000000000')
          .replace(':level', 'department')
          .replace(':code', 'swj');
        const queries =
          r.path === '/api/projects'
            ? ['?sort=budget&order=desc']
            : r.path.endsWith('/detail-table')
              ? ['', '?format=xlsx', '?format=pdf']
              : [''];
        for (const query of queries) {
          const res = await rawRequest(
            stack.baseUrl,
            { method: 'GET', path: path + query, headers: { cookie } },
            120_000,
          );
          expect(res.status, `${username} GET ${path}${query}: ${res.text.slice(0, 300)}`).toBeLessThan(500);
        }
      }
    }
  }, 300_000);
});
