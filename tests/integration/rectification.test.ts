/**
 * Rectification notices on the real stack: issued by the supervision office, answered per problem
 * by the unit with evidence, verified (accepted, or sent back with a new term), closed on time or
 * not, withdrawn; each exchange an Update of the notice's workflow, written once.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '#domain/deadlines.js';
import { queryInScope, scopeOf } from '#db/scope.js';
import { eventually } from '../support/eventually.js';
import { today } from '../support/ladders.js';
import {
  noticesAbout,
  type NoticeBuilder,
  aProjectOfXqz,
  issue,
  PHOTO,
  replayAndRecord,
  spreadSerials,
  uploadEvidence,
  workflowIdOf,
  workflowStatus,
} from '../support/rectification.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
/** Notices about this file's project of 修齐镇. */
let aNotice: NoticeBuilder;
let office: Session;
let unit: Session;

beforeAll(async () => {
  // Real days: the terms here run for weeks, and a send-back counts from today.
  stack = await startTestStack({ deadlines: { enabled: true } });
  [office, unit] = await Promise.all([
    Session.login(stack.baseUrl, 'supervisor'),
    Session.login(stack.baseUrl, 'xqz.op'),
  ]);
  const [project] = await Promise.all([aProjectOfXqz(stack), spreadSerials(stack)]);
  aNotice = noticesAbout(project);
});
afterAll(async () => {
  await stack?.stop();
});

const path = (id: string, problemId?: number, what?: string) =>
  `/api/rectifications/${id}${problemId ? `/problems/${problemId}/${what}` : ''}`;

