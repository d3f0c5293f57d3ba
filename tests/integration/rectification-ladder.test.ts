/**
 * The deadline ladder of a rectification notice on the real stack, with a one-second "day": an
 * unanswered problem climbs reminder → overdue → escalated to county → 约谈 flag in order, to the
 * right people; answering stops it; a late answer closes the notice not on time; a worker stopped
 * in the middle of the ladder and started again neither duplicates nor misses a step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRectificationActivities } from '#activities/rectification.activities.js';
import { DEFAULT_DEADLINE_CONFIG, cstDate, daysBetween } from '#domain/deadlines.js';
import { eventually } from '../support/eventually.js';
import { FAST_LADDERS, LADDER_DAY_MS as DAY_MS } from '../support/ladders.js';
import {
  noticesAbout,
  type NoticeBuilder,
  aProjectOfXqz,
  issue,
  ladderRows,
  replayAndRecord,
  spreadSerials,
  workflowIdOf,
  workflowStatus,
} from '../support/rectification.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
/** Notices about this file's project of 修齐镇. */
let aNotice: NoticeBuilder;
let office: Session;
let unit: Session;

beforeAll(async () => {
  stack = await startTestStack({ deadlines: FAST_LADDERS });
  [office, unit] = await Promise.all([
    Session.login(stack.baseUrl, 'supervisor'),
    Session.login(stack.baseUrl, 'xqz.op'),
  ]);
  const [project] = await Promise.all([aProjectOfXqz(stack), spreadSerials(stack)]);
  aNotice = noticesAbout(project);
});
afterAll(async () => {
  await stack?.stop();
});

const ALL = ['reminder', 'overdue', 'escalated', 'interview'];

async function inbox(username: string, serial: string): Promise<string[]> {
  const { rows } = await stack.db.query(
    `SELECT m.title FROM inbox_message m JOIN app_user u ON u.id = m.user_id
      WHERE u.username = $1 AND m.category = 'rectification' AND m.title LIKE '%' || $2 || '%' ORDER BY m.id`,
    [username, serial],
  );
  return rows.map((r) => (r.title as string).slice(0, 6));
}

