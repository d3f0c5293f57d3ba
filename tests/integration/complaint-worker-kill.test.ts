/**
 * The worker process (worker/main.ts with its dispatcher, configured from the environment as in
 * production) is killed with SIGKILL in the middle of a complaint's step and started again, while
 * the complaint's time limits send their messages by e-mail: the step is recorded exactly once
 * (one event, one audit row, the status Temporal and PostgreSQL agree on) and no message reaches
 * any address twice, counted at the SMTP server.
 *
 * "In the middle": the test holds the complaint's row lock, so the step's activity waits inside its
 * transaction (its event row written, not committed) when the worker dies; Temporal retries it on
 * the new worker once its start-to-close time (15 s) has run out.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { complaintWorkflowId } from '#domain/complaint-records.js';
import { createLogger } from '#platform/log.js';
import { PROJECT_ROOT } from '#platform/temporal-cli.js';
import { startNodeChild, type Child } from '#scripts/lib/children.js';
import { getComplaintStateQuery } from '#workflows/complaint.messages.js';
import { step, submitJson } from '../support/complaints.js';
import { TEST_AUDIT_KEY } from '../support/constants.js';
import { eventually } from '../support/eventually.js';
import { Session, TEST_PUBLIC_URL, startTestStack, type TestStack } from '../support/stack.js';
import { startSmtpStandin, type SmtpStandin } from '../support/standins/smtp.js';

let stack: TestStack;
let smtp: SmtpStandin;
let worker: Child | undefined;
let dataDir: string;
let office: Session;
const log = createLogger('complaint-kill-test', 'warn');

function startWorkerProcess(): Promise<Child> {
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
      RANKING_SCHEDULE: 'off',
      RED_FLAG_SCAN_MINUTES: '0',
      // Time limits of one day each, a day lasting a second: overdue two days after a step, escalated one later.
      DEADLINE_ALERTS: 'on',
      DEADLINE_DAY_SECONDS: '1',
      COMPLAINT_DAY_COUNT: 'calendar',
      COMPLAINT_ACK_DAYS: '1',
      COMPLAINT_ASSIGN_DAYS: '1',
      COMPLAINT_ANSWER_DAYS: '1',
      COMPLAINT_ESCALATE_DAYS: '1',
      PUBLIC_URL: TEST_PUBLIC_URL,
      SMTP_URL: smtp.url,
      SMTP_FROM: 'notify@county.example.cn',
      NOTIFY_OUTBOX: 'off',
      NOTIFY_QUIET_HOURS: 'off',
      NOTIFY_POLL_MS: '100',
      NOTIFY_LEASE_SECONDS: '2',
      NOTIFY_RETRY_BASE_SECONDS: '0.2',
    },
  });
}

beforeAll(async () => {
  smtp = await startSmtpStandin();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sanzhang-complaint-kill-'));
  // The api waits long enough for the step to come through the kill: the client sees one answer.
  stack = await startTestStack({
    inProcessWorker: false,
    stepTimeoutMs: 120_000,
    complaints: { limits: { minFillMs: 0 } },
  });
  await stack.db.query(`UPDATE app_user SET email = username || '@example.cn'`);
  worker = await startWorkerProcess();
  office = await Session.login(stack.baseUrl, 'supervisor');
}, 300_000);
afterAll(async () => {
  await worker?.stop();
  await stack?.stop();
  await smtp?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const slaSteps = async (id: string) =>
  (
    await stack.db.query(
      `SELECT phase || ':' || arm || ':' || step AS s FROM complaint_sla_step WHERE complaint_id = $1 ORDER BY raised_at`,
      [id],
    )
  ).rows.map((r) => r.s as string);

describe('a complaint step when the worker process is killed in the middle of it', () => {
  it('is recorded exactly once, and no message about the complaint reaches anyone twice', async () => {
    const submitted = await submitJson(stack.baseUrl, { village: 'xqz-btc' });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    const receipt = submitted.body.receipt as string;
    const id = (await stack.db.query(`SELECT id FROM complaint WHERE receipt = $1`, [receipt])).rows[0].id;
    await step(office, id, 'acknowledge');
    // The assignment's time limit runs out (overdue, then escalated to county level): messages go out.
    await eventually(async () => (await slaSteps(id)).includes('assign:1:escalated'), 60_000);

    // The step's activity will wait for the row the test holds, inside its own transaction.
    const holder = await stack.db.connect();
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await holder.query('COMMIT');
      holder.release();
    };
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT id FROM complaint WHERE id = $1 FOR UPDATE`, [id]);
      const key = `assign-${receipt}`;
      const assign = office.post(
        `/api/complaints/${id}/assign`,
        { unitCode: 'xqz' },
        { 'idempotency-key': key },
      );
      await eventually(async () => {
        const { rows } = await stack.db.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO complaint_event%'`,
        );
        return rows[0].n > 0;
      }, 60_000);
      worker!.process.kill('SIGKILL');
      await worker!.exited;
      await release();
      worker = await startWorkerProcess();

      // The same request, answered once; a client that gave up and sent it again would get the same.
      let res = await assign;
      for (let i = 0; i < 3 && res.status !== 200; i++)
        res = await office.post(
          `/api/complaints/${id}/assign`,
          { unitCode: 'xqz' },
          { 'idempotency-key': key },
        );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.status).toBe('assigned');
    } finally {
      await release();
    }

    // Then the answer's time limit runs out too, on the new worker: to the unit as well.
    await eventually(async () => (await slaSteps(id)).includes('answer:1:escalated'), 60_000);
    const deliveries = await eventually(async () => {
      const { rows } = await stack.db.query(
        `SELECT d.id, d.notification_key, d.address, d.status FROM notification_delivery d
          WHERE d.notification_key LIKE $1 AND d.channel = 'email' ORDER BY d.notification_key, d.address`,
        [`complaint:${id}:%`],
      );
      const keys = new Set(rows.map((d) => d.notification_key as string));
      return keys.has(`complaint:${id}:answer:1:escalated`) &&
        rows.every((d) => d.status === 'sent' || d.status === 'unknown')
        ? rows
        : false;
    }, 60_000);

    // The step, once: one event, one audit row, and PostgreSQL and the workflow agree.
    const { rows: events } = await stack.db.query(
      `SELECT step, count(*)::int AS n FROM complaint_event WHERE complaint_id = $1 GROUP BY step ORDER BY min(id)`,
      [id],
    );
    expect(events).toEqual([
      { step: 'submit', n: 1 },
      { step: 'acknowledge', n: 1 },
      { step: 'assign', n: 1 },
    ]);
    const { rows: audit } = await stack.db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE entity = 'complaint' AND entity_id = $1 AND action = 'complaint.assign'`,
      [id],
    );
    expect(audit).toEqual([{ n: 1 }]);
    const handle = stack.client.workflow.getHandle(complaintWorkflowId(receipt));
    expect((await handle.query(getComplaintStateQuery)).status).toBe('assigned');
    // The kill did cut the step's first attempt short: it took a second one.
    const history = (await handle.fetchHistory()).events ?? [];
    const attempts = history
      .filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 1);
    expect(Math.max(...attempts)).toBeGreaterThanOrEqual(2);
    // Each time-limit step once.
    const steps = await slaSteps(id);
    expect(new Set(steps).size).toBe(steps.length);
    expect(steps).toEqual(
      expect.arrayContaining(['assign:1:overdue', 'assign:1:escalated', 'answer:1:overdue']),
    );

    // No message twice: every delivery reached the SMTP server once, or at most once when the kill
    // cut its send short; nothing arrived that the deliveries do not account for.
    expect(new Set(deliveries.map((d) => d.notification_key)).size).toBeGreaterThanOrEqual(4);
    for (const d of deliveries) {
      const received = smtp.mails.filter((m) => m.messageId.includes(d.id)).length;
      if (d.status === 'sent') expect(received, `${d.notification_key} ${d.address}`).toBe(1);
      else expect(received, `${d.notification_key} ${d.address}`).toBeLessThanOrEqual(1);
    }
    const ids = deliveries.map((d) => d.id as string);
    expect(smtp.mails.filter((m) => !ids.some((x) => m.messageId.includes(x)))).toEqual([]);
    // The unit got the answer's overdue message; nothing the unit received names the reporter's receipt.
    const toUnit = deliveries.filter((d) => d.address === 'xqz.op@example.cn').map((d) => d.notification_key);
    expect(toUnit).toContain(`complaint:${id}:answer:1:overdue`);
    for (const m of smtp.mails) expect(m.text).not.toContain(receipt);
    const count = (status: string) => deliveries.filter((d) => d.status === status).length;
    console.log(
      `complaint step through a worker SIGKILL: the step's activity took ${Math.max(...attempts)} attempts; ` +
        `${deliveries.length} e-mails to deliver (${count('sent')} sent, ${count('unknown')} cut short), ` +
        `${smtp.mails.length} received`,
    );
  }, 240_000);
});
