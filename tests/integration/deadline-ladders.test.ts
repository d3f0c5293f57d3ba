/**
 * Deadline ladders on the real stack with a one-second "day": each ladder fires reminder →
 * overdue → escalated → 约谈 in order, to the right people, and stops when its stage is reached;
 * what the activities make of it (alert rows, history, negative list, inbox, the api's lists);
 * a worker restart in the middle of a ladder neither duplicates nor misses a step; 调项 re-arms
 * exactly the changed deadlines; 终止 stops every timer. The workflow's own ladder logic, with its
 * activities mocked, is tested in tests/workflow/deadline-ladders.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDeadlineActivities } from '#activities/deadline.activities.js';
import { DEFAULT_DEADLINE_CONFIG, addDays, daysBetween, nextMonth } from '#domain/deadlines.js';
import { getProjectStateQuery, overdueKey, townshipsKey, villagesKey } from '#workflows/project.messages.js';
import { aProject } from '../support/builders.js';
import { eventually } from '../support/eventually.js';
import { FAST_LADDERS, LADDER_DAY_MS as DAY_MS, alertRows, today } from '../support/ladders.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { loginActors, take, walkTo, type Actors } from '../support/walk.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));

let stack: TestStack;
let actors: Actors;

beforeAll(async () => {
  stack = await startTestStack({ deadlines: FAST_LADDERS });
  actors = await loginActors(stack);
});
afterAll(async () => {
  await stack?.stop();
});

/** A project whose planned dates lie the given number of (one-second) days ahead. */
async function projectDue(offsets: {
  start: number;
  completion: number;
  acceptance: number;
  reimbursement: number;
}) {
  const t = today();
  const res = await actors.dept.post(
    '/api/projects',
    aProject({
      plannedDates: {
        start: addDays(t, offsets.start),
        completion: addDays(t, offsets.completion),
        acceptance: addDays(t, offsets.acceptance),
        reimbursement: addDays(t, offsets.reimbursement),
      },
    }),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.id as string, code: res.body.code as string };
}

const alerts = (projectId: string, kind?: string) => alertRows(stack, projectId, kind);
const handleOf = (code: string) => stack.client.workflow.getHandle(`project-${code}`);
const FAR = { completion: 300, acceptance: 400, reimbursement: 500 };

