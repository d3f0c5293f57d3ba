/**
 * A step refused because the stage has moved on says, in Chinese first, who moved it, by which
 * step and to which stage (from the project's history), and names the stage now in its details:
 * the second of two people taking the same step learns what happened instead of reading only
 * "not allowed in stage underway".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aProject } from '../support/builders.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let swj: Session;
let xqz: Session;

beforeAll(async () => {
  stack = await startTestStack();
  swj = await Session.login(stack.baseUrl, 'swj.op');
  xqz = await Session.login(stack.baseUrl, 'xqz.op');
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe('a step someone else took first', () => {
  it('is refused with who took it, when, and the stage it is in now', async () => {
    const created = await swj.post('/api/projects', aProject({ name: '白台村便道（重复开工）' }));
    expect(created.status).toBe(201);
    const code: string = created.body.code;
    expect(
      (
        await swj.post(`/api/projects/${code}/transitions`, {
          action: 'approveDesign',
          documentNo: '城水审〔2026〕9号',
          approvedOn: '2026-03-10',
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await xqz.post(`/api/projects/${code}/transitions`, {
          action: 'fixImplementation',
          method: 'selfBuild',
        })
      ).status,
    ).toBe(200);
    const first = await xqz.post(`/api/projects/${code}/transitions`, {
      action: 'start',
      startedOn: '2026-04-01',
    });
    expect(first.status).toBe(200);
    const startedAt: string = first.body.history.at(-1).at;

    const second = await xqz.post(`/api/projects/${code}/transitions`, {
      action: 'start',
      startedOn: '2026-04-02',
    });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('TRANSITION_NOT_ALLOWED');
    const when = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'Asia/Shanghai',
      dateStyle: 'short',
      timeStyle: 'short',
    }).format(new Date(startedAt));
    expect(second.body.error.message).toMatch(
      new RegExp(
        `^当前阶段「实施中」不能执行「开工」：修齐镇操作员已于 ${when} 办理「开工」，阶段由「已确定实施方式」变为「实施中」$`,
      ),
    );
    expect(second.body.error.details).toEqual({
      stage: 'underway',
      lastStep: {
        action: 'start',
        actorName: '修齐镇操作员',
        at: startedAt,
        fromStage: 'methodFixed',
        toStage: 'underway',
      },
    });
    // Nothing was written by the refused step.
    const { rows } = await stack.db.query(
      `SELECT count(*)::int AS n FROM project_history h JOIN project p ON p.id = h.project_id
        WHERE p.code = $1 AND h.action = 'start'`,
      [code],
    );
    expect(rows[0].n).toBe(1);
  });
});
