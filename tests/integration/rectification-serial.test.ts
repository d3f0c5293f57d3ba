/**
 * Serial numbers of rectification notices: per year, gap-free and never reused, also when twenty
 * notices are issued at once; a retried issue (same Idempotency-Key) takes no second number; the
 * printable notice (PDF) carries the serial, the addressee and the problems.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rectificationIssueWorkflowId, rectificationWorkflowId } from '#domain/rectification-records.js';
import { rectificationIssueWorkflow } from '#workflows/rectification-issue.workflow.js';
import {
  aProjectOfXqz,
  issue,
  noticesAbout,
  spreadSerials,
  type NoticeBuilder,
} from '../support/rectification.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
/** Notices about this file's project of 修齐镇. */
let aNotice: NoticeBuilder;
let office: Session;
/** The last number taken before the tests: each file's notices have numbers of their own. */
let offset: number;

beforeAll(async () => {
  stack = await startTestStack();
  office = await Session.login(stack.baseUrl, 'supervisor');
  const [project, serials] = await Promise.all([aProjectOfXqz(stack), spreadSerials(stack)]);
  aNotice = noticesAbout(project);
  offset = serials.offset;
});
afterAll(async () => {
  await stack?.stop();
});

/** The numbers taken in this database (after the offset), and the counter. */
async function numbers(): Promise<{ year: number; numbers: number[]; last: number }> {
  const { rows } = await stack.db.query(
    `SELECT year, number FROM rectification_notice ORDER BY year, number`,
  );
  const { rows: counter } = await stack.db.query(`SELECT year, last_number FROM rectification_serial`);
  expect(counter).toHaveLength(1);
  return {
    year: counter[0].year,
    numbers: rows.map((r) => (r.number as number) - offset),
    last: counter[0].last_number - offset,
  };
}

