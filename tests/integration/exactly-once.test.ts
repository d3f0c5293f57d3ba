/**
 * Every accepted step is recorded exactly once, whatever fails: a step is recognised by the
 * request it carries out (never by a seq a replayed workflow may hand out again), a retried
 * request with the same Idempotency-Key is done once, a write PostgreSQL refuses fails the step at
 * once and leaves the project able to take its next one, and no request waits on Temporal
 * without a bound.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getProjectStateQuery, transitionUpdates } from '#workflows/project.messages.js';
import { aProject } from '../support/builders.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { eventually } from '../support/eventually.js';
import { loginActors, walkTo, type Actors } from '../support/walk.js';

let stack: TestStack;
let actors: Actors;

beforeAll(async () => {
  stack = await startTestStack({ stepTimeoutMs: 3_000 });
  actors = await loginActors(stack);
});
afterAll(async () => {
  await stack?.stop();
});

async function newProject(): Promise<{ id: string; code: string }> {
  const res = await actors.dept.post('/api/projects', aProject());
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

const progress = (narrative: string, month = '2026-05') => ({
  action: 'reportProgress',
  month,
  percent: 40,
  narrative,
});

async function historyOf(id: string) {
  const { rows } = await stack.db.query<{
    seq: number;
    action: string;
    request_id: string | null;
    payload: any;
  }>('SELECT seq, action, request_id, payload FROM project_history WHERE project_id = $1 ORDER BY seq', [id]);
  return rows;
}

/** PostgreSQL and the workflow agree on where the project is. */
async function expectAgreement(p: { id: string; code: string }) {
  const state = await stack.client.workflow.getHandle(`project-${p.code}`).query(getProjectStateQuery);
  const { rows } = await stack.db.query('SELECT stage, stage_seq FROM project WHERE id = $1', [p.id]);
  const history = await historyOf(p.id);
  expect(rows[0]).toEqual({ stage: state.stage, stage_seq: state.seq });
  expect(Math.max(...history.map((h) => h.seq))).toBe(state.seq);
}

const stepUrl = (id: string) => `/api/projects/${id}/transitions`;

