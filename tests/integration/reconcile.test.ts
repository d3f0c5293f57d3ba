/**
 * `npm run reconcile`: PostgreSQL against the workflow histories. On projects that took their
 * steps normally (one of them over several runs, continued as new) it finds nothing; then rows
 * are tampered with directly in the database, the way a lost or duplicated step looks, and it
 * names each one — in the library and in the command operators run (exit code and table).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SYSTEM_ACTOR, type NewProjectRecord } from '#domain/project-records.js';
import { reconcile } from '#scripts/lib/reconcile/index.js';
import { readWorkflow } from '#scripts/lib/reconcile/workflow-side.js';
import { registeredUpdate } from '#workflows/project.messages.js';
import { projectWorkflow } from '#workflows/project.workflow.js';
import { reconcileCli } from '../faults/support/reconcile-cli.js';
import { aProject } from '../support/builders.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { loginActors, take, walkTo, type Actors } from '../support/walk.js';

let stack: TestStack;
let actors: Actors;

beforeAll(async () => {
  stack = await startTestStack();
  actors = await loginActors(stack);
});
afterAll(async () => {
  await stack?.stop();
});

const run = (codes?: string[]) =>
  reconcile({ orm: stack.orm, client: stack.client, taskQueue: stack.taskQueue, codes, concurrency: 4 });

/** `npm run reconcile` against the test's database and task queue. */
const cli = (args: string[] = []) =>
  reconcileCli(
    {
      DATABASE_URL: stack.orm.config.get('clientUrl')!,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
    },
    args,
  );

async function orgId(code: string): Promise<string> {
  return (await stack.db.query('SELECT id FROM org_unit WHERE code = $1', [code])).rows[0].id;
}

describe('reconcile', () => {
  let plain: { id: string; code: string };
  let renewed: NewProjectRecord;

  it('finds no difference after normal steps, following a workflow over its continued runs', async () => {
    const res = await actors.dept.post('/api/projects', aProject());
    expect(res.status).toBe(201);
    plain = res.body;
    await walkTo(actors, plain.id, 'underway');
    for (const month of ['2026-05', '2026-06'])
      expect((await take(actors, plain.id, 'reportProgress', { month })).status).toBe(200);

    // A workflow that renews itself after a few events, so its steps lie in several runs.
    const input = aProject();
    renewed = {
      id: randomUUID(),
      code: input.code!,
      workflowId: `project-${input.code}`,
      name: input.name,
      year: input.year,
      type: input.type,
      nature: input.nature,
      departmentId: await orgId('swj'),
      departmentCode: 'swj',
      ownerUnitId: await orgId('xqz'),
      ownerUnitCode: 'xqz',
      villageIds: [await orgId('xqz-btc')],
      villageCodes: ['xqz-btc'],
      townshipCodes: ['xqz'],
      location: null,
      approvalDocumentNo: input.approvalDocumentNo,
      budgetFen: input.budgetFen,
      fundSources: input.fundSources.map((f) => ({ ...f, documentNo: null })),
      plannedDates: input.plannedDates,
    };
    const handle = await stack.client.workflow.start(projectWorkflow, {
      workflowId: renewed.workflowId,
      taskQueue: stack.taskQueue,
      args: [{ project: renewed, createdBy: SYSTEM_ACTOR, historyLimit: 30 }],
    });
    await handle.executeUpdate(registeredUpdate);
    await walkTo(actors, renewed.id, 'underway');
    for (let m = 1; m <= 8; m++)
      expect(
        (await take(actors, renewed.id, 'reportProgress', { month: `2026-${String(m).padStart(2, '0')}` }))
          .status,
      ).toBe(200);
    const wf = await readWorkflow(stack.client, renewed.workflowId);
    expect(wf.runs).toBeGreaterThan(1);
    expect(wf.steps.filter((s) => s.result)).toHaveLength(11);
    expect(wf).toMatchObject({ stage: 'underway', lastStepSeq: 11, created: true });

    const result = await run();
    expect(result.differences).toEqual([]);
    const { rows } = await stack.db.query(
      `SELECT 1 FROM information_schema.columns WHERE table_name = 'project_history' AND column_name = 'request_id'`,
    );
    expect(result).toMatchObject({ projects: 2, steps: 16, matchedBy: rows.length ? 'request_id' : 'seq' });
    const out = await cli();
    expect(out.code, out.out).toBe(0);
    expect(out.out).toMatch(/^0 difference\(s\) — 2 project\(s\), 16 completed step\(s\)/m);
  });

  it('names a step whose row was written for another request, and a row no step accounts for', async () => {
    const db = await stack.db.connect();
    try {
      // project_history is append-only; only a superuser turning the trigger off can do this.
      await db.query('ALTER TABLE project_history DISABLE TRIGGER project_history_append_only');
      await db.query(
        `UPDATE project_history SET payload = jsonb_set(payload, '{narrative}', '"另一请求的进度"')
          WHERE project_id = $1 AND seq = 4`,
        [plain.id],
      );
      await db.query('ALTER TABLE project_history ENABLE TRIGGER project_history_append_only');
      await db.query(
        `INSERT INTO project_history (project_id, seq, action, from_stage, to_stage, actor_id, actor_name, at, payload)
         SELECT project_id, 12, action, from_stage, to_stage, actor_id, actor_name, now(), payload || '{"narrative":"无人记录的一步"}'
           FROM project_history WHERE project_id = $1 AND seq = 11`,
        [renewed.id],
      );
    } finally {
      db.release();
    }
    const result = await run();
    const kinds = result.differences.map((d) => [d.code, d.kind]);
    expect(kinds).toEqual(
      expect.arrayContaining([
        [plain.code, 'foreign-row'],
        [plain.code, 'extra-row'],
        [renewed.code, 'extra-row'],
        [renewed.code, 'stage-seq'],
      ]),
    );
    expect(result.differences).toHaveLength(4);
    expect(result.differences.find((d) => d.kind === 'foreign-row')!.details).toContain('另一请求的进度');

    // Limited to one project, from the command line: a table, a total, exit 1.
    const out = await cli([renewed.code]);
    expect(out.code, out.out).toBe(1);
    expect(out.out).toMatch(/project\s+difference\s+details/);
    expect(out.out).toContain('seq 12 reportProgress');
    expect(out.out).toContain('无人记录的一步');
    expect(out.out).toMatch(/^2 difference\(s\) \(extra-row 1, stage-seq 1\) — 1 project\(s\)/m);
  });
});
