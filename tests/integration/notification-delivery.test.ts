/**
 * Outside deliveries of the deadline alerts on the real stack (one-second ladder days): the notify
 * activity queues one row per (alert, recipient, channel), the dispatcher beside the worker sends
 * them, retries what may succeed later, stops at once on a refusal, holds SMS in quiet hours,
 * keeps robots within their rate, and never sends twice, whatever the worker goes through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryError, type ChannelAdapter, type OutboundMessage } from '#activities/notify/channel.js';
import { createNotifyActivities, type Notification } from '#activities/notify.activities.js';
import type { DeliveryConfig } from '#activities/notify/delivery-config.js';
import { plainRender } from '#activities/notify/plain-render.js';
import { addDays } from '#domain/deadlines.js';
import { localSeconds } from '#domain/notifications/delivery-time.js';
import { aProject } from '../support/builders.js';
import { eventually } from '../support/eventually.js';
import { FAST_LADDERS, today } from '../support/ladders.js';
import { Session, TEST_PUBLIC_URL, startTestStack, type TestStack } from '../support/stack.js';
import { loginActors, type Actors } from '../support/walk.js';
import { enableAdminTotp } from '../support/authz/stack.js';

/** A vendor whose answers a test scripts: each send takes the next scripted answer, then succeeds. */
function scriptedAdapter(channel: ChannelAdapter['channel']) {
  const sent: OutboundMessage[] = [];
  const calls: OutboundMessage[] = [];
  /** Scripted answers per address and a text the subject contains. */
  const script: { address: string; subject: string; errors: DeliveryError[] }[] = [];
  const adapter: ChannelAdapter = {
    channel,
    bucketOf: (address) => (channel === 'dingtalk' || channel === 'wecom' ? address : channel),
    async send(m) {
      calls.push(m);
      const next = script
        .find((x) => x.address === m.address && m.subject.includes(x.subject))
        ?.errors.shift();
      if (next) throw next;
      sent.push(m);
      return { vendorId: `${channel}-${sent.length}` };
    },
  };
  return { adapter, sent, calls, script };
}

const email = scriptedAdapter('email');
const sms = scriptedAdapter('sms');
const robot = scriptedAdapter('dingtalk');
const ROBOT_RATE = { limit: 5, windowMs: 2000 };
const PHONES: Record<string, string> = {
  'xqz.op': '13800000010',
  'xqz.view': '13800000011',
  'swj.op': '13800000012',
  admin: '13800000013',
  supervisor: '13800000014',
};
let stack: TestStack;
let actors: Actors;

