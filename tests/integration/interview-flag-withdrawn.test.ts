/**
 * A 约谈 flag raised by a rectification notice's ladder closes, without a talk, when the office
 * withdraws the notice (the withdrawal says the notice was wrong): it leaves the open flags, reads
 * as closed with no record, is audited, and no talk can close it any more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRectificationActivities } from '#activities/rectification.activities.js';
import { DEFAULT_DEADLINE_CONFIG } from '#domain/deadlines.js';
import { aProjectOfXqz, issue, noticesAbout, spreadSerials } from '../support/rectification.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let office: Session;
let project: string;

beforeAll(async () => {
  // Real days: the notice's own ladder stays far from its 约谈 step while the test runs.
  stack = await startTestStack({ deadlines: { enabled: true } });
  office = await Session.login(stack.baseUrl, 'supervisor');
  [project] = await Promise.all([aProjectOfXqz(stack), spreadSerials(stack)]);
});
afterAll(async () => {
  await stack?.stop();
});

const count = async (sql: string, params: unknown[] = []) =>
  (await stack.db.query(sql, params)).rows[0].n as number;

/** The notice's first problem reaches its 约谈 step: the ladder's own activity raises the flag. */
async function raiseFlag(n: Awaited<ReturnType<typeof issue>>): Promise<number> {
  const sut = createRectificationActivities({
    orm: stack.orm,
    audit: stack.audit,
    deadlines: DEFAULT_DEADLINE_CONFIG,
  });
  const { rows } = await stack.db.query(`SELECT org_unit_id FROM rectification_notice WHERE id = $1`, [n.id]);
  const p = n.problems[0]!;
  await sut.recordRectificationSteps({
    serial: n.serial,
    flagArm: '1.1',
    steps: [
      {
        noticeId: n.id,
        problemId: p.id,
        seq: p.seq,
        arm: 1,
        step: 'interview',
        dueDate: p.dueDate,
        stepDate: p.dueDate,
        daysLate: 3,
        unitId: rows[0].org_unit_id,
        at: new Date().toISOString(),
      },
    ],
  });
  const flag = await stack.db.query(
    `SELECT id FROM interview_flag WHERE notice_id = $1 AND notice_arm = '1.1'`,
    [n.id],
  );
  return Number(flag.rows[0].id);
}

const flagIds = async (status: string) =>
  (await office.get(`/api/interview-flags?status=${status}&unitCode=xqz&pageSize=100`)).body.items.map(
    (f: { id: number }) => f.id,
  ) as number[];

describe('a withdrawn notice’s 约谈 flag', () => {
  it('closes with the withdrawal, without a record, and no talk can close it afterwards', async () => {
    const n = await issue(office, noticesAbout(project)([10, 20]));
    const flag = await raiseFlag(n);
    expect(await flagIds('open')).toContain(flag);

    const w = await office.post(`/api/rectifications/${n.id}/withdraw`, {
      reason: '问题已由县审计局另案处理',
    });
    expect(w.status, JSON.stringify(w.body)).toBe(200);
    expect(w.body.status).toBe('withdrawn');

    expect(await flagIds('open')).not.toContain(flag);
    const closed = (await office.get(`/api/interview-flags?status=closed&id=${flag}`)).body.items;
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({
      id: flag,
      source: 'rectification',
      notice: { id: n.id, serial: n.serial },
      recordId: null,
      closedAt: expect.any(String),
    });
    const { rows } = await stack.db.query(
      `SELECT f.close_reason, f.closed_at = n.closed_at AS at_withdrawal
         FROM interview_flag f JOIN rectification_notice n ON n.id = f.notice_id WHERE f.id = $1`,
      [flag],
    );
    expect(rows[0]).toEqual({ close_reason: 'noticeWithdrawn', at_withdrawal: true });
    expect(
      await count(
        `SELECT count(*)::int AS n FROM audit_log WHERE action = 'interview.flag.close' AND entity_id = $1
            AND after->>'closeReason' = 'noticeWithdrawn'`,
        [String(flag)],
      ),
    ).toBe(1);

    // A talk naming it: a 409 naming the field, and nothing written.
    const records = await count('SELECT count(*)::int AS n FROM interview_record');
    const talk = await office.request(
      'POST',
      '/api/interviews',
      {
        kind: 'individual',
        heldAt: new Date().toISOString(),
        location: '县专项监督办会议室',
        interviewers: '县专项监督办主任 李明',
        subjects: [{ unitCode: 'xqz', name: '张建国', title: '修齐镇党委书记' }],
        reason: '整改逾期',
        agreed: '按期整改',
        flagIds: [flag],
      },
      { 'accept-language': 'en' },
    );
    expect(talk.status, JSON.stringify(talk.body)).toBe(409);
    expect(talk.body.error.message).toContain('withdrawn');
    expect(talk.body.error.details).toEqual([{ path: 'body.flagIds', message: 'notice withdrawn' }]);
    expect(await count('SELECT count(*)::int AS n FROM interview_record')).toBe(records);
  });

  it('the database holds it: a flag is closed by a record or by the withdrawal, never both, never neither', async () => {
    const n = await issue(office, noticesAbout(project)([15]));
    const flag = await raiseFlag(n);
    for (const sql of [
      `UPDATE interview_flag SET closed_at = now() WHERE id = $1`,
      `UPDATE interview_flag SET close_reason = 'noticeWithdrawn' WHERE id = $1`,
      `UPDATE interview_flag SET close_reason = 'other', closed_at = now() WHERE id = $1`,
    ])
      await expect(stack.db.query(sql, [flag])).rejects.toThrow(/check constraint/);
    // Another notice's flag stays open when this one is withdrawn.
    const other = await issue(office, noticesAbout(project)([25]));
    const otherFlag = await raiseFlag(other);
    expect((await office.post(`/api/rectifications/${n.id}/withdraw`, { reason: '误发' })).status).toBe(200);
    const open = await flagIds('open');
    expect(open).not.toContain(flag);
    expect(open).toContain(otherFlag);
  });

  it('a 约谈 step recorded as the notice is withdrawn raises its flag closed', async () => {
    // The ladder's activity ran on after the withdrawal committed (a retry, or a step due at that
    // instant): its flag is closed at once rather than left open for a talk no one owes.
    const n = await issue(office, noticesAbout(project)([12]));
    expect((await office.post(`/api/rectifications/${n.id}/withdraw`, { reason: '误发' })).status).toBe(200);
    const flag = await raiseFlag(n);
    expect(await flagIds('open')).not.toContain(flag);
    const { rows } = await stack.db.query(
      `SELECT close_reason, record_id, closed_at >= raised_at AS after_raised FROM interview_flag WHERE id = $1`,
      [flag],
    );
    expect(rows[0]).toEqual({ close_reason: 'noticeWithdrawn', record_id: null, after_raised: true });
  });
});
