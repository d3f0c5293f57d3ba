/**
 * One project walks 立项 → 管护 → closed over HTTP, on a real Temporal dev server and a real
 * PostgreSQL; the rows are checked in the database and the workflow history is replayed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { aProject } from '../support/builders.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { stepBody } from '../support/walk.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));

let stack: TestStack;
let dept: Session; // 县水务局 operator: approves, inspects, reimburses
let owner: Session; // 修齐镇 operator: the owner unit runs the works

beforeAll(async () => {
  stack = await startTestStack();
  dept = await Session.login(stack.baseUrl, 'swj.op');
  owner = await Session.login(stack.baseUrl, 'xqz.op');
});
afterAll(async () => {
  await stack?.stop();
});

async function dbProject(id: string) {
  const { rows } = await stack.db.query(
    `SELECT stage, stage_seq, progress_percent, budget_fen, to_char(planned_completion, 'YYYY-MM-DD') AS planned_completion
       FROM project WHERE id = $1`,
    [id],
  );
  return rows[0];
}
async function dbHistory(id: string) {
  const { rows } = await stack.db.query(
    `SELECT h.seq, h.action, h.from_stage, h.to_stage, h.actor_name, u.username
       FROM project_history h LEFT JOIN app_user u ON u.id = h.actor_id WHERE project_id = $1 ORDER BY seq`,
    [id],
  );
  return rows;
}

/** Per Update, in history order: its name and the search-attribute upserts between its acceptance and completion. */
function upsertsPerUpdate(history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>>) {
  const out: { update: string; upserts: number }[] = [];
  let open: { update: string; upserts: number } | undefined;
  for (const e of history.events ?? []) {
    const accepted = e.workflowExecutionUpdateAcceptedEventAttributes;
    const name = accepted?.acceptedRequest?.input?.name;
    if (name && name !== 'registered') open = { update: name, upserts: 0 };
    else if (open && e.upsertWorkflowSearchAttributesEventAttributes) {
      // The SDK's own TemporalChangeVersion (written once per run, with its first patch marker)
      // is not the step's.
      const keys = Object.keys(
        e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {},
      );
      if (keys.some((k) => k !== 'TemporalChangeVersion')) open.upserts += 1;
    } else if (open && e.workflowExecutionUpdateCompletedEventAttributes) {
      out.push(open);
      open = undefined;
    }
  }
  return out;
}

/** A new project taken to 开工 by its department and owner unit. */
async function underwayProject(): Promise<{ id: string; code: string }> {
  const created = await dept.post('/api/projects', aProject());
  expect(created.status).toBe(201);
  for (const action of ['approveDesign', 'fixImplementation', 'start'] as const) {
    const res = await (action === 'approveDesign' ? dept : owner).post(
      `/api/projects/${created.body.id}/transitions`,
      stepBody(action),
    );
    expect(res.status).toBe(200);
  }
  return created.body;
}

