/**
 * Complaints on the real stack (PostgreSQL, Temporal, the worker): the whole life of a complaint
 * with a reopening, the receipt lookup (a wrong receipt answers exactly as an unknown one, in the
 * same time), the reporter's identity kept from the handling unit in every answer it can get,
 * a retried submission that stays one complaint, and steps no retry can cure failing at once.
 */
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createComplaintActivities } from '#activities/complaint.activities.js';
import { complaintWorkflowId, normalizeReceipt, receiptCheck } from '#domain/complaint-records.js';
import { DEFAULT_DEADLINE_CONFIG } from '#domain/deadlines.js';
import { TRANSITION_NOT_ALLOWED } from '#domain/errors.js';
import { STEP_REJECTED } from '#domain/project-records.js';
import { complaintStepUpdate } from '#workflows/complaint.messages.js';
import { aProjectOfXqz, uploadEvidence } from '../support/rectification.js';
import {
  PHOTO,
  REPORTER,
  idOfNewest,
  lookup,
  step,
  submitJson,
  submitMultipart,
} from '../support/complaints.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let office: Session;
let unit: Session;
let leader: Session;
let project: string;

beforeAll(async () => {
  stack = await startTestStack({
    complaints: { limits: { minFillMs: 0, submitPerHour: 1000, lookupPerMinute: 10_000 } },
    // The lookup's timing takes some 400 requests: the portal's own limit would answer 429.
    publicRatePerMinute: 10_000,
  });
  [office, unit, leader] = await Promise.all([
    Session.login(stack.baseUrl, 'supervisor'),
    Session.login(stack.baseUrl, 'xqz.op'),
    Session.login(stack.baseUrl, 'leader'),
  ]);
  project = await aProjectOfXqz(stack);
});
afterAll(async () => {
  await stack?.stop();
});

async function events(id: string): Promise<string[]> {
  const { rows } = await stack.db.query(
    `SELECT step FROM complaint_event WHERE complaint_id = $1 ORDER BY id`,
    [id],
  );
  return rows.map((r) => r.step as string);
}

