/**
 * The console's notification pages beside the inbox: 通知设置 on the account page, and the
 * administrator's 通知发送记录, 通知渠道 and 通知模板预览. They are written against the contract in
 * domain/notify-schemas.ts; where this server has the routes, what the pages show and save is
 * compared with the api itself, and where it has not (a 404), each page must say so instead of
 * breaking. Screenshots at 1440 × 900 and 375 × 812 go to SHOTS_DIR; nothing overflows on a phone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { enableAdminTotp } from '../support/authz/stack.js';
import { TEST_PASSWORD } from '../support/constants.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { freshTotp } from '../support/totp.js';
import { horizontalOverflow, launchBrowser, login, newPage } from './support/browser.js';

const SHOTS = process.env.SHOTS_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sanzhang-notify-shots-'));
const WIDE = { width: 1440, height: 900 };

let stack: TestStack;
let browser: Browser;
let admin: Session;
let adminSecret: string;

/** Whether this server offers the route (the pipeline's api may not be merged yet). */
const offers = (method: string, routePath: string) =>
  stack.routes.some((r) => r.method === method && r.path === routePath);

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

async function fitsPhone(page: Page) {
  const { scrollWidth, viewport } = await horizontalOverflow(page);
  expect(scrollWidth).toBeLessThanOrEqual(viewport);
}

async function adminLogin(page: Page) {
  await page.goto('/login');
  await page.locator('input[name=username]').fill('admin');
  await page.locator('input[name=password]').fill(TEST_PASSWORD);
  await page.locator('button[type=submit]').click();
  await page.locator('[data-test=totp-field] input').fill(await freshTotp(adminSecret));
  await page.locator('button[type=submit]').click();
  await page.locator('[data-test=who]').waitFor();
}

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ webDist: inject('webDist') }), launchBrowser()]);
  ({ secret: adminSecret, admin } = await enableAdminTotp(stack));
  console.log(`notification page screenshots: ${SHOTS}`);
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('通知设置 on the account page', () => {
  it('saves e-mail, phone, channels, digest and the message language as the api keeps them, or says the server has none', async () => {
    for (const phone of [false, true]) {
      const { context, page } = await newPage(browser, stack.baseUrl, phone ? { phone } : { viewport: WIDE });
      try {
        await login(page, 'xqz.op');
        await page.goto('/account');
        const card = page.locator('[data-test=notify-settings]');
        await card.waitFor();
        if (!offers('get', '/api/me/notification-settings')) {
          await card.locator('[data-test=notify-settings-unavailable]').waitFor();
          expect(await card.locator('[data-test=notify-save]').count()).toBe(0);
        } else if (!phone) {
          const own = await Session.login(stack.baseUrl, 'xqz.op');
          // The console refuses a channel without its address, and a malformed address, before asking.
          await card.locator('[data-test=notify-email]').fill('');
          if (!(await card.locator('[data-test=notify-channel-email] input').isChecked()))
            await card.locator('[data-test=notify-channel-email]').click();
          await card.locator('[data-test=notify-save]').click();
          await card.getByText('选择电子邮件渠道须先填写电子邮箱').waitFor();
          await card.locator('[data-test=notify-email]').fill('not-an-address');
          await card.locator('[data-test=notify-save]').click();
          await card.getByText('电子邮箱格式不正确').waitFor();

          await card.locator('[data-test=notify-email]').fill('xqz.op@example.cn');
          await card.locator('[data-test=notify-phone]').fill('13800138000');
          if (!(await card.locator('[data-test=notify-channel-sms] input').isChecked()))
            await card.locator('[data-test=notify-channel-sms]').click();
          if (
            !(await card.locator('[data-test=notify-digest]').getAttribute('class'))!.includes('is-checked')
          )
            await card.locator('[data-test=notify-digest]').click();
          await card.locator('[data-test=notify-locale] .el-select__wrapper').click();
          await page.locator('.el-select-dropdown__item:visible', { hasText: '英文（English）' }).click();
          await card.locator('[data-test=notify-save]').click();
          await page.getByText('通知设置已保存').waitFor();
          const kept = await own.get('/api/me/notification-settings');
          expect(kept.body).toEqual({
            email: 'xqz.op@example.cn',
            phone: '13800138000',
            channels: { email: true, sms: true },
            digest: true,
            locale: 'en',
          });
          await page.reload();
          await expect.poll(() => card.locator('[data-test=notify-phone]').inputValue()).toBe('13800138000');
        }
        if (phone) await fitsPhone(page);
        await shot(page, `account-settings-${phone ? 'phone' : 'desktop'}`);
      } finally {
        await context.close();
      }
    }
  });
});

describe('the administrator’s notification pages', () => {
  it('shows the delivery log, the channels and a template preview as the api gives them, or says it has none', async () => {
    for (const phone of [false, true]) {
      const { context, page } = await newPage(browser, stack.baseUrl, phone ? { phone } : { viewport: WIDE });
      const suffix = phone ? 'phone' : 'desktop';
      try {
        await adminLogin(page);

        await page.goto('/admin/notification-deliveries');
        await page.locator('[data-test=admin-deliveries]').waitFor();
        if (offers('get', '/api/admin/notification-deliveries')) {
          const list = await admin.get('/api/admin/notification-deliveries?pageSize=20');
          expect(list.status).toBe(200);
          await expect
            .poll(() => page.locator('[data-test=deliveries] .el-table__body tbody tr').count())
            .toBe(list.body.items.length);
        } else await page.locator('[data-test=notify-unavailable]').waitFor();
        if (phone) await fitsPhone(page);
        await shot(page, `admin-deliveries-${suffix}`);

        await page.goto('/admin/notification-channels');
        await page.locator('[data-test=admin-channels]').waitFor();
        if (offers('get', '/api/admin/notification-channels')) {
          const channels = await admin.get('/api/admin/notification-channels');
          await expect
            .poll(() => page.locator('[data-test=channel-live]').count())
            .toBe(channels.body.channels.length);
        } else await page.getByText('服务器尚未提供通知发送功能。').waitFor();
        if (phone) await fitsPhone(page);
        await shot(page, `admin-channels-${suffix}`);

        await page.goto('/admin/notification-templates');
        await page.locator('[data-test=admin-templates]').waitFor();
        if (offers('get', '/api/admin/notification-templates/preview')) {
          const preview = await admin.get(
            '/api/admin/notification-templates/preview?deadline=start&step=overdue&locale=zh-CN',
          );
          await page
            .locator('[data-test=preview]')
            .getByText(preview.body.subject, { exact: true })
            .waitFor();
        } else await page.getByText('服务器尚未提供通知发送功能。').waitFor();
        if (phone) await fitsPhone(page);
        await shot(page, `admin-templates-${suffix}`);
      } finally {
        await context.close();
      }
    }
  });
});
