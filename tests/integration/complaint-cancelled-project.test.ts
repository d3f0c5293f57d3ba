/**
 * A complaint about a cancelled (已终止) project, end to end on the real stack: the project's
 * public page offers its own form, which names the project and says it was cancelled (Chinese and
 * English); the form posted as a browser posts it and the JSON api both take it; it is recorded
 * against the project with its owner unit as the unit to assign, runs its time limits as any
 * complaint does, is handled by the owner unit assigned and by no other, and is followed by its
 * receipt. An unknown project is still refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { FAST_LADDERS } from '../support/ladders.js';
import { REPORTER, formToken, lookup, step, submitJson } from '../support/complaints.js';
import { aProject } from '../support/builders.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { loginActors, take } from '../support/walk.js';

const MIN_FILL_MS = 200;
let stack: TestStack;
let office: Session;
let owner: Session;
let project: { id: string; code: string; name: string };
/** How the complaint pages and messages name the project (`complaintSubjectLabel`). */
let label: { zh: string; en: string };

beforeAll(async () => {
  stack = await startTestStack({
    // A one-second day: the time limits run out within the test.
    deadlines: FAST_LADDERS,
    complaints: {
      limits: { minFillMs: MIN_FILL_MS, submitPerHour: 100 },
      sla: {
        acknowledgeDays: 1,
        assignDays: 1,
        answerDays: 1,
        escalateDays: 1,
        dayCount: 'calendar',
        reopenDays: 1,
      },
    },
  });
  const actors = await loginActors(stack);
  const created = await actors.dept.post('/api/projects', aProject());
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  project = { id: created.body.id, code: created.body.code, name: created.body.name };
  const cancelled = await take(actors, project.id, 'cancel');
  expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
  expect(cancelled.body.stage).toBe('cancelled');
  label = { zh: `项目 ${project.code} ${project.name}`, en: `project ${project.code} ${project.name}` };
  office = await Session.login(stack.baseUrl, 'supervisor');
  owner = actors.owner; // xqz.op, of the owner unit 修齐镇
}, 600_000);
afterAll(async () => {
  await stack?.stop();
});

/** A form token aged as a person's form would be. */
async function agedToken() {
  const token = await formToken(stack.baseUrl);
  await new Promise((r) => setTimeout(r, MIN_FILL_MS + 100));
  return token;
}

const unescape = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");

async function getPage(path: string) {
  const res = await fetch(`${stack.baseUrl}${path}`, { headers: { Accept: 'text/html' } });
  return { status: res.status, text: await res.text() };
}

/** The form posted as a browser posts it, to the action its page names, with the token it carries. */
async function postForm(page: string, fields: Record<string, string>) {
  const action = unescape(/<form class="card" method="post" action="([^"]+)"/.exec(page)![1]!);
  const formToken = /name="formToken" value="([^"]+)"/.exec(page)![1]!;
  const hidden = /<input type="hidden" name="(project|village)" value="([^"]+)">/.exec(page)!;
  await new Promise((r) => setTimeout(r, MIN_FILL_MS + 100));
  const form = new FormData();
  form.append(hidden[1]!, unescape(hidden[2]!));
  form.append('formToken', formToken);
  form.append('anonymous', '1');
  form.append('name', '');
  form.append('phone', '');
  form.append('website', '');
  form.append('photos', new Blob([]), '');
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  const res = await fetch(`${stack.baseUrl}${action}`, {
    method: 'POST',
    body: form,
    headers: { Origin: new URL(stack.baseUrl).origin, 'Sec-Fetch-Site': 'same-origin', Accept: 'text/html' },
  });
  return { status: res.status, text: await res.text() };
}

async function complaintRow(receipt: string) {
  const { rows } = await stack.db.query(
    `SELECT c.id, c.project_id, su.code AS subject_unit FROM complaint c
       LEFT JOIN org_unit su ON su.id = c.subject_unit_id WHERE c.receipt = $1`,
    [receipt],
  );
  return rows[0] as { id: string; project_id: string; subject_unit: string } | undefined;
}

