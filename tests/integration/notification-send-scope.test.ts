/**
 * What a queued delivery is checked against when it comes due, about its recipient as the
 * recipient is by then (db/queries/delivery-queue.ts): an account moved to another unit, left
 * with a query role only, or unable to read the project the message is about gets nothing
 * (`OUT_OF_SCOPE`); an account that changed its e-mail address or mobile number gets the message
 * at the new one (a digest gathers its rows by the new address), and one that removed it gets
 * nothing (`NO_ADDRESS`); a reminder held for the digest goes at once, on its own, when the account
 * turns the digest off. Real stack, SMTP and Aliyun stand-ins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifyActivities, type Notification } from '#activities/notify.activities.js';
import { outboundAdapters } from '#activities/notify/channels/index.js';
import type { DeliveryConfig } from '#activities/notify/delivery-config.js';
import { startAttempts } from '#db/queries/delivery-queue.js';
import { localSeconds, type QuietWindow } from '#domain/notifications/delivery-time.js';
import { aProject } from '../support/builders.js';
import { eventually } from '../support/eventually.js';
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
import { loginActors, type Actors } from '../support/walk.js';
import { enableAdminTotp } from '../support/authz/stack.js';

let stack: TestStack;
let actors: Actors;
let admin: Session;
let smtp: SmtpStandin;
let aliyun: AliyunSmsStandin;
const TZ = 'Asia/Shanghai';

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
    notifications: {
      adapters: Object.values(adapters),
      delivery: { sms: false },
      dispatcher: { maxAttempts: 5 },
    },
  });
  actors = await loginActors(stack);
  admin = (await enableAdminTotp(stack)).admin;
  // Every seeded account has an e-mail address and a mobile number of its own.
  await stack.db.query(
    `UPDATE app_user SET email = username || '@example.cn',
            phone = '139' || lpad((row_number)::text, 8, '0')
       FROM (SELECT id, row_number() OVER (ORDER BY username) FROM app_user) n WHERE n.id = app_user.id`,
  );
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all([smtp?.stop(), aliyun?.stop()]);
});

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
/** SMS held by quiet hours that end in ten minutes: the test says when they come due. */
const heldSms = () => {
  const now = Date.now();
  const window: QuietWindow = { start: localSeconds(now - 60_000, TZ), end: localSeconds(now + 600_000, TZ) };
  return createNotifyActivities({ orm: stack.orm, audit: stack.audit, delivery: config({ quiet: window }) });
};
const mail = () =>
  createNotifyActivities({
    orm: stack.orm,
    audit: stack.audit,
    delivery: config({ email: true, sms: false }),
  });
const rowsOf = async (key: string) =>
  (
    await stack.db.query(
      `SELECT d.*, u.username FROM notification_delivery d LEFT JOIN app_user u ON u.id = d.user_id
        WHERE d.notification_key = $1 ORDER BY u.username, d.channel`,
      [key],
    )
  ).rows;
/** The queue's rows of these keys once none is waiting any more (else which still wait, and until when). */
async function settled(keys: string[], timeoutMs = 20_000) {
  let last: any[] = [];
  try {
    return await eventually(async () => {
      last = (await Promise.all(keys.map(rowsOf))).flat();
      return last.every((d) => !['queued', 'sending'].includes(d.status)) && last;
    }, timeoutMs);
  } catch {
    const waiting = last
      .filter((d) => ['queued', 'sending'].includes(d.status))
      .map((d) => `${d.notification_key} ${d.status} digest=${d.digest} until ${d.not_before.toISOString()}`);
    throw new Error(`still waiting after ${timeoutMs} ms: ${waiting.join('; ')}`);
  }
}
const dueNow = (keys: string[]) =>
  stack.db.query(`UPDATE notification_delivery SET not_before = now() WHERE notification_key = ANY($1)`, [
    keys,
  ]);
const unitId = async (code: string) =>
  (await stack.db.query(`SELECT id FROM org_unit WHERE code = $1`, [code])).rows[0].id as string;
const userId = async (username: string) =>
  (await stack.db.query(`SELECT id FROM app_user WHERE username = $1`, [username])).rows[0].id as string;
