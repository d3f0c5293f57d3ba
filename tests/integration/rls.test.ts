/**
 * With the application-layer scope checks switched off, PostgreSQL's row-level security (and its
 * step-permission function) alone still denies every out-of-scope read and write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inScope, scopeOf, SYSTEM_SCOPE } from '../../db/scope.js';
import {
  SLICES,
  accountSlice,
  loadAccounts,
  runAuthzMatrix,
  startMatrixStack,
  type Account,
  type MatrixContext,
} from '../support/authz-matrix.js';
import type { TestStack } from '../support/stack.js';

let stack: TestStack;
let ctx: MatrixContext;
let accounts: Account[];
const run = { checks: 0, slices: 0 };

beforeAll(async () => {
  ctx = await startMatrixStack({ appLayer: false });
  stack = ctx.stack;
  accounts = await loadAccounts(stack, ctx.adminSecret);
});
afterAll(async () => {
  await stack?.stop();
});

describe('row-level security alone', () => {
  it.each(Array.from({ length: SLICES }, (_, i) => i))(
    'gives the same answers as both layers together for every scoped route (accounts, slice %i)',
    async (slice) => {
      const { mismatches, checks } = await runAuthzMatrix(
        ctx,
        accountSlice(accounts, slice),
        [
          'project.read',
          'project.create',
          'project.step',
          'project.ledger',
          'fundDocument.read',
          'fundDocument.write',
          'scope.read',
        ],
        true,
        slice === 0,
      );
      expect(mismatches).toEqual([]);
      run.checks += checks;
      run.slices++;
    },
  );

  it('made the checks of every slice', () => {
    expect(run.slices).toBe(SLICES);
    expect(run.checks).toBeGreaterThan(300);
  });

  it('shows a village only its own projects and lets no user scope write project rows, even by direct SQL', async () => {
    const { rows } = await stack.db.query(`SELECT o.id, o.kind FROM org_unit o WHERE o.code = 'mbz-ljc'`);
    const village = { orgUnitId: rows[0].id, orgKind: rows[0].kind, roles: ['operator' as const] };
    const visible = await inScope(stack.orm, scopeOf(village), (em) =>
      em.execute<{ id: string }[]>('SELECT id FROM project', [], 'all'),
    );
    expect(visible.map((r) => r.id)).toContain(ctx.projects.B.id);
    expect(visible.map((r) => r.id)).not.toContain(ctx.projects.A.id);
    const history = await inScope(stack.orm, scopeOf(village), (em) =>
      em.execute<{ n: string }[]>(
        'SELECT count(*) AS n FROM project_history WHERE project_id = ?',
        [ctx.projects.A.id],
        'all',
      ),
    );
    expect(Number(history[0]!.n)).toBe(0);

    // Writes from a user scope: updates touch nothing, inserts are refused.
    const updated = await inScope(stack.orm, scopeOf(village), (em) =>
      em.execute(`UPDATE project SET stage = 'closed' WHERE id = ?`, [ctx.projects.B.id], 'run'),
    );
    expect((updated as unknown as { affectedRows: number }).affectedRows).toBe(0);
    await expect(
      inScope(stack.orm, scopeOf(village), (em) =>
        em.execute(
          `INSERT INTO project_history (project_id, seq, action, to_stage, actor_name, at) VALUES (?, 99, 'close', 'closed', 'x', now())`,
          [ctx.projects.B.id],
          'run',
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    // No scope at all sees nothing.
    const none = await stack.orm.em
      .fork()
      .execute<{ n: string }[]>('SELECT count(*) AS n FROM project', [], 'all');
    expect(Number(none[0]!.n)).toBe(0);
    // The system scope (activities) sees and may write everything.
    const all = await inScope(stack.orm, SYSTEM_SCOPE, (em) =>
      em.execute<{ n: string }[]>('SELECT count(*) AS n FROM project', [], 'all'),
    );
    expect(Number(all[0]!.n)).toBeGreaterThanOrEqual(2);
    const stage = await stack.db.query('SELECT stage FROM project WHERE id = $1', [ctx.projects.B.id]);
    expect(stage.rows[0].stage).toBe('underway');
  });
});
