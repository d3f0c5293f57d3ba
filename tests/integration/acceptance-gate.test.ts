/**
 * The acceptance gate (建档资料不完善不予竣工验收): inspect is refused while a ledger item due by
 * 竣工 or a required archive document is missing, with the list of exactly what is missing and
 * nothing written; a complete file passes; a failed inspection loops back through rectification
 * and can pass later.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aProject } from '../support/builders.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { take, walkTo, loginActors, type Actors } from '../support/walk.js';

let stack: TestStack;
let actors: Actors;

beforeAll(async () => {
  stack = await startTestStack();
  actors = await loginActors(stack);
});
afterAll(async () => {
  await stack?.stop();
});

async function created() {
  const res = await actors.dept.post('/api/projects', aProject());
  expect(res.status).toBe(201);
  return { id: res.body.id as string, code: res.body.code as string };
}

async function snapshot(p: { id: string; code: string }) {
  return {
    row: (await stack.db.query('SELECT * FROM project WHERE id = $1', [p.id])).rows[0],
    history: (await stack.db.query('SELECT * FROM project_history WHERE project_id = $1', [p.id])).rows,
    events: (await stack.client.workflow.getHandle(`project-${p.code}`).fetchHistory()).events?.length,
  };
}

const missingItems = (res: { body: any }) =>
  (res.body.error.details.missing as { ledger: string; item: string }[]).map((m) => `${m.ledger}:${m.item}`);

describe('the acceptance gate', () => {
  it('refuses inspect (409) listing exactly what is missing, and writes nothing', async () => {
    const p = await created();
    await walkTo(actors, p.id, 'underway');
    // 录入月度进度 is also the implementing unit's ledger entry for that month.
    expect((await take(actors, p.id, 'reportProgress', { month: '2026-05' })).status).toBe(200);
    expect(
      (await stack.db.query('SELECT month, percent FROM monthly_progress WHERE project_id = $1', [p.id]))
        .rows,
    ).toEqual([{ month: '2026-05', percent: 55 }]);
    expect((await take(actors, p.id, 'complete')).status).toBe(200);

    const before = await snapshot(p);
    const res = await take(actors, p.id, 'inspect', { passed: true });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('TRANSITION_NOT_ALLOWED');
    // Nothing but the project row and one progress report: every other item due by 竣工 is listed.
    expect(missingItems(res)).toEqual([
      'department:approvedOn',
      'department:constructionContent',
      'department:fundDocuments',
      'department:disbursements',
      'implementing:collectiveDecision',
      'implementing:implementationMethod',
      'implementing:finalProgress',
      'site:publicNotice',
      'site:opinions',
      'site:beneficiaries',
      'site:supervisionVisit',
      'archive:approved.approvalDocument',
      'archive:approved.fundDocument',
      'archive:designApproved.designApproval',
      'archive:methodFixed.contract',
      'archive:methodFixed.decisionMinutes',
      'archive:underway.publicNoticePhoto',
      'archive:underway.startReport',
      'archive:completed.completionReport',
      'archive:completed.supervisionPhoto',
    ]);
    expect(res.body.error.message).toContain('竣工报告');
    // Each gap's label in the caller's language: Chinese by default, English when asked.
    const labels = (r: { body: any }) =>
      (r.body.error.details.missing as { label: string }[]).map((m) => m.label);
    expect(labels(res)).toContain('实施单位项目台账：集体决策记录');
    expect(labels(res)).toContain('档案资料（已竣工）：竣工报告');
    const en = await take(actors, p.id, 'inspect', { passed: true, headers: { 'Accept-Language': 'en' } });
    expect(en.status).toBe(409);
    expect(labels(en)).toHaveLength(labels(res).length);
    expect(labels(en)).toContain('Implementing-unit ledger: Collective decision');
    // An archive item's label is the county's own wording: quoted.
    expect(labels(en)).toContain('Archive documents (Completed): 「竣工报告」');
    for (const said of [en.body.error.message, ...labels(en)])
      expect(said.replace(/「[^」]*」/g, ''), said).not.toMatch(/\p{Script=Han}/u);
    // A failed inspection is refused just the same: the inspection cannot take place.
    expect((await take(actors, p.id, 'inspect', { passed: false })).status).toBe(409);
    expect(await snapshot(p)).toEqual(before);

    // Ledgers complete, one document short: only that document is listed.
    await stack.completeFile(p.id, { withoutArchives: ['completed.supervisionPhoto'] });
    const oneShort = await take(actors, p.id, 'inspect', { passed: true });
    expect(oneShort.status).toBe(409);
    expect(missingItems(oneShort)).toEqual(['archive:completed.supervisionPhoto']);
    expect(oneShort.body.error.message).toContain('监督检查照片');
    expect(await snapshot(p)).toEqual(before);
  });

  it('lets a complete file through; a failed inspection loops back to rectify and passes later', async () => {
    const p = await created();
    await walkTo(actors, p.id, 'completed');
    await stack.completeFile(p.id);
    const failed = await take(actors, p.id, 'inspect', { passed: false });
    expect(failed.body.stage).toBe('rectifying');
    const progress = await take(actors, p.id, 'reportProgress', { month: '2026-10' });
    expect(progress.body.stage).toBe('rectifying');
    const failedAgain = await take(actors, p.id, 'inspect', { passed: false });
    expect(failedAgain.body.stage).toBe('rectifying');
    const passed = await take(actors, p.id, 'inspect', { passed: true });
    expect(passed.status).toBe(200);
    expect(passed.body.stage).toBe('accepted');
    expect(
      passed.body.history
        .filter((h: { action: string }) => h.action === 'inspect')
        .map((h: { toStage: string }) => h.toStage),
    ).toEqual(['rectifying', 'rectifying', 'accepted']);
  });
});
