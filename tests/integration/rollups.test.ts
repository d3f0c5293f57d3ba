/**
 * The rollups (docs/statistics.md, "Rollups") stay equal to the detail whatever the writes:
 * - a burst of concurrent writes through the api — projects registered, steps, ledger entries,
 *   payments, fund-document links, deadline alerts firing, a 调项 that moves a project to other
 *   villages and fund sources, a 终止 — then units changed (an owner replaced, a village moved to
 *   another township) and a year and type corrected: the rollup tables equal the same figures recomputed from the raw tables, and
 *   the dashboard and the statistics of the county and of every department, township and village
 *   account equal the figures computed from the detail over that account's scope;
 * - many transactions at once moving projects between the same groups in opposite directions,
 *   paying and raising alerts, some rolled back: none deadlocks or fails, and the rollups are exact.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStatisticsService } from '#api/modules/statistics/service.js';
import { cstMonth } from '#domain/deadlines.js';
import { statisticsQuerySchema } from '#domain/statistics-schemas.js';
import { callerFor } from '#scripts/lib/project-file.js';
import { aProject } from '../support/builders.js';
import { alertsSettled, dbFigures } from '../support/dashboard-figures.js';
import { listReaderDifferences } from '../support/list-reader-check.js';
import { rollupDifferences } from '../support/rollup-check.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { statisticsFromDetail } from '../support/statistics-detail.js';
import { stepBody } from '../support/walk.js';

let stack: TestStack;
beforeAll(async () => {
  // Ladders on: the builders' planned dates lie in the past, so alerts fire as projects arm them.
  stack = await startTestStack({ deadlines: { enabled: true }, login: { ipLimitPerMinute: 1000 } });
}, 240_000);
afterAll(async () => {
  await stack?.stop();
});

/** The api's dashboard answer in dbFigures' shape (tests/integration/dashboard-stats.test.ts). */
function asFigures(body: any) {
  const nonZero = (rows: { count: number }[], key: (r: any) => string) =>
    Object.fromEntries(rows.filter((r) => r.count > 0).map((r) => [key(r), r.count]));
  return {
    total: body.projects.total,
    byStage: nonZero(body.projects.byStage, (r) => r.stage),
    budgetFen: Number(body.money.budgetFen),
    disbursedFen: Number(body.money.disbursedFen),
    basisPoints: body.money.disbursedBasisPoints,
    bySource: Object.fromEntries(
      body.money.bySource.map((s: any) => [
        s.kind,
        { budgetFen: Number(s.budgetFen), disbursedFen: Number(s.disbursedFen) },
      ]),
    ),
    overdueTotal: body.overdue.total,
    overdueByKind: nonZero(body.overdue.byKind, (r) => r.kind),
    overdueByUnit: nonZero(body.overdue.byUnit, (r) => r.unit.code),
    progressMissing: body.progressMissing.total,
  };
}

const ok = (what: string, res: { status: number; body: unknown }, want = [200, 201]) => {
  if (!want.includes(res.status)) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as any;
};

/** Every account to compare: the county's and one viewer of each unit with a scope. */
async function accounts(): Promise<string[]> {
  const { rows } = await stack.db.query<{ username: string }>(
    `SELECT u.username FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id
      WHERE u.username LIKE '%.view' AND o.kind IN ('department', 'township', 'village') ORDER BY 1`,
  );
  return ['leader', ...rows.map((r) => r.username)];
}

/** The api's statistics for `query` against the same answer shaped from the detail's figures. */
async function compareStatistics(s: Session, username: string, query: Record<string, string>): Promise<void> {
  const res = await s.get(`/api/statistics?${new URLSearchParams(query)}`);
  expect(res.status).toBe(200);
  const who = await callerFor(stack.orm, username);
  const q = statisticsQuerySchema.parse(query);
  const fromDetail = createStatisticsService({
    repo: { figures: (p, qq) => statisticsFromDetail(stack.orm, p, qq) },
  });
  // Cells come in the database's order: compare them as a set.
  const sorted = (b: any) => ({
    ...b,
    cells: [...b.cells].sort((x: any, y: any) =>
      `${x.row}/${x.column}`.localeCompare(`${y.row}/${y.column}`),
    ),
  });
  expect(sorted(res.body), `${username} ${JSON.stringify(query)}`).toEqual(
    sorted(JSON.parse(JSON.stringify(await fromDetail.crossTab(who, q, res.body.scope.unit)))),
  );
}

