/**
 * The authorization matrix: every account × every route × a project in and out of its
 * scope answers as domain/access.ts says — zero leaks — and a query account changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLICES, accountSlice, runAuthzMatrix } from '../support/authz/matrix.js';
import { loadAccounts, startMatrixStack, type Account, type MatrixContext } from '../support/authz/stack.js';
import type { TestStack } from '../support/stack.js';

let stack: TestStack;
let ctx: MatrixContext;
let accounts: Account[];
let historyBefore: number;
const run = { checks: 0, slices: 0 };

const countAB = async () =>
  (
    await stack.db.query(
      'SELECT count(*)::int AS n FROM project_history WHERE project_id = ANY($1::uuid[])',
      [[ctx.projects.A.id, ctx.projects.B.id]],
    )
  ).rows[0].n;

beforeAll(async () => {
  ctx = await startMatrixStack();
  stack = ctx.stack;
  accounts = await loadAccounts(stack, ctx.adminSecret);
  historyBefore = await countAB();
});
afterAll(async () => {
  await stack?.stop();
});

describe('authorization matrix', () => {
  it.each(Array.from({ length: SLICES }, (_, i) => i))(
    'answers every route × in/out-of-scope project as the access rules say (accounts, slice %i)',
    async (slice) => {
      expect(accounts.length).toBeGreaterThanOrEqual(30);
      // The requests without a session go with the first slice.
      const { mismatches, checks } = await runAuthzMatrix(ctx, accountSlice(accounts, slice), slice === 0);
      expect(mismatches).toEqual([]);
      expect(checks).toBeGreaterThan(100);
      run.checks += checks;
      run.slices++;
    },
  );

  it('wrote exactly what the permitted requests write, over every account', async () => {
    expect(run.slices).toBe(SLICES);
    expect(run.checks).toBeGreaterThan(600);
    // Exactly the permitted steps were written: the two department operators adjusted their own
    // project, the two owner townships reported progress on theirs — nothing else, from anyone.
    const steps = (
      await stack.db.query(
        `SELECT u.username, h.action FROM project_history h JOIN app_user u ON u.id = h.actor_id
          WHERE h.project_id = ANY($1::uuid[]) AND h.action IN ('adjust', 'reportProgress') ORDER BY u.username, h.action`,
        [[ctx.projects.A.id, ctx.projects.B.id]],
      )
    ).rows;
    expect(steps).toEqual([
      { username: 'jtj.op', action: 'adjust' },
      { username: 'mbz.op', action: 'reportProgress' },
      { username: 'swj.op', action: 'adjust' },
      { username: 'xqz.op', action: 'reportProgress' },
    ]);
    expect(await countAB()).toBe(historyBefore + 4);
    // The create probes succeeded only for the two department operators, each for its own department.
    const created = await stack.db.query(
      `SELECT u.username, d.code FROM project p JOIN app_user u ON u.id = p.created_by JOIN org_unit d ON d.id = p.department_id
        WHERE p.id <> ALL($1::uuid[]) ORDER BY u.username`,
      [[ctx.projects.A.id, ctx.projects.B.id]],
    );
    expect(created.rows).toEqual([
      { username: 'jtj.op', code: 'jtj' },
      { username: 'swj.op', code: 'swj' },
    ]);
    // Talks, negative-list entries and published months came only from the supervision office.
    const outsiders = await stack.db.query(
      `SELECT u.username FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id
        WHERE o.kind <> 'office' AND (EXISTS (SELECT 1 FROM interview_record r WHERE r.created_by = u.id)
          OR EXISTS (SELECT 1 FROM negative_list_entry e WHERE e.listed_by = u.id OR e.lifted_by = u.id)
          OR EXISTS (SELECT 1 FROM negative_list_publication m WHERE m.published_by = u.id))`,
    );
    expect(outsiders.rows).toEqual([]);
  });

  it('lets no query account change anything', async () => {
    const viewers = await stack.db.query(
      `SELECT DISTINCT u.id FROM app_user u JOIN user_role r ON r.user_id = u.id WHERE r.role = 'viewer'
        AND NOT EXISTS (SELECT 1 FROM user_role r2 WHERE r2.user_id = u.id AND r2.role <> 'viewer')`,
    );
    expect(viewers.rows.length).toBeGreaterThan(10);
    const ids = viewers.rows.map((r) => r.id);
    // Over the whole run (matrix included), no domain write names a query account.
    const writes = await stack.db.query(
      `SELECT count(*)::int AS n FROM project_history WHERE actor_id = ANY($1::uuid[])`,
      [ids],
    );
    expect(writes.rows[0].n).toBe(0);
    const projects = await stack.db.query(
      `SELECT count(*)::int AS n FROM project WHERE created_by = ANY($1::uuid[])`,
      [ids],
    );
    expect(projects.rows[0].n).toBe(0);
    const audited = await stack.db.query(
      `SELECT DISTINCT action FROM audit_log WHERE actor_id = ANY($1::uuid[]) ORDER BY action`,
      [ids],
    );
    // Their own sessions, their own 2FA enrolment attempt, the record of what they have read
    // (notices, messages) and their own notification settings are the only writes they make.
    const own = (a: string) =>
      a.startsWith('auth.') || a === 'notice.read' || a === 'message.read' || a === 'notification.settings';
    expect(audited.rows.map((r) => r.action).filter((a: string) => !own(a))).toEqual([]);
  });
});