describe('a complaint’s life', () => {
  let id: string;
  let receipt: string;

  it('is submitted with a photo, named; the office sees who reported, the unit and a leader do not', async () => {
    const res = await submitMultipart(stack.baseUrl, { project, anonymous: false, ...REPORTER }, [
      { bytes: PHOTO, type: 'image/png', name: 'road.png' },
    ]);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    receipt = res.body.receipt;
    expect(receipt).toMatch(/^[0-9A-HJKMNP-TV-Z]{12}$/);
    expect(res.body.receiptDisplay).toBe(`${receipt.slice(0, 4)}-${receipt.slice(4, 8)}-${receipt.slice(8)}`);
    expect(receiptCheck(receipt.slice(0, 11))).toBe(receipt[11]);
    id = await idOfNewest(office);
    const seen = await office.get(`/api/complaints/${id}`);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({
      status: 'submitted',
      receipt,
      reporter: { anonymous: false, ...REPORTER },
      subject: { kind: 'project', code: project },
      subjectUnit: { code: 'xqz' },
      photos: [{ contentType: 'image/png', sizeBytes: PHOTO.length }],
    });
    const photo = await office.download(`/api/complaints/${id}/photos/${seen.body.photos[0].id}`);
    expect(photo.status).toBe(200);
    expect(Buffer.compare(photo.bytes, Buffer.from(PHOTO))).toBe(0);
    const read = await leader.get(`/api/complaints/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.reporter).toBeUndefined();
    expect(read.body.receipt).toBeUndefined();
    // Not yet assigned: the unit cannot see it at all.
    expect((await unit.get(`/api/complaints/${id}`)).status).toBe(404);
    const desc = await stack.client.workflow.getHandle(complaintWorkflowId(receipt)).describe();
    expect(desc.status.name).toBe('RUNNING');
  });

  it('goes acknowledged → assigned → handled → answered → closed, each step refused out of turn', async () => {
    expect((await office.post(`/api/complaints/${id}/answer`, { answer: '太早' })).status).toBe(409);
    expect((await step(office, id, 'acknowledge')).status).toBe('acknowledged');
    expect((await unit.post(`/api/complaints/${id}/handle`, { action: 'x' })).status).toBe(404);
    const bad = await office.post(`/api/complaints/${id}/assign`, { unitCode: 'zxjdb' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].path).toBe('body.unitCode');
    expect((await step(office, id, 'assign', { unitCode: 'xqz', note: '请修齐镇核查' })).unit.code).toBe(
      'xqz',
    );
    // The unit now reads it, but may not take the office's steps.
    expect((await unit.post(`/api/complaints/${id}/answer`, { answer: '自己答复' })).status).toBe(403);
    const evidence = await uploadEvidence(unit);
    const handled = await step(unit, id, 'handle', {
      action: '已组织返工，路面重新硬化',
      evidenceIds: [evidence],
    });
    expect(handled.status).toBe('handled');
    expect(handled.events.at(-1).evidence).toEqual([expect.objectContaining({ id: evidence })]);
    expect((await unit.download(`/api/complaints/${id}/evidence/${evidence}`)).status).toBe(200);
    // The same evidence cannot be claimed twice.
    expect((await step(office, id, 'answer', { answer: '经核查，问题属实，已责令返工。' })).status).toBe(
      'answered',
    );
    expect((await step(office, id, 'close')).status).toBe('closed');
    expect(await events(id)).toEqual(['submit', 'acknowledge', 'assign', 'handle', 'answer', 'close']);
  });

  it('shows the status and the public answer to whoever holds the receipt, however it is typed', async () => {
    const typed = `${receipt.slice(0, 4).toLowerCase()} ${receipt.slice(4, 8)}-${receipt.slice(8)}`;
    const res = await lookup(stack.baseUrl, typed);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      receiptDisplay: expect.any(String),
      status: 'closed',
      subject: { kind: 'project', code: project, name: expect.any(String) },
      category: 'funds',
      submittedAt: expect.any(String),
      answeredAt: expect.any(String),
      closedAt: expect.any(String),
      publicAnswer: '经核查，问题属实，已责令返工。',
    });
    expect(res.text).not.toContain(REPORTER.name);
    expect(res.text).not.toContain(REPORTER.phone);
  });

  it('is reopened back to the unit, handled again and closed again', async () => {
    expect((await step(office, id, 'reopen', { reason: '群众反映返工后仍有裂缝' })).status).toBe('reopened');
    expect((await lookup(stack.baseUrl, receipt)).body.status).toBe('reopened');
    expect((await step(unit, id, 'handle', { action: '再次返工并请第三方检测' })).status).toBe('handled');
    expect((await step(office, id, 'answer', { answer: '已再次返工并检测合格。' })).status).toBe('answered');
    const closed = await step(office, id, 'close');
    expect(closed).toMatchObject({ status: 'closed', reopenCount: 1 });
    expect(await events(id)).toEqual([
      'submit',
      'acknowledge',
      'assign',
      'handle',
      'answer',
      'close',
      'reopen',
      'handle',
      'answer',
      'close',
    ]);
    expect((await lookup(stack.baseUrl, receipt)).body.publicAnswer).toBe('已再次返工并检测合格。');
  });

  it('never shows the unit who reported: not in any answer it can get, nor in its messages', async () => {
    const routes = stack.routes.filter((r) => r.path.startsWith('/api/complaints') && r.method === 'get');
    const detail = await unit.get(`/api/complaints/${id}`);
    const texts: string[] = [];
    for (const r of routes) {
      const path = r.path
        .replace(':id', id)
        .replace(':photoId', detail.body.photos[0].id)
        .replace(':evidenceId', detail.body.events.find((e: any) => e.evidence.length).evidence[0].id);
      const res = await unit.download(path);
      expect(res.status, path).toBe(200);
      texts.push(res.bytes.toString('latin1'), path);
    }
    expect(texts.length).toBe(routes.length * 2);
    // Every write route's answer to the unit too (a refusal is an answer as well).
    for (const r of stack.routes.filter((x) => x.path.startsWith('/api/complaints') && x.method === 'post')) {
      const res = await unit.post(r.path.replace(':id', id), {
        action: '再看',
        answer: 'x',
        reason: 'x',
        unitCode: 'xqz',
      });
      texts.push(JSON.stringify(res.body));
    }
    const { rows } = await stack.db.query(
      `SELECT m.title || m.body AS t FROM inbox_message m JOIN app_user u ON u.id = m.user_id JOIN org_unit o ON o.id = u.org_unit_id
        WHERE o.code = 'xqz'`,
    );
    texts.push(...rows.map((r) => r.t as string));
    const { rows: audit } = await stack.db.query(
      `SELECT after::text AS t FROM audit_log WHERE entity = 'complaint'`,
    );
    expect(audit.length).toBeGreaterThan(5);
    texts.push(...audit.map((r) => r.t as string));
    const all = texts.join('\n');
    const utf8 = Buffer.from(all, 'latin1').toString('utf8');
    for (const secret of [REPORTER.name, REPORTER.phone, receipt]) {
      expect(all.includes(secret) || utf8.includes(secret), secret).toBe(false);
    }
    // The office's own answer does carry them: the assertion above can fail.
    const officeText = JSON.stringify((await office.get(`/api/complaints/${id}`)).body);
    expect(officeText).toContain(REPORTER.phone);
  });
});

describe('the receipt lookup', () => {
  it('answers a wrong receipt exactly as an unknown one: status, body and time', async () => {
    const real = (await submitJson(stack.baseUrl, { village: 'xqz-btc' })).body.receipt as string;
    // Unknown: well formed, its check symbol right, no such complaint. Wrong: the real one with
    // one symbol changed (its check symbol no longer matches).
    const data = real.slice(0, 10) + (real[10] === '2' ? '3' : '2');
    const unknown = data + receiptCheck(data);
    const wrong = real.slice(0, 11) + (real[11] === 'Z' ? 'Y' : 'Z');
    const a = await lookup(stack.baseUrl, unknown);
    const b = await lookup(stack.baseUrl, wrong);
    expect([a.status, b.status]).toEqual([404, 404]);
    expect(a.text).toBe(b.text);
    expect(normalizeReceipt(wrong)).not.toBe(real);
    const time = async (r: string) => {
      const t0 = process.hrtime.bigint();
      await lookup(stack.baseUrl, r);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    // Pairs of an unknown and a wrong lookup back to back, the order alternating, so that whatever
    // else loads the machine falls on both alike. Compared pair by pair (a sign test): with the
    // same work, either is the slower one of a pair by chance alone (σ = √n / 2 over n pairs), so
    // a count 4σ from one half (p < 1e-4) means one path does more work, however loaded the machine.
    const PAIRS = 200;
    for (let i = 0; i < 10; i++) await Promise.all([time(unknown), time(wrong)]);
    const tu: number[] = [];
    const tw: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      if (i % 2) {
        tu.push(await time(unknown));
        tw.push(await time(wrong));
      } else {
        tw.push(await time(wrong));
        tu.push(await time(unknown));
      }
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const diffs = tw.map((w, i) => w - tu[i]!).filter((d) => d !== 0);
    const wrongSlower = diffs.filter((d) => d > 0).length;
    const n = diffs.length;
    const [mu, mw, md] = [median(tu), median(tw), median(diffs)];
    console.log(
      `lookup medians over ${PAIRS} pairs: unknown ${mu.toFixed(2)} ms, wrong ${mw.toFixed(2)} ms; ` +
        `paired difference ${md.toFixed(3)} ms; the wrong one slower in ${wrongSlower} of ${n}`,
    );
    expect(Math.abs(wrongSlower - n / 2)).toBeLessThan(2 * Math.sqrt(n));
    // And the typical gap is small against the lookup's own time.
    expect(Math.abs(md)).toBeLessThan(Math.max(0.5, 0.2 * Math.min(mu, mw)));
  });
});

describe('a retried submission', () => {
  it('with the same Idempotency-Key, sequential or concurrent, is one complaint', async () => {
    const key = `retry-${Date.now()}`;
    const fields = { village: 'xqz-ppc', anonymous: true, description: '同一份举报重发三次' };
    const first = await submitMultipart(
      stack.baseUrl,
      fields,
      [{ bytes: PHOTO, type: 'image/png', name: 'a.png' }],
      {
        'idempotency-key': key,
      },
    );
    expect(first.status).toBe(201);
    const again = await Promise.all(
      [1, 2, 3].map(() =>
        submitMultipart(stack.baseUrl, fields, [{ bytes: PHOTO, type: 'image/png', name: 'a.png' }], {
          'idempotency-key': key,
        }),
      ),
    );
    for (const r of again) expect(r.body.receipt).toBe(first.body.receipt);
    const { rows } = await stack.db.query(
      `SELECT count(*)::int AS n, count(DISTINCT p.id)::int AS photos FROM complaint c
         LEFT JOIN complaint_photo p ON p.complaint_id = c.id WHERE c.description = $1`,
      [fields.description],
    );
    expect(rows[0]).toEqual({ n: 1, photos: 1 });
    // The same key with another complaint is refused, naming the header.
    const other = await submitJson(
      stack.baseUrl,
      { village: 'xqz-ppc', description: '另一份举报' },
      {
        'idempotency-key': key,
      },
    );
    expect(other.status).toBe(422);
    expect(other.body.error.details[0].path).toBe('headers.idempotency-key');
  });
});

/** The last run of an activity in a workflow's history: how many attempts it took and how it ended. */
async function lastRun(handle: WorkflowHandle, activity: string) {
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = events
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activity)
    .at(-1)!;
  const of = (attrs: { scheduledEventId?: unknown } | null | undefined) =>
    String(attrs?.scheduledEventId) === String(scheduled.eventId);
  const started = events.find((e) => of(e.activityTaskStartedEventAttributes));
  const failed = events.find((e) => of(e.activityTaskFailedEventAttributes));
  return {
    attempts: started?.activityTaskStartedEventAttributes?.attempt,
    retryState: failed?.activityTaskFailedEventAttributes?.retryState,
    nonRetryable: failed?.activityTaskFailedEventAttributes?.failure?.applicationFailureInfo?.nonRetryable,
  };
}

describe('a step no retry can cure', () => {
  it('fails at once, not retried, writes nothing and leaves the complaint free for the next step', async () => {
    const receipt = (await submitJson(stack.baseUrl, { village: 'xqz-dhc' })).body.receipt as string;
    const id = (await stack.db.query(`SELECT id FROM complaint WHERE receipt = $1`, [receipt])).rows[0].id;
    const handle = stack.client.workflow.getHandle(complaintWorkflowId(receipt));
    const actor = { id: null, username: 'supervisor' };
    /** An Update sent as the api would, past the api's own checks; it must end within `ms`. */
    const send = (requestId: string, req: { step: 'acknowledge' | 'assign'; unitId?: string }, ms = 30_000) =>
      Promise.race([
        handle
          .executeUpdate(complaintStepUpdate, { updateId: requestId, args: [{ requestId, actor, ...req }] })
          .then(
            () => new Error('accepted'),
            (e: unknown) => e,
          ),
        new Promise((r) => setTimeout(() => r(new Error('still waiting: retried')), ms)),
      ]);
    const written = async (requestId: string) =>
      (
        await stack.db.query(`SELECT count(*)::int AS n FROM complaint_event WHERE request_id = $1`, [
          requestId,
        ])
      ).rows[0].n;

    // Bad state: the table says acknowledged (as after restoring the database alone), the workflow submitted.
    await stack.db.query(`UPDATE complaint SET status = 'acknowledged' WHERE id = $1`, [id]);
    const refused = await send('bad-state-1', { step: 'acknowledge' });
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((refused as WorkflowUpdateFailedError).cause).toMatchObject({ type: TRANSITION_NOT_ALLOWED });
    expect(await lastRun(handle, 'recordComplaintStep')).toEqual({
      attempts: 1,
      retryState: temporal.api.enums.v1.RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE,
      nonRetryable: true,
    });
    expect(await written('bad-state-1')).toBe(0);
    await stack.db.query(`UPDATE complaint SET status = 'submitted' WHERE id = $1`, [id]);

    // Validation: the supervision office itself is no unit to assign to (the api refuses it first).
    expect((await step(office, id, 'acknowledge')).status).toBe('acknowledged');
    const zxjdb = (await stack.db.query(`SELECT id FROM org_unit WHERE code = 'zxjdb'`)).rows[0].id;
    const invalid = await send('bad-unit-1', { step: 'assign', unitId: zxjdb });
    expect((invalid as WorkflowUpdateFailedError).cause).toMatchObject({ type: STEP_REJECTED });
    expect(await lastRun(handle, 'recordComplaintStep')).toMatchObject({ attempts: 1, nonRetryable: true });
    expect(await written('bad-unit-1')).toBe(0);

    // Neither left the workflow's step lock held: the next step goes through.
    expect((await step(office, id, 'assign', { unitCode: 'xqz' })).status).toBe('assigned');

    // A plan from a malformed request is refused as such, not tried again.
    const sut = createComplaintActivities({
      orm: stack.orm,
      audit: stack.audit,
      deadlines: DEFAULT_DEADLINE_CONFIG,
    });
    const clock = { dayMs: 86_400_000, originMs: 0 };
    for (const bad of [
      { phase: 'nope', arm: 1, from: '2026-06-01', clock },
      { phase: 'answer', arm: 0, from: '2026-06-01', clock },
      { phase: 'answer', arm: 1, from: '2026-13-01', clock },
    ])
      await expect(sut.planComplaintSla(bad as never)).rejects.toSatisfy(
        (e: unknown) =>
          e instanceof ApplicationFailure && e.nonRetryable === true && e.type === STEP_REJECTED,
      );
  });
});