describe('rollups after a burst of writes through the api', () => {
  it('equal the detail, and so do the dashboard and the statistics of every account', async () => {
    const month = cstMonth(Date.now());
    const swj = await Session.login(stack.baseUrl, 'swj.op');
    const jtj = await Session.login(stack.baseUrl, 'jtj.op');
    const xqz = await Session.login(stack.baseUrl, 'xqz.op');
    const mbz = await Session.login(stack.baseUrl, 'mbz.op');
    const docs = new Map<Session, string>();
    for (const [dept, no] of [
      [swj, `城财扶〔2026〕${Date.now() % 100000}号`],
      [jtj, `城财交〔2026〕${Date.now() % 100000}号`],
    ] as const) {
      ok(
        'fund document',
        await dept.post('/api/fund-documents', {
          documentNo: no,
          title: '关于下达2026年财政专项扶贫资金的通知',
          issuer: '城口县财政局',
          issuedOn: '2026-02-10',
          amountFen: 900_000_000,
        }),
      );
      docs.set(dept, no);
    }

    /** One project's life, its steps one after the other; the projects all at once. */
    const life = async (i: number) => {
      const dept = i % 3 === 2 ? jtj : swj;
      const owner = dept === jtj ? mbz : xqz;
      const created = ok(
        `create ${i}`,
        await dept.post(
          '/api/projects',
          aProject({
            departmentCode: dept === jtj ? 'jtj' : 'swj',
            ownerUnitCode: dept === jtj ? 'mbz' : 'xqz',
            // One project lies in villages of two townships.
            villageCodes: dept === jtj ? (i === 5 ? ['mbz-lpc', 'xqz-ppc'] : ['mbz-ljc']) : ['xqz-btc'],
            type: dept === jtj ? '交通' : '饮水安全',
          }),
        ),
      );
      const id = created.id as string;
      const step = async (action: Parameters<typeof stepBody>[0], extra: Record<string, unknown> = {}) => {
        const by = ['approveDesign', 'inspect', 'reimburse', 'adjust', 'cancel'].includes(action)
          ? dept
          : owner;
        ok(
          `${action} ${i}`,
          await by.post(`/api/projects/${id}/transitions`, { ...stepBody(action), ...extra }),
        );
      };
      const pay = async (n: number, amountFen: number) =>
        ok(
          `pay ${i}/${n}`,
          await dept.post(`/api/projects/${id}/ledgers/department/disbursements`, {
            sourcePosition: n % 2,
            paidOn: '2026-05-10',
            amountFen,
            payee: '重庆某建设有限公司',
            voucherNo: `记-${created.code}-${n}`,
            approver: '审批人',
          }),
        );
      if (i === 7) return step('cancel'); // 终止 at once: it counts, it carries no money
      await step('approveDesign');
      ok(
        `link ${i}`,
        await dept.request('PUT', `/api/projects/${id}/ledgers/department/fund-sources/0`, {
          fundDocumentNo: docs.get(dept),
        }),
      );
      await Promise.all([pay(1, 1_000_000 + i), pay(2, 2_000_000 + i), step('fixImplementation')]);
      if (i % 4 === 3) return;
      await step('start');
      await Promise.all([
        i % 2 === 0
          ? step('reportProgress', { month })
          : ok(
              `progress ${i}`,
              await owner.post(`/api/projects/${id}/ledgers/implementing/progress`, {
                month: i % 3 === 0 ? month : '2026-06',
                percent: 40,
                narrative: '主体完成',
              }),
            ),
        pay(3, 500_000),
      ]);
      if (i === 4)
        // 调项: other villages (another township's too), other fund sources and budget.
        await step('adjust', {
          villageCodes: ['xqz-ppc', 'mbz-scc'],
          budgetFen: 40_000_000,
          fundSources: [
            { kind: 'centralSpecial', amountFen: 25_000_000 },
            { kind: 'social', amountFen: 15_000_000 },
          ],
        });
      if (i === 6) await step('reportProgress', { month: '2026-07' }).then(() => step('complete'));
    };
    await Promise.all(Array.from({ length: 12 }, (_, i) => life(i)));
    await alertsSettled(stack);

    const before = await rollupDifferences(stack.db);
    expect(before).toEqual([]);
    expect(await listReaderDifferences(stack.db)).toEqual([]);
    const county = await dbFigures(stack.db, 'leader');
    expect(county.total).toBe(12);
    expect(county.overdueTotal).toBeGreaterThan(0);
    expect(county.disbursedFen).toBeGreaterThan(0);
    expect(Object.keys(county.bySource).length).toBeGreaterThanOrEqual(2);

    // Units change beneath the projects: an owner replaced, a village moved to another township;
    // and a project's year and type corrected by hand.
    await stack.db.query(
      `UPDATE project SET owner_unit_id = (SELECT id FROM org_unit WHERE code = 'bsz')
        WHERE id = (SELECT id FROM project ORDER BY code LIMIT 1)`,
    );
    await stack.db.query(
      `UPDATE project SET year = 2025, type = '产业' WHERE id = (SELECT id FROM project ORDER BY code DESC LIMIT 1)`,
    );
    await stack.db.query(
      `UPDATE org_unit SET parent_id = (SELECT id FROM org_unit WHERE code = 'mtz') WHERE code = 'xqz-ppc'`,
    );
    expect(await rollupDifferences(stack.db)).toEqual([]);
    expect(await listReaderDifferences(stack.db)).toEqual([]);

    for (const username of await accounts()) {
      const s = await Session.login(stack.baseUrl, username);
      const res = await s.get('/api/stats/dashboard');
      expect(res.status).toBe(200);
      expect(asFigures(res.body), username).toEqual(await dbFigures(stack.db, username));
      for (const query of [
        { rows: 'township', columns: 'stage' } as Record<string, string>,
        { rows: 'fundSource', columns: 'village' },
        { rows: 'department', columns: 'type', fundSource: 'centralSpecial' },
        { rows: 'year', township: 'mtz' },
      ])
        await compareStatistics(s, username, query);
    }
    // The moved village took its project into 明通镇's scope and figures.
    const mtz = await dbFigures(stack.db, 'mtz.view');
    expect(mtz.total).toBeGreaterThan(0);
  }, 300_000);
});

