/**
 * Outside deliveries of the deadline alerts on the real stack (one-second ladder days): the notify
 * activity queues one row per (alert, recipient, channel), the dispatcher beside the worker sends
 * them, retries what may succeed later, stops at once on a refusal, holds SMS in quiet hours,
 * keeps robots within their rate, and never sends twice, whatever the worker goes through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifyActivities, type Notification } from '#activities/notify.activities.js';
import { outboundAdapters } from '#activities/notify/channels/index.js';
import type { DeliveryConfig } from '#activities/notify/delivery-config.js';
import { addDays } from '#domain/deadlines.js';
import { localSeconds } from '#domain/notifications/delivery-time.js';
import { aProject } from '../support/builders.js';
import { eventually } from '../support/eventually.js';
import { FAST_LADDERS, today } from '../support/ladders.js';
import { startAliyunSmsStandin, type AliyunSmsStandin } from '../support/standins/aliyun-sms.js';
import { startRobotStandin, type RobotStandin } from '../support/standins/robots.js';
import { startSmtpStandin, type SmtpStandin } from '../support/standins/smtp.js';
import {
  Session,
  TEST_PUBLIC_URL,
  TEST_SMS_TEMPLATES,
  startTestStack,
  testRender,
  type TestStack,
} from '../support/stack.js';
import { loginActors, type Actors } from '../support/walk.js';
import { enableAdminTotp } from '../support/authz/stack.js';

let stack: TestStack;
let actors: Actors;
let smtp: SmtpStandin;
let aliyun: AliyunSmsStandin;
let robots: RobotStandin;
const ROBOT_RATE = { limit: 5, windowMs: 2000 };
const PHONES: Record<string, string> = {
  'xqz.op': '13800000010',
  'xqz.view': '13800000011',
  'swj.op': '13800000012',
  admin: '13800000013',
  supervisor: '13800000014',
};

beforeAll(async () => {
  [smtp, aliyun, robots] = await Promise.all([
    startSmtpStandin(),
    startAliyunSmsStandin(),
    startRobotStandin(),
  ]);
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
    dingtalk: [
      {
        name: 'county-robot',
        webhook: robots.dingtalkRobot('county-token'),
        secret: null,
        orgUnits: [],
        minSeverity: 'info',
      },
    ],
    wecom: [],
    outbox: null,
    timeoutMs: 5000,
  });
  stack = await startTestStack({
    deadlines: FAST_LADDERS,
    notifications: {
      adapters: Object.values(adapters),
      dispatcher: {
        maxAttempts: 5,
        rateLimit: (channel) => (channel === 'dingtalk' ? ROBOT_RATE : null),
      },
    },
  });
  actors = await loginActors(stack);
  for (const [username, phone] of Object.entries(PHONES))
    await stack.db.query(
      `UPDATE app_user SET email = username || '@example.cn', phone = $2 WHERE username = $1`,
      [username, phone],
    );
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all([smtp?.stop(), aliyun?.stop(), robots?.stop()]);
});

/** SMS the stand-in accepted (answered OK), per delivery id (sent as OutId). */
const smsAccepted = (deliveryId: string) => aliyun.requests.filter((r) => r.params.OutId === deliveryId);
const mailsOf = (deliveryId: string) => smtp.mails.filter((m) => m.messageId.includes(deliveryId));

async function projectStartingIn(days: number, name: string) {
  const t = today();
  const res = await actors.dept.post(
    '/api/projects',
    aProject({
      name,
      plannedDates: {
        start: addDays(t, days),
        completion: addDays(t, 300),
        acceptance: addDays(t, 400),
        reimbursement: addDays(t, 500),
      },
    }),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.id as string, code: res.body.code as string };
}

const deliveries = async (projectId: string) =>
  (
    await stack.db.query(
      `SELECT d.*, u.username FROM notification_delivery d LEFT JOIN app_user u ON u.id = d.user_id
        WHERE d.project_id = $1 ORDER BY d.created_at, d.channel, d.address`,
      [projectId],
    )
  ).rows;

