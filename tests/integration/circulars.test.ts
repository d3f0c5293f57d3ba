/**
 * 月通报 on the real stack: no draft before the month's ranking is stored; a draft generated from the
 * stored report, the overdue list, the month's notices and talks; edits guarded by revision and
 * checked field by field; regeneration replacing the draft; publication, after which nothing
 * changes (api and database); units reading only what is published; the PDF and the Word file.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inScope, type DbScope } from '#db/scope.js';
import { cstDate, daysBetween } from '#domain/deadlines.js';
import { aProject } from '../support/builders.js';
import { storeFixtureRanking } from '../support/circular-fixture.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let office: Session; // 县专项监督办: supervisor and operator
let leader: Session;
let officeViewer: Session; // 县脱贫攻坚办 查询员: county-wide, reads only
let township: Session; // 庙坝镇 operator
let village: Session; // 白台村 operator
const MONTH = '2026-11';
const TITLE = '关于2026年11月衔接资金项目推进情况的通报';
const KEYS = ['overview', 'ranking', 'overdue', 'rectification', 'requirements'];

beforeAll(async () => {
  stack = await startTestStack();
  const login = (u: string) => Session.login(stack.baseUrl, u);
  [office, leader, officeViewer, township, village] = await Promise.all([
    login('supervisor'),
    login('leader'),
    login('tpgjb.view'),
    login('mbz.op'),
    login('xqz-btc.op'),
  ]);
});
afterAll(async () => {
  await stack?.stop();
});

const count = async (sql: string, params: unknown[] = []) =>
  (await stack.db.query(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0].n as number;
const unitId = async (code: string) =>
  (await stack.db.query('SELECT id FROM org_unit WHERE code = $1', [code])).rows[0].id as string;
const edit = (revision: number, over: Record<string, unknown> = {}) => ({
  revision,
  title: TITLE,
  sections: KEYS.map((key) => ({ key, body: `${key} 的正文` })),
  ...over,
});
const body = (c: { sections: { key: string; body: string }[] }, key: string) =>
  c.sections.find((s) => s.key === key)!.body;

/** The month's facts as their own writers leave them: an overdue alert, a notice, a 约谈. */
async function monthFacts(): Promise<void> {
  const swj = await Session.login(stack.baseUrl, 'swj.op');
  const project = aProject();
  const created = await swj.post('/api/projects', project);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const [swjId, mbzId, officeId] = await Promise.all([unitId('swj'), unitId('mbz'), unitId('zxjdb')]);
  await stack.db.query(
    `INSERT INTO alert (project_id, kind, arm, step, due_date, step_date, days_late, responsible_unit_id, history_seq, raised_at)
     VALUES ($1, 'start', 1, 'escalated', '2026-10-01', '2026-11-15', 45, $2, 1, '2026-11-15T02:00:00Z')`,
    [created.body.id, swjId],
  );
  await stack.db.query(
    `INSERT INTO rectification_notice (year, number, serial, org_unit_id, issuer_unit_id, title, day_count,
            issued_at, issued_on, due_date)
     VALUES (2026, 7, '城口监督整改〔2026〕7号', $1, $2, '台账填报不及时', 'calendar',
            '2026-11-10T02:00:00Z', '2026-11-10', '2026-11-30')`,
    [mbzId, officeId],
  );
  const talk = await stack.db.query(
    `INSERT INTO interview_record (kind, held_at, interviewers, reason, agreed, recorder_unit_id)
     VALUES ('individual', '2026-11-20T10:00:00+08:00', '县专项监督办主任', '项目逾期未开工', '十日内开工', $1) RETURNING id`,
    [officeId],
  );
  await stack.db.query(
    `INSERT INTO interview_subject (record_id, seq, org_unit_id, person_name, person_title) VALUES ($1, 1, $2, '张三', '局长')`,
    [talk.rows[0].id, swjId],
  );
}

