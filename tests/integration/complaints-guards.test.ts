/**
 * Complaints' time limits and abuse guards on the real stack, with a one-second "day": an
 * unacknowledged complaint goes overdue and is escalated to county level, each phase in turn, to
 * the right people and never naming the reporter; the honeypot, the form token, photo checks and
 * the per-client rate limit refuse what they must, naming the field.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { FAST_LADDERS } from '../support/ladders.js';
import { PHOTO, REPORTER, formToken, step, submitJson, submitMultipart } from '../support/complaints.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

const MIN_FILL_MS = 1500;
const SUBMITS = 8;
let stack: TestStack;
let office: Session;

beforeAll(async () => {
  stack = await startTestStack({
    deadlines: FAST_LADDERS,
    complaints: {
      limits: { minFillMs: MIN_FILL_MS, submitPerHour: SUBMITS, maxPhotos: 2, maxPhotoBytes: 64 * 1024 },
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
  office = await Session.login(stack.baseUrl, 'supervisor');
});
afterAll(async () => {
  await stack?.stop();
});

let sent = 0;
/** A token aged as a person's form would be. */
async function agedToken() {
  const token = await formToken(stack.baseUrl);
  await new Promise((r) => setTimeout(r, MIN_FILL_MS + 100));
  return token;
}

async function slaSteps(id: string) {
  const { rows } = await stack.db.query(
    `SELECT phase, arm, step, days_late FROM complaint_sla_step WHERE complaint_id = $1 ORDER BY raised_at, step DESC`,
    [id],
  );
  return rows.map((r) => `${r.phase}.${r.arm}.${r.step}`);
}
async function inbox(username: string) {
  const { rows } = await stack.db.query(
    `SELECT m.title, m.body FROM inbox_message m JOIN app_user u ON u.id = m.user_id
      WHERE u.username = $1 AND m.category = 'complaint' ORDER BY m.id`,
    [username],
  );
  return rows as { title: string; body: string }[];
}

describe('time limits', () => {
  it('escalate each phase in turn: overdue, then county level; the unit hears of its own, never who reported', async () => {
    const res = await submitJson(stack.baseUrl, {
      village: 'xqz-btc',
      anonymous: false,
      ...REPORTER,
      formToken: await agedToken(),
    });
    sent++;
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { rows } = await stack.db.query(`SELECT id FROM complaint WHERE receipt = $1`, [res.body.receipt]);
    const id = rows[0].id as string;
    expect(await eventually(async () => ((await slaSteps(id)).length >= 2 ? slaSteps(id) : null))).toEqual([
      'acknowledge.1.overdue',
      'acknowledge.1.escalated',
    ]);
    expect((await office.get(`/api/complaints?overdue=true`)).body.items.map((c: any) => c.id)).toContain(id);
    await eventually(async () => (await inbox('leader')).length >= 1);
    expect((await inbox('supervisor')).map((m) => m.title)).toEqual([
      expect.stringContaining('举报受理逾期】'),
      expect.stringContaining('举报受理逾期上报县级】'),
    ]);
    // County level hears of the escalation only.
    expect((await inbox('leader')).map((m) => m.title)).toEqual([expect.stringContaining('上报县级')]);
    await step(office, id, 'acknowledge');
    expect((await office.get(`/api/complaints/${id}`)).body).toMatchObject({
      slaPhase: 'assign',
      slaStep: null,
    });
    await eventually(async () => (await slaSteps(id)).includes('assign.1.overdue'));
    await step(office, id, 'assign', { unitCode: 'xqz' });
    await eventually(async () => (await slaSteps(id)).includes('answer.1.escalated'));
    // The messages are delivered after the step is written.
    await eventually(async () => (await inbox('xqz.op')).length >= 2);
    const unitMessages = await inbox('xqz.op');
    expect(unitMessages.map((m) => m.title)).toEqual([
      expect.stringContaining('举报办理答复逾期】'),
      expect.stringContaining('举报办理答复逾期上报县级】'),
    ]);
    const text = JSON.stringify(unitMessages);
    expect(text).not.toContain(REPORTER.name);
    expect(text).not.toContain(REPORTER.phone);
    expect(text).not.toContain(res.body.receipt);
  });
});