describe('rectification ladder', () => {
  it('climbs reminder → overdue → escalated → 约谈 in order, to the right people; a late answer closes it not on time', async () => {
    // Problem 1 is due in 2 days and never answered in time; problem 2 (60 days) is answered at once.
    const n = await issue(office, aNotice([2, 60]));
    const [p1, p2] = n.problems;
    expect(
      (await unit.post(`/api/rectifications/${n.id}/problems/${p2!.id}/answer`, { action: '已整改' })).status,
    ).toBe(200);
    const steps = await eventually(async () => {
      const r = await ladderRows(stack, n.id);
      return r.length === 4 && r;
    });
    expect(steps.map((s) => [s.seq, s.arm, s.step, s.days_late])).toEqual([
      [1, 1, 'reminder', 0],
      [1, 1, 'overdue', 1],
      [1, 1, 'escalated', 2],
      [1, 1, 'interview', 3],
    ]);
    // The 约谈 flag, raised with the step, names the notice and the problem's term.
    const { rows: flags } = await stack.db.query(
      `SELECT f.id::text AS id, f.source, f.notice_arm, o.code, f.record_id FROM interview_flag f JOIN org_unit o ON o.id = f.org_unit_id WHERE f.notice_id = $1`,
      [n.id],
    );
    expect(flags).toEqual([
      {
        id: steps[3]!.interview_flag_id,
        source: 'rectification',
        notice_arm: '1.1',
        code: 'xqz',
        record_id: null,
      },
    ]);
    // …and the unit is on the negative list, once, naming the notice and the term.
    const { rows: listed } = await stack.db.query(
      `SELECT e.source, e.notice_arm, o.code FROM negative_list_entry e JOIN org_unit o ON o.id = e.org_unit_id WHERE e.notice_id = $1`,
      [n.id],
    );
    expect(listed).toEqual([{ source: 'rectification', notice_arm: '1.1', code: 'xqz' }]);

    // Who heard what: the unit's operator every step; its query account from overdue on; the
    // issuing office from overdue on; county leaders from escalation on; another unit nothing.
    await eventually(async () => (await inbox('xqz.op', n.serial)).length === 4);
    expect(await inbox('xqz.op', n.serial)).toEqual([
      '【到期提醒】',
      '【逾期预警】',
      '【上报县级】',
      '【约谈标记】',
    ]);
    expect(await inbox('xqz.view', n.serial)).toEqual(['【逾期预警】', '【上报县级】', '【约谈标记】']);
    expect(await inbox('zxjdb.op', n.serial)).toEqual(['【逾期预警】', '【上报县级】', '【约谈标记】']);
    expect(await inbox('leader', n.serial)).toEqual(['【上报县级】', '【约谈标记】']);
    expect(await inbox('mbz.op', n.serial)).toEqual([]);
    // What e-mail, SMS and robots render from: a reminder's days left (还有 1 天到期), then days late.
    const history = await stack.client.workflow.getHandle(workflowIdOf(n.serial)).fetchHistory();
    const facts = (history.events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes)
      .filter((a) => a?.activityType?.name === 'notify')
      .map((a) => JSON.parse(Buffer.from(a!.input!.payloads![0]!.data!).toString()).facts)
      .filter((f) => f?.kind === 'rectification');
    expect(facts.map((f) => [f.step, f.daysLate])).toEqual([
      ['reminder', -1],
      ['overdue', 1],
      ['escalated', 2],
      ['interview', 3],
    ]);

    const open = await office.get(`/api/rectifications/${n.id}`);
    expect(open.body).toMatchObject({
      status: 'open',
      ladderStep: 'interview',
      daysOverdue: 3,
      openProblems: 2,
    });
    const overdue = await office.get('/api/rectifications?overdue=true');
    expect(overdue.body.items.map((i: { id: string }) => i.id)).toContain(n.id);

    // The late answer stops the ladder; accepting both closes the notice, not on time.
    expect(
      (await unit.post(`/api/rectifications/${n.id}/problems/${p1!.id}/answer`, { action: '已补办' })).status,
    ).toBe(200);
    for (const p of [p1!, p2!])
      expect(
        (await office.post(`/api/rectifications/${n.id}/problems/${p.id}/verdict`, { verdict: 'accept' }))
          .status,
      ).toBe(200);
    const closed = await office.get(`/api/rectifications/${n.id}`);
    expect(closed.body).toMatchObject({
      status: 'closed',
      closedOnTime: false,
      ladderStep: null,
      daysOverdue: 0,
    });
    const { rows: late } = await stack.db.query(
      `SELECT on_time FROM rectification_event WHERE notice_id = $1 AND kind = 'answer' ORDER BY id`,
      [n.id],
    );
    expect(late.map((r) => r.on_time)).toEqual([true, false]);
    await eventually(async () => (await workflowStatus(stack, n.serial)) === 'COMPLETED');
    await replayAndRecord(stack, workflowIdOf(n.serial), 'rectification-ladder');
  });

  it('stops the ladder of a problem once it is answered, and arms a new one when it is sent back', async () => {
    // Steps are read back when each answer has returned (the workflow took it): none may follow.
    const steps = async (arm: number) =>
      (await ladderRows(stack, n.id)).filter((s) => s.arm === arm).map((s) => s.step);
    const n = await issue(office, aNotice([5]));
    const p = n.problems[0]!;
    await eventually(async () => (await steps(1)).length >= 1); // the reminder
    const answer = (action: string) =>
      unit.post(`/api/rectifications/${n.id}/problems/${p.id}/answer`, { action });
    expect((await answer('已整改')).status).toBe(200);
    const arm1 = await steps(1);
    expect(arm1[0]).toBe('reminder');
    const back = await office.post(`/api/rectifications/${n.id}/problems/${p.id}/verdict`, {
      verdict: 'sendBack',
      reasons: '照片不清晰',
      deadlineDays: 2,
    });
    expect(back.status).toBe(200);
    // The new term (arm 2) climbs on its own, from its reminder.
    await eventually(async () => (await steps(2)).includes('overdue'));
    expect((await answer('已重新拍照')).status).toBe(200);
    const arm2 = await steps(2);
    expect(arm2.slice(0, 2)).toEqual(['reminder', 'overdue']);
    await new Promise((r) => setTimeout(r, 4 * DAY_MS)); // past every step of both terms
    expect(await steps(1)).toEqual(arm1);
    expect(await steps(2)).toEqual(arm2);
    expect(arm1.length + arm2.length).toBeLessThan(8);
  });

  it('survives a worker restart in the middle of the ladder: no duplicate step, no missed step', async () => {
    const n = await issue(office, aNotice([2]));
    await eventually(async () => (await ladderRows(stack, n.id)).some((s) => s.step === 'overdue'));
    await stack.stopWorker();
    await new Promise((r) => setTimeout(r, 3 * DAY_MS)); // escalated and 约谈 come due while it is down
    await stack.startWorker();
    await eventually(async () => (await ladderRows(stack, n.id)).length >= 4);
    await new Promise((r) => setTimeout(r, DAY_MS));
    expect((await ladderRows(stack, n.id)).map((s) => s.step)).toEqual(ALL);
    const { rows: audit } = await stack.db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE entity_id = $1 AND action LIKE 'rectification.ladder.%'`,
      [n.id],
    );
    expect(audit[0].n).toBe(4);
    await eventually(async () => (await inbox('xqz.op', n.serial)).length === 4);
    expect(await inbox('xqz.op', n.serial)).toEqual([
      '【到期提醒】',
      '【逾期预警】',
      '【上报县级】',
      '【约谈标记】',
    ]);

    // And a retried write is harmless: the same steps written again add no row, flag or audit row.
    const sut = createRectificationActivities({
      orm: stack.orm,
      audit: stack.audit,
      deadlines: DEFAULT_DEADLINE_CONFIG,
    });
    const { rows: unitRow } = await stack.db.query(
      `SELECT org_unit_id FROM rectification_notice WHERE id = $1`,
      [n.id],
    );
    const again = await sut.recordRectificationSteps({
      serial: n.serial,
      flagArm: '1.1',
      steps: ['escalated', 'interview'].map((step) => ({
        noticeId: n.id,
        problemId: n.problems[0]!.id,
        seq: 1,
        arm: 1,
        step: step as 'escalated' | 'interview',
        dueDate: n.problems[0]!.dueDate,
        stepDate: n.problems[0]!.dueDate,
        daysLate: 3,
        unitId: unitRow[0].org_unit_id,
        at: new Date().toISOString(),
      })),
    });
    expect(again.recorded).toBe(0);
    const { rows: flags } = await stack.db.query(
      `SELECT (SELECT count(*)::int FROM interview_flag WHERE notice_id = $1) AS n,
              (SELECT count(*)::int FROM negative_list_entry WHERE notice_id = $1) AS listed`,
      [n.id],
    );
    expect(flags[0]).toEqual({ n: 1, listed: 1 });
  });

  it('states the lateness on the day a 约谈 is raised, when the ladder catches up days after its step', async () => {
    // Two long terms: the notice's own ladder stays quiet. Its problems' 约谈 step, due 2026-11-04
    // for a term ending 2026-11-01, is recorded today, as a workflow started again after days down
    // records the steps that came due meanwhile.
    const n = await issue(office, aNotice([300, 300]));
    const { rows: unitRow } = await stack.db.query(
      `SELECT org_unit_id FROM rectification_notice WHERE id = $1`,
      [n.id],
    );
    const sut = createRectificationActivities({
      orm: stack.orm,
      audit: stack.audit,
      deadlines: DEFAULT_DEADLINE_CONFIG,
    });
    await sut.recordRectificationSteps({
      serial: n.serial,
      flagArm: '1.1,2.1',
      steps: n.problems.map((p) => ({
        noticeId: n.id,
        problemId: p.id,
        seq: p.seq,
        arm: 1,
        step: 'interview' as const,
        dueDate: '2026-11-01',
        stepDate: '2026-11-04',
        daysLate: 3,
        unitId: unitRow[0].org_unit_id,
        at: new Date().toISOString(),
      })),
    });
    const late = daysBetween('2026-11-01', cstDate(Date.now()));
    expect(late).toBeGreaterThan(3);
    const { rows } = await stack.db.query(
      `SELECT (SELECT reason FROM interview_flag WHERE notice_id = $1) AS flag,
              (SELECT reason FROM negative_list_entry WHERE notice_id = $1) AS entry`,
      [n.id],
    );
    const said = `${n.serial} 问题1、问题2逾期未整改，期限 2026-11-01，逾期 ${late} 天，约谈主要负责人`;
    expect(rows[0]).toEqual({ flag: said, entry: said });
    // The grounds the console words it from say the same.
    const flag = (await office.get('/api/interview-flags')).body.items.find(
      (f: { notice: { id: string } | null }) => f.notice?.id === n.id,
    );
    expect(flag.noticeLadder).toEqual({
      serial: n.serial,
      problems: [1, 2],
      dueDate: '2026-11-01',
      daysLate: late,
    });
  });
});