describe('rectification notices', () => {
  it('is accepted on time: issue → answers with evidence → both accepted → closed on time', async () => {
    const n = await issue(office, aNotice([60, 30]));
    expect(n.serial).toMatch(/^城口监督整改〔\d{4}〕\d+号$/);
    expect(n.status).toBe('open');
    expect(n.problems.map((p) => [p.seq, p.firstDueDate, p.dueDate, p.status])).toEqual([
      [1, addDays(today(), 60), addDays(today(), 60), 'open'],
      [2, addDays(today(), 30), addDays(today(), 30), 'open'],
    ]);
    const { rows: notice } = await stack.db.query(
      `SELECT to_char(due_date, 'YYYY-MM-DD') AS due, source_red_flag_id FROM rectification_notice WHERE id = $1`,
      [n.id],
    );
    expect(notice[0].due).toBe(addDays(today(), 60)); // the latest problem's deadline

    const photo = await uploadEvidence(unit);
    const [p1, p2] = n.problems;
    const key = { 'idempotency-key': `answer-${n.id}` };
    const a1 = await unit.request(
      'POST',
      path(n.id, p1!.id, 'answer'),
      { action: '已补拨资金并补录台账', evidenceIds: [photo] },
      key,
    );
    expect(a1.status, JSON.stringify(a1.body)).toBe(200);
    expect(a1.body.problems[0].status).toBe('answered');
    expect(a1.body.problems[0].events[0]).toMatchObject({ kind: 'answer', text: '已补拨资金并补录台账' });
    expect(a1.body.problems[0].events[0].evidence).toEqual([
      { id: photo, fileName: 'photo.png', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), sizeBytes: 70 },
    ]);
    // The same request again (a client that did not hear the answer): answered, not done twice.
    const again = await unit.request(
      'POST',
      path(n.id, p1!.id, 'answer'),
      { action: '已补拨资金并补录台账', evidenceIds: [photo] },
      key,
    );
    expect(again.status).toBe(200);
    expect(again.body.problems[0].events).toHaveLength(1);
    // The photo is now evidence: it cannot be used again.
    const reuse = await unit.post(path(n.id, p2!.id, 'answer'), { action: '整改', evidenceIds: [photo] });
    expect(reuse.status).toBe(422);
    expect(reuse.body.error.message).toContain('body.evidenceIds.0');
    // Nor attached to a message: refused as any used upload is, naming the field, no database words.
    const thread = await unit.post('/api/threads', {
      subject: '整改佐证',
      unitCodes: ['zxjdb'],
      body: '附整改照片。',
      attachmentIds: [photo],
    });
    expect(thread.status).toBe(422);
    expect(thread.body.error.details).toEqual([
      { path: 'body.attachmentIds', message: expect.stringContaining('已被使用') },
    ]);

    expect((await unit.post(path(n.id, p2!.id, 'answer'), { action: '已完善公示' })).status).toBe(200);
    // Only the office judges; only the unit answers.
    expect((await unit.post(path(n.id, p1!.id, 'verdict'), { verdict: 'accept' })).status).toBe(403);
    expect((await office.post(path(n.id, p1!.id, 'answer'), { action: 'x' })).status).toBe(403);
    expect(
      (await office.post(path(n.id, p1!.id, 'verdict'), { verdict: 'accept', comment: '属实' })).status,
    ).toBe(200);
    const done = await office.post(path(n.id, p2!.id, 'verdict'), { verdict: 'accept' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      status: 'closed',
      closedOnTime: true,
      openProblems: 0,
      ladderStep: null,
    });
    expect(done.body.problems.map((p: { status: string }) => p.status)).toEqual(['accepted', 'accepted']);
    // A closed notice takes no more verdicts; its workflow has ended.
    expect((await office.post(path(n.id, p2!.id, 'verdict'), { verdict: 'accept' })).status).toBe(409);
    await eventually(async () => (await workflowStatus(stack, n.serial)) === 'COMPLETED');

    const { rows: audit } = await stack.db.query(
      `SELECT action FROM audit_log WHERE entity = 'rectification_notice' AND entity_id = $1 ORDER BY id`,
      [n.id],
    );
    expect(audit.map((r) => r.action)).toEqual([
      'rectification.issue',
      'rectification.answer',
      'rectification.answer',
      'rectification.accept',
      'rectification.accept',
    ]);
    // The unit reads it; another township does not learn it exists.
    expect((await unit.get(path(n.id))).status).toBe(200);
    const other = await Session.login(stack.baseUrl, 'mbz.op');
    expect((await other.get(path(n.id))).status).toBe(404);
    expect((await other.get('/api/rectifications')).body.items).toEqual([]);
  });

  it('sends one problem back with reasons and a new term, then accepts it', async () => {
    const n = await issue(office, aNotice([60]));
    const p = n.problems[0]!;
    expect((await unit.post(path(n.id, p.id, 'answer'), { action: '已整改' })).status).toBe(200);
    const back = await office.post(path(n.id, p.id, 'verdict'), {
      verdict: 'sendBack',
      reasons: '佐证材料不足，缺少拨付凭证',
      deadlineDays: 10,
    });
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    const sent = back.body.problems[0];
    expect(sent.status).toBe('sentBack');
    expect(sent.firstDueDate).toBe(addDays(today(), 60)); // never moves
    expect(sent.dueDate).toBe(addDays(today(), 10)); // the new term, from the verdict's day
    expect(sent.events.at(-1)).toMatchObject({
      kind: 'sendBack',
      text: '佐证材料不足，缺少拨付凭证',
      dueDate: sent.dueDate,
    });
    const { rows } = await stack.db.query(`SELECT arm FROM rectification_problem WHERE id = $1`, [p.id]);
    expect(rows[0].arm).toBe(2);
    // A sent-back problem cannot be judged again before the unit answers.
    expect((await office.post(path(n.id, p.id, 'verdict'), { verdict: 'accept' })).status).toBe(409);

    expect((await unit.post(path(n.id, p.id, 'answer'), { action: '已补充拨付凭证' })).status).toBe(200);
    const ok = await office.post(path(n.id, p.id, 'verdict'), { verdict: 'accept' });
    expect(ok.body).toMatchObject({ status: 'closed', closedOnTime: true });
    expect(ok.body.problems[0].events.map((e: { kind: string }) => e.kind)).toEqual([
      'answer',
      'sendBack',
      'answer',
      'accept',
    ]);
    // Its history (and its issuer's) replays against today's code.
    await eventually(async () => (await workflowStatus(stack, n.serial)) === 'COMPLETED');
    await replayAndRecord(stack, workflowIdOf(n.serial), 'rectification-send-back');
    const { rows: req } = await stack.db.query(`SELECT request_id FROM rectification_notice WHERE id = $1`, [
      n.id,
    ]);
    await replayAndRecord(stack, `rectification-issue-${req[0].request_id}`, 'rectification-issue');
  });

  it('is withdrawn with a reason: its problems are withdrawn and nothing more is taken', async () => {
    const n = await issue(office, aNotice([60, 60]));
    expect((await unit.post(path(n.id, n.problems[0]!.id, 'answer'), { action: '已整改' })).status).toBe(200);
    expect((await office.post(path(n.id, n.problems[0]!.id, 'verdict'), { verdict: 'accept' })).status).toBe(
      200,
    );
    expect((await unit.post(`${path(n.id)}/withdraw`, { reason: '误发' })).status).toBe(403);
    const w = await office.post(`${path(n.id)}/withdraw`, { reason: '问题已由县审计局另案处理' });
    expect(w.status, JSON.stringify(w.body)).toBe(200);
    expect(w.body).toMatchObject({
      status: 'withdrawn',
      withdrawnReason: '问题已由县审计局另案处理',
      closedOnTime: null,
    });
    // An accepted problem stays accepted; the rest are withdrawn.
    expect(w.body.problems.map((p: { status: string }) => p.status)).toEqual(['accepted', 'withdrawn']);
    expect((await unit.post(path(n.id, n.problems[1]!.id, 'answer'), { action: 'x' })).status).toBe(409);
    expect((await office.post(`${path(n.id)}/withdraw`, { reason: '再撤' })).status).toBe(409);
    await eventually(async () => (await workflowStatus(stack, n.serial)) === 'COMPLETED');
    const list = await office.get('/api/rectifications?status=withdrawn');
    expect(list.body.items.map((i: { id: string }) => i.id)).toContain(n.id);
  });

  it('shows the exchange, its ladder steps and its evidence to the unit and county level alone (row-level security)', async () => {
    const n = await issue(office, aNotice([60]));
    const photo = await uploadEvidence(unit);
    const p = n.problems[0]!;
    expect(
      (await unit.post(path(n.id, p.id, 'answer'), { action: '已整改', evidenceIds: [photo] })).status,
    ).toBe(200);
    const { rows: accounts } = await stack.db.query(
      `SELECT u.username, o.id AS unit, o.kind, array_agg(r.role) AS roles FROM app_user u
         JOIN org_unit o ON o.id = u.org_unit_id JOIN user_role r ON r.user_id = u.id
        WHERE u.username = ANY($1) GROUP BY u.username, o.id, o.kind`,
      [['xqz.view', 'leader', 'mbz.op', 'swj.op']],
    );
    const seen: Record<string, number[]> = {};
    for (const a of accounts) {
      const rows = await queryInScope(
        stack.orm,
        scopeOf({ orgUnitId: a.unit, orgKind: a.kind, roles: a.roles }),
        [
          { sql: `SELECT 1 FROM rectification_notice WHERE id = ?`, params: [n.id] },
          { sql: `SELECT 1 FROM rectification_event WHERE notice_id = ?`, params: [n.id] },
          { sql: `SELECT 1 FROM bulletin_attachment WHERE id = ?`, params: [photo] },
        ],
      );
      seen[a.username] = rows.map((r) => r.length);
    }
    expect(seen).toEqual({
      'xqz.view': [1, 1, 1],
      leader: [1, 1, 1],
      'mbz.op': [0, 0, 0],
      'swj.op': [0, 0, 0],
    });
    // No account writes them directly: only the system scope (the activities) may.
    const write = queryInScope(
      stack.orm,
      scopeOf({ orgUnitId: accounts[0].unit, orgKind: 'township', roles: ['operator'] }),
      [
        {
          sql: `INSERT INTO rectification_event (notice_id, problem_id, arm, kind, request_id, actor_name, text, on_time, at)
              VALUES (?, ?, 1, 'answer', 'forged', 'x', 'x', true, now())`,
          params: [n.id, p.id],
        },
      ],
    );
    await expect(write).rejects.toThrow(/row-level security/);

    // The evidence file itself: to those who read the notice, its bytes as uploaded; else 404.
    const file = `/api/rectifications/${n.id}/evidence/${photo}`;
    const got = await unit.download(file);
    expect(got.status).toBe(200);
    expect(Buffer.compare(got.bytes, Buffer.from(PHOTO))).toBe(0);
    expect(got.headers.get('x-content-sha256')).toBe(crypto.createHash('sha256').update(PHOTO).digest('hex'));
    expect((await office.download(file)).status).toBe(200);
    const other = await Session.login(stack.baseUrl, 'mbz.op');
    expect((await other.download(file)).status).toBe(404);
    // A file that is not this notice's evidence is not served under it.
    const stray = await uploadEvidence(unit);
    expect((await unit.download(`/api/rectifications/${n.id}/evidence/${stray}`)).status).toBe(404);
  });

  it('answers bad input with 422 naming the field, and refuses everyone but the office', async () => {
    const bad = await office.post('/api/rectifications', aNotice([0]));
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toContain('body.problems.0.deadlineDays');
    const noUnit = await office.post('/api/rectifications', aNotice([5], { unitCode: 'zxjdb' }));
    expect(noUnit.status).toBe(422);
    expect(noUnit.body.error.message).toContain('body.unitCode');
    const noProject = await office.post('/api/rectifications', {
      ...aNotice([5]),
      problems: [{ ...aNotice([5]).problems[0], project: 'CK1999-999' }],
    });
    expect(noProject.status).toBe(422);
    expect(noProject.body.error.message).toContain('body.problems.0.project');
    const en = await office.request('POST', '/api/rectifications', aNotice([5], { title: '' }), {
      'accept-language': 'en',
    });
    expect(en.status).toBe(422);
    expect(en.body.error.message).toContain('body.title');
    expect((await unit.post('/api/rectifications', aNotice([5]))).status).toBe(403);
    const leader = await Session.login(stack.baseUrl, 'leader');
    expect((await leader.post('/api/rectifications', aNotice([5]))).status).toBe(403);
    expect((await office.get('/api/rectifications/not-a-uuid')).status).toBe(422);
    const n = await issue(office, aNotice([60]));
    expect((await unit.post(path(n.id, 999999, 'answer'), { action: 'x' })).status).toBe(404);
    expect((await unit.post(`${path(n.id)}/problems/abc/answer`, { action: 'x' })).status).toBe(422);
    const verdict = await office.post(path(n.id, n.problems[0]!.id, 'verdict'), {
      verdict: 'sendBack',
      reasons: '不足',
    });
    expect(verdict.status).toBe(422);
    expect(verdict.body.error.message).toContain('body.deadlineDays');
  });
});
