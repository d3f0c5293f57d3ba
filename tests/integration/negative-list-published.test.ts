/**
 * A negative-list entry is never dated into a month whose negative list is published: the
 * published list would never show it. The office's own
 * listing is refused with a 409 naming `body.listedOn`, nothing written; a 约谈 record held in a
 * published month is still recorded, and the units it lists are listed on the day it is recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { today } from '../support/ladders.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let office: Session;

beforeAll(async () => {
  stack = await startTestStack();
  office = await Session.login(stack.baseUrl, 'supervisor');
});
afterAll(async () => {
  await stack?.stop();
});

const count = async (sql: string, params: unknown[] = []) =>
  (await stack.db.query(sql, params)).rows[0].n as number;
const entries = () => count('SELECT count(*)::int AS n FROM negative_list_entry');
const adds = () => count(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'negative_list.add'`);
const entry = (listedOn: string) => ({
  unitCode: 'mbz',
  leaderName: '王庙坝',
  reason: '项目公示弄虚作假',
  listedOn,
});

describe('an entry dated in a published month', () => {
  it('is refused once the month’s negative list is published: a 409 naming body.listedOn, in the caller’s language', async () => {
    const pub = await office.post('/api/negative-list/publications', { month: '2026-10' });
    expect(pub.status, JSON.stringify(pub.body)).toBe(201);
    const [before, auditBefore] = [await entries(), await adds()];

    const zh = await office.post('/api/negative-list', entry('2026-10-15'));
    expect(zh.status, JSON.stringify(zh.body)).toBe(409);
    expect(zh.body.error.code).toBe('CONFLICT');
    expect(zh.body.error.message).toContain('2026-10 的负面清单已发布');
    expect(zh.body.error.details).toEqual([{ path: 'body.listedOn', message: '2026-10 已发布' }]);
    const en = await office.request('POST', '/api/negative-list', entry('2026-10-31'), {
      'accept-language': 'en',
    });
    expect(en.status).toBe(409);
    expect(en.body.error.message).toMatch(/^the negative list of 2026-10 is published already/);
    expect(en.body.error.details).toEqual([{ path: 'body.listedOn', message: '2026-10 is published' }]);

    expect(await entries()).toBe(before);
    expect(await adds()).toBe(auditBefore);
    // The month's list stays as published, and a month not published takes the entry.
    const oct = await office.get('/api/negative-list/publications/2026-10');
    expect(oct.body.entryCount).toBe(pub.body.entryCount);
    const nov = await office.post('/api/negative-list', entry('2026-11-30'));
    expect(nov.status, JSON.stringify(nov.body)).toBe(201);
    expect(nov.body.listedOn).toBe('2026-11-30');
  });

  it('is taken in a month whose ranking is stored but whose list is not published (the Schedule ranks on the 1st)', async () => {
    await stack.db.query(
      `INSERT INTO ranking_report (month, config_version, computed_at, trigger, workflow_id, report)
       VALUES ('2026-09', 'test', now(), 'manual', 'ranking-2026-09', '{"month": "2026-09", "config": {"version": "test"}}')`,
    );
    const before = await entries();
    const res = await office.post('/api/negative-list', entry('2026-09-30'));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.listedOn).toBe('2026-09-30');
    expect(await entries()).toBe(before + 1);
  });

  it('a publication and a listing in the same month at once: the entry is refused or in the snapshot', async () => {
    const [added, published] = await Promise.all([
      office.post('/api/negative-list', entry('2026-07-20')),
      office.post('/api/negative-list/publications', { month: '2026-07' }),
    ]);
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    const listed = published.body.entries.map((e: { entryId: number }) => e.entryId);
    if (added.status === 201) expect(listed).toContain(added.body.id);
    else {
      expect(added.status, JSON.stringify(added.body)).toBe(409);
      expect(
        await count(`SELECT count(*)::int AS n FROM negative_list_entry WHERE listed_on = '2026-07-20'`),
      ).toBe(0);
    }
  });

  it('a talk held in a published month is recorded; the units it lists are listed on the day it is recorded', async () => {
    const res = await office.post('/api/interviews', {
      kind: 'individual',
      heldAt: '2026-10-20T09:30:00+08:00',
      location: '县专项监督办会议室',
      interviewers: '县专项监督办主任 李明',
      subjects: [{ unitCode: 'xqz', name: '张建国', title: '修齐镇党委书记' }],
      reason: '项目开工严重逾期',
      agreed: '十日内开工，每周报告进度',
      addToNegativeList: true,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const listed = await office.get('/api/negative-list?source=interview&unitCode=xqz');
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0]).toMatchObject({ sourceRef: res.body.id, listedOn: today() });
    // October's list is as it was published.
    const oct = await office.get('/api/negative-list/publications/2026-10');
    expect(oct.body.entries.map((e: { entryId: number }) => e.entryId)).not.toContain(
      listed.body.items[0].id,
    );
  });
});