async function slaSteps(id: string) {
  const { rows } = await stack.db.query(
    `SELECT phase, arm, step FROM complaint_sla_step WHERE complaint_id = $1 ORDER BY raised_at, step DESC`,
    [id],
  );
  return rows.map((r) => `${r.phase}.${r.arm}.${r.step}`);
}

async function complaintInbox(username: string) {
  const { rows } = await stack.db.query(
    `SELECT m.title FROM inbox_message m JOIN app_user u ON u.id = m.user_id
      WHERE u.username = $1 AND m.category = 'complaint' ORDER BY m.id`,
    [username],
  );
  return rows.map((r) => r.title as string);
}

describe('the public pages of a cancelled project', () => {
  it('offer the project’s own complaint form, in Chinese and in English', async () => {
    for (const [q, hint] of [
      ['', '本项目虽已终止，仍可举报'],
      ['?lang=en', 'This project was cancelled, but it can still be reported on'],
    ] as const) {
      const page = await getPage(`/public/projects/${project.code}${q}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain(hint);
      const href = unescape(/<a class="btn" id="report" href="([^"]+)"/.exec(page.text)![1]!);
      expect(href).toBe(`/public/complaints/new?project=${project.code}${q ? '&lang=en' : ''}`);
    }
  });

  it('the form names the project, says it was cancelled and takes the report, in both languages', async () => {
    for (const [q, about, note] of [
      ['', `举报对象：${label.zh}`, '该项目已终止。'],
      ['&lang=en', `About: ${label.en}`, 'This project was cancelled.'],
    ] as const) {
      const form = await getPage(`/public/complaints/new?project=${project.code}${q}`);
      expect(form.status).toBe(200);
      expect(unescape(form.text)).toContain(about);
      expect(form.text).toContain(note);
      expect(form.text).toContain(`<input type="hidden" name="project" value="${project.code}">`);
      const sent = await postForm(form.text, {
        category: 'funds',
        description: '项目终止前已拨付的资金去向不明，路基挖了一半就停工了。',
      });
      expect(sent.status, sent.text.slice(0, 2000)).toBe(201);
      const receipt = /data-receipt>([0-9A-Z-]+)</.exec(sent.text)![1]!.replace(/-/g, '');
      const row = await complaintRow(receipt);
      expect(row).toMatchObject({ project_id: project.id, subject_unit: 'xqz' });
    }
  });
});

describe('a complaint about a cancelled project', () => {
  let id: string;
  let receipt: string;

  it('is taken by the JSON api and recorded against the project, its owner unit the one to assign', async () => {
    const res = await submitJson(stack.baseUrl, {
      project: project.code,
      anonymous: false,
      ...REPORTER,
      formToken: await agedToken(),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    receipt = res.body.receipt;
    const row = await complaintRow(receipt);
    expect(row).toMatchObject({ project_id: project.id, subject_unit: 'xqz' });
    id = row!.id;
  });

  it('is seen by the office, the project named and its owner preselected; by no unit before it is assigned', async () => {
    const seen = await office.get(`/api/complaints/${id}`);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({
      status: 'submitted',
      subject: { kind: 'project', code: project.code, name: project.name },
      subjectUnit: { code: 'xqz' },
      reporter: { anonymous: false, ...REPORTER },
    });
    const listed = await office.get('/api/complaints?pageSize=50');
    expect(listed.body.items.map((c: { id: string }) => c.id)).toContain(id);
    for (const u of ['xqz.op', 'swj.op', 'mbz.op']) {
      const s = u === 'xqz.op' ? owner : await Session.login(stack.baseUrl, u);
      expect((await s.get(`/api/complaints/${id}`)).status, u).toBe(404);
    }
  });

  it('runs its time limits as any complaint’s: overdue, escalated to county, naming the project', async () => {
    expect(await eventually(async () => ((await slaSteps(id)).length >= 2 ? slaSteps(id) : null))).toEqual([
      'acknowledge.1.overdue',
      'acknowledge.1.escalated',
    ]);
    expect((await office.get('/api/complaints?overdue=true')).body.items.map((c: any) => c.id)).toContain(id);
    await eventually(async () => (await complaintInbox('leader')).length >= 1);
    expect(await complaintInbox('supervisor')).toEqual(
      expect.arrayContaining([`【举报受理逾期】${label.zh}`, `【举报受理逾期上报县级】${label.zh}`]),
    );
    expect(await complaintInbox('leader')).toEqual(
      expect.arrayContaining([`【举报受理逾期上报县级】${label.zh}`]),
    );
  });

  it('is assigned to the owner unit, which reads it and the project, hears of its time limit, handles it', async () => {
    await step(office, id, 'acknowledge');
    const assigned = await step(office, id, 'assign', {
      unitCode: 'xqz',
      note: '请修齐镇核查终止项目资金去向',
    });
    expect(assigned.unit.code).toBe('xqz');
    const read = await owner.get(`/api/complaints/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.subject).toEqual({ kind: 'project', code: project.code, name: project.name });
    expect(read.body.reporter).toBeUndefined();
    // The console links the complaint to the project's page: the unit may open it, cancelled or not.
    const p = await owner.get(`/api/projects/${project.code}`);
    expect(p.status).toBe(200);
    expect(p.body.stage).toBe('cancelled');
    await eventually(async () => (await slaSteps(id)).includes('answer.1.overdue'));
    await eventually(async () => (await complaintInbox('xqz.op')).length >= 1);
    expect((await complaintInbox('xqz.op'))[0]).toBe(`【举报办理答复逾期】${label.zh}`);
    // Scope: another township hears nothing of it and still cannot read it.
    const other = await Session.login(stack.baseUrl, 'mbz.op');
    expect((await other.get(`/api/complaints/${id}`)).status).toBe(404);
    expect(await complaintInbox('mbz.op')).toEqual([]);
    expect(
      (await step(owner, id, 'handle', { action: '已核对拨付凭证，终止前拨付 12 万元用于路基' })).status,
    ).toBe('handled');
    expect(
      (await step(office, id, 'answer', { answer: '经核查，终止前拨付资金用于路基施工，账实相符。' })).status,
    ).toBe('answered');
    expect((await step(office, id, 'close')).status).toBe('closed');
  });

  it('is followed by its receipt: status, the project named and the answer, as JSON and on the page in both languages', async () => {
    const res = await lookup(stack.baseUrl, receipt);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'closed',
      subject: { kind: 'project', code: project.code, name: project.name },
      publicAnswer: '经核查，终止前拨付资金用于路基施工，账实相符。',
    });
    for (const q of ['', '?lang=en']) {
      const page = await fetch(`${stack.baseUrl}/public/complaints/lookup${q}`, {
        method: 'POST',
        body: new URLSearchParams({ receipt }),
        headers: { Origin: new URL(stack.baseUrl).origin, Accept: 'text/html' },
      });
      const text = unescape(await page.text());
      expect(page.status, q).toBe(200);
      expect(text).toContain('data-status="closed"');
      expect(text).toContain(`${project.code} ${project.name}`);
      expect(text).toContain('经核查，终止前拨付资金用于路基施工，账实相符。');
    }
  });
});

describe('an unknown project', () => {
  it('is still refused, naming the field, and its form says there is no such subject', async () => {
    const res = await submitJson(stack.baseUrl, { project: 'CK2099-999', formToken: await agedToken() });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].path).toBe('body.project');
    expect(res.body.error.message).toContain('项目不存在');
    const form = await getPage('/public/complaints/new?project=CK2099-999');
    expect(form.status).toBe(404);
    expect(form.text).toContain('请先在公示页面找到要举报的项目');
  });
});
