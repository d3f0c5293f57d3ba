/**
 * The acceptance gate (建档资料不完善不予竣工验收): inspect is refused with the list of what is
 * missing and nothing written; a complete file passes; a failed inspection loops back through
 * rectification and can pass later.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_SCOPE, inScope } from '../../db/scope.js';
import { acceptanceGate } from '../../db/queries/acceptance-gate.js';
import { aProject } from '../support/builders.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { take, walkTo, type Actors } from '../support/walk.js';

let stack: TestStack;
let actors: Actors;

beforeAll(async () => {
  stack = await startTestStack();
  actors = {
    dept: await Session.login(stack.baseUrl, 'swj.op'),
    owner: await Session.login(stack.baseUrl, 'xqz.op'),
  };
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

describe('the acceptance gate', () => {
  it('refuses inspect (409) listing exactly what is missing, and writes nothing', async () => {
    const p = await created();
    await walkTo(actors, p.id, 'underway');
    // No monthly progress entry, and no completion report attached.
    expect(
      (await take(actors, p.id, 'complete', { body: { action: 'complete', completedOn: '2026-09-10' } }))
        .status,
    ).toBe(200);
    const before = await snapshot(p);
    const res = await take(actors, p.id, 'inspect', { passed: true });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('TRANSITION_NOT_ALLOWED');
    expect(res.body.error.details.missing).toEqual([
      { ledger: 'implementingUnit', item: 'monthlyProgress', label: '月度进度（至少一期）' },
      { ledger: 'archive', item: 'completionReport', label: '竣工报告' },
    ]);
    expect(res.body.error.message).toContain('竣工报告');
    // A failed inspection is refused just the same: the inspection cannot take place.
    expect((await take(actors, p.id, 'inspect', { passed: false })).status).toBe(409);
    expect(await snapshot(p)).toEqual(before);
  });

  it('lets a complete file through; a failed inspection loops back to rectify and passes later', async () => {
    const p = await created();
    await walkTo(actors, p.id, 'completed');
    expect(await inScope(stack.orm, SYSTEM_SCOPE, (em) => acceptanceGate(em, p.id))).toEqual({
      ok: true,
      missing: [],
    });
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
