/**
 * A write whose answer was lost after it committed is not done again: the api killed between the
 * commit and the stored answer (the claim left unanswered past the takeover window), or a failure
 * after the commit (the read-back of what was written fails, a 500). The retry with the same
 * Idempotency-Key answers what the first wrote, as the first would have, and writes nothing more.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aProject } from '../support/builders.js';
import { storeFixtureRanking } from '../support/circular-fixture.js';
import { answerLost as lostAnswer, key } from '../support/lost-answer.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let office: Session; // 专项监督办
let dept: Session;
let village: Session;

beforeAll(async () => {
  stack = await startTestStack();
  const login = (u: string) => Session.login(stack.baseUrl, u);
  [office, dept, village] = await Promise.all([login('supervisor'), login('swj.op'), login('xqz-btc.op')]);
});
afterAll(async () => {
  await stack?.stop();
});

const count = async (sql: string, params: unknown[] = []) =>
  (await stack.db.query(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0].n as number;

const answerLost = (k: string) => lostAnswer(stack, k);

/**
 * Runs `fn` while the api's role may not read `table`, which only the write's read-back reads: the
 * write commits, then its answer fails (PostgreSQL's permission denied, answered 403).
 */
async function unreadable<T>(table: string, fn: () => Promise<T>): Promise<T> {
  await stack.db.query(`REVOKE SELECT ON ${table} FROM sanzhang_app`);
  try {
    return await fn();
  } finally {
    await stack.db.query(`GRANT SELECT ON ${table} TO sanzhang_app`);
  }
}

describe('negative list: POST /api/negative-list', () => {
  const entry = (reason: string) => ({
    unitCode: 'mbz',
    leaderName: '王庙坝',
    reason,
    listedOn: '2026-10-15',
  });
  const entries = (reason: string) => count('negative_list_entry WHERE reason = $1', [reason]);

  it('answers the committed entry after a kill lost its answer, without listing the unit again', async () => {
    const first = await office.post('/api/negative-list', entry('杀进程后重试'), key('neg-kill'));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    await answerLost('neg-kill');
    const retry = await office.post('/api/negative-list', entry('杀进程后重试'), key('neg-kill'));
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(await entries('杀进程后重试')).toBe(1);
    // The retry's answer is stored: a third request replays it.
    const third = await office.post('/api/negative-list', entry('杀进程后重试'), key('neg-kill'));
    expect(third.body).toEqual(first.body);
    expect(await entries('杀进程后重试')).toBe(1);
  });

  it('keeps the key of an entry committed before a failure, and answers it on the retry', async () => {
    const failed = await unreadable('bulletin_attachment', () =>
      office.post('/api/negative-list', entry('提交后读取失败'), key('neg-after-commit')),
    );
    expect(failed.status).toBe(403); // the read-back's permission denied
    expect(await entries('提交后读取失败')).toBe(1);
    const retry = await office.post('/api/negative-list', entry('提交后读取失败'), key('neg-after-commit'));
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
    expect(await entries('提交后读取失败')).toBe(1);
    const { rows } = await stack.db.query(
      `SELECT id FROM negative_list_entry WHERE reason = '提交后读取失败'`,
    );
    expect(retry.body.id).toBe(Number(rows[0].id));
    expect(retry.body).toMatchObject({ source: 'manual', unit: { code: 'mbz' }, reason: '提交后读取失败' });
  });

  it('frees the key of a write refused before it committed, and writes once without a key', async () => {
    const refused = await office.post(
      '/api/negative-list',
      { ...entry('不存在的单位'), unitCode: 'no-such-unit' },
      key('neg-refused'),
    );
    expect(refused.status).toBe(422);
    expect(await count(`idempotent_request WHERE key = 'neg-refused'`)).toBe(0);
    expect((await office.post('/api/negative-list', entry('无键两次'))).status).toBe(201);
    expect((await office.post('/api/negative-list', entry('无键两次'))).status).toBe(201);
    expect(await entries('无键两次')).toBe(2);
  });
});

describe('archives: POST /api/projects/:id/archives', () => {
  const PNG = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    Buffer.from('公示栏照片'.repeat(50)),
  ]);
  let p: { id: string };
  const url = () =>
    `/api/projects/${p.id}/archives?ledger=site&stage=underway&item=publicNoticePhoto&fileName=photo.png`;
  const stored = () => {
    const dir = path.join(stack.dataDir, 'archives', p.id);
    return fs.existsSync(dir) ? fs.readdirSync(dir).length : 0;
  };

  beforeAll(async () => {
    const res = await dept.post('/api/projects', aProject());
    expect(res.status).toBe(201);
    p = res.body;
  });

  it('answers the stored photo after a kill lost its answer, storing it once', async () => {
    const first = await village.upload(url(), PNG, 'image/png', 'photo.png', key('arc-kill'));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    await answerLost('arc-kill');
    const retry = await village.upload(url(), PNG, 'image/png', 'photo.png', key('arc-kill'));
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(await count('archive_document WHERE project_id = $1', [p.id])).toBe(1);
    expect(stored()).toBe(1);
  });

  it('keeps the key of a photo committed before a failure, and answers it on the retry', async () => {
    const failed = await unreadable('archive_document', () =>
      village.upload(url(), PNG, 'image/png', 'photo.png', key('arc-after-commit')),
    );
    expect(failed.status).toBe(403); // the read-back's permission denied
    expect(await count('archive_document WHERE project_id = $1', [p.id])).toBe(2);
    const retry = await village.upload(url(), PNG, 'image/png', 'photo.png', key('arc-after-commit'));
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
    expect(await count('archive_document WHERE project_id = $1', [p.id])).toBe(2);
    expect(await count('archive_document WHERE id = $1', [retry.body.id])).toBe(1);
    expect(stored()).toBe(2);
  });
});