describe('the monthly circular', () => {
  let id: string;
  let revision: number;

  it('refuses a draft while the month has no stored ranking, writing nothing', async () => {
    const res = await office.post('/api/circulars', { month: MONTH });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('CONFLICT');
    expect(res.body.error.message).toContain('2026-11');
    expect(await count('circular')).toBe(0);
  });

  it('answers bad input with 422 naming the field', async () => {
    const res = await office.post('/api/circulars', { month: '2026-13' });
    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain('body.month');
  });

  it('generates the draft from the stored report, the overdue list, the notices and the talks', async () => {
    await storeFixtureRanking(stack, MONTH);
    await monthFacts();
    // The alert's step said 45 days (on 2026-11-15); the circular counts to the day it is made.
    const lateToday = () => daysBetween('2026-10-01', cstDate(Date.now()));
    const lateBefore = lateToday();
    const res = await office.post('/api/circulars', { month: MONTH });
    const lateAfter = lateToday();
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const c = res.body;
    expect(c).toMatchObject({ month: MONTH, edition: 1, status: 'draft', title: TITLE, canWrite: true });
    expect(c.issuer).toBe('县专项监督办');
    expect(c.sections.map((s: { key: string }) => s.key)).toEqual(KEYS);
    expect(c.generatedFrom).toMatchObject({
      rankingMonth: MONTH,
      configVersion: '2026.4',
      overdueProjects: 1,
      noticesIssued: 1,
      noticesClosed: 0,
      interviews: 1,
    });
    // 6 departments × 4 projects (400 万元 each unit's budget, 40% paid) as the fixture stores them.
    expect(body(c, 'overview')).toContain('全县纳入考核的2026年度衔接资金项目共24个');
    expect(body(c, 'overview')).toContain('批复资金2,400.00万元，已拨付960.00万元，支出进度40.0%');
    expect(body(c, 'ranking')).toContain('排名前三位的是：第1名县水务局（96.40分，较上月上升1位）');
    expect(body(c, 'ranking')).toContain('排名后三位的是：第4名县住房城乡建委（81.50分，上月未参与排名）');
    expect(
      [lateBefore, lateAfter].map((n) => `1. 县水务局：逾期项目1个（开工逾期1个），最长逾期${n}天。`),
    ).toContain(body(c, 'overdue').split('\n')[1]);
    expect(lateBefore).toBeGreaterThan(45);
    expect(body(c, 'rectification')).toContain('城口监督整改〔2026〕7号（庙坝镇，限2026年11月30日前整改）');
    expect(body(c, 'rectification')).toContain(
      '涉及县水务局共1个单位。约谈事由：2026年11月20日，项目逾期未开工',
    );
    expect(body(c, 'requirements')).toContain('县住房城乡建委、县扶贫办、县林业局要认真查找差距');
    id = c.id;
    revision = c.revision;
    expect(await count(`audit_log WHERE action = 'circular.generate' AND entity_id = $1`, [id])).toBe(1);
  });

  it('keeps drafts from units and writes from everyone but the supervision office', async () => {
    const list = await township.get('/api/circulars');
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
    expect(list.body.rankingMonths).toEqual([]);
    expect((await township.get(`/api/circulars/${id}`)).status).toBe(404);
    expect((await leader.get(`/api/circulars/${id}`)).status).toBe(200);
    for (const s of [village, township, leader, officeViewer]) {
      expect((await s.request('PUT', `/api/circulars/${id}`, edit(revision))).status).toBe(403);
      expect((await s.post(`/api/circulars/${id}/publish`, { revision })).status).toBe(403);
      expect((await s.post('/api/circulars', { month: MONTH })).status).toBe(403);
    }
    const after = await office.get(`/api/circulars/${id}`);
    expect(after.body.revision).toBe(revision);
  });

  it('edits the draft at the revision read, refuses a stale one and names a bad field', async () => {
    const res = await office.request(
      'PUT',
      `/api/circulars/${id}`,
      edit(revision, { title: `${TITLE}（修改）` }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.title).toBe(`${TITLE}（修改）`);
    expect(res.body.revision).toBe(revision + 1);
    expect(res.body.editedBy.username).toBe('supervisor');
    expect(res.body.sections[1]).toEqual({ key: 'ranking', heading: '二、排名情况', body: 'ranking 的正文' });

    const stale = await office.request('PUT', `/api/circulars/${id}`, edit(revision));
    expect(stale.status).toBe(409);
    revision += 1;

    const empty = await office.request('PUT', `/api/circulars/${id}`, {
      ...edit(revision),
      sections: KEYS.map((key, i) => ({ key, body: i === 2 ? '  ' : '正文' })),
    });
    expect(empty.status).toBe(422);
    expect(empty.body.error.details.map((d: { path: string }) => d.path)).toEqual(['body.sections.2.body']);
    const swapped = await office.request(
      'PUT',
      `/api/circulars/${id}`,
      edit(revision, { sections: [...KEYS].reverse().map((key) => ({ key, body: '正文' })) }),
    );
    expect(swapped.status).toBe(422);
    expect(swapped.body.error.details.map((d: { path: string }) => d.path)).toContain('body.sections.0.key');
    const english = await office.request(
      'PUT',
      `/api/circulars/${id}`,
      { ...edit(revision), title: '' },
      {
        'Accept-Language': 'en',
      },
    );
    expect(english.status).toBe(422);
    expect(english.body.error.message).toMatch(/body\.title/);
    expect((await office.get(`/api/circulars/${id}`)).body.revision).toBe(revision);
    expect(await count(`audit_log WHERE action = 'circular.edit' AND entity_id = $1`, [id])).toBe(1);
  });

  it('regenerating replaces the draft: the same circular, the text from the facts again', async () => {
    const res = await office.post('/api/circulars', { month: MONTH });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, edition: 1, status: 'draft', title: TITLE, editedAt: null });
    expect(res.body.revision).toBe(revision + 1);
    expect(body(res.body, 'ranking')).toContain('第1名县水务局');
    revision = res.body.revision;
    expect(await count('circular')).toBe(1);
    expect(await count(`audit_log WHERE action = 'circular.regenerate' AND entity_id = $1`, [id])).toBe(1);
  });

  it('publishes exactly the confirmed revision, and then nothing changes it', async () => {
    expect((await office.post(`/api/circulars/${id}/publish`, { revision: revision - 1 })).status).toBe(409);
    const res = await office.post(`/api/circulars/${id}/publish`, { revision });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'published', canWrite: false });
    expect(res.body.publishedBy.username).toBe('supervisor');
    const published = res.body;

    const again = await office.request('PUT', `/api/circulars/${id}`, edit(published.revision));
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('已发布');
    expect((await office.post(`/api/circulars/${id}/publish`, { revision: published.revision })).status).toBe(
      409,
    );
    // The database refuses it too, whoever asks (here its owner, beneath row-level security).
    await expect(stack.db.query(`UPDATE circular SET title = 'x' WHERE id = $1`, [id])).rejects.toThrow(
      /published/,
    );
    await expect(stack.db.query(`DELETE FROM circular WHERE id = $1`, [id])).rejects.toThrow(/published/);
    expect((await office.get(`/api/circulars/${id}`)).body).toEqual(published);
    expect(await count(`audit_log WHERE action = 'circular.publish' AND entity_id = $1`, [id])).toBe(1);
  });

  it('is circulated to every unit once published', async () => {
    const list = await village.get('/api/circulars');
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    const res = await village.get(`/api/circulars/${id}`);
    expect(res.status).toBe(200);
    expect(res.body.canWrite).toBe(false);
  });

  it('downloads the PDF with its title and the Word file with its text', async () => {
    const pdf = await village.download(`/api/circulars/${id}/export?format=pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toContain('application/pdf');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'circular-')), 'c.pdf');
    fs.writeFileSync(file, pdf.bytes);
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
    expect(text).toContain(TITLE);
    expect(text).toContain('县专项监督办通报');
    expect(text).toContain('二、排名情况');
    expect(text).not.toContain('草稿');

    const docx = await village.download(`/api/circulars/${id}/export?format=docx`);
    expect(docx.status).toBe(200);
    expect(docx.headers.get('content-type')).toContain('wordprocessingml');
    expect(docx.bytes.subarray(0, 4)).toEqual(Buffer.from('PK\x03\x04', 'latin1'));
    // Entries are stored uncompressed: the document's XML is readable in the file as it is.
    const raw = docx.bytes.toString('utf8');
    expect(raw).toContain('word/document.xml');
    expect(raw).toContain(`<w:t xml:space="preserve">${TITLE}</w:t>`);
    expect((await village.download(`/api/circulars/${id}/export?format=odt`)).status).toBe(422);
  });

  it('starts the next edition when generated after publication, leaving the published one as it was', async () => {
    const before = (await office.get(`/api/circulars/${id}`)).body;
    const res = await office.post('/api/circulars', { month: MONTH });
    expect(res.status).toBe(200);
    expect(res.body.id).not.toBe(id);
    expect(res.body).toMatchObject({ month: MONTH, edition: 2, status: 'draft' });
    expect((await office.get(`/api/circulars/${id}`)).body).toEqual(before);
    const list = await office.get('/api/circulars');
    expect(list.body.items.map((c: { edition: number; status: string }) => [c.edition, c.status])).toEqual([
      [2, 'draft'],
      [1, 'published'],
    ]);
    expect(list.body.rankingMonths).toEqual([MONTH]);
    // The unit still sees only the published edition.
    expect((await township.get('/api/circulars')).body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    const draftPdf = await office.download(`/api/circulars/${res.body.id}/export?format=pdf`);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'circular-')), 'd.pdf');
    fs.writeFileSync(file, draftPdf.bytes);
    expect(execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' })).toContain('草稿');
  });

  it('holds the same rules in PostgreSQL with the application out of the way', async () => {
    const village: DbScope = { kind: 'village', unitId: await unitId('xqz-btc'), roles: ['operator'] };
    const leaderScope: DbScope = { kind: 'county', unitId: await unitId('ck'), roles: ['leader'] };
    const officeScope: DbScope = {
      kind: 'county',
      unitId: await unitId('zxjdb'),
      roles: ['supervisor', 'operator'],
    };
    const statuses = (scope: DbScope) =>
      inScope(stack.orm, scope, (tx) =>
        tx.execute<{ status: string }[]>(`SELECT status FROM circular ORDER BY edition`),
      ).then((rows) => rows.map((r) => r.status));
    expect(await statuses(village)).toEqual(['published']);
    expect(await statuses(leaderScope)).toEqual(['published', 'draft']);
    // Only the office writes, and only drafts: the published row is not even visible to its UPDATE.
    const retitle = (scope: DbScope, status: string) =>
      inScope(stack.orm, scope, (tx) =>
        tx.execute(`UPDATE circular SET title = '改' WHERE status = ?`, [status], 'run'),
      ).then((r) => r.affectedRows);
    expect(await retitle(village, 'draft')).toBe(0);
    expect(await retitle(leaderScope, 'draft')).toBe(0);
    expect(await retitle(officeScope, 'published')).toBe(0);
    await expect(
      inScope(stack.orm, village, (tx) =>
        tx.execute(
          `INSERT INTO circular (month, edition, title, sections, ranking_month, ranking_config_version, generated_from, generated_at)
           VALUES ('2026-11', 9, 'x', '[]', '2026-11', '2026.1', '{}', now())`,
          [],
          'run',
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      inScope(stack.orm, officeScope, (tx) => tx.execute(`DELETE FROM circular`, [], 'run')),
    ).rejects.toThrow(/permission denied/);
    expect(await count(`circular WHERE title = '改'`)).toBe(0);
  });
});
