/**
 * What the dispatcher checks again when a queued delivery comes due (db/queries/delivery-queue.ts):
 * an account disabled meanwhile, a channel the account turned off, an alert resolved by the step
 * taken meanwhile — each leaves the row `cancelled` with its reason and nothing reaches the vendor
 * (the digest leaves it out); and a critical SMS that the quiet hours let through is retried on
 * the normal back-off, not held until the quiet hours end. Real stack, SMTP and Aliyun stand-ins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifyActivities, type Notification } from '#activities/notify.activities.js';
import { outboundAdapters } from '#activities/notify/channels/index.js';
import type { DeliveryConfig } from '#activities/notify/delivery-config.js';
import { addDays } from '#domain/deadlines.js';
import { localSeconds, type QuietWindow } from '#domain/notifications/delivery-time.js';
import { aProject } from '../support/builders.js';
import { eventually } from '../support/eventually.js';
import { FAST_LADDERS, today } from '../support/ladders.js';
import { startAliyunSmsStandin, type AliyunSmsStandin } from '../support/standins/aliyun-sms.js';
import { startSmtpStandin, type SmtpStandin } from '../support/standins/smtp.js';
import {
  Session,
  TEST_PUBLIC_URL,
  TEST_SMS_TEMPLATES,
  startTestStack,
  testRender,
  type TestStack,
} from '../support/stack.js';
import { loginActors, walkTo, type Actors } from '../support/walk.js';
import { enableAdminTotp } from '../support/authz/stack.js';

let stack: TestStack;
let actors: Actors;
let admin: Session;
let smtp: SmtpStandin;
let aliyun: AliyunSmsStandin;
const TZ = 'Asia/Shanghai';
/** The dispatcher's quiet hours, read at each retry: set by the test that needs them. */
const dispatcherQuiet: { window: QuietWindow | null; timeZone: string } = { window: null, timeZone: TZ };
const PHONES: Record<string, string> = {
  'xqz.op': '13800000020',
  'swj.op': '13800000021',
  admin: '13800000022',
};

beforeAll(async () => {
  [smtp, aliyun] = await Promise.all([startSmtpStandin(), startAliyunSmsStandin()]);
  const adapters = outboundAdapters({
    publicUrl: TEST_PUBLIC_URL,
    email: { url: smtp.url, from: '三账一表 <notify@county.example.cn>' },
    sms: {
      vendor: 'aliyun',
      accessKeyId: 'LTAI-test',
      accessKeySecret: 'test-secret',
      endpoint: aliyun.url,
      signName: '县乡村振兴局',
    },
    smsTemplates: TEST_SMS_TEMPLATES,
    dingtalk: [],
    wecom: [],
    outbox: null,
    timeoutMs: 5000,
  });
  stack = await startTestStack({
    deadlines: FAST_LADDERS,
    notifications: {
      adapters: Object.values(adapters),
      // The ladders' own SMS would only add noise: e-mail alone for them.
      delivery: { sms: false },
      dispatcher: { maxAttempts: 5, quiet: dispatcherQuiet },
    },
  });
  actors = await loginActors(stack);
  admin = (await enableAdminTotp(stack)).admin;
  for (const [username, phone] of Object.entries(PHONES))
    await stack.db.query(
      `UPDATE app_user SET email = username || '@example.cn', phone = $2 WHERE username = $1`,
      [username, phone],
    );
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all([smtp?.stop(), aliyun?.stop()]);
});

const smsOf = (deliveryId: string) => aliyun.requests.filter((r) => r.params.OutId === deliveryId);
const mailsOf = (deliveryId: string) => smtp.mails.filter((m) => m.messageId.includes(deliveryId));
const config = (over: Partial<DeliveryConfig>): DeliveryConfig => ({
  email: false,
  sms: true,
  robots: [],
  outbox: false,
  quiet: null,
  criticalBypassQuiet: true,
  digestAt: 8 * 3600,
  timeZone: TZ,
  render: testRender,
  ...over,
});
const rowsOf = async (key: string) =>
  (
    await stack.db.query(
      `SELECT d.*, u.username FROM notification_delivery d LEFT JOIN app_user u ON u.id = d.user_id
        WHERE d.notification_key = $1 ORDER BY u.username, d.channel`,
      [key],
    )
  ).rows;
const unitId = async (code: string) =>
  (await stack.db.query(`SELECT id FROM org_unit WHERE code = $1`, [code])).rows[0].id as string;
