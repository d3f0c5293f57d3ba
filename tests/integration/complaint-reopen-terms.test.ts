/**
 * A complaint reopened after its answer, on the real stack with a one-second "day": the reopened
 * answer term is a new one (arm 2), so when the unit lets it run late again its overdue step is
 * recorded and announced again — its own time-limit row and its own message — instead of
 * colliding with the first term's (same key: the row kept, the message deduplicated).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { complaintWorkflowId, type ComplaintSlaConfig } from '#domain/complaint-records.js';
import { DEFAULT_DEADLINE_CONFIG } from '#domain/deadlines.js';
import { complaintsToRecreate } from '#scripts/lib/recreate/complaints.js';
import { eventually } from '../support/eventually.js';
import { FAST_LADDERS } from '../support/ladders.js';
import { step, submitJson } from '../support/complaints.js';
import { replayAndRecord } from '../support/rectification.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

const SLA: ComplaintSlaConfig = {
  acknowledgeDays: 5,
  assignDays: 5,
  answerDays: 1,
  escalateDays: 1,
  dayCount: 'calendar',
  reopenDays: 30,
};

let stack: TestStack;
let office: Session;
let unit: Session;

beforeAll(async () => {
  stack = await startTestStack({
    deadlines: FAST_LADDERS,
    complaints: { limits: { minFillMs: 0 }, sla: SLA },
  });
  [office, unit] = await Promise.all([
    Session.login(stack.baseUrl, 'supervisor'),
    Session.login(stack.baseUrl, 'xqz.op'),
  ]);
});
afterAll(async () => {
  await stack?.stop();
});

async function answerSteps(id: string) {
  const { rows } = await stack.db.query(
    `SELECT s.arm, s.step, o.code AS unit FROM complaint_sla_step s LEFT JOIN org_unit o ON o.id = s.unit_id
      WHERE s.complaint_id = $1 AND s.phase = 'answer' ORDER BY s.arm, s.raised_at`,
    [id],
  );
  return rows.map((r) => `${r.arm}.${r.step}.${r.unit}`);
}
/** The keys of the unit's inbox messages that its answer is overdue (not the escalations). */
async function unitOverdueMessages() {
  const { rows } = await stack.db.query(
    `SELECT m.key FROM inbox_message m JOIN app_user u ON u.id = m.user_id
      WHERE u.username = 'xqz.op' AND m.category = 'complaint' AND m.title LIKE '%办理答复逾期】%' ORDER BY m.id`,
  );
  return rows.map((r) => r.key as string);
}

describe('a complaint reopened after its answer', () => {
  it('arms a new answer term: left late again, it is recorded and announced to the unit again', async () => {
    const res = await submitJson(stack.baseUrl, { village: 'xqz-btc' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const receipt = res.body.receipt as string;
    const id = (await stack.db.query(`SELECT id FROM complaint WHERE receipt = $1`, [receipt])).rows[0]
      .id as string;
    await step(office, id, 'acknowledge');
    await step(office, id, 'assign', { unitCode: 'xqz' });
    // The first answer term runs late while the unit owes the handling.
    await eventually(async () => (await answerSteps(id)).includes('1.overdue.xqz'));
    await eventually(async () => (await unitOverdueMessages()).length === 1);
    await step(unit, id, 'handle', { action: '已组织返工' });
    await step(office, id, 'answer', { answer: '已责令返工。' });
    await step(office, id, 'close');
    // Started again from PostgreSQL (a restore), the closed complaint's run knows the answer term
    // on record, though none runs: a reopening numbers past it there too.
    const [restored] = await complaintsToRecreate(stack.orm, [receipt], {
      config: { ...DEFAULT_DEADLINE_CONFIG, ...FAST_LADDERS },
      sla: SLA,
      isWorkday: () => true,
      nowMs: Date.now(),
    });
    expect(restored!.input.state).toMatchObject({ status: 'closed', term: null, armed: { answer: 1 } });
    // Reopened back to the unit, which lets the new term run late too.
    await step(office, id, 'reopen', { reason: '返工后仍有裂缝' });
    const steps = await eventually(async () => {
      const s = await answerSteps(id);
      return s.includes('2.overdue.xqz') && s;
    }, 30_000).catch(async () => answerSteps(id));
    expect(steps).toEqual(expect.arrayContaining(['1.overdue.xqz', '2.overdue.xqz']));
    const messages = await eventually(async () => {
      const m = await unitOverdueMessages();
      return m.length >= 2 && m;
    }).catch(unitOverdueMessages);
    expect(messages).toEqual([`complaint:${id}:answer:1:overdue`, `complaint:${id}:answer:2:overdue`]);
    await replayAndRecord(stack, complaintWorkflowId(receipt), 'complaint-terms-counted');
  });
});