describe('rectification serial numbers', () => {
  it('stay gap-free and unique under 20 concurrent issues', async () => {
    const other = await Session.login(stack.baseUrl, 'tpgjb.op'); // the other office issues too
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? office : other).post('/api/rectifications', aNotice([30], { title: `并发签发 ${i}` })),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    const serials = results.map((r) => r.body.serial as string);
    expect(new Set(serials).size).toBe(20);
    const { year, numbers: taken, last } = await numbers();
    expect(taken).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(last).toBe(20);
    expect(serials.sort()).toEqual(taken.map((k) => `城口监督整改〔${year}〕${k + offset}号`).sort());
    // Each has its own workflow, named by year and number.
    const n7 = results.find((r) => r.body.serial === `城口监督整改〔${year}〕${offset + 7}号`)!;
    const d = await stack.client.workflow.getHandle(`rectification-${year}-${offset + 7}`).describe();
    expect(d.status.name).toBe('RUNNING');
    expect((await office.get(`/api/rectifications/${n7.body.id}`)).body.serial).toBe(n7.body.serial);
  });

  it('takes no second number for a retried issue, and none for a refused one', async () => {
    const before = (await numbers()).last;
    const key = { 'idempotency-key': 'issue-once' };
    const first = await office.request('POST', '/api/rectifications', aNotice([30]), key);
    const again = await office.request('POST', '/api/rectifications', aNotice([30]), key);
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body.id).toBe(first.body.id);
    expect((await office.post('/api/rectifications', aNotice([30], { unitCode: 'nope' }))).status).toBe(422);
    const after = await numbers();
    expect(after.last).toBe(before + 1);
    expect(after.numbers).toEqual(Array.from({ length: after.last }, (_, i) => i + 1));
    // The key names one request: another body under it is refused.
    const reused = await office.request('POST', '/api/rectifications', aNotice([31]), key);
    expect(reused.status).toBe(422);
  });

  it('issues the notice even when nobody waits for the answer (an api that died after asking)', async () => {
    // The issuer started as the api starts it, and then left alone: no Update, no caller.
    const requestId = `orphan-${randomUUID()}`;
    const { rows } = await stack.db.query(
      `SELECT (SELECT id FROM org_unit WHERE code = 'xqz') AS unit, (SELECT id FROM org_unit WHERE code = 'zxjdb') AS office`,
    );
    const handle = await stack.client.workflow.start(rectificationIssueWorkflow, {
      workflowId: rectificationIssueWorkflowId(requestId),
      taskQueue: stack.taskQueue,
      args: [
        {
          request: {
            requestId,
            actor: { id: null, username: 'supervisor', name: '督查员' },
            issuerUnitId: rows[0].office,
            unitId: rows[0].unit,
            title: '无人等待的签发',
            dayCount: 'working',
            redFlagId: 42,
            problems: [{ projectId: null, description: '问题', basis: '依据', deadlineDays: 5 }],
          },
        },
      ],
    });
    const issued = await handle.result();
    const { rows: notice } = await stack.db.query(
      `SELECT serial, number, source_red_flag_id FROM rectification_notice WHERE request_id = $1`,
      [requestId],
    );
    expect(notice).toEqual([
      { serial: issued.serial, number: offset + (await numbers()).last, source_red_flag_id: '42' },
    ]);
    const child = await stack.client.workflow.getHandle(issued.workflowId).describe();
    expect(child.status.name).toBe('RUNNING');
    expect((await numbers()).numbers).toEqual(
      Array.from({ length: (await numbers()).last }, (_, i) => i + 1),
    );
  });

  it('prints the notice as an official document: serial, addressee, problems, basis and deadline', async () => {
    const n = await issue(office, aNotice([15, 20]));
    const unit = await Session.login(stack.baseUrl, 'xqz.op');
    const file = await unit.download(`/api/rectifications/${n.id}/pdf`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(file.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const tmp = path.join(os.tmpdir(), `rectification-${n.id}.pdf`);
    fs.writeFileSync(tmp, file.bytes);
    const text = execFileSync('pdftotext', [tmp, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
    fs.rmSync(tmp);
    for (const want of [
      '县专项监督办',
      n.serial,
      '整改通知书',
      '修齐镇：',
      '问题1：项目资金未按进度拨付',
      '问题2：项目资金未按进度拨付',
      '第十二条',
      n.problems[1]!.dueDate,
      '（印章）',
    ])
      expect(text, want).toContain(want);
    // Out of scope: as if it did not exist.
    const other = await Session.login(stack.baseUrl, 'mbz.op');
    expect((await other.download(`/api/rectifications/${n.id}/pdf`)).status).toBe(404);
  });

  it('steps over numbers whose workflows Temporal has already (a database restored without it)', async () => {
    // The next two numbers were issued before a restore: Temporal keeps one notice's workflow
    // closed, the other's still running (on a queue no worker polls here).
    const { year, last } = await numbers();
    const taken = [1, 2].map((k) => rectificationWorkflowId(year, offset + last + k));
    const start = (workflowId: string) =>
      stack.client.workflow.start('takenBeforeTheRestore', {
        workflowId,
        taskQueue: `nowhere-${randomUUID()}`,
      });
    await (await start(taken[0]!)).terminate('closed before the restore');
    const running = await start(taken[1]!);
    try {
      const n = await issue(office, aNotice([30]));
      expect(n.serial).toContain(`〔${year}〕${offset + last + 3}号`);
      const after = await numbers();
      expect(after.last).toBe(last + 3);
      expect(after.numbers.slice(-1)).toEqual([last + 3]);
      // Its own workflow, running: the ladder and the steps have somewhere to go.
      const child = await stack.client.workflow
        .getHandle(rectificationWorkflowId(year, offset + last + 3))
        .describe();
      expect([child.type, child.status.name]).toEqual(['rectificationWorkflow', 'RUNNING']);
      const unit = await Session.login(stack.baseUrl, 'xqz.op');
      const answered = await unit.post(`/api/rectifications/${n.id}/problems/${n.problems[0]!.id}/answer`, {
        action: '已整改',
      });
      expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    } finally {
      await running.terminate('test over');
    }
  });
});