const userId = async (username: string) =>
  (await stack.db.query(`SELECT id FROM app_user WHERE username = $1`, [username])).rows[0].id as string;
/** A quiet window that began a minute ago and ends `ms` from now (on a whole second). */
function quietFor(ms: number): { window: QuietWindow; endMs: number } {
  const now = Date.now();
  const endMs = Math.ceil((now + ms) / 1000) * 1000;
  return { window: { start: localSeconds(now - 60_000, TZ), end: localSeconds(endMs, TZ) }, endMs };
}
const notice = (key: string, severity: Notification['severity'], unitIds: string[]): Notification => ({
  key,
  projectId: null,
  category: 'deadline',
  severity,
  title: `【测试】${key}`,
  body: '正文',
  audience: { unitIds, operatorsOnly: true, admins: true, countyLevel: false },
});

describe('what a queued delivery is checked against when it comes due', () => {
  it('does not send an SMS held by the quiet hours to an account disabled meanwhile, or one that turned SMS off; the others go', async () => {
    // A second operator of swj, to be disabled (swj.op creates the projects of the next test).
    const created = await admin.post('/api/admin/users', {
      username: 'swj.op2',
      displayName: '李四',
      orgUnitCode: 'swj',
      roles: ['operator'],
      email: 'swj.op2@example.cn',
      phone: '13800000023',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { window, endMs } = quietFor(5000);
    const sut = createNotifyActivities({
      orm: stack.orm,
      audit: stack.audit,
      delivery: config({ quiet: window }),
    });
    await sut.notify(notice('checks:held', 'warning', [await unitId('swj'), await unitId('xqz')]));
    const queued = await rowsOf('checks:held');
    expect(queued.map((d) => `${d.username} ${d.status}`)).toEqual([
      'admin queued',
      'swj.op queued',
      'swj.op2 queued',
      'xqz.op queued',
    ]);
    for (const d of queued) expect(d.not_before.getTime()).toBe(endMs);

    // Meanwhile: an administrator disables swj.op2; xqz.op turns its SMS off.
    const disabled = await admin.post(`/api/admin/users/${await userId('swj.op2')}/disable`);
    expect(disabled.status, JSON.stringify(disabled.body)).toBe(200);
    const op = await Session.login(stack.baseUrl, 'xqz.op');
    const off = await op.request('PUT', '/api/me/notification-settings', {
      email: 'xqz.op@example.cn',
      phone: PHONES['xqz.op'],
      channels: { email: true, sms: false },
      digest: false,
    });
    expect(off.status, JSON.stringify(off.body)).toBe(200);

    const done = await eventually(async () => {
      const r = await rowsOf('checks:held');
      return r.every((d) => !['queued', 'sending'].includes(d.status)) && r;
    }, 30_000);
    const [toAdmin, toOperator, toDisabled, toChannelOff] = done;
    for (const d of [toAdmin, toOperator]) {
      expect(d).toMatchObject({ status: 'sent', attempts: 1 });
      expect(smsOf(d.id)).toHaveLength(1);
    }
    expect(toDisabled).toMatchObject({
      status: 'cancelled',
      attempts: 0,
      last_error_code: 'ACCOUNT_DISABLED',
    });
    expect(toChannelOff).toMatchObject({ status: 'cancelled', attempts: 0, last_error_code: 'CHANNEL_OFF' });
    expect(smsOf(toDisabled.id)).toHaveLength(0);
    expect(smsOf(toChannelOff.id)).toHaveLength(0);
    const { rows: attempts } = await stack.db.query(
      `SELECT count(*)::int AS n FROM notification_attempt WHERE delivery_id = ANY($1::uuid[])`,
      [[toDisabled.id, toChannelOff.id]],
    );
    expect(attempts[0].n).toBe(0);
    // The administrator's log shows why.
    const log = await admin.get(`/api/admin/notification-deliveries/${toDisabled.id}`);
    expect(log.status).toBe(200);
    expect(log.body).toMatchObject({ status: 'cancelled', lastErrorCode: 'ACCOUNT_DISABLED' });
    expect(log.body.lastError).toContain('disabled');
  });

  it("leaves a reminder whose alert the step resolved out of the next morning's digest; the open one is mailed", async () => {
    // xqz.op (the owner unit's operator: the start reminders are its) chose the daily digest.
    const op = await Session.login(stack.baseUrl, 'xqz.op');
    const chose = await op.request('PUT', '/api/me/notification-settings', {
      email: 'xqz.op@example.cn',
      phone: null,
      channels: { email: true, sms: false },
      digest: true,
    });
    expect(chose.status, JSON.stringify(chose.body)).toBe(200);
    const t = today();
    const project = async (name: string) => {
      const res = await actors.dept.post(
        '/api/projects',
        aProject({
          name,
          plannedDates: {
            start: addDays(t, 2),
            completion: addDays(t, 300),
            acceptance: addDays(t, 400),
            reimbursement: addDays(t, 500),
          },
        }),
      );
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    const started = await project('开工已报');
    const open = await project('尚未开工');
    const reminderOf = async (projectId: string) =>
      (
        await stack.db.query(
          `SELECT d.* FROM notification_delivery d JOIN app_user u ON u.id = d.user_id
            WHERE d.project_id = $1 AND u.username = 'xqz.op' AND d.channel = 'email'
              AND d.notification_key LIKE '%:start::%:reminder'`,
          [projectId],
        )
      ).rows[0];
    const held = await eventually(async () => {
      const a = await reminderOf(started);
      const b = await reminderOf(open);
      return a && b && [a, b];
    }, 30_000);
    for (const d of held) expect(d).toMatchObject({ status: 'queued', digest: true });
    for (const d of held) expect(d.not_before.getTime()).toBeGreaterThan(Date.now());

    // The project takes its step (开工): its start alerts are resolved.
    await walkTo(actors, started, 'underway');
    const { rows: alerts } = await stack.db.query(
      `SELECT step, status FROM alert WHERE project_id = $1 AND kind = 'start' AND step = 'reminder'`,
      [started],
    );
    expect(alerts).toEqual([{ step: 'reminder', status: 'resolved' }]);

    // 08:00 comes (the two rows' not_before brought to now).
    const mailsBefore = smtp.mails.length;
    await stack.db.query(`UPDATE notification_delivery SET not_before = now() WHERE id = ANY($1::uuid[])`, [
      held.map((d: { id: string }) => d.id),
    ]);
    const [resolved, stillOpen] = await eventually(async () => {
      const r = [await reminderOf(started), await reminderOf(open)];
      return r.every((d) => d.status !== 'queued' && d.status !== 'sending') && r;
    }, 30_000);
    expect(resolved).toMatchObject({ status: 'cancelled', attempts: 0, last_error_code: 'ALERT_CLOSED' });
    expect(stillOpen).toMatchObject({ status: 'sent', attempts: 1 });
    await new Promise((r) => setTimeout(r, 500)); // a second e-mail would have arrived by now
    const digests = smtp.mails
      .slice(mailsBefore)
      .filter((m) => m.envelope.to.includes('xqz.op@example.cn') && m.subject.startsWith('每日提醒'));
    expect(digests).toHaveLength(1);
    expect(digests[0]!.text).toContain('尚未开工');
    expect(digests[0]!.text).not.toContain('开工已报');
    expect(mailsOf(resolved.id)).toHaveLength(0);
  });

  it('retries a critical SMS sent in the quiet hours on the normal back-off, not at the end of the window', async () => {
    const { window, endMs } = quietFor(12_000);
    dispatcherQuiet.window = window;
    try {
      const sut = createNotifyActivities({
        orm: stack.orm,
        audit: stack.audit,
        delivery: config({ quiet: window }),
      });
      aliyun.fail('isp.SYSTEM_ERROR');
      await sut.notify({
        ...notice('checks:critical', 'critical', []),
        audience: { unitIds: [], operatorsOnly: false, admins: true, countyLevel: false },
      });
      const [queued] = await rowsOf('checks:critical');
      expect(queued.not_before.getTime()).toBeLessThan(endMs - 5000); // let through at once
      const sent = await eventually(async () => {
        const r = (await rowsOf('checks:critical'))[0];
        return r.status === 'sent' && r;
      }, 30_000);
      expect(sent.attempts).toBe(2);
      expect(smsOf(sent.id)).toHaveLength(2); // refused once, then accepted
      // The retry went after its back-off (0.2 s), well before the quiet hours end.
      expect(sent.sent_at.getTime()).toBeLessThan(endMs - 5000);
    } finally {
      dispatcherQuiet.window = null;
    }
  });
});
