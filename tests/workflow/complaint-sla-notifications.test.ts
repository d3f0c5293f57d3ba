/**
 * The messages of a complaint's time limits, with mocked activities on a one-second "day": each
 * carries its facts, so the notify activity queues it in each recipient's language — an account
 * that reads English gets English subject and text, not the Chinese title the inbox shows.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createComplaintActivities } from '#activities/complaint.activities.js';
import type { Notification } from '#activities/notify.activities.js';
import { inboxOnly, type DeliveryConfig } from '#activities/notify/delivery-config.js';
import { deliveryRows } from '#activities/notify/enqueue.js';
import { templateRender } from '#activities/notify/render.js';
import {
  complaintWorkflowId,
  type ComplaintSubmission,
  type SubmittedComplaint,
} from '#domain/complaint-records.js';
import { DEFAULT_DEADLINE_CONFIG, clockDate } from '#domain/deadlines.js';
import type { NotificationFacts } from '#domain/notify-schemas.js';
import { submittedUpdate } from '#workflows/complaint.messages.js';
import { complaintWorkflow } from '#workflows/complaint.workflow.js';
import { startTestEnv } from './support/harness.js';

const OFFICE_ID = '00000000-0000-4000-8000-00000000f001';
const DAY_MS = 1000;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** E-mail besides the inbox: the channel whose text is rendered per recipient. */
const delivery: DeliveryConfig = {
  ...inboxOnly(
    templateRender({ publicUrl: 'http://console.test', smsTemplates: { deadline: null, text: null } }),
  ),
  email: true,
};

/** What the notify activity queues for one e-mail recipient of `locale` (its facts, or its title and body as before facts). */
function queuedFor(n: Notification, locale: 'zh-CN' | 'en') {
  const facts: NotificationFacts = n.facts ?? { kind: 'text', title: n.title, body: n.body, path: null };
  const [row] = deliveryRows(
    { key: n.key, projectId: n.projectId, severity: n.severity, facts, unitCodes: [] },
    [
      {
        userId: randomUUID(),
        username: 'office',
        email: 'office@example.cn',
        phone: null,
        emailOn: true,
        smsOn: false,
        digest: false,
        locale,
      },
    ],
    delivery,
    Date.now(),
  );
  return row!;
}

describe('complaint time-limit messages (workflow, mocked activities)', () => {
  it('carry their facts: an English account gets English subject and text', async () => {
    const clock = { dayMs: DAY_MS, originMs: Date.now() };
    const receipt = `T${randomUUID().replace(/-/g, '').slice(0, 11).toUpperCase()}`;
    const complaint: SubmittedComplaint = {
      id: randomUUID(),
      receipt,
      subjectUnitId: null,
      subjectLabel: '项目 CK2026-001 村道硬化',
      officeUnitIds: [OFFICE_ID],
      clock,
      submittedOn: clockDate(clock, Date.now()),
      slaOn: true,
    };
    const real = createComplaintActivities({
      orm: undefined as never,
      audit: undefined as never,
      deadlines: { ...DEFAULT_DEADLINE_CONFIG, dayMs: DAY_MS },
      sla: {
        acknowledgeDays: 1,
        assignDays: 1,
        answerDays: 1,
        escalateDays: 1,
        dayCount: 'calendar',
        reopenDays: 30,
      },
      isWorkday: () => true,
    });
    const sent: Notification[] = [];
    const submission: ComplaintSubmission = {
      receipt,
      requestId: randomUUID(),
      requestHash: 'x',
      subject: { kind: 'project', code: 'CK2026-001' },
      category: 'funds',
      description: '村道硬化工程偷工减料',
      reporter: { anonymous: true, name: null, phone: null },
      photos: [],
      at: new Date().toISOString(),
    };
    const taskQueue = `complaint-sla-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: {
        recordComplaint: async () => complaint,
        planComplaintSla: real.planComplaintSla,
        planComplaintReopen: real.planComplaintReopen,
        recordComplaintStep: async () => ({ status: 'recorded' as const }),
        recordComplaintSlaStep: async () => {},
        notify: async (n: Notification) => {
          sent.push(n);
          return { recipients: 1, queued: 1 };
        },
      },
    });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(complaintWorkflow, {
        workflowId: complaintWorkflowId(receipt),
        taskQueue,
        args: [{ submission }],
      });
      await handle.executeUpdate(submittedUpdate);
      const deadline = Date.now() + 30_000;
      while (sent.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await handle.terminate();
    });

    expect(sent.map((n) => n.key)).toEqual([
      `complaint:${complaint.id}:acknowledge:1:overdue`,
      `complaint:${complaint.id}:acknowledge:1:escalated`,
    ]);
    const [overdue, escalated] = sent as [Notification, Notification];
    // The inbox keeps the Chinese title and body it always had.
    expect(overdue.title).toBe('【举报受理逾期】项目 CK2026-001 村道硬化');

    const en = queuedFor(overdue, 'en');
    expect(en.locale).toBe('en');
    expect(en.title).toBe('[Complaint acknowledgement overdue] project CK2026-001 村道硬化');
    expect(en.message.text).toMatch(
      /^Complaint about project CK2026-001 村道硬化\nStatus: acknowledgement due /,
    );
    expect(en.message.text).toContain('Please acknowledge it as soon as possible.');
    expect(en.message.text).not.toMatch(/举报|逾期|受理|请尽快/);
    expect(en.message.link).toBe(`http://console.test/supervision/complaints/${complaint.id}`);
    const enEscalated = queuedFor(escalated, 'en');
    expect(enEscalated.title).toBe(
      '[Complaint acknowledgement overdue, escalated to county] project CK2026-001 村道硬化',
    );
    expect(enEscalated.message.text).toContain('This has been escalated to the county.');

    // A Chinese account reads it as before, in Chinese.
    const zh = queuedFor(overdue, 'zh-CN');
    expect(zh.title).toBe('【举报受理逾期】项目 CK2026-001 村道硬化');
    expect(zh.message.text).toContain('关于项目 CK2026-001 村道硬化的举报');
  });
});
