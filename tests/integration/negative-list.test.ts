/**
 * The negative list (负面清单) on the real stack: the office lists a unit by hand and lifts an
 * entry once, with a reason and evidence; a month's list is published once and then never changes
 * (the database refuses, even to the app's own role); a unit sees its own entries and its own
 * year; bad input is a 422 naming the field, with nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inScope, scopeOf, SYSTEM_SCOPE } from '#db/scope.js';
import { negativeEntryFromNotice } from '#db/writes/negative-list-entry.js';
import { loadPrincipals } from '../support/authz/stack.js';
import { aProject } from '../support/builders.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let office: Session;
let leader: Session;
let mbz: Session;
let xqz: Session;
let ljc: Session;

beforeAll(async () => {
  stack = await startTestStack();
  const login = (u: string) => Session.login(stack.baseUrl, u);
  [office, leader, mbz, xqz, ljc] = (await Promise.all(
    ['supervisor', 'leader', 'mbz.op', 'xqz.op', 'mbz-ljc.op'].map(login),
  )) as Session[] as [Session, Session, Session, Session, Session];
});
afterAll(async () => {
  await stack?.stop();
});

const count = async (sql: string, params: unknown[] = []) =>
  (await stack.db.query(sql, params)).rows[0].n as number;
const entry = (over: Record<string, unknown> = {}) => ({
  unitCode: 'mbz',
  leaderName: '王庙坝',
  reason: '项目公示弄虚作假',
  listedOn: '2026-10-15',
  ...over,
});

describe('negative list', () => {
  let mbzEntry: number;
  let xqzEntry: number;

  it('the office lists units by hand; each unit sees its own entries, county-wide accounts all', async () => {
    const a = await office.post('/api/negative-list', entry());
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    expect(a.body).toMatchObject({
      source: 'manual',
      unit: { code: 'mbz' },
      leaderName: '王庙坝',
      listedOn: '2026-10-15',
    });
    mbzEntry = a.body.id;
    const b = await office.post(
      '/api/negative-list',
      entry({ unitCode: 'xqz', leaderName: '张建国', listedOn: '2026-11-03' }),
    );
    expect(b.status).toBe(201);
    xqzEntry = b.body.id;
    const ids = async (s: Session) =>
      (await s.get('/api/negative-list?status=all')).body.items.map((e: { id: number }) => e.id) as number[];
    expect(await ids(leader)).toEqual(expect.arrayContaining([mbzEntry, xqzEntry]));
    expect(await ids(mbz)).toContain(mbzEntry);
    expect(await ids(mbz)).not.toContain(xqzEntry);
    expect((await mbz.post('/api/negative-list', entry())).status).toBe(403);
    // Without a leader's name: the unit's account marked 单位主要负责人.
    await stack.db.query(`UPDATE app_user SET unit_head = true WHERE username = 'mbz-ljc.op'`);
    const byHead = await office.post(
      '/api/negative-list',
      entry({ unitCode: 'mbz-ljc', leaderName: undefined }),
    );
    expect(byHead.status, JSON.stringify(byHead.body)).toBe(201);
    expect(byHead.body.leaderName).toBe('罗江村操作员');
    expect((await ljc.get('/api/negative-list')).body.items.map((e: { id: number }) => e.id)).toEqual([
      byHead.body.id,
    ]);
    expect(
      await count(
        `SELECT count(*)::int AS n FROM audit_log WHERE action = 'negative_list.add' AND entity_id = $1`,
        [String(mbzEntry)],
      ),
    ).toBe(1);
  });

  it('an entry is lifted once, by the office, with a reason and evidence', async () => {
    const up = await office.upload(
      '/api/bulletin-attachments?fileName=lift.pdf',
      Buffer.from('%PDF-1.4\n整改完成\n%%EOF\n'),
      'application/pdf',
      'lift.pdf',
    );
    expect(up.status).toBe(201);
    expect((await mbz.post(`/api/negative-list/${xqzEntry}/lift`, { reason: '整改到位' })).status).toBe(403);
    const lifted = await office.post(`/api/negative-list/${xqzEntry}/lift`, {
      reason: '整改到位，经复查属实',
      attachmentIds: [up.body.id],
    });
    expect(lifted.status, JSON.stringify(lifted.body)).toBe(200);
    expect(lifted.body).toMatchObject({ liftReason: '整改到位，经复查属实', liftedBy: '专项监督办督查员' });
    expect(lifted.body.evidence.map((e: { id: string }) => e.id)).toEqual([up.body.id]);
    // The unit listed reads the evidence; another does not see the entry at all.
    const path = `/api/negative-list/${xqzEntry}/attachments/${up.body.id}`;
    expect((await xqz.download(path)).status).toBe(200);
    expect((await mbz.download(path)).status).toBe(404);
    const again = await office.post(`/api/negative-list/${xqzEntry}/lift`, { reason: '再次移出' });
    expect(again.status).toBe(409);
    // Listed facts never change, not even through SQL as the app's role.
    await expect(
      inScope(stack.orm, SYSTEM_SCOPE, (tx) =>
        tx.execute(`UPDATE negative_list_entry SET reason = '改写' WHERE id = ?`, [mbzEntry], 'run'),
      ),
    ).rejects.toThrow(/changes only by being lifted/);
    // In force (the default list): the lifted one is gone.
    const current = (await leader.get('/api/negative-list')).body.items.map((e: { id: number }) => e.id);
    expect(current).toContain(mbzEntry);
    expect(current).not.toContain(xqzEntry);
  });

  it('an entry from a rectification notice’s 约谈 flag is listed once, however often it is written', async () => {
    const { rows } = await stack.db.query(
      `SELECT id FROM org_unit WHERE code IN ('ck', 'mbz', 'zxjdb') ORDER BY code`,
    );
    const [, mbzId, zxjdb] = rows.map((r) => r.id as string);
    const notice = await stack.db.query(
      `INSERT INTO rectification_notice (year, number, serial, org_unit_id, issuer_unit_id, title, day_count, issued_at,
         issued_on, due_date) VALUES (2026, 901, '测试整改〔2026〕901号', $1, $2, '测试', 'working', now(), '2026-10-01', '2026-10-20')
       RETURNING id`,
      [mbzId, zxjdb],
    );
    const write = negativeEntryFromNotice({
      noticeId: notice.rows[0].id,
      arm: '1',
      unitId: mbzId!,
      reason: '整改通知书逾期未整改，约谈主要负责人',
      listedAt: '2026-10-25T02:00:00Z',
    });
    for (let k = 0; k < 2; k++)
      await inScope(stack.orm, SYSTEM_SCOPE, (tx) => tx.execute(write.sql, write.params, 'run'));
    const listed = await mbz.get('/api/negative-list?source=rectification');
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0]).toMatchObject({
      sourceRef: '测试整改〔2026〕901号',
      listedOn: '2026-10-25',
    });
  });

  it('a month is published once; its list never changes, even through SQL as the app’s role', async () => {
    const res = await office.post('/api/negative-list/publications', { month: '2026-11' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    // In force during November: the October entries and the one listed in November (lifted only
    // after the month ended, so in force at its end).
    const ids = res.body.entries.map((e: { entryId: number }) => e.entryId);
    expect(ids).toEqual(expect.arrayContaining([mbzEntry, xqzEntry]));
    expect(res.body.entries.find((e: { entryId: number }) => e.entryId === xqzEntry)).toMatchObject({
      listedOn: '2026-11-03',
      liftedOn: null,
      liftReason: null,
    });
    expect(res.body.entryCount).toBe(res.body.entries.length);
    // October: lists the October entries only.
    const oct = await office.post('/api/negative-list/publications', { month: '2026-10' });
    expect(oct.body.entries.map((e: { entryId: number }) => e.entryId)).not.toContain(xqzEntry);

    const twice = await office.post('/api/negative-list/publications', { month: '2026-11' });
    expect(twice.status).toBe(409);
    expect(twice.body.error.details[0].path).toBe('body.month');
    for (const sql of [
      `UPDATE negative_list_publication_entry SET reason = '改写' WHERE month = '2026-11'`,
      `DELETE FROM negative_list_publication_entry WHERE month = '2026-11'`,
      `UPDATE negative_list_publication SET entry_count = 0 WHERE month = '2026-11'`,
    ]) {
      await expect(inScope(stack.orm, SYSTEM_SCOPE, (tx) => tx.execute(sql, [], 'run'))).rejects.toThrow(
        /permission denied|append-only/,
      );
      // The owner is refused by the trigger too.
      await expect(stack.db.query(sql)).rejects.toThrow(/append-only/);
    }
    const read = await office.get('/api/negative-list/publications/2026-11');
    expect(read.body.entries).toEqual(res.body.entries);
    // A unit reads its own rows of the published month.
    const own = await mbz.get('/api/negative-list/publications/2026-11');
    expect(own.body.entries.every((e: { unit: { name: string } }) => e.unit.name === '庙坝镇')).toBe(true);
    expect(
      (await office.get('/api/negative-list/publications')).body.items.map((p: { month: string }) => p.month),
    ).toEqual(['2026-11', '2026-10']);
  });

  it('a unit’s annual assessment: county-wide accounts read any unit, the unit itself its own, no one else', async () => {
    const mine = await mbz.get('/api/units/mbz/annual-assessment?year=2026');
    expect(mine.status, JSON.stringify(mine.body)).toBe(200);
    expect(mine.body.summary).toMatchObject({
      notices: 1,
      noticesOpen: 1,
      negativeEntries: 2,
      negativeEntriesLifted: 0,
    });
    expect(mine.body.notices[0].serial).toBe('测试整改〔2026〕901号');
    expect(mine.body.ranks).toHaveLength(12);
    expect(
      (await leader.get('/api/units/xqz/annual-assessment?year=2026')).body.summary.negativeEntriesLifted,
    ).toBe(1);
    expect((await xqz.get('/api/units/mbz/annual-assessment?year=2026')).status).toBe(404);
    expect((await ljc.get('/api/units/mbz/annual-assessment?year=2026')).status).toBe(404);
    const bad = await leader.get('/api/units/mbz/annual-assessment?year=20x6');
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body.error)).toContain('query.year');
  });

  it('bad input is a 422 naming the field, and nothing is written', async () => {
    const before = await count('SELECT count(*)::int AS n FROM negative_list_entry');
    const cases: [string, Record<string, unknown>, string][] = [
      ['/api/negative-list', entry({ unitCode: 'nowhere' }), 'body.unitCode'],
      ['/api/negative-list', entry({ leaderName: '' }), 'body.leaderName'],
      ['/api/negative-list', entry({ listedOn: '2026-13-01' }), 'body.listedOn'],
      ['/api/negative-list', entry({ listedOn: '2099-01-01' }), 'body.listedOn'],
      ['/api/negative-list', entry({ project: 'NO-SUCH' }), 'body.project'],
      [`/api/negative-list/${1}/lift`, { reason: '' }, 'body.reason'],
      ['/api/negative-list/publications', { month: '2026-13' }, 'body.month'],
      ['/api/negative-list/publications', { month: '2099-01' }, 'body.month'],
    ];
    for (const [path, body, field] of cases) {
      const res = await office.post(path, body);
      expect(res.status, `${field}: ${JSON.stringify(res.body)}`).toBe(422);
      expect(JSON.stringify(res.body.error), field).toContain(field);
    }
    expect((await office.post('/api/negative-list/abc/lift', { reason: 'x' })).status).toBe(422);
    expect(await count('SELECT count(*)::int AS n FROM negative_list_entry')).toBe(before);
    expect(
      await count(`SELECT count(*)::int AS n FROM negative_list_publication WHERE month = '2099-01'`),
    ).toBe(0);
  });

  it('a unit reads its own entry about a project it cannot read, in the api and in PostgreSQL alone', async () => {
    // 县水务局's project in 修齐镇's village; 扶贫办 is listed for it (a talk's subject beside it).
    const dept = await Session.login(stack.baseUrl, 'swj.op');
    const p = await dept.post('/api/projects', aProject());
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    // Dated after the months published above: an entry is never dated into a published month.
    const listed = await office.post(
      '/api/negative-list',
      entry({ unitCode: 'fpb', project: p.body.code, listedOn: '2026-12-01' }),
    );
    expect(listed.status, JSON.stringify(listed.body)).toBe(201);
    const fpb = await Session.login(stack.baseUrl, 'fpb.op');
    expect((await fpb.get(`/api/projects/${p.body.id}`)).status).toBe(404);
    const ids = (await fpb.get('/api/negative-list')).body.items.map((e: { id: number }) => e.id);
    expect(ids).toEqual([listed.body.id]);
    const mine = await fpb.get('/api/units/fpb/annual-assessment?year=2026');
    expect(mine.body.summary.negativeEntries).toBe(1);
    // Row-level security alone: the policy, and the check the lift's attachments use.
    const fpbUnit = (await loadPrincipals(stack)).find((a) => a.username === 'fpb.op')!.principal;
    const rls = await inScope(stack.orm, scopeOf(fpbUnit), (em) =>
      em.execute(`SELECT id::int AS id, app_can_read_negative_entry(id) AS can FROM negative_list_entry`),
    );
    expect(rls).toEqual([{ id: listed.body.id, can: true }]);
    // 修齐镇 reads it as a reader of the project, not as the unit listed.
    expect((await xqz.get('/api/negative-list')).body.items.map((e: { id: number }) => e.id)).toContain(
      listed.body.id,
    );
  });
});
