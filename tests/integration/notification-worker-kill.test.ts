/**
 * The worker process (worker/main.ts, with its dispatcher, configured from the environment as in
 * production) is killed with SIGKILL in the middle of a deadline ladder and started again: every
 * alert reaches every address at most once, counted at the SMTP server and the SMS vendor's
 * stand-in, and exactly once unless the kill cut a vendor call short (then the delivery is
 * `unknown`, never sent twice).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addDays } from '#domain/deadlines.js';
import { createLogger } from '#platform/log.js';
import { PROJECT_ROOT } from '#platform/temporal-cli.js';
import { startNodeChild, type Child } from '#scripts/lib/children.js';
import { aProject } from '../support/builders.js';
import { TEST_AUDIT_KEY } from '../support/constants.js';
import { eventually } from '../support/eventually.js';
import { alertRows, today } from '../support/ladders.js';
import { TEST_PUBLIC_URL, startTestStack, type TestStack } from '../support/stack.js';
import { startAliyunSmsStandin, type AliyunSmsStandin } from '../support/standins/aliyun-sms.js';
import { startSmtpStandin, type SmtpStandin } from '../support/standins/smtp.js';
import { loginActors, type Actors } from '../support/walk.js';

let stack: TestStack;
let actors: Actors;
let smtp: SmtpStandin;
let aliyun: AliyunSmsStandin;
let worker: Child | undefined;
let dataDir: string;
const log = createLogger('kill-test', 'warn');

async function startWorkerProcess(): Promise<Child> {
  return startNodeChild({
    name: 'worker',
    entry: path.join(PROJECT_ROOT, 'worker/main.ts'),
    log,
    readyTimeoutMs: 240_000,
    onUnexpectedExit: () => undefined,
    env: {
      ...process.env,
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      // Started again after the kill as the launcher restarts one: with the bundle made once.
      WORKFLOW_BUNDLE: inject('workflowBundlePath'),
      DATA_DIR: dataDir,
      AUDIT_KEY: TEST_AUDIT_KEY,
      AUDIT_CHECKPOINT_SECONDS: '0',
      LOG_LEVEL: 'error',
      DEADLINE_ALERTS: 'on',
      DEADLINE_DAY_SECONDS: '1.5',
      DEADLINE_REMINDER_DAYS: '1',
      DEADLINE_GRACE1_DAYS: '1',
      DEADLINE_GRACE2_DAYS: '1',
      PUBLIC_URL: TEST_PUBLIC_URL,
      SMTP_URL: smtp.url,
      SMTP_FROM: 'notify@county.example.cn',
      SMS_VENDOR: 'aliyun',
      ALIYUN_SMS_ACCESS_KEY_ID: 'LTAI-test',
      ALIYUN_SMS_ACCESS_KEY_SECRET: 'test-secret',
      ALIYUN_SMS_ENDPOINT: aliyun.url,
      ALIYUN_SMS_SIGN_NAME: '县乡村振兴局',
      SMS_TEMPLATE_DEADLINE: 'SMS_480000001',
      NOTIFY_OUTBOX: 'off',
      NOTIFY_QUIET_HOURS: 'off',
      NOTIFY_POLL_MS: '100',
      NOTIFY_LEASE_SECONDS: '2',
      NOTIFY_RETRY_BASE_SECONDS: '0.2',
    },
  });
}

beforeAll(async () => {
  [smtp, aliyun] = await Promise.all([startSmtpStandin(), startAliyunSmsStandin()]);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sanzhang-kill-'));
  stack = await startTestStack({ inProcessWorker: false });
  for (const [username, phone] of [
    ['xqz.op', '13800000020'],
    ['xqz.view', '13800000021'],
    ['swj.op', '13800000022'],
    ['admin', '13800000023'],
    ['supervisor', '13800000024'],
  ] as const)
    await stack.db.query(
      `UPDATE app_user SET email = username || '@example.cn', phone = $2 WHERE username = $1`,
      [username, phone],
    );
  worker = await startWorkerProcess();
  actors = await loginActors(stack);
}, 300_000);
afterAll(async () => {
  await worker?.stop();
  await stack?.stop();
  await Promise.all([smtp?.stop(), aliyun?.stop()]);
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('notifications when the worker process is killed mid-ladder', () => {
  it('sends no message twice on any channel, and every one whose send was not cut short exactly once', async () => {
    const t = today();
    const res = await actors.dept.post(
      '/api/projects',
      aProject({
        name: '饮水工程',
        plannedDates: {
          start: addDays(t, 2),
          completion: addDays(t, 300),
          acceptance: addDays(t, 400),
          reimbursement: addDays(t, 500),
        },
      }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const projectId = res.body.id as string;
    // Kill as soon as the first alert's deliveries are being sent.
    await eventually(async () => {
      const { rows } = await stack.db.query(
        `SELECT count(*)::int AS n FROM notification_delivery WHERE project_id = $1 AND status <> 'queued'`,
        [projectId],
      );
      return rows[0].n > 0;
    }, 60_000);
    worker!.process.kill('SIGKILL');
    await worker!.exited;
    worker = await startWorkerProcess();

    const rows = await eventually(async () => {
      if ((await alertRows(stack, projectId, 'start')).length < 4) return false;
      const { rows: r } = await stack.db.query(
        `SELECT d.id, d.notification_key, d.channel, d.status, d.address FROM notification_delivery d
            WHERE d.project_id = $1 ORDER BY d.notification_key, d.channel, d.address`,
        [projectId],
      );
      return r.filter((d) => d.notification_key.endsWith(':interview')).length > 0 &&
        r.every((d) => d.status === 'sent' || d.status === 'unknown')
        ? r
        : false;
    }, 120_000);
    expect(new Set(rows.map((d) => d.notification_key.split(':').pop())).size).toBe(4);
    for (const d of rows) {
      const received =
        d.channel === 'email'
          ? smtp.mails.filter((m) => m.messageId.includes(d.id)).length
          : aliyun.requests.filter((r) => r.params.OutId === d.id).length;
      if (d.status === 'sent') expect(received, `${d.notification_key} ${d.channel} ${d.address}`).toBe(1);
      else expect(received, `${d.notification_key} ${d.channel} ${d.address}`).toBeLessThanOrEqual(1);
    }
    // Nothing arrived that the log does not account for.
    const ids = new Set(rows.map((d) => d.id as string));
    expect(smtp.mails.filter((m) => ![...ids].some((id) => m.messageId.includes(id)))).toEqual([]);
    expect(aliyun.requests.filter((r) => !ids.has(r.params.OutId!))).toEqual([]);
    expect(rows.filter((d) => d.status === 'sent').length).toBeGreaterThan(rows.length / 2);
  });
});