describe('约谈 records: POST /api/interviews', () => {
  const talk = (reason: string) => ({
    kind: 'individual',
    heldAt: '2026-11-20T09:30:00+08:00',
    location: '县专项监督办会议室',
    interviewers: '县专项监督办主任 李明',
    subjects: [{ unitCode: 'xqz', name: '张建国', title: '修齐镇党委书记' }],
    reason,
    agreed: '十日内开工',
    addToNegativeList: true,
  });
  const records = (reason: string) => count('interview_record WHERE reason = $1', [reason]);

  it('answers the committed record after a kill lost its answer, without recording it again', async () => {
    const first = await office.post('/api/interviews', talk('约谈后杀进程'), key('talk-kill'));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    await answerLost('talk-kill');
    const retry = await office.post('/api/interviews', talk('约谈后杀进程'), key('talk-kill'));
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(await records('约谈后杀进程')).toBe(1);
    expect(await count('negative_list_entry WHERE reason = $1', ['约谈后杀进程'])).toBe(1);
  });

  it('keeps the key of a record committed before a failure, and answers it on the retry', async () => {
    const failed = await unreadable('interview_subject', () =>
      office.post('/api/interviews', talk('约谈提交后失败'), key('talk-after-commit')),
    );
    expect(failed.status).toBe(403); // the read-back's permission denied
    expect(await records('约谈提交后失败')).toBe(1);
    const retry = await office.post('/api/interviews', talk('约谈提交后失败'), key('talk-after-commit'));
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
    expect(await records('约谈提交后失败')).toBe(1);
    expect(retry.body).toMatchObject({ reason: '约谈提交后失败' });
  });
});

describe('circulars: POST /api/circulars', () => {
  it('answers the generated draft after a kill lost its answer, not regenerating over later edits', async () => {
    await storeFixtureRanking(stack, '2026-11');
    const first = await office.post('/api/circulars', { month: '2026-11' }, key('circ-kill'));
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const edited = await office.request('PUT', `/api/circulars/${first.body.id}`, {
      revision: first.body.revision,
      title: '改过的标题',
      sections: first.body.sections.map((s: { key: string; body: string }) => ({ key: s.key, body: s.body })),
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    await answerLost('circ-kill');
    const retry = await office.post('/api/circulars', { month: '2026-11' }, key('circ-kill'));
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    expect(retry.body).toMatchObject({
      id: first.body.id,
      title: '改过的标题',
      revision: edited.body.revision,
    });
    expect(await count(`audit_log WHERE action IN ('circular.generate', 'circular.regenerate')`)).toBe(1);
  });
});

describe('project creation: POST /api/projects', () => {
  /** A project the platform numbers itself: a retry that registered again would take the next code. */
  const numbered = (name: string) => {
    const { code: _code, ...body } = aProject({ name });
    return body;
  };
  const projects = (name: string) => count('project WHERE name = $1', [name]);

  it('answers the registered project after a kill lost its answer, registering it once', async () => {
    const body = numbered('杀进程后重试的立项');
    const first = await dept.post('/api/projects', body, key('proj-kill'));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    await answerLost('proj-kill');
    const retry = await dept.post('/api/projects', body, key('proj-kill'));
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
    expect({ id: retry.body.id, code: retry.body.code }).toEqual({
      id: first.body.id,
      code: first.body.code,
    });
    expect(await projects('杀进程后重试的立项')).toBe(1);
  });

  it('registers the project a killed request numbered but did not start, under that number', async () => {
    // What the api leaves when it dies between recording the project's id and code against the key
    // and starting its workflow.
    const body = numbered('未启动即中断的立项');
    const planned = { id: crypto.randomUUID(), code: `KILLED-${Date.now().toString(36)}` };
    const hash = crypto
      .createHash('sha256')
      .update('POST /api/projects\n')
      .update(Buffer.from(JSON.stringify(body)))
      .digest('hex');
    await stack.db.query(
      `INSERT INTO idempotent_request (user_id, key, route, request_hash, entry_id)
       SELECT id, 'proj-planned', 'post /api/projects', $1, $2 FROM app_user WHERE username = 'swj.op'`,
      [hash, `${planned.id} ${planned.code}`],
    );
    const retry = await dept.post('/api/projects', body, key('proj-planned'));
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
    expect({ id: retry.body.id, code: retry.body.code }).toEqual(planned);
    expect(await projects('未启动即中断的立项')).toBe(1);
  });
});
