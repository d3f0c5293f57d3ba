/**
 * Administration, delivery resends and ledger imports are not done again when their answer was lost
 * after they committed: the api killed between the commit and the stored answer, the claim left
 * unanswered past the takeover window. The retry with the same Idempotency-Key answers what the
 * first did, and neither applies an edit again over a later one, nor queues a message again, nor
 * adds a second import job. (The pattern: idempotency-after-commit.test.ts.)
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProjectActivities } from '#activities/project.activities.js';
import { recordImportProjects } from '#scripts/lib/import-projects.js';
import { enableAdminTotp } from '../support/authz/stack.js';
import { answerLost as lostAnswer, key } from '../support/lost-answer.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let admin: Session;
let dept: Session; // 县水务局

beforeAll(async () => {
  stack = await startTestStack();
  admin = (await enableAdminTotp(stack)).admin;
  dept = await Session.login(stack.baseUrl, 'swj.op');
});
afterAll(async () => {
  await stack?.stop();
});

const one = async (sql: string, params: unknown[] = []) => (await stack.db.query(sql, params)).rows[0];
const count = async (sql: string, params: unknown[] = []) =>
  (await one(`SELECT count(*)::int AS n FROM ${sql}`, params)).n as number;
const answerLost = (k: string) => lostAnswer(stack, k);

/** A fresh account to administer. */
async function anAccount(username: string): Promise<string> {
  const res = await admin.post('/api/admin/users', {
    username,
    displayName: '测试账号',
    orgUnitCode: 'mbz-scc',
    roles: ['viewer'],
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.user.id as string;
}

/** The third request with the key replays the answer the retry stored. */
async function replays(
  send: () => Promise<{ status: number; body: unknown }>,
  retry: { status: number; body: unknown },
): Promise<void> {
  const third = await send();
  expect(third.status).toBe(retry.status);
  expect(third.body).toEqual(retry.body);
}

describe('accounts: /api/admin/users', () => {
  it('does not apply an edit again over a later one when its answer was lost (PATCH)', async () => {
    const id = await anAccount('lost.patch');
    const edit = (phone: string, h?: Record<string, string>) =>
      admin.request('PATCH', `/api/admin/users/${id}`, { phone }, h);
    const first = await edit('13800000001', key('user-phone-a'));
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.phone).toBe('13800000001');
    await answerLost('user-phone-a');
    // Another administrator changes the number meanwhile.
    const later = await edit('13800000002', key('user-phone-b'));
    expect(later.status).toBe(200);

    const retry = await edit('13800000001', key('user-phone-a'));
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    // The account as it is now: the later edit stands.
    expect(retry.body).toMatchObject({ id, phone: '13800000002' });
    expect((await one('SELECT phone FROM app_user WHERE id = $1', [id])).phone).toBe('13800000002');
    expect(await count(`audit_log WHERE action = 'admin.user.update' AND entity_id = $1`, [id])).toBe(2);
    await replays(() => edit('13800000001', key('user-phone-a')), retry);
  });

  it('does not disable an account again after a later enable when its answer was lost', async () => {
    const id = await anAccount('lost.disable');
    const disable = () => admin.post(`/api/admin/users/${id}/disable`, undefined, key('user-disable'));
    expect((await disable()).status).toBe(200);
    await answerLost('user-disable');
    expect((await admin.post(`/api/admin/users/${id}/enable`)).status).toBe(200);

    const retry = await disable();
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    expect(retry.body).toMatchObject({ id, disabled: false });
    expect((await one('SELECT disabled FROM app_user WHERE id = $1', [id])).disabled).toBe(false);
    await replays(disable, retry);
  });

  it('does not reset a password again when its answer was lost, and shows no password on the retry', async () => {
    const id = await anAccount('lost.reset');
    const reset = () => admin.post(`/api/admin/users/${id}/reset-password`, undefined, key('user-reset'));
    const first = await reset();
    expect(first.status).toBe(200);
    expect(first.body.temporaryPassword).toEqual(expect.any(String));
    const hash = (await one('SELECT password_hash FROM app_user WHERE id = $1', [id])).password_hash;
    await answerLost('user-reset');

    const retry = await reset();
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    expect(retry.body).toEqual({ user: first.body.user, temporaryPassword: null });
    expect((await one('SELECT password_hash FROM app_user WHERE id = $1', [id])).password_hash).toBe(hash);
    expect(await count(`audit_log WHERE action = 'admin.user.resetPassword' AND entity_id = $1`, [id])).toBe(
      1,
    );
    await replays(reset, retry);
  });

  it('answers the created account when its answer was lost, not refusing its own username (POST)', async () => {
    const create = () =>
      admin.post(
        '/api/admin/users',
        { username: 'lost.create', displayName: '重发新建', orgUnitCode: 'mbz-scc', roles: ['viewer'] },
        key('user-create'),
      );
    const first = await create();
    expect(first.status).toBe(201);
    await answerLost('user-create');

    const retry = await create();
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
    // The password is shown in the first answer only.
    expect(retry.body).toEqual({ user: first.body.user, temporaryPassword: null });
    expect(await count(`app_user WHERE username = 'lost.create'`)).toBe(1);
    await replays(create, retry);
  });
});

describe('org units: /api/admin/org-units', () => {
  it('does not rename a unit back over a later rename when its answer was lost (PATCH)', async () => {
    const rename = (name: string, h?: Record<string, string>) =>
      admin.request('PATCH', '/api/admin/org-units/mtz-jyc', { name }, h);
    const first = await rename('金岩村（甲）', key('unit-rename-a'));
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    await answerLost('unit-rename-a');
    expect((await rename('金岩村（乙）', key('unit-rename-b'))).status).toBe(200);

    const retry = await rename('金岩村（甲）', key('unit-rename-a'));
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    expect(retry.body).toEqual({ code: 'mtz-jyc', name: '金岩村（乙）', kind: 'village', parentCode: 'mtz' });
    expect((await one(`SELECT name FROM org_unit WHERE code = 'mtz-jyc'`)).name).toBe('金岩村（乙）');
    await replays(() => rename('金岩村（甲）', key('unit-rename-a')), retry);
  });

  it('answers the added unit when its answer was lost, not refusing its own code (POST)', async () => {
    const create = () =>
      admin.post(
        '/api/admin/org-units',
        { code: 'mtz-lost', name: '重发村', kind: 'village', parentCode: 'mtz' },
        key('unit-create'),
      );
    const first = await create();
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    await answerLost('unit-create');

    const retry = await create();
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(await count(`org_unit WHERE code = 'mtz-lost'`)).toBe(1);
    await replays(create, retry);
  });
});

describe('deliveries: POST /api/admin/notification-deliveries/:id/resend', () => {
  it('does not queue a delivery again when its answer was lost and its new attempt failed', async () => {
    const owner = await one(`SELECT id FROM app_user WHERE username = 'admin'`);
    const { id } = await one(
      `INSERT INTO notification_delivery (notification_key, recipient, channel, user_id, address, severity,
              locale, title, message, status, not_before, attempts, last_error_code, last_error)
       VALUES ('text:lost-resend', $1::text, 'sms', $1::uuid, '13800000013', 'warning', 'zh-CN', '重发测试', '{}',
               'failed', now(), 1, 'isv.BUSINESS_LIMIT_CONTROL', 'refused') RETURNING id`,
      [owner.id],
    );
    const resend = () =>
      admin.post(`/api/admin/notification-deliveries/${id}/resend`, undefined, key('delivery-resend'));
    const first = await resend();
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.status).toBe('queued');
    // What the dispatcher leaves when the resent message's attempt fails again.
    await stack.db.query(`UPDATE notification_delivery SET status = 'failed', attempts = 2 WHERE id = $1`, [
      id,
    ]);
    await answerLost('delivery-resend');

    const retry = await resend();
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    // The delivery as it is now: not queued a third time, so not sent a third time.
    expect(retry.body).toMatchObject({ id, status: 'failed', attempts: 2 });
    expect((await one('SELECT status FROM notification_delivery WHERE id = $1', [id])).status).toBe('failed');
    expect(await count(`audit_log WHERE action = 'notification.resend' AND entity_id = $1`, [id])).toBe(1);
    await replays(resend, retry);
  });
});