describe('rollups under concurrent transactions', () => {
  it('take no deadlock and lose no increment when many writers move projects between the same groups', async () => {
    const pool = new pg.Pool({ connectionString: stack.databaseUrl, max: 12 });
    try {
      const units = Object.fromEntries(
        (await pool.query<{ code: string; id: string }>(`SELECT code, id FROM org_unit`)).rows.map((r) => [
          r.code,
          r.id,
        ]),
      );
      // 24 projects in two groups (approved / designApproved); worker w owns projects 2w and 2w+1.
      const ids: string[] = [];
      const setup = await pool.connect();
      try {
        await setup.query('BEGIN');
        for (let i = 0; i < 24; i++) {
          const { rows } = await setup.query<{ id: string }>(
            `INSERT INTO project (id, code, workflow_id, name, year, type, nature, department_id, owner_unit_id,
               approval_document_no, budget_fen, stage, planned_start, planned_completion, planned_acceptance,
               planned_reimbursement)
             VALUES (gen_random_uuid(), $1, $1, '并发', 2026, '并发', 'new', $2, $3, '测试', 1000000, $4,
               '2026-03-01', '2026-06-01', '2026-07-01', '2026-08-01') RETURNING id`,
            [`RC-${i}`, units.nyw, units.bsz, i % 2 ? 'designApproved' : 'approved'],
          );
          const id = rows[0]!.id;
          ids.push(id);
          await setup.query(
            `INSERT INTO project_fund_source (project_id, position, kind, amount_fen) VALUES ($1, 0, 'sector', 1000000)`,
            [id],
          );
          await setup.query(`INSERT INTO project_village (project_id, village_id) VALUES ($1, $2)`, [
            id,
            units['bsz-psc'],
          ]);
        }
        await setup.query('COMMIT');
      } finally {
        setup.release();
      }
      const next = (stage: string) => (stage === 'approved' ? 'designApproved' : 'approved');
      const failures: string[] = [];
      const worker = async (w: number) => {
        const mine = [ids[2 * w]!, ids[2 * w + 1]!];
        for (let n = 0; n < 12; n++) {
          const c = await pool.connect();
          try {
            await c.query('BEGIN');
            // Both projects change group, in an order that differs from worker to worker and
            // round to round: without a common lock order this is the textbook deadlock.
            for (const id of n % 2 === w % 2 ? mine : [...mine].reverse()) {
              const { rows } = await c.query<{ stage: string }>('SELECT stage FROM project WHERE id = $1', [
                id,
              ]);
              await c.query('UPDATE project SET stage = $2 WHERE id = $1', [id, next(rows[0]!.stage)]);
            }
            await c.query(
              `INSERT INTO disbursement (project_id, source_position, paid_on, amount_fen, payee, voucher_no, approver)
               VALUES ($1, 0, '2026-04-01', 100, '施工方', $2, '审批人')`,
              [mine[n % 2], `RC-${w}-${n}`],
            );
            if (n % 3 === 0)
              await c.query(
                `INSERT INTO alert (project_id, kind, arm, step, due_date, step_date, days_late, responsible_unit_id,
                   history_seq, raised_at) VALUES ($1, 'start', $2, 'overdue', '2026-03-01', '2026-03-02', 1, $3, 0, now())`,
                [mine[0], n + 1, units.bsz],
              );
            if (n % 5 === 4) {
              await c.query(`UPDATE alert SET status = 'resolved', closed_at = now() WHERE project_id = $1`, [
                mine[0],
              ]);
              await c.query(
                `INSERT INTO monthly_progress (project_id, month, percent, narrative) VALUES ($1, $2, 10, '进度')
                 ON CONFLICT DO NOTHING`,
                [mine[1], `2026-0${1 + (n % 9)}`],
              );
            }
            await c.query(n % 7 === 6 ? 'ROLLBACK' : 'COMMIT');
          } catch (err) {
            failures.push(`worker ${w} round ${n}: ${(err as Error).message}`);
            await c.query('ROLLBACK').catch(() => undefined);
          } finally {
            c.release();
          }
        }
      };
      await Promise.all(Array.from({ length: 12 }, (_, w) => worker(w)));
      expect(failures).toEqual([]);
      expect(await rollupDifferences(stack.db)).toEqual([]);
      const { rows } = await pool.query(
        `SELECT count(*)::int AS n FROM disbursement WHERE project_id = ANY($1)`,
        [ids],
      );
      expect(rows[0].n).toBe(12 * 12 - 12); // round 6 of each worker rolled back

      // The check sees a rollup written around the triggers, and the rebuild puts it right.
      const around = await pool.connect();
      try {
        await around.query(`SET session_replication_role = replica`);
        await around.query(`UPDATE project SET stage = 'methodFixed' WHERE id = $1`, [ids[0]]);
        await around.query(`RESET session_replication_role`);
      } finally {
        around.release();
      }
      expect((await rollupDifferences(stack.db)).length).toBeGreaterThan(0);
      await pool.query(`SELECT project_rollup_rebuild()`);
      expect(await rollupDifferences(stack.db)).toEqual([]);
    } finally {
      await pool.end();
    }
  }, 180_000);
});

