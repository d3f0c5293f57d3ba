/**
 * Every stage × every action over HTTP against the real stack: an action the transition table
 * refuses answers 409 and writes nothing (project row, history, workflow history); an allowed one
 * succeeds and lands in the stage the table names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS, STAGES, isAllowed, nextStage, type Stage } from '#domain/lifecycle.js';
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

async function projectAt(stage: Stage): Promise<{ id: string; code: string }> {
  const created = await actors.dept.post('/api/projects', aProject());
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await walkTo(actors, created.body.id, stage);
  // 验收 from 竣工 is allowed only with a complete file (the acceptance gate): give it one.
  if (stage === 'completed') await stack.completeFile(created.body.id);
  const p = { id: created.body.id, code: created.body.code };
  // Let the workflow settle (a step may wake its deadline loop) before comparing snapshots.
  let last = -1;
  for (;;) {
    const n = (await snapshot(p)).events;
    if (n === last) return p;
    last = n ?? -1;
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function snapshot(p: { id: string; code: string }) {
  const row = (await stack.db.query('SELECT * FROM project WHERE id = $1', [p.id])).rows[0];
  const history = (
    await stack.db.query('SELECT * FROM project_history WHERE project_id = $1 ORDER BY seq', [p.id])
  ).rows;
  const events = (await stack.client.workflow.getHandle(`project-${p.code}`).fetchHistory()).events?.length;
  return { row, history, events };
}

// inspect passes both from completed and from rectifying (the failed-inspection loop closes).
const opts = { passed: true, month: '2026-06' };

describe('every stage × every action', () => {
  const refused = STAGES.flatMap((s) => ACTIONS.filter((a) => !isAllowed(s, a)).map((a) => [s, a] as const));
  const allowed = STAGES.flatMap((s) => ACTIONS.filter((a) => isAllowed(s, a)).map((a) => [s, a] as const));

  it(`refuses the ${refused.length} disallowed pairs with 409 and writes nothing`, async () => {
    for (const stage of STAGES) {
      const p = await projectAt(stage);
      for (const action of ACTIONS.filter((a) => !isAllowed(stage, a))) {
        const before = await snapshot(p);
        const res = await take(actors, p.id, action, opts);
        expect(res.status, `${stage} × ${action}: ${JSON.stringify(res.body)}`).toBe(409);
        expect(res.body.error.code).toBe('TRANSITION_NOT_ALLOWED');
        expect(await snapshot(p), `${stage} × ${action} wrote something`).toEqual(before);
      }
    }
  });

  it(`accepts the ${allowed.length} allowed pairs`, async () => {
    for (const [stage, action] of allowed) {
      const p = await projectAt(stage);
      const res = await take(actors, p.id, action, opts);
      expect(res.status, `${stage} × ${action}: ${JSON.stringify(res.body)}`).toBe(200);
      expect(res.body.stage, `${stage} × ${action}`).toBe(nextStage(stage, action, { passed: true }));
      const { rows } = await stack.db.query(
        'SELECT action, from_stage, to_stage FROM project_history WHERE project_id = $1 ORDER BY seq DESC LIMIT 1',
        [p.id],
      );
      expect(rows[0]).toEqual({ action, from_stage: stage, to_stage: res.body.stage });
    }
  });
});