describe('ledger imports: POST /api/ledger-imports', () => {
  const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  let code = '';
  beforeAll(async () => {
    const { rows } = await stack.db.query('SELECT code, id FROM org_unit');
    const org = Object.fromEntries(rows.map((r) => [r.code, r.id]));
    const acts = createProjectActivities({ orm: stack.orm, audit: stack.audit });
    const codes = await recordImportProjects(acts, (c) => org[c]!, {
      count: 1,
      codePrefix: 'LOST',
      namePrefix: '重发导入项目',
    });
    code = codes[0]!;
  });

  async function sheet(voucher: string): Promise<Buffer> {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('资金拨付');
    ws.addRow(['项目编号', '资金来源', '拨付日期', '金额（元）', '收款单位', '凭证号', '审批人']);
    for (let i = 0; i < 3; i++)
      ws.addRow([code, 1, '2026-05-10', 12.34, '重庆某建设有限公司', `${voucher}-${i}`, '局长 刘建国']);
    return Buffer.from(await wb.xlsx.writeBuffer());
  }
  const jobs = () => count(`ledger_import WHERE file_name = 'lost.xlsx'`);
  const paid = () => count(`disbursement WHERE voucher_no LIKE 'LOST-%'`);

  it('answers the first job when its answer was lost, not adding a second job that is rejected (wait)', async () => {
    const bytes = await sheet('LOST-W');
    const send = () =>
      dept.upload(
        '/api/ledger-imports?kind=disbursements&wait=true',
        bytes,
        XLSX,
        'lost.xlsx',
        key('import-wait'),
      );
    const before = await jobs();
    const first = await send();
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ status: 'succeeded', importedRows: 3 });
    await answerLost('import-wait');

    const retry = await send();
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    expect(retry.body).toEqual(first.body);
    expect(await jobs()).toBe(before + 1);
    expect(await paid()).toBe(3);
    await replays(send, retry);
  });

  it('answers the first job when its answer was lost, not adding a second one (202)', async () => {
    const bytes = await sheet('LOST-A');
    const send = () =>
      dept.upload('/api/ledger-imports?kind=disbursements', bytes, XLSX, 'lost.xlsx', key('import-async'));
    const before = await jobs();
    const first = await send();
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    const id = first.body.id as string;
    await expect
      .poll(async () => (await dept.get(`/api/ledger-imports/${id}`)).body.status, { timeout: 20_000 })
      .toBe('succeeded');
    await answerLost('import-async');

    const retry = await send();
    expect(retry.status, JSON.stringify(retry.body)).toBe(202);
    expect(retry.body).toMatchObject({ id, status: 'succeeded', importedRows: 3 });
    expect(await jobs()).toBe(before + 1);
    expect(await paid()).toBe(6);
    await replays(send, retry);
  });
});
