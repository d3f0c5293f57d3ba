/**
 * What the database itself guarantees (a bug or a hand-written statement cannot break it), and
 * that the project activities are idempotent: a retried activity writes nothing twice; a worker
 * killed mid-way loses nothing.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProjectActivities } from '#activities/project.activities.js';
import type { NewProjectRecord, TransitionRecord } from '#domain/project-records.js';
import { aProject } from '../support/builders.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let orgs: Record<string, string>;

beforeAll(async () => {
  stack = await startTestStack();
  const { rows } = await stack.db.query('SELECT code, id FROM org_unit');
  orgs = Object.fromEntries(rows.map((r) => [r.code, r.id]));
});
afterAll(async () => {
  await stack?.stop();
});

function record(overrides: Partial<NewProjectRecord> = {}): NewProjectRecord {
  const id = randomUUID();
  const code = `P-${id.slice(0, 8)}`;
  return {
    id,
    code,
    workflowId: `project-${code}`,
    name: '幂等测试项目',
    year: 2026,
    type: '水利',
    nature: 'new',
    departmentId: orgs.swj!,
    departmentCode: 'swj',
    ownerUnitId: orgs.xqz!,
    ownerUnitCode: 'xqz',
    villageIds: [orgs['xqz-btc']!],
    villageCodes: ['xqz-btc'],
    location: null,
    approvalDocumentNo: '测试〔2026〕1号',
    budgetFen: 10_000,
    fundSources: [
      { kind: 'centralSpecial', amountFen: 3_333, documentNo: null },
      { kind: 'countySpecial', amountFen: 6_667, documentNo: null },
    ],
    plannedDates: {
      start: '2026-04-01',
      completion: '2026-08-31',
      acceptance: '2026-09-30',
      reimbursement: '2026-11-30',
    },
    ...overrides,
  };
}

const actor = { id: null, username: 'system', name: '系统' };

describe('project activities are idempotent', () => {
  it('writes a project once however often creation is retried', async () => {
    const acts = createProjectActivities({ orm: stack.orm, audit: stack.audit });
    const r = record();
    const at = new Date().toISOString();
    await acts.recordProjectCreated({ project: r, actor, at });
    await acts.recordProjectCreated({ project: r, actor, at });
    await Promise.all([
      acts.recordProjectCreated({ project: r, actor, at }),
      acts.recordProjectCreated({ project: r, actor, at }),
    ]);
    const counts = await stack.db.query(
      `SELECT (SELECT count(*) FROM project WHERE id = $1)::int AS p,
              (SELECT count(*) FROM project_fund_source WHERE project_id = $1)::int AS s,
              (SELECT count(*) FROM project_village WHERE project_id = $1)::int AS v,
              (SELECT count(*) FROM project_history WHERE project_id = $1)::int AS h`,
      [r.id],
    );
    expect(counts.rows[0]).toEqual({ p: 1, s: 2, v: 1, h: 1 });
  });

  it('writes a step once, and an older step never overwrites a newer one', async () => {
    const acts = createProjectActivities({ orm: stack.orm, audit: stack.audit });
    const r = record();
    await acts.recordProjectCreated({ project: r, actor, at: new Date().toISOString() });
    const step = (
      seq: number,
      action: TransitionRecord['action'],
      toStage: TransitionRecord['toStage'],
    ): TransitionRecord => ({
      projectId: r.id,
      seq,
      action,
      fromStage: null,
      toStage,
      actor,
      at: new Date().toISOString(),
      payload: { n: seq },
      effects: {},
    });
    await acts.recordTransition(step(1, 'approveDesign', 'designApproved'));
    await acts.recordTransition(step(1, 'approveDesign', 'designApproved'));
    await acts.recordTransition(step(2, 'fixImplementation', 'methodFixed'));
    await acts.recordTransition(step(1, 'approveDesign', 'designApproved')); // a late retry of step 1
    const { rows } = await stack.db.query('SELECT stage, stage_seq FROM project WHERE id = $1', [r.id]);
    expect(rows[0]).toEqual({ stage: 'methodFixed', stage_seq: 2 });
    const h = await stack.db.query('SELECT seq FROM project_history WHERE project_id = $1 ORDER BY seq', [
      r.id,
    ]);
    expect(h.rows.map((x) => x.seq)).toEqual([0, 1, 2]);
  });

  it('loses nothing and duplicates nothing when the worker is stopped and restarted between steps', async () => {
    const dept = await Session.login(stack.baseUrl, 'swj.op');
    const created = await dept.post('/api/projects', aProject());
    expect(created.status).toBe(201);
    await stack.stopWorker();
    // While no worker runs, an Update cannot be validated: the call waits. Start the worker
    // again shortly after and the same call completes once.
    const pending = dept.post(`/api/projects/${created.body.id}/transitions`, {
      action: 'approveDesign',
      documentNo: '城水审〔2026〕9号',
      approvedOn: '2026-03-10',
    });
    await new Promise((r) => setTimeout(r, 1500));
    await stack.startWorker();
    const res = await pending;
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.stage).toBe('designApproved');
    const h = await stack.db.query(
      'SELECT seq, action FROM project_history WHERE project_id = $1 ORDER BY seq',
      [created.body.id],
    );
    expect(h.rows).toEqual([
      { seq: 0, action: 'create' },
      { seq: 1, action: 'approveDesign' },
    ]);
  });
});

describe('the database refuses what the domain refuses', () => {
  async function insertProject(
    client: { query: (q: string, p?: unknown[]) => Promise<unknown> },
    id: string,
    budget: string,
  ) {
    await client.query(
      `INSERT INTO project (id, code, workflow_id, name, year, type, nature, department_id, owner_unit_id, approval_document_no,
         budget_fen, stage, planned_start, planned_completion, planned_acceptance, planned_reimbursement)
       VALUES ($1, $2, $3, 'x', 2026, 't', 'new', $4, $5, 'd', $6, 'approved', '2026-01-01', '2026-02-01', '2026-03-01', '2026-04-01')`,
      [id, `SQL-${id.slice(0, 8)}`, `project-SQL-${id.slice(0, 8)}`, orgs.swj, orgs.xqz, budget],
    );
  }

  it('rejects fund sources that do not sum to the budget, at commit', async () => {
    const client = await stack.db.connect();
    try {
      const id = randomUUID();
      await client.query('BEGIN');
      await insertProject(client, id, '10000');
      await client.query(
        `INSERT INTO project_fund_source (project_id, position, kind, amount_fen) VALUES ($1, 0, 'social', 9999)`,
        [id],
      );
      await expect(client.query('COMMIT')).rejects.toThrow(/sum to 9999 fen, budget is 10000/);
      const { rowCount } = await client.query('SELECT 1 FROM project WHERE id = $1', [id]);
      expect(rowCount).toBe(0);
    } finally {
      client.release();
    }
  });

  it('accepts a balanced project written in one transaction, to the fen', async () => {
    const client = await stack.db.connect();
    try {
      const id = randomUUID();
      await client.query('BEGIN');
      await insertProject(client, id, '30');
      await client.query(
        `INSERT INTO project_fund_source (project_id, position, kind, amount_fen) VALUES ($1, 0, 'social', 10), ($1, 1, 'sector', 20)`,
        [id],
      );
      await client.query('COMMIT');
      const { rows } = await client.query(
        'SELECT budget_fen, (SELECT sum(amount_fen) FROM project_fund_source WHERE project_id = $1) AS total FROM project WHERE id = $1',
        [id],
      );
      expect(rows[0]).toEqual({ budget_fen: '30', total: '30' });
    } finally {
      client.release();
    }
  });

  it('rejects negative or fractional money, unknown stages, and dates out of order', async () => {
    const bad = async (sql: string, params: unknown[]) =>
      expect(stack.db.query(sql, params)).rejects.toThrow();
    const id = randomUUID();
    await bad(
      `INSERT INTO project_fund_source (project_id, position, kind, amount_fen) VALUES ($1, 0, 'social', -5)`,
      [id],
    );
    // A fractional amount cannot even be expressed in a bigint column.
    await bad(
      `INSERT INTO project_fund_source (project_id, position, kind, amount_fen) VALUES ($1, 0, 'social', $2)`,
      [id, '10.5'],
    );
    await bad(
      `INSERT INTO project (id, code, workflow_id, name, year, type, nature, department_id, owner_unit_id, approval_document_no,
         budget_fen, stage, planned_start, planned_completion, planned_acceptance, planned_reimbursement)
       VALUES ($1, 'S1', 'w1', 'x', 2026, 't', 'new', $2, $3, 'd', 100, 'flying', '2026-01-01', '2026-02-01', '2026-03-01', '2026-04-01')`,
      [randomUUID(), orgs.swj, orgs.xqz],
    );
    await bad(
      `INSERT INTO project (id, code, workflow_id, name, year, type, nature, department_id, owner_unit_id, approval_document_no,
         budget_fen, stage, planned_start, planned_completion, planned_acceptance, planned_reimbursement)
       VALUES ($1, 'S2', 'w2', 'x', 2026, 't', 'new', $2, $3, 'd', 100, 'approved', '2026-05-01', '2026-02-01', '2026-03-01', '2026-04-01')`,
      [randomUUID(), orgs.swj, orgs.xqz],
    );
  });

  it('keeps history append-only: UPDATE, DELETE and TRUNCATE raise', async () => {
    const acts = createProjectActivities({ orm: stack.orm, audit: stack.audit });
    const r = record();
    await acts.recordProjectCreated({ project: r, actor, at: new Date().toISOString() });
    await expect(
      stack.db.query(`UPDATE project_history SET actor_name = 'x' WHERE project_id = $1`, [r.id]),
    ).rejects.toThrow(/append-only/);
    await expect(stack.db.query(`DELETE FROM project_history WHERE project_id = $1`, [r.id])).rejects.toThrow(
      /append-only/,
    );
    await expect(stack.db.query(`TRUNCATE project_history CASCADE`)).rejects.toThrow(/append-only/);
    const { rows } = await stack.db.query('SELECT actor_name FROM project_history WHERE project_id = $1', [
      r.id,
    ]);
    expect(rows).toEqual([{ actor_name: '系统' }]);
  });
});