describe('abuse guards', () => {
  it('refuse a filled honeypot, a missing, forged or too fresh form token, naming the field', async () => {
    const token = await agedToken();
    const cases: [Record<string, unknown>, string][] = [
      [{ website: 'http://spam.example', formToken: token }, 'body.website'],
      [{ formToken: 'forged.token' }, 'body.formToken'],
      [{ formToken: token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) }, 'body.formToken'],
      [{ formToken: 'fresh' }, 'body.formToken'], // sent at once after it was served: a robot
    ];
    for (const [fields, path] of cases) {
      if (fields.formToken === 'fresh') fields.formToken = await formToken(stack.baseUrl);
      const res = await submitJson(stack.baseUrl, { village: 'xqz-btc', ...fields });
      sent++;
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(res.body.error.details[0].path).toBe(path);
    }
    const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM complaint`);
    expect(rows[0].n).toBe(1); // the time-limit test's alone
  });

  it('refuse an oversize photo (413), a non-image and too many photos (422), naming the field', async () => {
    const token = await agedToken();
    const big = new Uint8Array(64 * 1024 + 1);
    big.set(PHOTO);
    const oversize = await submitMultipart(
      stack.baseUrl,
      { village: 'xqz-btc', anonymous: true, formToken: token },
      [
        { bytes: PHOTO, type: 'image/png', name: 'ok.png' },
        { bytes: big, type: 'image/png', name: 'big.png' },
      ],
    );
    sent++;
    expect(oversize.status).toBe(413);
    expect(oversize.body.error.details[0].path).toBe('body.photos.1');
    // An HTML page renamed .jpg, declared as a JPEG: its bytes say otherwise.
    const fake = new TextEncoder().encode('<html><script>alert(1)</script></html>');
    const notImage = await submitMultipart(
      stack.baseUrl,
      { village: 'xqz-btc', anonymous: true, formToken: token },
      [{ bytes: fake, type: 'image/jpeg', name: 'photo.jpg' }],
    );
    sent++;
    expect(notImage.status).toBe(422);
    expect(notImage.body.error.details[0].path).toBe('body.photos.0');
    const three = await submitMultipart(
      stack.baseUrl,
      { village: 'xqz-btc', anonymous: true, formToken: token },
      [1, 2, 3].map((i) => ({ bytes: PHOTO, type: 'image/png', name: `${i}.png` })),
    );
    sent++;
    expect(three.status).toBe(422);
    expect(three.body.error.details[0].path).toBe('body.photos');
    const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM complaint`);
    expect(rows[0].n).toBe(1);
  });

  it('counts submissions sent at once one by one: no more than the share is accepted', async () => {
    // From an address of its own (127.0.0.3), whose share nothing else here has used; each its own
    // form (a form's token names its submission).
    const tokens = await Promise.all(Array.from({ length: SUBMITS + 4 }, () => formToken(stack.baseUrl)));
    await new Promise((r) => setTimeout(r, MIN_FILL_MS + 100));
    const url = new URL(`${stack.baseUrl}/public/api/complaints`);
    const payloadOf = (token: string) =>
      JSON.stringify({
        category: 'funds',
        description: '同时提交的举报',
        anonymous: true,
        village: 'xqz-btc',
        formToken: token,
      });
    const post = (payload: string) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'POST',
            localAddress: '127.0.0.3',
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    const statuses = await Promise.all(tokens.map((t) => post(payloadOf(t))));
    expect(statuses.filter((s) => s === 201)).toHaveLength(SUBMITS);
    expect(statuses.filter((s) => s === 429)).toHaveLength(4);
    const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM complaint WHERE description = $1`, [
      '同时提交的举报',
    ]);
    expect(rows[0].n).toBe(SUBMITS);
  });

  it('answers 429 once a client has used up its submissions, on the JSON api and the HTML form alike', async () => {
    const token = await agedToken();
    // Refused attempts count against a tenfold share, not the submissions' own: a reporter
    // correcting a form is not shut out after `SUBMITS` tries, a robot is after ten times as many.
    while (sent < SUBMITS * 10) {
      const res = await submitJson(stack.baseUrl, { village: 'xqz-btc', formToken: token, website: 'x' });
      sent++;
      expect(res.status, `attempt ${sent}`).toBe(422);
    }
    const limited = await submitJson(stack.baseUrl, { village: 'xqz-btc', formToken: token });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    const form = new FormData();
    form.append('village', 'xqz-btc');
    const html = await fetch(`${stack.baseUrl}/public/complaints/new`, { method: 'POST', body: form });
    expect(html.status).toBe(429);
    expect(await html.text()).toMatch(/提交尝试次数过多，请在 \d+ 分钟后再提交/);
  });
});