describe('a project’s figures, one at a time or in a batch', () => {
  it('are the same from the kept plan (a step’s few projects) and from a batch’s own plan', async () => {
    const { rows: ids } = await stack.db.query<{ id: string }>(`SELECT id FROM project ORDER BY id`);
    expect(ids.length).toBeGreaterThan(3);
    const one = [];
    for (const { id } of ids) {
      const { rows } = await stack.db.query(`SELECT * FROM project_rollup_entries(ARRAY[$1::uuid])`, [id]);
      one.push(...rows);
    }
    // Past the batch size whatever this file left: each project named more than once (it counts once).
    const batch = Array.from({ length: Math.ceil(100 / ids.length) + 1 }, () => ids.map((r) => r.id)).flat();
    expect(batch.length).toBeGreaterThan(64);
    const { rows: many } = await stack.db.query(
      `SELECT * FROM project_rollup_entries($1::uuid[]) ORDER BY project_id`,
      [batch],
    );
    expect(many).toEqual(one);
    expect(one.length).toBe(ids.length);
  });

  it('are applied alike for a step’s few projects (kept plans) and for a batch (planned for its size)', async () => {
    const { rows } = await stack.db.query<{ id: string }>(`SELECT id FROM project ORDER BY id`);
    const moved = rows.slice(0, 2).map((r) => r.id);
    const flip = `UPDATE project SET stage = CASE stage WHEN 'approved' THEN 'designApproved' ELSE 'approved' END
                   WHERE id = ANY($1::uuid[])`;
    const c = await stack.db.connect();
    try {
      const batch = Array.from({ length: 70 }, (_, i) => rows[i % rows.length]!.id);
      for (const ids of [moved, batch]) {
        // Two projects moved to other groups around the triggers: the rollups no longer match...
        await c.query(`SET session_replication_role = replica`);
        await c.query(flip, [moved]);
        await c.query(`RESET session_replication_role`);
        expect((await rollupDifferences(stack.db)).length).toBeGreaterThan(0);
        // ...until their figures are applied, as a step's commit applies them or as a batch.
        await c.query(`SELECT project_rollup_apply($1::uuid[])`, [ids]);
        expect(await rollupDifferences(stack.db)).toEqual([]);
      }
      await c.query(flip, [moved]);
      expect(await rollupDifferences(stack.db)).toEqual([]);
    } finally {
      c.release();
    }
  });
});