const smsOf = (deliveryId: string) => aliyun.requests.filter((r) => r.params.OutId === deliveryId);
const mailsTo = (address: string) => smtp.mails.filter((m) => m.envelope.to.includes(address));
const notice = (key: string, severity: Notification['severity'], unitIds: string[]): Notification => ({
  key,
  projectId: null,
  category: 'deadline',
  severity,
  title: `【测试】${key}`,
  body: '正文',
  audience: { unitIds, operatorsOnly: true, admins: false, countyLevel: false },
});
async function createOperator(username: string, unit: string, phone: string) {
  const res = await admin.post('/api/admin/users', {
    username,
    displayName: '测试操作员',
    orgUnitCode: unit,
    roles: ['operator'],
    email: `${username}@example.cn`,
    phone,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}
async function editUser(username: string, change: Record<string, unknown>) {
  const res = await admin.request('PATCH', `/api/admin/users/${await userId(username)}`, change);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}
async function settings(username: string, over: { digest: boolean }) {
  const { rows } = await stack.db.query(`SELECT email, phone FROM app_user WHERE username = $1`, [username]);
  const s = await Session.login(stack.baseUrl, username);
  const res = await s.request('PUT', '/api/me/notification-settings', {
    email: rows[0].email,
    phone: rows[0].phone,
    channels: { email: true, sms: true },
    ...over,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

describe('a queued delivery goes only to whom it is still meant for', () => {
  it('sends nothing to an account moved to another unit, left with a query role, or unable to read the project', async () => {
    const created = await actors.dept.post('/api/projects', aProject({ name: '白台村人饮（范围）' }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const projectId = created.body.id as string;
    await createOperator('xqz.moved', 'xqz', '13800000031');
    await createOperator('xqz.demoted', 'xqz', '13800000032');
    await createOperator('xqz.tovillage', 'xqz', '13800000033');
    await createOperator('bsz.moved', 'bsz', '13800000034');

    const sut = heldSms();
    // About the project: to its owner unit (修齐镇), and to 庙坝镇, which cannot read it.
    await sut.notify({
      ...notice('scope:project', 'warning', [await unitId('xqz'), await unitId('mbz')]),
      projectId,
      audience: {
        unitIds: [await unitId('xqz'), await unitId('mbz')],
        operatorsOnly: true,
        admins: true,
        countyLevel: false,
      },
    });
    // About no project (as a complaint's or a rectification notice's): to 巴山镇.
    await sut.notify(notice('scope:unit', 'warning', [await unitId('bsz')]));
    const queued = [...(await rowsOf('scope:project')), ...(await rowsOf('scope:unit'))];
    expect(queued.map((d) => `${d.username} ${d.status}`)).toEqual([
      'admin queued',
      'mbz.op queued',
      'xqz.demoted queued',
      'xqz.moved queued',
      'xqz.op queued',
      'xqz.tovillage queued',
      'bsz.moved queued',
      'bsz.op queued',
    ]);

    // Meanwhile the administrator moves two operators to 交通局, one to a village of the project
    // (which can still read it, but is not the unit addressed), and leaves one a query account.
    await editUser('xqz.moved', { orgUnitCode: 'jtj' });
    await editUser('bsz.moved', { orgUnitCode: 'jtj' });
    await editUser('xqz.tovillage', { orgUnitCode: 'xqz-btc' });
    await editUser('xqz.demoted', { roles: ['viewer'] });

    await dueNow(['scope:project', 'scope:unit']);
    const done = await settled(['scope:project', 'scope:unit']);
    const by = Object.fromEntries(done.map((d) => [d.username as string, d]));
    const outcome = (d: { id: string; status: string; last_error_code: string | null; attempts: number }) =>
      `${d.status} ${d.last_error_code ?? '-'} attempts=${d.attempts} sms=${smsOf(d.id).length}`;
    expect(Object.fromEntries(done.map((d) => [d.username, outcome(d)]))).toEqual({
      admin: 'sent - attempts=1 sms=1',
      'xqz.op': 'sent - attempts=1 sms=1',
      'bsz.op': 'sent - attempts=1 sms=1',
      'mbz.op': 'cancelled OUT_OF_SCOPE attempts=0 sms=0',
      'xqz.demoted': 'cancelled OUT_OF_SCOPE attempts=0 sms=0',
      'xqz.moved': 'cancelled OUT_OF_SCOPE attempts=0 sms=0',
      'xqz.tovillage': 'cancelled OUT_OF_SCOPE attempts=0 sms=0',
      'bsz.moved': 'cancelled OUT_OF_SCOPE attempts=0 sms=0',
    });
    // The administrator's log says why.
    const log = await admin.get(`/api/admin/notification-deliveries/${by['xqz.moved'].id}`);
    expect(log.status).toBe(200);
    expect(log.body).toMatchObject({ status: 'cancelled', lastErrorCode: 'OUT_OF_SCOPE' });
    expect(log.body.lastError).toMatch(/^账号已调离所通知的单位.*\(the account was moved out of the unit/);
  });

  it('sends an SMS to the number the account has when it goes, and none to an account that removed its number', async () => {
    await createOperator('mtz.renumbered', 'mtz', '13800000041');
    await createOperator('mtz.nonumber', 'mtz', '13800000042');
    await heldSms().notify(notice('address:sms', 'warning', [await unitId('mtz')]));
    const queued = await rowsOf('address:sms');
    expect(queued.map((d) => `${d.username} ${d.address}`)).toEqual([
      'mtz.nonumber 13800000042',
      'mtz.op ' + queued[1].address,
      'mtz.renumbered 13800000041',
    ]);

    await editUser('mtz.renumbered', { phone: '13900009999' });
    await editUser('mtz.nonumber', { phone: null });
    await dueNow(['address:sms']);
    const [noNumber, unchanged, renumbered] = await settled(['address:sms']);
    expect(renumbered).toMatchObject({ status: 'sent', attempts: 1, address: '13900009999' });
    expect(smsOf(renumbered.id).map((r) => r.params.PhoneNumbers)).toEqual(['13900009999']);
    expect(aliyun.requests.filter((r) => r.params.PhoneNumbers === '13800000041')).toHaveLength(0);
    expect(unchanged).toMatchObject({ status: 'sent', address: queued[1].address });
    expect(noNumber).toMatchObject({ status: 'cancelled', attempts: 0, last_error_code: 'NO_ADDRESS' });
    expect(smsOf(noNumber.id)).toHaveLength(0);
  });

  it('does not start a claimed SMS whose account changed its number since the claim: the next claim sends it to the new one', async () => {
    await createOperator('zjw.op2', 'zjw', '13800000051');
    await heldSms().notify(notice('address:claimed', 'warning', [await unitId('zjw')]));
    const row = (await rowsOf('address:claimed')).find((d) => d.username === 'zjw.op2');
    // Another dispatcher claimed it (to the old number) and is about to start its attempt.
    await stack.db.query(
      `UPDATE notification_delivery SET status = 'sending', not_before = now(),
              lease_until = now() + interval '5 minutes', leased_by = 'elsewhere' WHERE id = $1`,
      [row.id],
    );
    await editUser('zjw.op2', { phone: '13900008888' });
    const sut = await startAttempts(stack.orm, [row.id], 'elsewhere');
    expect(sut.size).toBe(0);
    expect((await rowsOf('address:claimed')).find((d) => d.id === row.id)).toMatchObject({
      status: 'queued',
      attempts: 0,
      leased_by: null,
    });
    const sent = await eventually(async () => {
      const d = (await rowsOf('address:claimed')).find((r) => r.id === row.id);
      return d.status === 'sent' && d;
    });
    expect(sent).toMatchObject({ attempts: 1, address: '13900008888' });
    expect(smsOf(row.id).map((r) => r.params.PhoneNumbers)).toEqual(['13900008888']);
  });

  it("gathers a digest by the account's address when it goes: one e-mail, to the new address", async () => {
    await settings('lyj.op', { digest: true });
    const sut = mail();
    await sut.notify(notice('address:digest:before', 'info', [await unitId('lyj')]));
    await editUser('lyj.op', { email: 'lyj.new@example.cn' });
    await sut.notify(notice('address:digest:after', 'info', [await unitId('lyj')]));
    const queued = [...(await rowsOf('address:digest:before')), ...(await rowsOf('address:digest:after'))];
    expect(queued.map((d) => `${d.address} ${d.digest} ${d.status}`)).toEqual([
      'lyj.op@example.cn true queued',
      'lyj.new@example.cn true queued',
    ]);

    await dueNow(['address:digest:before', 'address:digest:after']); // 08:00 comes
    const done = await settled(['address:digest:before', 'address:digest:after']);
    for (const d of done)
      expect(d).toMatchObject({ status: 'sent', attempts: 1, address: 'lyj.new@example.cn' });
    await new Promise((r) => setTimeout(r, 500)); // a second e-mail would have arrived by now
    expect(mailsTo('lyj.op@example.cn')).toHaveLength(0);
    const digests = mailsTo('lyj.new@example.cn');
    expect(digests.map((m) => m.subject.startsWith('每日提醒'))).toEqual([true]);
    expect(digests[0]!.text).toContain('address:digest:before');
    expect(digests[0]!.text).toContain('address:digest:after');
  });
});

describe('a reminder held for the digest', () => {
  it('goes at once, on its own, when the account turns the digest off', async () => {
    await settings('nyw.op', { digest: true });
    const sut = mail();
    await sut.notify(notice('digest:off:1', 'info', [await unitId('nyw')]));
    await sut.notify(notice('digest:off:2', 'info', [await unitId('nyw')]));
    const queued = [...(await rowsOf('digest:off:1')), ...(await rowsOf('digest:off:2'))];
    for (const d of queued) {
      expect(d).toMatchObject({ status: 'queued', digest: true });
      expect(d.not_before.getTime()).toBeGreaterThan(Date.now()); // the next 08:00
    }

    await settings('nyw.op', { digest: false });
    const done = await settled(['digest:off:1', 'digest:off:2']);
    for (const d of done) expect(d).toMatchObject({ status: 'sent', attempts: 1, digest: false });
    await new Promise((r) => setTimeout(r, 500));
    const mails = mailsTo('nyw.op@example.cn');
    expect(mails.map((m) => m.subject).sort()).toEqual(['【测试】digest:off:1', '【测试】digest:off:2']);
  });
});