describe('notification delivery', () => {
  const config = (over: Partial<DeliveryConfig>): DeliveryConfig => ({
    email: true,
    sms: true,
    robots: [],
    outbox: false,
    quiet: null,
    criticalBypassQuiet: true,
    digestAt: 8 * 3600,
    timeZone: 'Asia/Shanghai',
    render: testRender,
    ...over,
  });
  /** A deadline alert for the administrators, queued by the notify activity itself. */
  const alert = (key: string, severity: Notification['severity']): Notification => ({
    key,
    projectId: null,
    category: 'deadline',
    severity,
    title: `【测试】${key}`,
    body: '正文',
    facts: {
      kind: 'deadline',
      projectId: '00000000-0000-4000-8000-0000000000aa',
      projectCode: 'XM-TEST',
      projectName: key,
      deadline: 'start',
      period: '',
      dueDate: '2026-11-30',
      step: severity === 'critical' ? 'escalated' : severity === 'warning' ? 'overdue' : 'reminder',
      daysLate: 1,
      earlierSteps: [],
    },
    audience: { unitIds: [], operatorsOnly: false, admins: true, countyLevel: false },
  });
  const rowsOf = async (prefix: string) =>
    (
      await stack.db.query(
        `SELECT * FROM notification_delivery WHERE notification_key LIKE $1 ORDER BY notification_key, channel`,
        [`${prefix}%`],
      )
    ).rows;
  /** Waits until nothing is queued or in flight (what an earlier test sent does not mix in). */
  const settled = () =>
    eventually(async () => {
      const { rows } = await stack.db.query(
        `SELECT count(*)::int AS n FROM notification_delivery WHERE status IN ('queued', 'sending') AND not_before < now() + interval '1 minute'`,
      );
      return rows[0].n === 0;
    }, 30_000);

  it('sends an overdue alert to a real SMTP server: Chinese subject and body, the right recipients, the project link', async () => {
    const p = await projectStartingIn(2, '山塘整治');
    const rows = await eventually(async () => {
      const r = (await deliveries(p.id)).filter((d) => d.channel === 'email');
      return (
        r.some((d) => d.notification_key.endsWith(':interview')) && r.every((d) => d.status === 'sent') && r
      );
    }, 30_000);
    const overdue = rows.filter((d) => d.notification_key.endsWith(':overdue'));
    // xqz.view, a query account of the owner unit, reads it in the inbox only.
    expect(overdue.map((d) => d.username).sort()).toEqual(['admin', 'swj.op', 'xqz.op']);
    const { rows: inbox } = await stack.db.query(
      `SELECT u.username FROM inbox_message m JOIN app_user u ON u.id = m.user_id WHERE m.key = $1`,
      [overdue[0].notification_key],
    );
    expect(inbox.map((r) => r.username)).toContain('xqz.view');
    const mails = overdue.flatMap((d) => mailsOf(d.id));
    expect(
      mails
        .map((m) => m.envelope.to)
        .flat()
        .sort(),
    ).toEqual(['admin', 'swj.op', 'xqz.op'].map((u) => `${u}@example.cn`));
    const mail = mails.find((m) => m.envelope.to[0] === 'xqz.op@example.cn')!;
    expect(mail.subject).toContain('逾期预警');
    expect(mail.subject).toContain('山塘整治');
    expect(mail.text).toContain(p.code);
    expect(mail.text).toContain(`${TEST_PUBLIC_URL}/projects/${p.id}`);
    expect(mail.html).toContain(`${TEST_PUBLIC_URL}/projects/${p.id}`);
    expect(mail.text).toContain('已逾期 1 天');
    // The reminder, a day before the due date, says how long is left.
    const reminder = rows.find((d) => d.notification_key.endsWith(':reminder'))!;
    expect(mailsOf(reminder.id).map((m) => m.text)).toEqual([expect.stringContaining('还有 1 天到期')]);
    // Each delivery exactly once at the server, SMS too (sent through the vendor SDK).
    for (const d of rows) expect(mailsOf(d.id), d.notification_key).toHaveLength(1);
    const sms = (await deliveries(p.id)).filter((d) => d.channel === 'sms');
    expect(sms.length).toBe(rows.length);
    await eventually(async () => (await deliveries(p.id)).every((d) => d.status === 'sent'));
    for (const d of sms) expect(smsAccepted(d.id), d.notification_key).toHaveLength(1);
  });

  it('retries an SMS the vendor fails three times, sending it once; the e-mail of the same alert goes at once; a refusal stops at once', async () => {
    await settled();
    const sut = createNotifyActivities({ orm: stack.orm, audit: stack.audit, delivery: config({}) });
    aliyun.fail('isp.SYSTEM_ERROR', 'isp.SYSTEM_ERROR', 'isp.SYSTEM_ERROR');
    await sut.notify(alert('retry:1', 'warning'));
    const [mailRow, smsRow] = await eventually(async () => {
      const r = await rowsOf('retry:1');
      return r[1]?.status === 'sent' && r;
    });
    expect(mailRow.channel).toBe('email');
    expect(smsRow).toMatchObject({ channel: 'sms', status: 'sent', attempts: 4, address: PHONES.admin });
    expect(smsAccepted(smsRow.id)).toHaveLength(4); // three refused, one accepted
    const { rows: log } = await stack.db.query(
      `SELECT no, outcome, error_code, vendor_id, started_at FROM notification_attempt WHERE delivery_id = $1 ORDER BY no`,
      [smsRow.id],
    );
    expect(log.map((a) => [a.no, a.outcome, a.error_code])).toEqual([
      [1, 'retry', 'isp.SYSTEM_ERROR'],
      [2, 'retry', 'isp.SYSTEM_ERROR'],
      [3, 'retry', 'isp.SYSTEM_ERROR'],
      [4, 'sent', null],
    ]);
    expect(log[3].vendor_id).toBe(smsRow.vendor_id);
    // The e-mail did not wait for the SMS: it was out before the SMS's last attempt began (its
    // back-off, 0.2 s and doubling, leaves over a second; one SMTP exchange on a busy machine may
    // take longer than the first 0.2 s).
    expect(mailRow.status).toBe('sent');
    expect(mailRow.sent_at.getTime()).toBeLessThan(log[3].started_at.getTime());
    expect(mailsOf(mailRow.id)).toHaveLength(1);

    aliyun.fail('isv.MOBILE_NUMBER_ILLEGAL');
    await sut.notify(alert('refused:1', 'warning'));
    const refused = await eventually(async () => {
      const r = (await rowsOf('refused:1')).find((d) => d.channel === 'sms');
      return r?.status === 'failed' && r;
    });
    expect(refused).toMatchObject({ attempts: 1, last_error_code: 'isv.MOBILE_NUMBER_ILLEGAL' });
    expect(smsAccepted(refused.id)).toHaveLength(1);
  });

  it('holds an SMS in quiet hours until the window ends, not before; a critical one goes at once', async () => {
    await settled();
    // A window that began a minute ago and ends a few seconds from now, in the configured zone.
    const now = Date.now();
    const endMs = Math.ceil((now + 4000) / 1000) * 1000;
    const window = {
      start: localSeconds(now - 60_000, 'Asia/Shanghai'),
      end: localSeconds(endMs, 'Asia/Shanghai'),
    };
    const sut = createNotifyActivities({
      orm: stack.orm,
      audit: stack.audit,
      delivery: config({ email: false, quiet: window }),
    });
    await sut.notify(alert('quiet:held', 'warning'));
    await sut.notify(alert('quiet:critical', 'critical'));
    const [critical, held] = await rowsOf('quiet:');
    expect(held.not_before.getTime()).toBe(endMs);
    expect(critical.not_before.getTime()).toBeLessThan(endMs - 2000);
    await eventually(async () => (await rowsOf('quiet:critical'))[0].status === 'sent');
    expect(smsAccepted(critical.id)).toHaveLength(1);
    expect(Date.now()).toBeLessThan(endMs);
    expect(smsAccepted(held.id)).toHaveLength(0);
    const sentHeld = await eventually(async () => {
      const r = (await rowsOf('quiet:held'))[0];
      return r.status === 'sent' && r;
    });
    expect(sentHeld.sent_at.getTime()).toBeGreaterThanOrEqual(endMs);
    expect(smsAccepted(held.id)).toHaveLength(1);
  });

  it('sends 25 messages to one robot at its rate: 5 per 2 s, the rest wait, none dropped, none twice', async () => {
    const sut = createNotifyActivities({
      orm: stack.orm,
      audit: stack.audit,
      delivery: config({
        email: false,
        sms: false,
        robots: [{ channel: 'dingtalk', name: 'county-robot', units: [], minSeverity: 'info' }],
      }),
    });
    // Every time a claimed row goes back to the queue unsent (a month-end storm's thousands must
    // not be claimed and put back over and over while they wait for their slots).
    await stack.db.query(`
      CREATE TABLE test_put_back (id uuid NOT NULL);
      CREATE FUNCTION test_log_put_back() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
        BEGIN
          IF OLD.status = 'sending' AND NEW.status = 'queued' THEN INSERT INTO test_put_back VALUES (NEW.id); END IF;
          RETURN NEW;
        END $$;
      CREATE TRIGGER test_put_back AFTER UPDATE ON notification_delivery
        FOR EACH ROW EXECUTE FUNCTION test_log_put_back();`);
    const t0 = Date.now();
    for (let i = 0; i < 25; i++) await sut.notify(alert(`robot:${String(i).padStart(2, '0')}`, 'info'));
    const rows = await eventually(async () => {
      const r = await rowsOf('robot:');
      return r.every((d) => d.status === 'sent') && r;
    }, 30_000);
    expect(rows).toHaveLength(25);
    const received = robots.requests.filter((r) => r.id === 'county-token');
    expect(received).toHaveLength(25);
    const titles = received.map((r) => JSON.stringify(r.body));
    for (let i = 0; i < 25; i++)
      expect(titles.filter((t) => t.includes(`robot:${String(i).padStart(2, '0')}`))).toHaveLength(1);
    // Never more than 5 sends within any 2 s (measured where the slot is taken: the attempt row,
    // written one round trip later, so a little scheduling slack), and the last waited four windows.
    const { rows: started } = await stack.db.query(
      `SELECT a.started_at FROM notification_attempt a JOIN notification_delivery d ON d.id = a.delivery_id
        WHERE d.notification_key LIKE 'robot:%' ORDER BY a.started_at`,
    );
    expect(started).toHaveLength(25);
    const times = started.map((r) => r.started_at.getTime() as number);
    for (let i = 5; i < times.length; i++) expect(times[i]! - times[i - 5]!).toBeGreaterThanOrEqual(1750);
    expect(times[24]! - t0).toBeGreaterThanOrEqual(8000);
    // Claimed only as fast as the robot takes them: a row is put back at most once (the first
    // claim, before the dispatcher knew the bucket), never once per window it waits.
    const { rows: putBack } = await stack.db.query(
      `SELECT id, count(*)::int AS n FROM test_put_back GROUP BY id ORDER BY n DESC`,
    );
    await stack.db.query(`DROP TRIGGER test_put_back ON notification_delivery;
      DROP FUNCTION test_log_put_back(); DROP TABLE test_put_back;`);
    expect(putBack.length).toBeLessThanOrEqual(20);
    expect(putBack[0]?.n ?? 0).toBeLessThanOrEqual(1);
  });

  it('queues nothing twice when the activity runs again (a retry, a replay)', async () => {
    const sut = createNotifyActivities({ orm: stack.orm, audit: stack.audit, delivery: config({}) });
    const first = await sut.notify(alert('twice:1', 'warning'));
    const again = await sut.notify(alert('twice:1', 'warning'));
    expect(first.queued).toBe(2);
    expect(again.queued).toBe(0);
  });

  it('after a dispatcher died: a row claimed but never tried goes out once; one cut off during the vendor call is unknown, not resent', async () => {
    await settled();
    const sut = createNotifyActivities({
      orm: stack.orm,
      audit: stack.audit,
      delivery: config({ sms: false }),
    });
    // Claimed by a dispatcher that then died, as the database shows it, the lease expired (the
    // stack's dispatcher is stopped meanwhile, so it cannot claim them first).
    await stack.dispatcher!.stop();
    for (const key of ['dead:claimed', 'dead:in-call']) await sut.notify(alert(key, 'warning'));
    await stack.db.query(
      `UPDATE notification_delivery SET status = 'sending', lease_until = now() - interval '1 second', leased_by = 'dead'
        WHERE notification_key LIKE 'dead:%'`,
    );
    await stack.db.query(
      `WITH d AS (UPDATE notification_delivery SET attempts = 1 WHERE notification_key = 'dead:in-call' RETURNING id)
       INSERT INTO notification_attempt (delivery_id, no) SELECT id, 1 FROM d`,
    );
    await stack.stopWorker();
    await stack.startWorker();
    const [claimed, inCall] = await eventually(async () => {
      const r = await rowsOf('dead:');
      return r[0].status === 'sent' && r[1].status === 'unknown' && r;
    });
    expect(claimed.attempts).toBe(1);
    expect(mailsOf(claimed.id)).toHaveLength(1);
    expect(inCall).toMatchObject({ attempts: 1, last_error_code: 'INTERRUPTED' });
    expect(mailsOf(inCall.id)).toHaveLength(0);
    const { rows: attempts } = await stack.db.query(
      `SELECT outcome, finished_at FROM notification_attempt WHERE delivery_id = $1`,
      [inCall.id],
    );
    expect(attempts).toEqual([{ outcome: 'unknown', finished_at: null }]);
  });

  it('marks an SMS the vendor took but did not answer in time unknown, and does not send it again', async () => {
    await settled();
    const sut = createNotifyActivities({ orm: stack.orm, audit: stack.audit, delivery: config({}) });
    aliyun.stall(1, 8_000); // past the adapter's 5 s timeout
    await sut.notify(alert('stalled:1', 'warning'));
    const sms = await eventually(async () => {
      const r = (await rowsOf('stalled:1')).find((d) => d.channel === 'sms');
      return r?.status === 'unknown' && r;
    }, 30_000);
    expect(sms).toMatchObject({ attempts: 1, last_error_code: expect.stringMatching(/^network:/) });
    expect(smsAccepted(sms.id)).toHaveLength(1);
    // The dispatcher goes on with other rows and leaves this one for an administrator.
    await sut.notify(alert('stalled:after', 'warning'));
    await eventually(async () => (await rowsOf('stalled:after')).every((d) => d.status === 'sent'));
    expect((await rowsOf('stalled:1')).find((d) => d.channel === 'sms')).toMatchObject({
      status: 'unknown',
      attempts: 1,
    });
    expect(smsAccepted(sms.id)).toHaveLength(1);
  });

  it('holds the reminders of a user who chose the digest until the digest time and sends them as one e-mail; overdue alerts and a user without the digest are not held', async () => {
    await settled();
    const supervisor = await Session.login(stack.baseUrl, 'supervisor');
    const chose = await supervisor.request('PUT', '/api/me/notification-settings', {
      email: 'supervisor@example.cn',
      phone: PHONES.supervisor,
      channels: { email: true, sms: true },
      digest: true,
    });
    expect(chose.status, JSON.stringify(chose.body)).toBe(200);
    // The digest time (NOTIFY_DIGEST_AT) a few seconds from now, on a whole second, in the zone.
    const digestMs = Math.ceil((Date.now() + 6000) / 1000) * 1000;
    const sut = createNotifyActivities({
      orm: stack.orm,
      audit: stack.audit,
      delivery: config({ sms: false, digestAt: localSeconds(digestMs, 'Asia/Shanghai') }),
    });
    const mailsBefore = smtp.mails.length;
    const toCounty = (n: Notification): Notification => ({
      ...n,
      audience: { unitIds: [], operatorsOnly: false, admins: true, countyLevel: true },
    });
    const reminders = ['digest:r1', 'digest:r2', 'digest:r3'];
    for (const key of reminders) await sut.notify(toCounty(alert(key, 'info')));
    await sut.notify(toCounty(alert('digest:overdue', 'warning')));
    const email = async () =>
      (
        await stack.db.query(
          `SELECT d.*, u.username FROM notification_delivery d JOIN app_user u ON u.id = d.user_id
            WHERE d.notification_key LIKE 'digest:%' AND d.channel = 'email' ORDER BY d.notification_key`,
        )
      ).rows;
    const queued = await email();
    const held = queued.filter((d) => d.username === 'supervisor' && reminders.includes(d.notification_key));
    expect(held).toHaveLength(3);
    for (const d of held) expect(d).toMatchObject({ digest: true, status: 'queued' });
    for (const d of held) expect(d.not_before.getTime()).toBe(digestMs);
    const notHeld = queued.filter((d) => !held.includes(d));
    expect(notHeld.map((d) => `${d.username} ${d.notification_key}`).sort()).toEqual([
      'admin digest:overdue',
      'admin digest:r1',
      'admin digest:r2',
      'admin digest:r3',
      'supervisor digest:overdue',
    ]);
    for (const d of notHeld) expect(d.digest).toBe(false);

    // Before the digest time: the overdue alert reached the digest user, the other user had every
    // reminder one by one, and nothing of the held reminders went out.
    await eventually(async () => (await email()).filter((d) => d.status === 'sent').length === 5);
    const newMails = () => smtp.mails.slice(mailsBefore);
    const to = (addr: string) => newMails().filter((m) => m.envelope.to.includes(addr));
    expect(Date.now()).toBeLessThan(digestMs);
    expect(to('supervisor@example.cn')).toHaveLength(1);
    expect(to('supervisor@example.cn')[0]!.subject).toContain('逾期预警');
    expect(to('admin@example.cn')).toHaveLength(4);
    for (const d of notHeld) expect(mailsOf(d.id), d.notification_key).toHaveLength(1);
    for (const d of held) expect((await email()).find((r) => r.id === d.id).status).toBe('queued');

    // At the digest time: one e-mail listing the three reminders, and no other.
    const sent = await eventually(async () => {
      const r = (await email()).filter((d) => held.some((h) => h.id === d.id));
      return r.every((d) => d.status === 'sent') && r;
    }, 30_000);
    for (const d of sent) expect(d.sent_at.getTime()).toBeGreaterThanOrEqual(digestMs);
    await new Promise((r) => setTimeout(r, 500)); // a second e-mail would have arrived by now
    const digestMails = to('supervisor@example.cn').filter((m) => !m.subject.includes('逾期预警'));
    expect(digestMails).toHaveLength(1);
    const mail = digestMails[0]!;
    expect(mail.subject).toBe('每日提醒：共 3 条');
    for (const d of held) {
      expect(mail.text).toContain(d.title);
      expect(mail.text).toContain(d.notification_key); // the project's name in each reminder
    }
    // One send for the three rows: one attempt each, the same vendor id, the Message-ID of one of them.
    expect(new Set(sent.map((d) => d.vendor_id)).size).toBe(1);
    expect(sent.every((d) => d.attempts === 1)).toBe(true);
    expect(held.filter((d) => mail.messageId.includes(d.id))).toHaveLength(1);
    expect(to('admin@example.cn')).toHaveLength(4);
  });

  describe("the administrator's delivery log and a user's own settings", () => {
    let admin: Session;
    beforeAll(async () => {
      admin = (await enableAdminTotp(stack)).admin;
    });

    it('lists deliveries with masked addresses, shows the attempt log, resends only failed or unknown ones', async () => {
      const failed = await admin.get(
        '/api/admin/notification-deliveries?status=failed&channel=sms&q=refused',
      );
      expect(failed.status).toBe(200);
      expect(failed.body.items).toHaveLength(1);
      const item = failed.body.items[0];
      expect(item).toMatchObject({
        address: '138****0013',
        status: 'failed',
        lastErrorCode: 'isv.MOBILE_NUMBER_ILLEGAL',
        recipient: { username: 'admin', displayName: '系统管理员' },
      });
      const emails = await admin.get('/api/admin/notification-deliveries?channel=email&q=xqz.op');
      expect(emails.body.items.length).toBeGreaterThan(0);
      expect(emails.body.items.every((d: { address: string }) => d.address === 'x***@example.cn')).toBe(true);

      const resent = await admin.post(`/api/admin/notification-deliveries/${item.id}/resend`);
      expect(resent.status, JSON.stringify(resent.body)).toBe(200);
      const done = await eventually(async () => {
        const d = await admin.get(`/api/admin/notification-deliveries/${item.id}`);
        return d.body.status === 'sent' && d.body;
      });
      expect(done.attemptLog.map((a: { outcome: string }) => a.outcome)).toEqual(['failed', 'sent']);
      const again = await admin.post(`/api/admin/notification-deliveries/${item.id}/resend`);
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('CONFLICT');
      const { rows: audit } = await stack.db.query(
        `SELECT action, actor_username FROM audit_log WHERE action = 'notification.resend' AND entity_id = $1`,
        [item.id],
      );
      expect(audit).toHaveLength(1);
      expect(
        (await admin.get(`/api/admin/notification-deliveries/00000000-0000-4000-8000-000000000000`)).status,
      ).toBe(404);
    });

    it('shows the channels and renders a template preview on sample facts', async () => {
      const channels = await admin.get('/api/admin/notification-channels');
      expect(channels.status).toBe(200);
      expect(channels.body.channels.map((c: { name: string }) => c.name)).toContain('inbox');
      const preview = await admin.get(
        '/api/admin/notification-templates/preview?deadline=completion&step=overdue',
      );
      expect(preview.status).toBe(200);
      expect(preview.body.subject).toContain('逾期预警');
      const bad = await admin.get('/api/admin/notification-templates/preview?step=later');
      expect(bad.status).toBe(422);
    });

    it('lets every account read and change its own contact details and preferences, with an audit row', async () => {
      const me = await Session.login(stack.baseUrl, 'mbz.op');
      const before = await me.get('/api/me/notification-settings');
      expect(before.body).toEqual({
        email: null,
        phone: null,
        channels: { email: true, sms: true },
        digest: false,
        locale: 'zh-CN',
      });
      const body = {
        email: 'mbz@example.cn',
        phone: '+8613912345678',
        channels: { email: true, sms: false },
        digest: true,
        locale: 'en',
      };
      const put = await me.request('PUT', '/api/me/notification-settings', body);
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      expect(put.body).toEqual(body);
      expect((await me.get('/api/me/notification-settings')).body).toEqual(body);
      const { rows } = await stack.db.query(
        `SELECT a.action FROM audit_log a JOIN app_user u ON u.id::text = a.entity_id WHERE u.username = 'mbz.op' AND a.action = 'notification.settings'`,
      );
      expect(rows).toHaveLength(1);
      // A PUT without locale (a client from before it existed) keeps the language chosen.
      const { locale: _kept, ...withoutLocale } = body;
      const older = await me.request('PUT', '/api/me/notification-settings', {
        ...withoutLocale,
        digest: false,
      });
      expect(older.status, JSON.stringify(older.body)).toBe(200);
      expect(older.body).toEqual({ ...body, digest: false });
      const { rows: pref } = await stack.db.query(
        `SELECT p.locale, p.digest FROM notification_preference p JOIN app_user u ON u.id = p.user_id WHERE u.username = 'mbz.op'`,
      );
      expect(pref).toEqual([{ locale: 'en', digest: false }]);
      const badLocale = await me.request('PUT', '/api/me/notification-settings', { ...body, locale: 'fr' });
      expect(badLocale.status).toBe(422);
      expect(badLocale.body.error.details[0].path).toBe('body.locale');
      const bad = await me.request('PUT', '/api/me/notification-settings', { ...body, phone: '12345' });
      expect(bad.status).toBe(422);
      expect(JSON.stringify(bad.body.error)).toContain('phone');
      const badEn = await me.request(
        'PUT',
        '/api/me/notification-settings',
        { ...body, email: 'nope' },
        { 'accept-language': 'en' },
      );
      expect(badEn.status).toBe(422);
      expect(JSON.stringify(badEn.body.error)).toContain('email');
      // Administrators only for the log.
      expect((await me.get('/api/admin/notification-deliveries')).status).toBe(403);
    });

    it('sends a unit head (set by an administrator) the warnings of the unit by e-mail, not its reminders; a viewer who is not the head gets neither', async () => {
      await settled();
      const created = await admin.post('/api/admin/users', {
        username: 'xqz.head',
        displayName: '王主任',
        orgUnitCode: 'xqz',
        roles: ['viewer'],
        email: 'xqz.head@example.cn',
        unitHead: true,
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const { rows: units } = await stack.db.query(`SELECT id FROM org_unit WHERE code = 'xqz'`);
      const sut = createNotifyActivities({
        orm: stack.orm,
        audit: stack.audit,
        delivery: config({ sms: false }),
      });
      // The unit's operators are addressed (as a reminder addresses them); from a warning on the
      // outside channels also reach the unit head.
      const toUnit = (n: Notification): Notification => ({
        ...n,
        audience: { unitIds: [units[0].id], operatorsOnly: true, admins: false, countyLevel: false },
      });
      await sut.notify(toUnit(alert('head:overdue', 'warning')));
      await sut.notify(toUnit(alert('head:reminder', 'info')));
      const rows = await eventually(async () => {
        const r = (
          await stack.db.query(
            `SELECT d.*, u.username FROM notification_delivery d JOIN app_user u ON u.id = d.user_id
              WHERE d.notification_key LIKE 'head:%' ORDER BY d.notification_key, u.username`,
          )
        ).rows;
        return r.length > 0 && r.every((d) => d.status === 'sent') && r;
      });
      expect(rows.map((d) => `${d.notification_key} ${d.username}`)).toEqual([
        'head:overdue xqz.head',
        'head:overdue xqz.op',
        'head:reminder xqz.op',
      ]);
      const headMail = mailsOf(rows[0].id);
      expect(headMail).toHaveLength(1);
      expect(headMail[0]!.envelope.to).toEqual(['xqz.head@example.cn']);
      expect(headMail[0]!.subject).toContain('逾期预警');
      const viewer = smtp.mails.filter(
        (m) => m.envelope.to.includes('xqz.view@example.cn') && rows.some((d) => m.messageId.includes(d.id)),
      );
      expect(viewer).toHaveLength(0);
      // The inbox follows the audience alone: the head is a viewer, not addressed.
      const { rows: inbox } = await stack.db.query(
        `SELECT u.username FROM inbox_message m JOIN app_user u ON u.id = m.user_id WHERE m.key = 'head:overdue'`,
      );
      expect(inbox.map((r) => r.username)).toEqual(['xqz.op']);
    });

    it('renders the outside messages of a user who chose English in English', async () => {
      await settled();
      const me = await Session.login(stack.baseUrl, 'swj.op');
      const put = await me.request('PUT', '/api/me/notification-settings', {
        email: 'swj.op@example.cn',
        phone: null,
        channels: { email: true, sms: false },
        digest: false,
        locale: 'en',
      });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      const { rows: units } = await stack.db.query(`SELECT id FROM org_unit WHERE code = 'swj'`);
      const sut = createNotifyActivities({ orm: stack.orm, audit: stack.audit, delivery: config({}) });
      await sut.notify({
        ...alert('locale:en', 'warning'),
        audience: { unitIds: [units[0].id], operatorsOnly: true, admins: false, countyLevel: false },
      });
      const row = await eventually(async () => {
        const r = (
          await stack.db.query(
            `SELECT * FROM notification_delivery WHERE notification_key = 'locale:en' AND channel = 'email'`,
          )
        ).rows[0];
        return r?.status === 'sent' && r;
      });
      expect(row.locale).toBe('en');
      const [mail] = mailsOf(row.id);
      expect(mail!.subject).toMatch(/^\[Overdue/);
      expect(mail!.subject).not.toContain('逾期预警');
      expect(mail!.text).toContain('locale:en');
      // Reset for the tests after this one: the demo account reads in Chinese again.
      await me.request('PUT', '/api/me/notification-settings', { ...put.body, locale: 'zh-CN' });
    });

    it('lets administrators alone read the delivery tables under row-level security, and no one but the system write them', async () => {
      const client = await stack.db.connect();
      try {
        const as = async (roles: string, kind: string, sql: string) => {
          await client.query('BEGIN');
          await client.query('SET LOCAL ROLE sanzhang_app');
          await client.query(
            `SELECT set_config('app.scope_kind', $1, true), set_config('app.roles', $2, true)`,
            [kind, roles],
          );
          try {
            return await client.query(sql);
          } finally {
            await client.query('ROLLBACK');
          }
        };
        const count =
          'SELECT (SELECT count(*) FROM notification_delivery)::int + (SELECT count(*) FROM notification_attempt)::int AS n';
        expect((await as('admin', 'county', count)).rows[0].n).toBeGreaterThan(0);
        expect((await as('leader', 'county', count)).rows[0].n).toBe(0);
        expect((await as('operator', 'township', count)).rows[0].n).toBe(0);
        const upd = await as(
          'admin',
          'county',
          `UPDATE notification_delivery SET status = 'queued' WHERE status = 'sent'`,
        );
        expect(upd.rowCount).toBe(0);
        await expect(
          as(
            'admin',
            'county',
            `INSERT INTO notification_preference (user_id) SELECT id FROM app_user LIMIT 1`,
          ),
        ).rejects.toThrow(/row-level security/);
        await expect(as('', 'system', `DELETE FROM notification_attempt`)).rejects.toThrow(
          /permission denied/,
        );
      } finally {
        client.release();
      }
    });
  });
});