describe('a step is its request', () => {
  it('writes a step whose seq a row of another request already holds after it, never skipping it', async () => {
    const p = await newProject();
    await walkTo(actors, p.id, 'underway');
    const before = await historyOf(p.id);
    const next = before.at(-1)!.seq + 1;
    // A row at the next seq that the workflow never recorded: what a write whose workflow task was
    // lost with a crashed server leaves behind.
    await stack.db.query(
      `INSERT INTO project_history (project_id, seq, action, from_stage, to_stage, actor_name, at, payload, request_id)
       VALUES ($1, $2, 'reportProgress', 'underway', 'underway', '幽灵', now(), '{"narrative":"lost run"}', 'lost-run')`,
      [p.id, next],
    );
    const res = await actors.owner.post(stepUrl(p.id), progress('真实的一步'), {
      'Idempotency-Key': 'real-step-1',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const after = await historyOf(p.id);
    const mine = after.filter((h) => h.payload?.narrative === '真实的一步');
    expect(mine).toHaveLength(1);
    expect(mine[0]!.seq).toBeGreaterThan(next);
    expect(mine[0]!.request_id).toMatch(/\/real-step-1$/);
    await expectAgreement(p);
  });
});

describe('Idempotency-Key', () => {
  it('does a retried step once and answers it again, sequentially and concurrently', async () => {
    const p = await newProject();
    await walkTo(actors, p.id, 'underway');
    const body = progress('只记一次');
    const first = await actors.owner.post(stepUrl(p.id), body, { 'Idempotency-Key': 'once-a' });
    expect(first.status).toBe(200);
    const again = await actors.owner.post(stepUrl(p.id), body, { 'Idempotency-Key': 'once-a' });
    expect(again.status).toBe(200);
    expect(again.body.stage).toBe(first.body.stage);
    const twins = await Promise.all(
      [1, 2, 3].map(() =>
        actors.owner.post(stepUrl(p.id), progress('并发只记一次'), { 'Idempotency-Key': 'once-b' }),
      ),
    );
    expect(twins.map((t) => t.status)).toEqual([200, 200, 200]);
    const history = await historyOf(p.id);
    expect(history.filter((h) => h.payload?.narrative === '只记一次')).toHaveLength(1);
    expect(history.filter((h) => h.payload?.narrative === '并发只记一次')).toHaveLength(1);
    await expectAgreement(p);
  });

  it('refuses a key reused for another request, naming the header', async () => {
    const p = await newProject();
    await walkTo(actors, p.id, 'underway');
    expect(
      (await actors.owner.post(stepUrl(p.id), progress('甲'), { 'Idempotency-Key': 'reuse-1' })).status,
    ).toBe(200);
    const other = await actors.owner.post(stepUrl(p.id), progress('乙'), { 'Idempotency-Key': 'reuse-1' });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(JSON.stringify(other.body.error.details)).toContain('headers.idempotency-key');
    expect((await historyOf(p.id)).filter((h) => h.payload?.narrative === '乙')).toHaveLength(0);
    const bad = await actors.owner.post(stepUrl(p.id), progress('丙'), { 'Idempotency-Key': 'has space' });
    expect(bad.status).toBe(422);
  });

  it('does a retried ledger write once and answers with the same entry', async () => {
    const p = await newProject();
    const url = `/api/projects/${p.id}/ledgers/department/disbursements`;
    const body = {
      sourcePosition: 0,
      paidOn: '2026-05-10',
      amountFen: 1_000,
      payee: '修齐镇人民政府',
      voucherNo: `记-${p.code}-1`,
      approver: '县水务局 赵六',
    };
    const first = await actors.dept.post(url, body, { 'Idempotency-Key': 'pay-1' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const retries = await Promise.all(
      [1, 2].map(() => actors.dept.post(url, body, { 'Idempotency-Key': 'pay-1' })),
    );
    expect(retries.map((r) => r.status)).toEqual([201, 201]);
    expect(retries.map((r) => r.body.written.id)).toEqual([first.body.written.id, first.body.written.id]);
    const { rows } = await stack.db.query(
      'SELECT count(*)::int AS n FROM disbursement WHERE project_id = $1',
      [p.id],
    );
    expect(rows[0].n).toBe(1);
    const { rows: events } = await stack.db.query(
      `SELECT count(*)::int AS n FROM ledger_event WHERE project_id = $1 AND kind = 'disbursement'`,
      [p.id],
    );
    expect(events[0].n).toBe(1);
    // Without a key, the same body is a second payment attempt (refused here by its voucher number).
    expect((await actors.dept.post(url, body)).status).toBe(409);
  });
});

describe('no step freezes a project', () => {
  it('fails a step whose data PostgreSQL refuses within 5 s, and takes the next valid step', async () => {
    const p = await newProject();
    await walkTo(actors, p.id, 'underway');
    const handle = stack.client.workflow.getHandle(`project-${p.code}`);
    // Straight to the workflow, past the api's validation: what the database alone must survive.
    for (const narrative of ['a\u0000b', 'x\ud800y']) {
      const t0 = Date.now();
      const err = await handle
        .executeUpdate(transitionUpdates.reportProgress, {
          args: [
            { actor: { id: null, username: 'system', name: '系统' }, input: progress(narrative) as never },
          ],
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(Date.now() - t0).toBeLessThan(5_000);
    }
    const ok = await actors.owner.post(stepUrl(p.id), progress('毒数据之后的下一步'));
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    await expectAgreement(p);
  });

  it('answers an injected non-retryable failure with 422 within 5 s and releases the project', async () => {
    const p = await newProject();
    await walkTo(actors, p.id, 'underway');
    const fn = `reject_${randomUUID().replaceAll('-', '')}`;
    await stack.db.query(`
      CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.project_id = '${p.id}' AND NEW.payload->>'narrative' = 'POISON' THEN
          RAISE EXCEPTION 'injected' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER ${fn} BEFORE INSERT ON project_history FOR EACH ROW EXECUTE FUNCTION ${fn}();`);
    try {
      const t0 = Date.now();
      const res = await actors.owner.post(stepUrl(p.id), progress('POISON'));
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('STEP_REJECTED');
      const ok = await actors.owner.post(stepUrl(p.id), progress('之后的正常进度'));
      expect(ok.status).toBe(200);
      await expectAgreement(p);
    } finally {
      await stack.db.query(`DROP TRIGGER ${fn} ON project_history; DROP FUNCTION ${fn}();`);
    }
  });

  it('changes fund sources in place after a disbursement, and refuses one below what was paid', async () => {
    const p = await newProject();
    await walkTo(actors, p.id, 'underway');
    const paid = await actors.dept.post(`/api/projects/${p.id}/ledgers/department/disbursements`, {
      sourcePosition: 0,
      paidOn: '2026-05-10',
      amountFen: 5_000_000,
      payee: '修齐镇人民政府',
      voucherNo: `记-${p.code}-9`,
      approver: '县水务局 赵六',
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    const adjust = (first: number, second: number) =>
      actors.dept.post(stepUrl(p.id), {
        action: 'adjust',
        documentNo: '城水调〔2026〕9号',
        reason: '追加投资',
        budgetFen: first + second,
        fundSources: [
          { kind: 'centralSpecial', amountFen: first },
          { kind: 'countySpecial', amountFen: second },
        ],
      });
    const below = await adjust(4_000_000, 9_999_990);
    expect(below.status).toBe(409);
    expect(below.body.error.message).toContain('40,000.00');
    expect(below.body.error.message).toContain('50,000.00');
    const raised = await adjust(25_000_000, 9_999_990);
    expect(raised.status, JSON.stringify(raised.body)).toBe(200);
    expect(raised.body.budgetFen).toBe(34_999_990);
    expect((await actors.owner.post(stepUrl(p.id), progress('调项之后'))).status).toBe(200);
    await expectAgreement(p);
  });
});

describe('a bounded wait', () => {
  it('answers 504 when no worker answers in time; the step is then done once, and the retry says so', async () => {
    const p = await newProject();
    await walkTo(actors, p.id, 'underway');
    await stack.stopWorker();
    let res;
    try {
      const t0 = Date.now();
      res = await actors.owner.post(stepUrl(p.id), progress('等待中'), { 'Idempotency-Key': 'slow-1' });
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(res.status).toBe(504);
      expect(res.body.error.code).toBe('TIMEOUT');
    } finally {
      await stack.startWorker();
    }
    await eventually(async () => (await historyOf(p.id)).some((h) => h.payload?.narrative === '等待中'));
    const retry = await actors.owner.post(stepUrl(p.id), progress('等待中'), { 'Idempotency-Key': 'slow-1' });
    expect(retry.status).toBe(200);
    expect((await historyOf(p.id)).filter((h) => h.payload?.narrative === '等待中')).toHaveLength(1);
    await expectAgreement(p);
  });
});