describe('a project through every stage', () => {
  it('walks 立项 → 设计审批 → 实施方式 → 开工 → 竣工 → 验收 → 报账 → 管护 and is closed', async () => {
    const input = aProject();
    const created = await dept.post('/api/projects', input);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ code: input.code, stage: 'approved', budgetFen: 30_000_000 });
    expect(created.body.allowedActions).toEqual(
      expect.arrayContaining(['approveDesign', 'adjust', 'cancel']),
    );
    const id: string = created.body.id;

    const steps: [Session, Record<string, unknown>, string][] = [
      [
        dept,
        {
          action: 'approveDesign',
          documentNo: '城水审〔2026〕8号',
          approvedOn: '2026-03-10',
          documents: [{ title: '设计批复' }],
        },
        'designApproved',
      ],
      [
        owner,
        { action: 'fixImplementation', method: 'selfBuild', recordNo: '村民大会纪要 3 号' },
        'methodFixed',
      ],
      [owner, { action: 'start', startedOn: '2026-04-02', documents: [{ title: '开工报告' }] }, 'underway'],
      [
        owner,
        { action: 'reportProgress', month: '2026-05', percent: 55, narrative: '管网铺设过半' },
        'underway',
      ],
      [
        dept,
        {
          action: 'adjust',
          documentNo: '城水调〔2026〕2号',
          reason: '雨季顺延',
          plannedDates: {
            start: '2026-04-01',
            completion: '2026-09-15',
            acceptance: '2026-10-15',
            reimbursement: '2026-12-15',
          },
        },
        'underway',
      ],
      [
        owner,
        { action: 'complete', completedOn: '2026-09-10', documents: [{ title: '竣工报告' }] },
        'completed',
      ],
      [
        dept,
        { action: 'inspect', passed: false, inspectedOn: '2026-09-20', findings: '末端水压不足' },
        'rectifying',
      ],
      [dept, { action: 'inspect', passed: true, inspectedOn: '2026-10-08' }, 'accepted'],
      // Settles what the file completer disbursed up to 竣工: half of each source, 15,000,000 分.
      [dept, { action: 'reimburse', settledOn: '2026-11-01', settledAmountFen: 15_000_000 }, 'reimbursed'],
      [
        owner,
        { action: 'handOver', caretaker: '白台村村委会', duty: '每月巡查管网', handedOverOn: '2026-11-10' },
        'afterCare',
      ],
      [owner, { action: 'close', note: '管护移交完成' }, 'closed'],
    ];
    for (const [who, body, expected] of steps) {
      // The acceptance gate: ledgers and archive documents complete up to 竣工 before 验收.
      if (body.action === 'inspect' && expected === 'rectifying') await stack.completeFile(id);
      const res = await who.post(`/api/projects/${id}/transitions`, body);
      expect(res.status, `${body.action}: ${JSON.stringify(res.body)}`).toBe(200);
      expect(res.body.stage).toBe(expected);
    }

    // The read model in PostgreSQL
    expect(await dbProject(id)).toEqual({
      stage: 'closed',
      stage_seq: steps.length,
      progress_percent: 100,
      budget_fen: '30000000',
      planned_completion: '2026-09-15',
    });
    const history = await dbHistory(id);
    expect(history.map((h) => h.seq)).toEqual([...Array(steps.length + 1).keys()]);
    expect(history.map((h) => h.action)).toEqual(['create', ...steps.map(([, b]) => b.action)]);
    expect(history.map((h) => h.to_stage)).toEqual(['approved', ...steps.map(([, , s]) => s)]);
    expect(history[0]).toMatchObject({ from_stage: null, username: 'swj.op', actor_name: '县水务局操作员' });
    expect(history[2]).toMatchObject({
      action: 'fixImplementation',
      username: 'xqz.op',
      from_stage: 'designApproved',
    });

    // The API's view agrees
    const detail = await dept.get(`/api/projects/${input.code}`);
    expect(detail.status).toBe(200);
    expect(detail.body.history).toHaveLength(steps.length + 1);
    expect(detail.body.allowedActions).toEqual([]);

    // The workflow completed, and its history replays against today's workflow code.
    const handle = stack.client.workflow.getHandle(`project-${input.code}`);
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    const wfHistory = await handle.fetchHistory();
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: inject('workflowBundlePath') } },
      wfHistory,
      `project-${input.code}`,
    );
    // A step upserts the search attributes it changes, and no others: a stage change is one
    // visibility write; 录入月度进度 and a 调项 of dates change none.
    let stage = 'approved';
    const changesStage = steps.map(([, , to]) => [stage !== to, (stage = to)][0]);
    expect(upsertsPerUpdate(wfHistory)).toEqual(
      steps.map(([, body], i) => ({ update: body.action, upserts: changesStage[i] ? 1 : 0 })),
    );
    expect((await handle.describe()).searchAttributes.ProjectStage).toEqual(['closed']);
    if (process.env.RECORD_HISTORIES === '1') {
      // Kept fixtures, each recorded before a patch: project-full-walk.json (before the deadline
      // ladders), project-full-walk-ladders-off.json (before local deadline activities and
      // exclusive steps), project-full-walk-exclusive-steps.json (before lean steps),
      // project-full-walk-lean-steps.json (before durable steps). New recordings go to the file
      // named after the newest patch.
      fs.writeFileSync(path.join(FIXTURES, 'project-full-walk-durable-steps.json'), historyToJSON(wfHistory));
    }
  });

  it('takes concurrent steps on one project one at a time: none lost, none sharing a sequence number', async () => {
    const created = await underwayProject();
    const id = created.id;
    // Six reports at once: while the first one writes, the other five wait for the step lock, and
    // when it is released they must take it one by one, not all together.
    const months = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06'];
    const answers = await Promise.all(
      months.map((month) =>
        owner.post(`/api/projects/${id}/transitions`, { ...stepBody('reportProgress'), month }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(months.map(() => 200));
    const history = await dbHistory(id);
    expect(history.map((h) => h.seq)).toEqual(history.map((_, i) => i));
    expect(history.filter((h) => h.action === 'reportProgress')).toHaveLength(months.length);
    const { rows } = await stack.db.query(
      'SELECT month FROM monthly_progress WHERE project_id = $1 ORDER BY month',
      [id],
    );
    expect(rows.map((r) => r.month)).toEqual(months);
    expect((await dbProject(id)).stage_seq).toBe(history.length - 1);

    // Its history (five waiters released one by one) replays against today's code.
    const wfHistory = await stack.client.workflow.getHandle(`project-${created.code}`).fetchHistory();
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: inject('workflowBundlePath') } },
      wfHistory,
      `project-${created.code}`,
    );
    if (process.env.RECORD_HISTORIES === '1') {
      // project-concurrent-steps.json was recorded before lean steps (each waiter on a condition),
      // project-concurrent-steps-lean.json before durable steps (each write a local activity).
      fs.writeFileSync(
        path.join(FIXTURES, 'project-concurrent-steps-durable.json'),
        historyToJSON(wfHistory),
      );
    }
  });

  it('keeps an under-way project at its latest month’s figure when an earlier month is reported late', async () => {
    const created = await underwayProject();
    const id = created.id;
    const report = async (month: string, percent: number) => {
      const res = await owner.post(`/api/projects/${id}/transitions`, {
        ...stepBody('reportProgress'),
        month,
        percent,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return (await dbProject(id)).progress_percent;
    };
    expect(await report('2026-06', 60)).toBe(60);
    expect(await report('2026-05', 40)).toBe(60); // May's, entered after June's
    expect(await report('2026-06', 65)).toBe(65); // June's, reported again
  });

  it('refuses `complete` before `start` with 409 and changes neither the database nor the workflow history', async () => {
    const created = await dept.post('/api/projects', aProject());
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    const code: string = created.body.code;
    const handle = stack.client.workflow.getHandle(`project-${code}`);

    const rowBefore = await dbProject(id);
    const historyBefore = await dbHistory(id);
    const eventsBefore = (await handle.fetchHistory()).events ?? [];

    const res = await owner.post(`/api/projects/${id}/transitions`, {
      action: 'complete',
      completedOn: '2026-05-01',
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('TRANSITION_NOT_ALLOWED');
    expect(res.body.error.message).toContain('立项');

    expect(await dbProject(id)).toEqual(rowBefore);
    expect(await dbHistory(id)).toEqual(historyBefore);
    const eventsAfter = (await handle.fetchHistory()).events ?? [];
    expect(eventsAfter.length).toBe(eventsBefore.length);
    // A validator rejection leaves no Update event at all in the workflow history.
    expect(JSON.stringify(eventsAfter)).not.toContain('complete');

    // The right step at the right time still works afterwards.
    const ok = await dept.post(`/api/projects/${id}/transitions`, {
      action: 'approveDesign',
      documentNo: 'X-1',
      approvedOn: '2026-03-01',
    });
    expect(ok.status).toBe(200);
    expect(ok.body.stage).toBe('designApproved');
  });

  it('answers bad input with 422, and wrong callers with 401 / 403 / 404, writing nothing', async () => {
    const countBefore = (await stack.db.query('SELECT count(*)::int AS n FROM project')).rows[0].n;

    const unbalanced = await dept.post('/api/projects', aProject({ budgetFen: 30_000_001 }));
    expect(unbalanced.status).toBe(422);
    expect(unbalanced.body.error.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(unbalanced.body.error.details)).toContain('fundSources');

    const floaty = await dept.post('/api/projects', aProject({ budgetFen: 300.5 as unknown as number }));
    expect(floaty.status).toBe(422);

    const wrongVillage = await dept.post('/api/projects', aProject({ villageCodes: ['swj'] }));
    expect(wrongVillage.status).toBe(422);
    expect(wrongVillage.body.error.details[0].path).toBe('body.villageCodes.0');

    const malformed = await fetch(`${stack.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"username":',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');

    const anonymous = await new Session(stack.baseUrl).get('/api/projects');
    expect(anonymous.status).toBe(401);

    // A township operator cannot register a department's project.
    const notDept = await owner.post('/api/projects', aProject());
    expect(notDept.status).toBe(403);

    const created = await dept.post('/api/projects', aProject());
    const id = created.body.id;
    const badAction = await dept.post(`/api/projects/${id}/transitions`, { action: 'fly' });
    expect(badAction.status).toBe(422);
    const missingField = await dept.post(`/api/projects/${id}/transitions`, { action: 'approveDesign' });
    expect(missingField.status).toBe(422);

    // A query account sees the project but may not move it.
    const viewer = await Session.login(stack.baseUrl, 'swj.view');
    expect((await viewer.get(`/api/projects/${id}`)).status).toBe(200);
    const viewerStep = await viewer.post(`/api/projects/${id}/transitions`, {
      action: 'approveDesign',
      documentNo: 'X',
      approvedOn: '2026-03-01',
    });
    expect(viewerStep.status).toBe(403);

    // Another department does not even see it.
    const other = await Session.login(stack.baseUrl, 'jtj.op');
    expect((await other.get(`/api/projects/${id}`)).status).toBe(404);
    const otherList = await other.get('/api/projects');
    expect(otherList.body.items.map((p: { id: string }) => p.id)).not.toContain(id);

    expect((await dept.get('/api/projects/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect((await stack.db.query('SELECT count(*)::int AS n FROM project')).rows[0].n).toBe(countBefore + 1);
    expect(
      (await stack.db.query('SELECT count(*)::int AS n FROM project_history WHERE project_id = $1', [id]))
        .rows[0].n,
    ).toBe(1);
  });

  it('refuses a second project with the same code (409), keeping the first', async () => {
    const input = aProject();
    expect((await dept.post('/api/projects', input)).status).toBe(201);
    const again = await dept.post('/api/projects', { ...input, name: '重复编号' });
    expect(again.status).toBe(409);
    // The same code typed in full width by an input method is the same code.
    const wide = input.code!.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    expect((await dept.post('/api/projects', { ...input, code: wide, name: '全角编号' })).status).toBe(409);
    // And the project's address with the code typed that way opens the project.
    const opened = await dept.get(`/api/projects/${encodeURIComponent(wide)}`);
    expect([opened.status, opened.body.code]).toEqual([200, input.code]);
    const { rows } = await stack.db.query('SELECT name FROM project WHERE code = $1', [input.code]);
    expect(rows).toEqual([{ name: input.name }]);
  });

  it('gives a code Temporal has not seen when the database was restored without it', async () => {
    // The sequence at a value of this run's own (the test files share one Temporal server); the
    // next two codes were given before a restore: one project's workflow closed, one running.
    const base = 10_000_000 + Math.floor(Math.random() * 80_000_000);
    await stack.db.query(`SELECT setval('project_code_seq', $1)`, [base]);
    const codeAt = (k: number) => `2026-${base + k}`;
    const start = (k: number) =>
      stack.client.workflow.start('registeredBeforeTheRestore', {
        workflowId: `project-${codeAt(k)}`,
        taskQueue: `nowhere-${base}`,
      });
    await (await start(1)).terminate('closed before the restore');
    const running = await start(2);
    try {
      const { code: _given, ...input } = aProject();
      const res = await dept.post('/api/projects', input);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.code).toBe(codeAt(3));
      // A code given by hand is the caller's: taken is taken.
      const mine = await dept.post('/api/projects', { ...aProject(), code: codeAt(2) });
      expect(mine.status).toBe(409);
      const { rows } = await stack.db.query(`SELECT code FROM project WHERE code LIKE $1 ORDER BY code`, [
        `2026-${String(base).slice(0, 4)}%`,
      ]);
      expect(rows).toEqual([{ code: codeAt(3) }]);
    } finally {
      await running.terminate('test over');
    }
  });

  it('lists projects in scope with filters and paging', async () => {
    const a = await dept.post(
      '/api/projects',
      aProject({
        name: '筛选测试 甲',
        year: 2025,
        plannedDates: {
          start: '2025-04-01',
          completion: '2025-08-31',
          acceptance: '2025-09-30',
          reimbursement: '2025-11-30',
        },
      }),
    );
    expect(a.status).toBe(201);
    const byYear = await dept.get('/api/projects?year=2025');
    expect(byYear.body.items.map((p: { name: string }) => p.name)).toEqual(['筛选测试 甲']);
    const byText = await dept.get(`/api/projects?q=${encodeURIComponent('筛选测试')}`);
    expect(byText.body.total).toBe(1);
    const paged = await dept.get('/api/projects?pageSize=2&page=1');
    expect(paged.body.items).toHaveLength(2);
    expect(paged.body.total).toBeGreaterThan(2);
    const village = await Session.login(stack.baseUrl, 'xqz-btc.view');
    const villageList = await village.get('/api/projects');
    expect(villageList.status).toBe(200);
    expect(
      villageList.body.items.every((p: { villages: { code: string }[] }) =>
        p.villages.some((v) => v.code === 'xqz-btc'),
      ),
    ).toBe(true);
    const bad = await dept.get('/api/projects?pageSize=1000');
    expect(bad.status).toBe(422);
  });
});
