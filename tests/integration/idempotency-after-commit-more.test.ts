/**
 * The bulletin's keyed writes (notices, policies, threads, messages, attachment uploads) are not
 * done again when their answer was lost after they committed: the api killed between the commit and
 * the stored answer, the claim left unanswered past the takeover window. The retry with the same
 * Idempotency-Key answers what the first wrote, as the first would have, and writes nothing more;
 * a third request replays the stored answer. (The pattern: idempotency-after-commit.test.ts.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerLost as lostAnswer, key } from '../support/lost-answer.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let office: Session; // 专项监督办
let dept: Session; // 县水务局
let township: Session; // 庙坝镇
let village: Session; // 罗江村 (庙坝镇)
let upland: Session; // 白台村 (修齐镇)

beforeAll(async () => {
  stack = await startTestStack();
  const login = (u: string) => Session.login(stack.baseUrl, u);
  [office, dept, township, village, upland] = await Promise.all([
    login('supervisor'),
    login('swj.op'),
    login('mbz.op'),
    login('mbz-ljc.op'),
    login('xqz-btc.op'),
  ]);
});
afterAll(async () => {
  await stack?.stop();
});

const count = async (sql: string, params: unknown[] = []) =>
  (await stack.db.query(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0].n as number;

const answerLost = (k: string) => lostAnswer(stack, k);

/**
 * The request sent with key `k`, its answer lost after the commit, sent again, and a third time:
 * each answers as the first did, and `rows` (what the request creates) stays as the first left it.
 */
async function onceAfterLostAnswer(
  k: string,
  send: (headers: Record<string, string>) => Promise<{ status: number; body: any }>,
  rows: () => Promise<number>,
  status = 201,
): Promise<{ status: number; body: any }> {
  const before = await rows();
  const first = await send(key(k));
  expect(first.status, JSON.stringify(first.body)).toBe(status);
  expect(await rows()).toBe(before + 1);
  await answerLost(k);
  const retry = await send(key(k));
  expect(retry.status, JSON.stringify(retry.body)).toBe(status);
  expect(retry.body).toEqual(first.body);
  expect(await rows()).toBe(before + 1);
  // The retry's answer is stored: a third request replays it.
  const third = await send(key(k));
  expect(third.status).toBe(status);
  expect(third.body).toEqual(first.body);
  expect(await rows()).toBe(before + 1);
  return first;
}

describe('通知公告: POST /api/notices', () => {
  const notice = (title: string) => ({
    title,
    body: '各乡镇：定于下月开展扶贫项目资金专项检查，请做好自查准备。',
    category: 'notice',
    issuer: '县专项监督办',
    issuedOn: '2026-12-01',
    unitCodes: ['mbz', 'xqz'],
  });

  it('answers the published notice after a kill lost its answer, without publishing it again', async () => {
    const title = '杀进程后重发的通知';
    const first = await onceAfterLostAnswer(
      'notice-kill',
      (h) => office.post('/api/notices', notice(title), h),
      () => count('notice WHERE title = $1', [title]),
    );
    expect(first.body).toMatchObject({ title });
    expect(await count('notice_recipient WHERE notice_id = $1', [first.body.id])).toBe(2);
    // The townships see it once.
    const list = await township.get('/api/notices');
    expect(list.body.items.filter((n: { title: string }) => n.title === title)).toHaveLength(1);
  });
});

describe('政策法规: POST /api/policies', () => {
  const policy = (title: string) => ({
    title,
    documentNo: '城财农〔2026〕3号',
    issuer: '城口县财政局',
    level: 'county',
    category: 'funds',
    issuedOn: '2026-03-15',
    effectiveOn: '2026-04-01',
    body: '摘要：规定补助资金的分配、使用、项目管理和绩效评价。',
  });

  it('answers the added policy after a kill lost its answer, without adding it again', async () => {
    const title = '杀进程后重发的政策文件';
    const first = await onceAfterLostAnswer(
      'policy-kill',
      (h) => office.post('/api/policies', policy(title), h),
      () => count('policy_document WHERE title = $1', [title]),
    );
    expect(first.body).toMatchObject({ title, documentNo: '城财农〔2026〕3号' });
  });
});

describe('网络寻呼: POST /api/threads', () => {
  it('answers the opened thread after a kill lost its answer, without opening it again', async () => {
    const subject = '杀进程后重发的会话';
    const first = await onceAfterLostAnswer(
      'thread-kill',
      (h) => dept.post('/api/threads', { subject, unitCodes: ['mbz'], body: '请报送本月人饮工程进度。' }, h),
      () => count('message_thread WHERE subject = $1', [subject]),
    );
    expect(first.body.messages).toHaveLength(1);
    expect(await count('message WHERE thread_id = $1', [first.body.id])).toBe(1);
  });
});

describe('网络寻呼: POST /api/threads/:id/messages', () => {
  it('answers the thread with the one reply after a kill lost its answer, without posting it again', async () => {
    const opened = await township.post('/api/threads', {
      subject: '罗江村走访情况',
      unitCodes: ['mbz-ljc'],
      body: '请罗江村报送本周走访情况。',
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const id = opened.body.id as string;
    const reply = { body: '已走访3户，群众无异议。' };
    const first = await onceAfterLostAnswer(
      'reply-kill',
      (h) => village.post(`/api/threads/${id}/messages`, reply, h),
      () => count('message WHERE thread_id = $1', [id]),
    );
    expect(first.body.messages).toHaveLength(2);
    expect(first.body.messages[1]).toMatchObject({ body: reply.body });
  });
});

describe('附件: POST /api/bulletin-attachments', () => {
  const PNG = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    Buffer.from('整改现场照片'.repeat(50)),
  ]);
  const url = '/api/bulletin-attachments?fileName=site.png';

  it('answers the stored photo after a kill lost its answer, storing it once', async () => {
    const { rows } = await stack.db.query(`SELECT id FROM org_unit WHERE code = 'xqz-btc'`);
    const dir = path.join(stack.dataDir, 'archives', rows[0].id as string);
    const stored = () => (fs.existsSync(dir) ? fs.readdirSync(dir).length : 0);
    const before = stored();
    const first = await onceAfterLostAnswer(
      'upload-kill',
      (h) => upland.upload(url, PNG, 'image/png', 'site.png', h),
      () => count(`bulletin_attachment WHERE file_name = 'site.png'`),
    );
    expect(first.body).toMatchObject({ fileName: 'site.png', contentType: 'image/png' });
    expect(stored()).toBe(before + 1);
  });
});