describe('deadline ladders', () => {
  it('fires reminder → overdue → escalated → 约谈 in order, to the right people, then stops when the stage is reached', async () => {
    const p = await projectDue({ start: 2, ...FAR });
    const fired = await eventually(async () => {
      const rows = await alerts(p.id, 'start');
      return rows.length === 4 && rows;
    });
    expect(fired.map((a) => a.step)).toEqual(['reminder', 'overdue', 'escalated', 'interview']);
    expect(fired.map((a) => a.days_late)).toEqual([0, 1, 2, 3]);
    expect(fired.every((a) => a.status === 'active' && a.period === '' && a.arm === fired[0].arm)).toBe(true);

    // History has one system row per step, and the owner unit is on the negative list.
    const { rows: hist } = await stack.db.query(
      `SELECT action, actor_id, payload->>'step' AS step FROM project_history WHERE project_id = $1 AND action = 'alert' ORDER BY seq`,
      [p.id],
    );
    expect(hist.map((h) => h.step)).toEqual(['reminder', 'overdue', 'escalated', 'interview']);
    expect(hist.every((h) => h.actor_id === null)).toBe(true);
    const { rows: neg } = await stack.db.query(
      `SELECT o.code FROM negative_list_entry n JOIN org_unit o ON o.id = n.org_unit_id WHERE n.project_id = $1`,
      [p.id],
    );
    expect(neg).toEqual([{ code: 'xqz' }]);

    // The inbox: the reminder reaches the owner unit's operator only; the escalation reaches county level.
    const inbox = async (username: string) =>
      (
        await stack.db.query(
          `SELECT m.title FROM inbox_message m JOIN app_user u ON u.id = m.user_id WHERE u.username = $1 AND m.project_id = $2 ORDER BY m.id`,
          [username, p.id],
        )
      ).rows.map((r) => r.title as string);
    // (the notification follows its alert row: wait for the last one)
    await eventually(async () => (await inbox('xqz.op')).length === 4);
    expect(await inbox('xqz.view')).toHaveLength(3); // not the reminder
    expect((await inbox('supervisor')).map((t) => t.slice(0, 6))).toEqual(['【上报县级】', '【约谈标记】']);
    expect(await inbox('jtj.op')).toEqual([]);

    // Query and search attribute show the position.
    const handle = handleOf(p.code);
    const view = await handle.query(getProjectStateQuery);
    expect(view.overdue).toEqual(['start']);
    expect(view.ladderPositions.find((l) => l.kind === 'start')).toMatchObject({
      lastStep: 'interview',
      next: null,
    });
    expect(view.ladderPositions.find((l) => l.kind === 'completion')?.next?.step).toBe('reminder');
    const described = await handle.describe();
    expect(described.searchAttributes[overdueKey.name]).toEqual(['start']);
    expect(described.searchAttributes[townshipsKey.name]).toEqual(['xqz']);

    // The api shows the alerts in scope (and hides them from other departments).
    const api = await actors.dept.get(`/api/projects/${p.id}/alerts`);
    expect(api.status).toBe(200);
    expect(
      api.body.items.filter((a: { kind: string }) => a.kind === 'start').map((a: { step: string }) => a.step),
    ).toEqual(['interview', 'escalated', 'overdue', 'reminder']);
    expect(api.body.items[0]).toMatchObject({
      responsibleUnit: { code: 'xqz' },
      status: 'active',
      closedAt: null,
    });
    const other = await Session.login(stack.baseUrl, 'jtj.op');
    expect((await other.get(`/api/projects/${p.id}/alerts`)).status).toBe(404);

    // The list filters on it, from PostgreSQL.
    const listed = async (f: string) =>
      (await actors.dept.get(`/api/projects?overdue=${f}&pageSize=200`)).body.items.map(
        (x: { id: string }) => x.id,
      );
    expect(await listed('start')).toContain(p.id);
    expect(await listed('any')).toContain(p.id);
    expect(await listed('acceptance')).not.toContain(p.id);

    // Reaching the stage stops the ladder and resolves its alerts.
    await walkTo(actors, p.id, 'underway');
    const after = await alerts(p.id, 'start');
    expect(after.map((a) => a.status)).toEqual(['resolved', 'resolved', 'resolved', 'resolved']);
    expect(await listed('start')).not.toContain(p.id);
    const v2 = await handle.query(getProjectStateQuery);
    expect(v2.ladderPositions.some((l) => l.kind === 'start')).toBe(false);
    // (the clock has run on for days: the progress entry of the start month may be overdue by now)
    expect(v2.overdue).not.toContain('start');
    await eventually(
      async () =>
        !(((await handle.describe()).searchAttributes[overdueKey.name] ?? []) as string[]).includes('start'),
    );
  });

  it('records the steps that had passed when a ladder was armed together, and announces only the last', async () => {
    // Registered ten days after its planned start: all four steps of the start ladder lie in the past.
    const p = await projectDue({ start: -10, ...FAR });
    const fired = await eventually(async () => {
      const rows = await alerts(p.id, 'start');
      return rows.length === 4 && rows;
    });
    expect(fired.map((a) => a.step)).toEqual(['reminder', 'overdue', 'escalated', 'interview']);
    expect(fired.map((a) => a.days_late)).toEqual([0, 1, 2, 3]);
    // One history row each, in ladder order, right after creation; the unit is on the negative list.
    const { rows: hist } = await stack.db.query(
      `SELECT seq, payload->>'step' AS step FROM project_history WHERE project_id = $1 AND action = 'alert' ORDER BY seq`,
      [p.id],
    );
    expect(hist).toEqual([
      { seq: 1, step: 'reminder' },
      { seq: 2, step: 'overdue' },
      { seq: 3, step: 'escalated' },
      { seq: 4, step: 'interview' },
    ]);
    const { rows: neg } = await stack.db.query(
      `SELECT count(*)::int AS n FROM negative_list_entry WHERE project_id = $1`,
      [p.id],
    );
    expect(neg[0].n).toBe(1);

    // The 约谈's reason says how late the deadline was when it was raised (ten days), not the 3 the
    // step stood for on its own date; the flag and the entry read back say the same.
    const dueDate = addDays(today(), -10);
    const { rows: why } = await stack.db.query(
      `SELECT f.reason AS flag, n.reason AS entry FROM interview_flag f
         JOIN negative_list_entry n ON n.alert_id = f.alert_id WHERE f.project_id = $1`,
      [p.id],
    );
    expect(why).toEqual([{ flag: expect.stringMatching(/逾期 10 天，约谈主要负责人$/), entry: why[0].flag }]);
    const office = await Session.login(stack.baseUrl, 'supervisor');
    const grounds = (await office.get('/api/interview-flags')).body.items
      .filter((f: { project: { code: string } | null }) => f.project?.code === p.code)
      .map((f: { ladder: unknown }) => f.ladder);
    expect(grounds).toEqual([{ kind: 'start', period: '', dueDate, daysLate: 10 }]);
    const entries = (await office.get('/api/negative-list?pageSize=100')).body.items
      .filter((e: { project: { code: string } | null }) => e.project?.code === p.code)
      .map((e: { ladder: unknown }) => e.ladder);
    expect(entries).toEqual(grounds);

    // One message per person, the 约谈 flag's, naming the steps it stands for; not four.
    const inbox = async (username: string) =>
      (
        await stack.db.query(
          `SELECT m.title, m.body FROM inbox_message m JOIN app_user u ON u.id = m.user_id
            WHERE u.username = $1 AND m.project_id = $2 ORDER BY m.id`,
          [username, p.id],
        )
      ).rows as { title: string; body: string }[];
    const owner = await eventually(async () => {
      const m = await inbox('xqz.op');
      return m.length > 0 && m;
    });
    await new Promise((r) => setTimeout(r, DAY_MS)); // nothing more follows
    expect(await inbox('xqz.op')).toEqual(owner);
    expect(owner).toHaveLength(1);
    expect(owner[0]!.title.startsWith('【约谈标记】')).toBe(true);
    // As late as the deadline is now (ten ladder days and what the start took), not the 3 days
    // the 约谈 step stood for on its own date.
    const late = Number(/已逾期 (\d+) 天/.exec(owner[0]!.body)?.[1]);
    expect(late).toBeGreaterThanOrEqual(10);
    expect(late).toBeLessThan(30);
    expect(owner[0]!.body).toContain('到期提醒、逾期预警、上报县级一并记录');
    expect((await inbox('supervisor')).map((m) => m.title.slice(0, 6))).toEqual(['【约谈标记】']);

    // The ladders of the dates still ahead run as before.
    const view = await handleOf(p.code).query(getProjectStateQuery);
    expect(view.ladderPositions.find((l) => l.kind === 'start')).toMatchObject({ lastStep: 'interview' });
    expect(view.ladderPositions.find((l) => l.kind === 'completion')).toMatchObject({
      lastStep: null,
      next: { step: 'reminder' },
    });
    expect(view.overdue).toEqual(['start']);

    const history = await handleOf(p.code).fetchHistory();
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: inject('workflowBundlePath') } },
      history,
      `project-${p.code}`,
    );
    if (process.env.RECORD_HISTORIES === '1') {
      // project-ladder-catch-up.json was recorded before durable steps (alerts as local activities).
      fs.writeFileSync(path.join(FIXTURES, 'project-ladder-catch-up-durable.json'), historyToJSON(history));
    }
  });

  it('a month whose progress the ledger form recorded raises no overdue alert for that month', async () => {
    // 月度进度 entered on the implementing ledger's form, not through the step: the month is reported.
    const month = today().slice(0, 7);
    const next = `${nextMonth(month)}-01`;
    const toNext = daysBetween(today(), next);
    // Completion's reminder falls a (one-second) day after the month's overdue step: once it is
    // recorded, the loop has been past the month's whole overdue instant.
    const p = await projectDue({ start: 0, completion: toNext + 2, acceptance: 400, reimbursement: 500 });
    await walkTo(actors, p.id, 'underway');
    const entry = await actors.owner.post(`/api/projects/${p.id}/ledgers/implementing/progress`, {
      month,
      percent: 30,
      narrative: '基础开挖完成',
    });
    expect(entry.status, JSON.stringify(entry.body)).toBe(201);
    await eventually(async () => (await alerts(p.id, 'completion')).length > 0, 60_000);
    const rows = (await alerts(p.id, 'progress')).filter((a) => a.period === month);
    // A reminder may have fired before the entry (a slow walk); nothing past it, nothing left active.
    expect(rows.filter((a) => a.step !== 'reminder')).toEqual([]);
    expect(rows.filter((a) => a.status === 'active')).toEqual([]);
    const view = await handleOf(p.code).query(getProjectStateQuery);
    expect(view.ladderPositions.some((l) => l.kind === 'progress' && l.period === month)).toBe(false);

    const history = await handleOf(p.code).fetchHistory();
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: inject('workflowBundlePath') } },
      history,
      `project-${p.code}`,
    );
    if (process.env.RECORD_HISTORIES === '1')
      fs.writeFileSync(path.join(FIXTURES, 'project-progress-entry-check.json'), historyToJSON(history));
  });

  it('survives a worker restart in the middle of a ladder: no duplicate row, no missed step', async () => {
    const p = await projectDue({ start: 2, ...FAR });
    await eventually(async () => (await alerts(p.id, 'start')).some((a) => a.step === 'overdue'));
    await stack.stopWorker();
    await new Promise((r) => setTimeout(r, 3 * DAY_MS)); // escalated and 约谈 come due while it is down
    await stack.startWorker();
    const rows = await eventually(async () => {
      const r = await alerts(p.id, 'start');
      return r.length >= 4 && r;
    });
    await new Promise((r) => setTimeout(r, DAY_MS));
    expect((await alerts(p.id, 'start')).map((a) => a.step)).toEqual([
      'reminder',
      'overdue',
      'escalated',
      'interview',
    ]);
    expect(rows).toHaveLength(4);
    const { rows: dup } = await stack.db.query(
      `SELECT count(*)::int AS n FROM project_history WHERE project_id = $1 AND action = 'alert' AND payload->>'kind' = 'start'`,
      [p.id],
    );
    expect(dup[0].n).toBe(4);

    // And a retried write is harmless: the same alert written twice leaves one row.
    const sut = createDeadlineActivities({
      orm: stack.orm,
      audit: stack.audit,
      config: DEFAULT_DEADLINE_CONFIG,
    });
    const { rows: o } = await stack.db.query(`SELECT owner_unit_id, stage FROM project WHERE id = $1`, [
      p.id,
    ]);
    const again = {
      projectId: p.id,
      seq: 1000,
      stage: o[0].stage,
      kind: 'start' as const,
      period: '',
      arm: 99,
      step: 'overdue' as const,
      dueDate: today(),
      stepDate: today(),
      daysLate: 1,
      responsibleUnitId: o[0].owner_unit_id,
      at: new Date().toISOString(),
    };
    await sut.recordAlert(again);
    await sut.recordAlert(again);
    expect(
      (
        await stack.db.query(`SELECT count(*)::int AS n FROM alert WHERE project_id = $1 AND arm = 99`, [
          p.id,
        ])
      ).rows[0].n,
    ).toBe(1);
  });

  it('调项 re-arms exactly the changed deadlines and keeps before/after', async () => {
    const p = await projectDue({ start: 2, completion: 200, acceptance: 300, reimbursement: 400 });
    await eventually(async () => (await alerts(p.id, 'start')).some((a) => a.step === 'overdue'));
    const handle = handleOf(p.code);
    const before = await handle.query(getProjectStateQuery);
    const arms = Object.fromEntries(before.ladderPositions.map((l) => [l.kind, l.arm]));

    const t = today();
    const newDates = {
      start: addDays(t, 50),
      completion: before.plannedDates.completion,
      acceptance: addDays(t, 350),
      reimbursement: before.plannedDates.reimbursement,
    };
    const res = await take(actors, p.id, 'adjust', {
      body: {
        action: 'adjust',
        documentNo: '城水调〔2026〕9号',
        reason: '征地延后',
        plannedDates: newDates,
        budgetFen: 32_000_000,
        fundSources: [
          { kind: 'centralSpecial', amountFen: 22_000_000 },
          { kind: 'countySpecial', amountFen: 10_000_000 },
        ],
        villageCodes: ['xqz-btc', 'mbz-ljc'],
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.budgetFen).toBe(32_000_000);
    expect(res.body.villages.map((v: { code: string }) => v.code)).toEqual(['mbz-ljc', 'xqz-btc']);
    const attrs = (await handle.describe()).searchAttributes;
    expect(attrs[townshipsKey.name]).toEqual(['mbz', 'xqz']);
    expect(attrs[villagesKey.name]).toEqual(['xqz-btc', 'mbz-ljc']);

    const after = await handle.query(getProjectStateQuery);
    const armsAfter = Object.fromEntries(after.ladderPositions.map((l) => [l.kind, l.arm]));
    expect(armsAfter.completion).toBe(arms.completion);
    expect(armsAfter.reimbursement).toBe(arms.reimbursement);
    expect(armsAfter.start).toBeGreaterThan(arms.start!);
    expect(armsAfter.acceptance).toBeGreaterThan(arms.acceptance!);
    expect(after.ladderPositions.find((l) => l.kind === 'start')).toMatchObject({
      dueDate: newDates.start,
      lastStep: null,
      next: { step: 'reminder', date: addDays(newDates.start, -1) },
    });
    expect(after.overdue).toEqual([]);
    expect((await alerts(p.id, 'start')).every((a) => a.status === 'superseded')).toBe(true);

    const { rows } = await stack.db.query(
      `SELECT payload FROM project_history WHERE project_id = $1 AND action = 'adjust'`,
      [p.id],
    );
    const payload = rows[0].payload;
    expect(payload.before.budgetFen).toBe(30_000_000);
    expect(payload.after.budgetFen).toBe(32_000_000);
    expect(payload.before.villageCodes).toEqual(['xqz-btc']);
    expect(payload.after.villageCodes).toEqual(['xqz-btc', 'mbz-ljc']);
    expect(payload.before.plannedDates.start).toBe(before.plannedDates.start);
    expect(payload.after.plannedDates.start).toBe(newDates.start);
    expect(payload.documentNo).toBe('城水调〔2026〕9号');
  });

  it('终止 stops every timer and closes the alerts', async () => {
    const p = await projectDue({ start: 2, completion: 3, acceptance: 4, reimbursement: 5 });
    await eventually(async () => (await alerts(p.id)).length >= 2);
    const res = await take(actors, p.id, 'cancel');
    expect(res.status).toBe(200);
    const handle = handleOf(p.code);
    // The Update answers when its handler is done; the run itself ends on the next workflow task.
    await eventually(async () => (await handle.describe()).status.name === 'COMPLETED', 10_000);
    const count = (await alerts(p.id)).length;
    await new Promise((r) => setTimeout(r, 3 * DAY_MS));
    const rows = await alerts(p.id);
    expect(rows).toHaveLength(count);
    expect(rows.every((a) => a.status === 'cancelled')).toBe(true);

    // The history replays against today's code. project-ladders-cancelled.json was recorded
    // before local deadline activities and stays; new recordings go to the file named after them.
    const history = await handle.fetchHistory();
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: inject('workflowBundlePath') } },
      history,
      `project-${p.code}`,
    );
    if (process.env.RECORD_HISTORIES === '1') {
      // project-ladders-local-deadlines.json was recorded before durable steps.
      fs.writeFileSync(path.join(FIXTURES, 'project-ladders-durable.json'), historyToJSON(history));
    }
  });
});