beforeAll(async () => {
  stack = await startTestStack({
    deadlines: FAST_LADDERS,
    notifications: {
      adapters: [email.adapter, sms.adapter, robot.adapter],
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
});

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
  it('sends an overdue alert by e-mail to every recipient with an address, in Chinese, linking to the project', async () => {
    const p = await projectStartingIn(2, '山塘整治');
    const rows = await eventually(async () => {
      const r = (await deliveries(p.id)).filter((d) => d.channel === 'email');
      return r.filter((d) => d.status === 'sent').length >= 8 && r;
    });
    const overdue = rows.filter((d) => d.notification_key.endsWith(':overdue'));
    expect(overdue.map((d) => d.username).sort()).toEqual(['admin', 'swj.op', 'xqz.op', 'xqz.view']);
    const mail = email.sent.find((m) => m.address === 'xqz.op@example.cn' && m.subject.includes('逾期预警'))!;
    expect(mail.subject).toContain('山塘整治');
    expect(mail.text).toContain('已逾期 1 天');
    expect(mail.link).toBe(`${TEST_PUBLIC_URL}/projects/${p.id}`);
    // Every alert once per address, whatever the activity's retries.
    const keys = email.sent.map((m) => `${m.deliveryId}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('retries an SMS the vendor throttles until it goes, while the e-mail of the same alert goes at once; a refusal stops at once', async () => {
    const throttled = () => new DeliveryError('isv.BUSINESS_LIMIT_CONTROL', '触发流控', true);
    sms.script.push(
      { address: PHONES['xqz.op']!, subject: '村道硬化', errors: [throttled(), throttled(), throttled()] },
      {
        address: PHONES['xqz.view']!,
        subject: '村道硬化',
        errors: [new DeliveryError('isv.MOBILE_NUMBER_ILLEGAL', '非法手机号', false)],
      },
    );
    const p = await projectStartingIn(2, '村道硬化');
    const reminderKey = `alert:${p.id}:start::1:reminder`;
    const rows = await eventually(async () => {
      const r = (await deliveries(p.id)).filter((d) => d.notification_key === reminderKey);
      return r.some((d) => d.channel === 'sms' && d.status === 'sent') && r;
    });
    const smsRow = rows.find((d) => d.channel === 'sms' && d.username === 'xqz.op');
    const mailRow = rows.find((d) => d.channel === 'email' && d.username === 'xqz.op');
    expect(smsRow).toMatchObject({ status: 'sent', attempts: 4, last_error_code: null });
    expect(sms.sent.filter((m) => m.deliveryId === smsRow.id)).toHaveLength(1);
    const { rows: log } = await stack.db.query(
      `SELECT no, outcome, error_code, started_at, finished_at FROM notification_attempt WHERE delivery_id = $1 ORDER BY no`,
      [smsRow.id],
    );
    expect(log.map((a) => [a.no, a.outcome, a.error_code])).toEqual([
      [1, 'retry', 'isv.BUSINESS_LIMIT_CONTROL'],
      [2, 'retry', 'isv.BUSINESS_LIMIT_CONTROL'],
      [3, 'retry', 'isv.BUSINESS_LIMIT_CONTROL'],
      [4, 'sent', null],
    ]);
    // The e-mail did not wait for the SMS: it was out before the SMS's second attempt began.
    expect(mailRow.status).toBe('sent');
    expect(mailRow.sent_at.getTime()).toBeLessThan(log[1].started_at.getTime());

    const refused = await eventually(async () => {
      const r = (await deliveries(p.id)).find(
        (d) => d.channel === 'sms' && d.username === 'xqz.view' && d.status === 'failed',
      );
      return r;
    });
    expect(refused).toMatchObject({ attempts: 1, last_error_code: 'isv.MOBILE_NUMBER_ILLEGAL' });
    expect(sms.calls.filter((m) => m.deliveryId === refused.id)).toHaveLength(1);
  });

  describe('queued by the notify activity itself', () => {
    const config = (over: Partial<DeliveryConfig>): DeliveryConfig => ({
      email: true,
      sms: true,
      robots: [],
      outbox: false,
      quiet: null,
      criticalBypassQuiet: true,
      digestAt: 8 * 3600,
      timeZone: 'Asia/Shanghai',
      render: plainRender(TEST_PUBLIC_URL),
      ...over,
    });
    const notification = (key: string, severity: Notification['severity']): Notification => ({
      key,
      projectId: null,
      category: 'deadline',
      severity,
      title: `【测试】${key}`,
      body: '正文',
      audience: { unitIds: [], operatorsOnly: false, admins: true, countyLevel: false },
    });
    const rowsOf = async (prefix: string) =>
      (
        await stack.db.query(
          `SELECT * FROM notification_delivery WHERE notification_key LIKE $1 ORDER BY notification_key, channel`,
          [`${prefix}%`],
        )
      ).rows;

    it('holds an SMS in quiet hours until the window ends, not before; a critical one goes at once', async () => {
      // A window that began a minute ago and ends four seconds from now, in the configured zone.
      const now = Date.now();
      const fmt = (ms: number) => {
        const s = localSeconds(ms, 'Asia/Shanghai');
        return [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60]
          .map((n) => String(n).padStart(2, '0'))
          .join(':');
      };
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
      await sut.notify(notification('quiet:held', 'warning'));
      await sut.notify(notification('quiet:critical', 'critical'));
      const [, held] = await rowsOf('quiet:');
      expect(held.channel).toBe('sms');
      expect(held.not_before.getTime(), `window ends ${fmt(endMs)}`).toBe(endMs);
      const sentCritical = await eventually(
        async () => (await rowsOf('quiet:critical'))[0].status === 'sent',
      );
      expect(sentCritical).toBe(true);
      expect(Date.now()).toBeLessThan(endMs);
      expect((await rowsOf('quiet:held'))[0].status).toBe('queued');
      const sentHeld = await eventually(async () => {
        const r = (await rowsOf('quiet:held'))[0];
        return r.status === 'sent' && r;
      });
      expect(sentHeld.sent_at.getTime()).toBeGreaterThanOrEqual(endMs);
    });

    it('sends 25 messages to one robot at its rate: 5, then the rest as the window frees, none dropped, none twice', async () => {
      const sut = createNotifyActivities({
        orm: stack.orm,
        audit: stack.audit,
        delivery: config({
          email: false,
          sms: false,
          robots: [{ channel: 'dingtalk', name: 'county-robot', units: [], minSeverity: 'info' }],
        }),
      });
      const t0 = Date.now();
      for (let i = 0; i < 25; i++)
        await sut.notify(notification(`robot:${String(i).padStart(2, '0')}`, 'info'));
      await eventually(async () => (await rowsOf('robot:')).every((r) => r.status === 'sent'), 30_000);
      const at = robot.sent.map((m) => m.deliveryId);
      expect(new Set(at).size).toBe(25);
      expect(robot.calls).toHaveLength(25);
      // Never more than 5 sends within any 2 s.
      const { rows } = await stack.db.query(
        `SELECT sent_at FROM notification_delivery WHERE notification_key LIKE 'robot:%' ORDER BY sent_at`,
      );
      const times = rows.map((r) => r.sent_at.getTime() as number);
      for (let i = 5; i < times.length; i++)
        expect(times[i]! - times[i - 5]!).toBeGreaterThanOrEqual(2000 - 5);
      expect(times[24]! - t0).toBeGreaterThanOrEqual(8000);
    });

    it('queues nothing twice when the activity runs again (a retry, a replay)', async () => {
      const sut = createNotifyActivities({ orm: stack.orm, audit: stack.audit, delivery: config({}) });
      const first = await sut.notify(notification('twice:1', 'warning'));
      const again = await sut.notify(notification('twice:1', 'warning'));
      expect(first.queued).toBeGreaterThan(0);
      expect(again.queued).toBe(0);
    });
  });

  it('after a dispatcher died: a row claimed but never tried goes out once; one cut off during the vendor call is unknown, not resent', async () => {
    const sut = createNotifyActivities({
      orm: stack.orm,
      audit: stack.audit,
      delivery: {
        email: true,
        sms: false,
        robots: [],
        outbox: false,
        quiet: null,
        criticalBypassQuiet: true,
        digestAt: 8 * 3600,
        timeZone: 'Asia/Shanghai',
        render: plainRender(TEST_PUBLIC_URL),
      },
    });
    // Claimed by a dispatcher that then died, as the database would show it: with the lease
    // already expired (the dispatcher here is stopped meanwhile, so it cannot claim them first).
    await stack.dispatcher!.stop();
    for (const key of ['dead:claimed', 'dead:in-call'])
      await sut.notify({
        key,
        projectId: null,
        category: 'deadline',
        severity: 'warning',
        title: key,
        body: key,
        audience: { unitIds: [], operatorsOnly: false, admins: true, countyLevel: false },
      });
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
      const r = (
        await stack.db.query(
          `SELECT * FROM notification_delivery WHERE notification_key LIKE 'dead:%' ORDER BY notification_key`,
        )
      ).rows;
      return r[0].status === 'sent' && r[1].status === 'unknown' && r;
    });
    expect(claimed.attempts).toBe(1);
    expect(email.sent.filter((m) => m.deliveryId === claimed.id)).toHaveLength(1);
    expect(inCall).toMatchObject({ attempts: 1, last_error_code: 'INTERRUPTED' });
    expect(email.calls.filter((m) => m.deliveryId === inCall.id)).toHaveLength(0);
    const { rows: attempts } = await stack.db.query(
      `SELECT outcome, finished_at FROM notification_attempt WHERE delivery_id = $1`,
      [inCall.id],
    );
    expect(attempts).toEqual([{ outcome: 'unknown', finished_at: null }]);
  });

  describe("the administrator's delivery log and a user's own settings", () => {
    let admin: Session;
    beforeAll(async () => {
      admin = (await enableAdminTotp(stack)).admin;
    });

    it('lists deliveries with masked addresses, shows the attempt log, resends only failed or unknown ones', async () => {
      const failed = await admin.get('/api/admin/notification-deliveries?status=failed&channel=sms');
      expect(failed.status).toBe(200);
      const item = failed.body.items.find(
        (d: { recipient: { username: string } }) => d.recipient?.username === 'xqz.view',
      );
      expect(item).toMatchObject({
        address: '138****0011',
        status: 'failed',
        lastErrorCode: 'isv.MOBILE_NUMBER_ILLEGAL',
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
      });
      const body = {
        email: 'mbz@example.cn',
        phone: '+8613912345678',
        channels: { email: true, sms: false },
        digest: true,
      };
      const put = await me.request('PUT', '/api/me/notification-settings', body);
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      expect(put.body).toEqual(body);
      expect((await me.get('/api/me/notification-settings')).body).toEqual(body);
      const { rows } = await stack.db.query(
        `SELECT a.action FROM audit_log a JOIN app_user u ON u.id::text = a.entity_id WHERE u.username = 'mbz.op' AND a.action = 'notification.settings'`,
      );
      expect(rows).toHaveLength(1);
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
