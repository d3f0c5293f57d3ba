/**
 * 约谈 records on the real stack: a project ladder's 约谈 step raises a flag (with the alert and
 * the negative-list entry) that stays open until the office records a talk closing it; a flag
 * closes once; records are never changed (the database refuses, even to the app's own role); a
 * unit sees only the talks it was part of; bad input is a 422 naming the field, with nothing written.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '#domain/deadlines.js';
import { inScope, SYSTEM_SCOPE } from '#db/scope.js';
import { aProject } from '../support/builders.js';
import { eventually } from '../support/eventually.js';
import { FAST_LADDERS, today } from '../support/ladders.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let office: Session; // 专项监督办 督查员
let officeOp: Session; // 专项监督办 操作员
let leader: Session;
let xqz: Session; // 修齐镇 (the test projects' owner)
let mbz: Session; // 庙坝镇
let btc: Session; // 白台村
let ljc: Session; // 罗江村

beforeAll(async () => {
  stack = await startTestStack({ deadlines: FAST_LADDERS });
  const login = (u: string) => Session.login(stack.baseUrl, u);
  [office, officeOp, leader, xqz, mbz, btc, ljc] = (await Promise.all(
    ['supervisor', 'zxjdb.op', 'leader', 'xqz.op', 'mbz.op', 'xqz-btc.op', 'mbz-ljc.op'].map(login),
  )) as Session[] as [Session, Session, Session, Session, Session, Session, Session];
});
afterAll(async () => {
  await stack?.stop();
});

const count = async (sql: string, params: unknown[] = []) =>
  (await stack.db.query(sql, params)).rows[0].n as number;

const talk = (over: Record<string, unknown> = {}) => ({
  kind: 'individual',
  heldAt: '2026-11-20T09:30:00+08:00',
  location: '县专项监督办会议室',
  interviewers: '县专项监督办主任 李明；副主任 王芳',
  subjects: [{ unitCode: 'xqz', name: '张建国', title: '修齐镇党委书记' }],
  reason: '项目开工严重逾期',
  agreed: '十日内开工，每周报告进度',
  followUpDue: '2026-12-10',
  ...over,
});

describe('约谈 flags from project ladders', () => {
  let flagId: number;
  let projectCode: string;

  it('the ladder’s 约谈 step raises an open flag beside the alert and the negative-list entry', async () => {
    const t = today();
    const created = await (
      await Session.login(stack.baseUrl, 'swj.op')
    ).post(
      '/api/projects',
      aProject({
        plannedDates: {
          start: addDays(t, 2),
          completion: addDays(t, 300),
          acceptance: addDays(t, 400),
          reimbursement: addDays(t, 500),
        },
      }),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    projectCode = created.body.code;
    const flag = await eventually(async () => {
      const res = await office.get('/api/interview-flags');
      return res.body.items.find(
        (f: { project: { code: string } | null }) => f.project?.code === projectCode,
      );
    }, 60_000);
    flagId = flag.id;
    expect(flag).toMatchObject({
      source: 'projectLadder',
      unit: { code: 'xqz' },
      recordId: null,
      closedAt: null,
    });
    expect(flag.reason).toContain('约谈主要负责人');
    // One flag and one entry per alert, in the same transaction as the alert.
    const { rows } = await stack.db.query(
      `SELECT a.id, (SELECT count(*)::int FROM interview_flag f WHERE f.alert_id = a.id) AS flags,
              (SELECT count(*)::int FROM negative_list_entry n WHERE n.alert_id = a.id AND n.source = 'projectLadder') AS entries
         FROM alert a JOIN project p ON p.id = a.project_id WHERE p.code = $1 AND a.step = 'interview'`,
      [projectCode],
    );
    expect(rows).toEqual([{ id: rows[0].id, flags: 1, entries: 1 }]);
    // The flagged unit sees its own flag; another township does not.
    expect((await xqz.get('/api/interview-flags')).body.items.map((f: { id: number }) => f.id)).toContain(
      flagId,
    );
    expect((await mbz.get('/api/interview-flags')).body.items.map((f: { id: number }) => f.id)).not.toContain(
      flagId,
    );
  });

  it('the flag stays open until a record closes it; a unit cannot record a talk', async () => {
    const refused = await xqz.post('/api/interviews', talk({ flagIds: [flagId] }));
    expect(refused.status).toBe(403);
    const still = await office.get('/api/interview-flags?status=open');
    expect(still.body.items.map((f: { id: number }) => f.id)).toContain(flagId);
  });

  it('a talk recorded from the flag closes it, with the flag’s project, an attachment and audit rows', async () => {
    const bytes = Buffer.from('%PDF-1.4\n% 约谈笔录\n%%EOF\n');
    const up = await office.upload(
      '/api/bulletin-attachments?fileName=record.pdf',
      bytes,
      'application/pdf',
      'record.pdf',
    );
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    const res = await office.post(
      '/api/interviews',
      talk({ flagIds: [flagId], attachmentIds: [up.body.id] }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      kind: 'individual',
      project: { code: projectCode },
      subjects: [{ unit: { code: 'xqz' }, name: '张建国', title: '修齐镇党委书记' }],
      flags: [{ id: flagId, source: 'projectLadder' }],
      followUpDue: '2026-12-10',
    });
    const open = await office.get('/api/interview-flags?status=open');
    expect(open.body.items.map((f: { id: number }) => f.id)).not.toContain(flagId);
    const closed = await office.get('/api/interview-flags?status=closed');
    expect(closed.body.items.find((f: { id: number }) => f.id === flagId).recordId).toBe(res.body.id);
    expect(
      await count(
        `SELECT count(*)::int AS n FROM audit_log WHERE action = 'interview.record' AND entity_id = $1`,
        [res.body.id],
      ),
    ).toBe(1);
    expect(
      await count(
        `SELECT count(*)::int AS n FROM audit_log WHERE action = 'interview.flag.close' AND entity_id = $1`,
        [String(flagId)],
      ),
    ).toBe(1);
    // The unit talked to downloads the attachment, its SHA-256 checked; another unit cannot.
    const path = `/api/interviews/${res.body.id}/attachments/${up.body.id}`;
    const file = await xqz.download(path);
    expect(file.status).toBe(200);
    expect(file.headers.get('x-content-sha256')).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect((await mbz.download(path)).status).toBe(404);

    // A second record cannot close the same flag: 409, and nothing is written.
    const before = await count('SELECT count(*)::int AS n FROM interview_record');
    const again = await officeOp.post('/api/interviews', talk({ flagIds: [flagId] }));
    expect(again.status).toBe(409);
    expect(await count('SELECT count(*)::int AS n FROM interview_record')).toBe(before);
  });
});

describe('约谈 records', () => {
  let collectiveId: string;

  it('a collective talk of two units: each sees it, a third unit and its villages do not', async () => {
    const res = await office.post(
      '/api/interviews',
      talk({
        kind: 'collective',
        subjects: [
          { unitCode: 'xqz', name: '张建国', title: '党委书记' },
          { unitCode: 'xqz-btc', name: '刘小红', title: '村支书' },
        ],
        reason: '项目资金拨付滞后',
      }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    collectiveId = res.body.id;
    for (const s of [xqz, btc, leader, office])
      expect((await s.get(`/api/interviews/${collectiveId}`)).status).toBe(200);
    for (const s of [mbz, ljc]) expect((await s.get(`/api/interviews/${collectiveId}`)).status).toBe(404);
    const listed = async (s: Session) =>
      (await s.get('/api/interviews?pageSize=100')).body.items.map((i: { id: string }) => i.id) as string[];
    expect(await listed(btc)).toContain(collectiveId);
    expect(await listed(ljc)).not.toContain(collectiveId);
    expect((await listed(ljc)).length).toBe(0);
    // Filters: by unit, kind and words.
    const byUnit = await office.get('/api/interviews?unitCode=xqz-btc&kind=collective');
    expect(byUnit.body.items.map((i: { id: string }) => i.id)).toEqual([collectiveId]);
    const byWords = await office.get(`/api/interviews?q=${encodeURIComponent('拨付滞后')}`);
    expect(byWords.body.items.map((i: { id: string }) => i.id)).toEqual([collectiveId]);
  });

  it('a record is never changed: a correction is a new record, and the database refuses an UPDATE or DELETE', async () => {
    const fix = await office.post(
      '/api/interviews',
      talk({
        correctsId: collectiveId,
        kind: 'collective',
        subjects: [{ unitCode: 'xqz', name: '张建国', title: '党委书记' }],
        reason: '项目资金拨付滞后（更正：时间）',
      }),
    );
    expect(fix.status, JSON.stringify(fix.body)).toBe(201);
    expect(fix.body.correctsId).toBe(collectiveId);
    expect((await office.get(`/api/interviews/${collectiveId}`)).body.correctedById).toBe(fix.body.id);
    // One talk in the unit's year, told by the correction (as the ranking and the circular count it).
    const year = (await office.get('/api/units/xqz/annual-assessment?year=2026')).body;
    const ids = year.talks.map((t: { id: string }) => t.id);
    expect(ids).toContain(fix.body.id);
    expect(ids).not.toContain(collectiveId);
    expect(year.summary.talks).toBe(ids.length);
    // 白台村, which the correction no longer names, sees the record corrected and no talk of its own.
    expect((await btc.get(`/api/interviews/${collectiveId}`)).body.correctedById).toBe(fix.body.id);
    const village = (await btc.get('/api/units/xqz-btc/annual-assessment?year=2026')).body;
    expect(village.talks.map((t: { id: string }) => t.id)).not.toContain(collectiveId);
    // As the app's own role, in the system scope: refused.
    await expect(
      inScope(stack.orm, SYSTEM_SCOPE, (tx) =>
        tx.execute(`UPDATE interview_record SET agreed = '篡改' WHERE id = ?`, [collectiveId], 'run'),
      ),
    ).rejects.toThrow(/append-only/);
    await expect(
      inScope(stack.orm, SYSTEM_SCOPE, (tx) =>
        tx.execute(`DELETE FROM interview_subject WHERE record_id = ?`, [collectiveId], 'run'),
      ),
    ).rejects.toThrow(/append-only|permission denied/);
    expect((await office.get(`/api/interviews/${collectiveId}`)).body.agreed).toBe(
      '十日内开工，每周报告进度',
    );
  });

  it('a talk may put its units on the negative list (source: the talk)', async () => {
    const res = await office.post(
      '/api/interviews',
      talk({ addToNegativeList: true, reason: '虚报项目进度' }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { rows } = await stack.db.query(
      `SELECT o.code, n.leader_name, n.reason FROM negative_list_entry n JOIN org_unit o ON o.id = n.org_unit_id
        WHERE n.source = 'interview' AND n.interview_record_id = $1`,
      [res.body.id],
    );
    expect(rows).toEqual([{ code: 'xqz', leader_name: '张建国', reason: '虚报项目进度' }]);
  });

  it('bad input is a 422 naming the field (in the caller’s language), and nothing is written', async () => {
    const before = await count('SELECT count(*)::int AS n FROM interview_record');
    const cases: [Record<string, unknown>, string][] = [
      [talk({ subjects: [] }), 'body.subjects'],
      [
        talk({
          kind: 'individual',
          subjects: [
            { unitCode: 'xqz', name: 'a' },
            { unitCode: 'mbz', name: 'b' },
          ],
        }),
        'body.subjects',
      ],
      [talk({ subjects: [{ unitCode: 'nowhere', name: '某人' }] }), 'body.subjects.0.unitCode'],
      [talk({ heldAt: '昨天' }), 'body.heldAt'],
      [talk({ agreed: '' }), 'body.agreed'],
      [talk({ flagIds: [987654321] }), 'body.flagIds'],
      [talk({ correctsId: '00000000-0000-4000-8000-000000000000' }), 'body.correctsId'],
      [talk({ attachmentIds: ['00000000-0000-4000-8000-000000000000'] }), 'body.attachmentIds'],
      [talk({ project: 'NO-SUCH-PROJECT' }), 'body.project'],
      // Held tomorrow in the county (a mistyped year is the same), or a reply due before the talk.
      [talk({ heldAt: new Date(Date.now() + 86_400_000).toISOString() }), 'body.heldAt'],
      [talk({ heldAt: '2026-11-20T23:30:00+08:00', followUpDue: '2026-11-19' }), 'body.followUpDue'],
    ];
    for (const [body, field] of cases) {
      const res = await office.post('/api/interviews', body);
      expect(res.status, `${field}: ${JSON.stringify(res.body)}`).toBe(422);
      expect(JSON.stringify(res.body.error), field).toContain(field);
    }
    const en = await office.request('POST', '/api/interviews', talk({ heldAt: 'x' }), {
      'accept-language': 'en',
    });
    expect(en.status).toBe(422);
    expect(en.body.error.message).toMatch(/[a-z]/i);
    expect(await count('SELECT count(*)::int AS n FROM interview_record')).toBe(before);
  });
});

// Last in the file: it leaves hundreds of open flags behind.
describe('约谈 flags past the first 500', () => {
  it('pages through every open flag with an exact total, oldest raised first', async () => {
    const { rows: ids } = await stack.db.query(
      `SELECT (SELECT id FROM project ORDER BY code LIMIT 1) AS project_id,
              (SELECT id FROM org_unit WHERE code = 'xqz') AS unit_id`,
    );
    // 600 ladder 约谈 alerts, each with its open flag, one second apart.
    await stack.db.query(
      `WITH a AS (
         INSERT INTO alert (project_id, kind, arm, step, due_date, step_date, days_late, responsible_unit_id,
                            history_seq, raised_at)
         SELECT $1, 'start', g, 'interview', '2026-10-01', '2026-11-15', 45, $2, 1,
                '2026-11-15T02:00:00Z'::timestamptz + g * interval '1 second'
           FROM generate_series(1001, 1600) g
         RETURNING id, raised_at)
       INSERT INTO interview_flag (source, alert_id, org_unit_id, project_id, reason, raised_at)
       SELECT 'projectLadder', a.id, $2, $1, '测试约谈标记', a.raised_at FROM a`,
      [ids[0].project_id, ids[0].unit_id],
    );
    const open = await count(`SELECT count(*)::int AS n FROM interview_flag WHERE record_id IS NULL`);
    expect(open).toBeGreaterThan(500);
    const first = await office.get('/api/interview-flags?status=open&pageSize=100');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ total: open, page: 1, pageSize: 100 });
    expect(first.body.items).toHaveLength(100);
    const lastPage = Math.ceil(open / 100);
    const last = await office.get(`/api/interview-flags?status=open&pageSize=100&page=${lastPage}`);
    expect(last.body.total).toBe(open);
    expect(last.body.items).toHaveLength(open - (lastPage - 1) * 100);
    const { rows: newest } = await stack.db.query(
      `SELECT id::int AS id FROM interview_flag WHERE record_id IS NULL ORDER BY raised_at DESC, id DESC LIMIT 1`,
    );
    expect(last.body.items.at(-1).id).toBe(newest[0].id);
    // The unit filter keeps to its own flags and counts them.
    const xqzOpen = await count(
      `SELECT count(*)::int AS n FROM interview_flag f JOIN org_unit o ON o.id = f.org_unit_id
        WHERE f.record_id IS NULL AND o.code = 'xqz'`,
    );
    const byUnit = await office.get('/api/interview-flags?status=open&unitCode=xqz&pageSize=10&page=2');
    expect(byUnit.body).toMatchObject({ total: xqzOpen, page: 2, pageSize: 10 });
    expect(byUnit.body.items.every((f: { unit: { code: string } }) => f.unit.code === 'xqz')).toBe(true);
    // One flag by number, wherever it falls in the list.
    const one = await office.get(`/api/interview-flags?status=open&id=${newest[0].id}`);
    expect(one.body.items.map((f: { id: number }) => f.id)).toEqual([newest[0].id]);
  });
});
