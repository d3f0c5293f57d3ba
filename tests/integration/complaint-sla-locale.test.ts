/**
 * A complaint's time-limit message on the real stack (one-second "day"), to an office account that
 * reads English: its e-mail is queued and sent in English — subject and text — while the inbox
 * keeps the Chinese title ("rendered then in the recipient's language", docs/notifications.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboundAdapters } from '#activities/notify/channels/index.js';
import type { ComplaintSlaConfig } from '#domain/complaint-records.js';
import { submitJson } from '../support/complaints.js';
import { eventually } from '../support/eventually.js';
import { FAST_LADDERS } from '../support/ladders.js';
import { startSmtpStandin, type SmtpStandin } from '../support/standins/smtp.js';
import {
  Session,
  TEST_PUBLIC_URL,
  TEST_SMS_TEMPLATES,
  startTestStack,
  type TestStack,
} from '../support/stack.js';

const SLA: ComplaintSlaConfig = {
  acknowledgeDays: 1,
  assignDays: 5,
  answerDays: 5,
  escalateDays: 30,
  dayCount: 'calendar',
  reopenDays: 30,
};

let stack: TestStack;
let smtp: SmtpStandin;

beforeAll(async () => {
  smtp = await startSmtpStandin();
  const adapters = outboundAdapters({
    publicUrl: TEST_PUBLIC_URL,
    email: { url: smtp.url, from: '三账一表 <notify@county.example.cn>' },
    sms: null,
    smsTemplates: TEST_SMS_TEMPLATES,
    dingtalk: [],
    wecom: [],
    outbox: null,
    timeoutMs: 5000,
  });
  stack = await startTestStack({
    deadlines: FAST_LADDERS,
    complaints: { limits: { minFillMs: 0 }, sla: SLA },
    notifications: { adapters: Object.values(adapters) },
  });
});
afterAll(async () => {
  await stack?.stop();
  await smtp?.stop();
});

describe('a complaint time-limit message to an English account', () => {
  it('is queued and sent in English, the inbox keeping its Chinese title', async () => {
    const me = await Session.login(stack.baseUrl, 'supervisor');
    const put = await me.request('PUT', '/api/me/notification-settings', {
      email: 'supervisor@example.cn',
      phone: null,
      channels: { email: true, sms: false },
      digest: false,
      locale: 'en',
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);

    const res = await submitJson(stack.baseUrl, { village: 'xqz-btc' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { rows: found } = await stack.db.query(`SELECT id FROM complaint WHERE receipt = $1`, [
      res.body.receipt,
    ]);
    const id = found[0].id as string;
    const key = `complaint:${id}:acknowledge:1:overdue`;

    const row = await eventually(async () => {
      const { rows } = await stack.db.query(
        `SELECT d.* FROM notification_delivery d JOIN app_user u ON u.id = d.user_id
          WHERE d.notification_key = $1 AND d.channel = 'email' AND u.username = 'supervisor'`,
        [key],
      );
      return rows[0]?.status === 'sent' && rows[0];
    }, 60_000);
    expect(row.locale).toBe('en');
    expect(row.title).toMatch(/^\[Complaint acknowledgement overdue\] village /);
    const [mail] = smtp.mails.filter((m) => m.messageId.includes(row.id));
    expect(mail!.subject).toBe(row.title);
    expect(mail!.text).toMatch(
      /^Complaint about village .+\nStatus: acknowledgement due \d{4}-\d{2}-\d{2}, \d+ days? late\n/,
    );
    expect(mail!.text).toContain(`Details: ${TEST_PUBLIC_URL}/supervision/complaints/${id}`);
    expect(`${mail!.subject}\n${mail!.text}`).not.toMatch(/举报|逾期|期限|请尽快|查看详情/);

    // The inbox shows what the workflow wrote, in Chinese, as before.
    const { rows: inbox } = await stack.db.query(
      `SELECT m.title FROM inbox_message m JOIN app_user u ON u.id = m.user_id
        WHERE m.key = $1 AND u.username = 'supervisor'`,
      [key],
    );
    expect(inbox).toHaveLength(1);
    expect(inbox[0].title).toMatch(/^【举报受理逾期】村 /);
  });
});
