/**
 * 通知公告, 政策法规 and 网络寻呼 in the browser against the real api: 县专项监督办 publishes a notice
 * with an attachment to 庙坝镇, the township's operator opens it on a phone and downloads the file,
 * the office sees who read it and when; two townships write to each other and each sees the other's
 * answer; an office files a policy and finds it by a word of its title. Every page fits a phone.
 *
 * With E2E_SHOTS_DIR set, each page is also photographed at 1440 × 900 and 375 × 812 into it (for
 * a person to look at; nothing is compared).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.js';
import { horizontalOverflow, launchBrowser, login, newPage } from './support/browser.js';

let stack: TestStack;
let browser: Browser;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ webDist: inject('webDist') }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const SHOTS = process.env.E2E_SHOTS_DIR;
if (SHOTS) fs.mkdirSync(SHOTS, { recursive: true });
/** A photograph of the page as it is, for a person to look at (only with E2E_SHOTS_DIR). */
async function shot(page: Page, name: string) {
  if (!SHOTS) return;
  const phone = (page.viewportSize()?.width ?? 0) < 768;
  // Tags and badges zoom in when they appear: the photograph waits for them to settle.
  await page.waitForTimeout(400);
  await page.screenshot({
    path: path.join(SHOTS, `${name}-${phone ? 'phone' : 'desktop'}.png`),
    fullPage: true,
  });
}

/** A desktop of 1440 × 900, or a 375 × 812 phone. */
async function open(username: string, phone = false) {
  const { context, page } = await newPage(browser, stack.baseUrl, { phone });
  if (!phone) await page.setViewportSize({ width: 1440, height: 900 });
  await login(page, username);
  return { context, page };
}

async function fitsPhone(page: Page) {
  expect((await horizontalOverflow(page)).scrollWidth, page.url()).toBeLessThanOrEqual(375);
}

/** Chooses units in the unit picker by typing part of each name. */
async function chooseUnits(page: Page, names: string[]) {
  const field = page.locator('[data-test=field-unitCodes]');
  for (const name of names) {
    await field.locator('.el-select__wrapper').click();
    await page.keyboard.type(name);
    await page.locator('.el-select-dropdown__item:visible', { hasText: name }).first().click();
    // The picker keeps the typed words after a choice: one Escape clears them, the next closes the
    // list (left open, it covers the buttons once the field's error has gone).
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('.el-select-dropdown:visible').count()).toBe(0);
  }
}

const PDF = Buffer.from('%PDF-1.4\n% 检查方案\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const NOTICE_TITLE = '关于开展衔接资金项目专项检查的通知';
const NOTICE_BODY = '庙坝镇：定于下月开展衔接资金项目专项检查，请对照附件做好自查。';

describe('通知公告', () => {
  let noticeId = '';

  it('县专项监督办 publishes a notice with an attachment to 庙坝镇; a missing addressee is refused beside the field', async () => {
    const { context, page } = await open('zxjdb.op');
    try {
      await page.locator('.nav a', { hasText: '通知公告' }).click();
      await page.locator('[data-test=search-form]').waitFor();
      await shot(page, 'notices-empty');
      await page.locator('[data-test=notice-new]').click();
      await page.locator('[data-test=field-title] input').fill(NOTICE_TITLE);
      await page.locator('[data-test=field-body] textarea').fill(NOTICE_BODY);
      await page
        .locator('[data-test=attachment-input]')
        .setInputFiles({ name: '检查方案.pdf', mimeType: 'application/pdf', buffer: PDF });
      await expect
        .poll(() => page.locator('[data-test=attachment-chosen]').innerText())
        .toContain('检查方案.pdf');

      // Nobody addressed: said beside the picker, nothing published.
      await page.locator('[data-test=submit]').click();
      await expect
        .poll(() => page.locator('[data-test=field-unitCodes] .el-form-item__error').innerText())
        .toContain('请选择接收单位');
      expect((await stack.db.query(`SELECT 1 FROM notice WHERE title = $1`, [NOTICE_TITLE])).rowCount).toBe(
        0,
      );

      await chooseUnits(page, ['庙坝镇']);
      await shot(page, 'notice-form');
      await page.locator('[data-test=submit]').click();
      await page.locator('[data-test=notice-title]').waitFor();
      noticeId = new URL(page.url()).pathname.split('/').pop()!;
      expect(await page.locator('[data-test=notice-title]').innerText()).toBe(NOTICE_TITLE);
      expect(await page.locator('[data-test=attachments]').innerText()).toContain('检查方案.pdf');
      // Addressed to 庙坝镇 alone, and nobody there has read it yet.
      const row = page.locator('[data-test=receipt-table] .receipt-row');
      await expect.poll(() => row.count()).toBe(1);
      expect(await row.innerText()).toMatch(/庙坝镇[\s\S]*未读/);
      const { rows } = await stack.db.query(
        `SELECT u.code FROM notice_recipient r JOIN org_unit u ON u.id = r.unit_id
         JOIN notice n ON n.id = r.notice_id WHERE n.id = $1`,
        [noticeId],
      );
      expect(rows.map((r) => r.code)).toEqual(['mbz']);
    } finally {
      await context.close();
    }
  });

  it('the township operator sees it unread on a phone, opens it, downloads the attachment; it is read thereafter', async () => {
    const { context, page } = await open('mbz.op', true);
    try {
      await page.goto('/notices');
      const card = page.locator('[data-test=notice-card]', { hasText: NOTICE_TITLE });
      await card.waitFor();
      expect(await card.locator('[data-test=unread]').count()).toBe(1);
      expect(await page.locator('[data-test=unread-total]').innerText()).toContain('未读 1 条');
      await fitsPhone(page);
      await shot(page, 'notices');

      await card.click();
      await page.locator('[data-test=notice-body]').waitFor();
      expect(await page.locator('[data-test=notice-body]').innerText()).toBe(NOTICE_BODY);
      await page.locator('[data-test=read-at]').waitFor();
      // A township does not see who else has read it.
      expect(await page.locator('[data-test=receipts]').count()).toBe(0);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('[data-test=attachment-link]').click(),
      ]);
      expect(download.suggestedFilename()).toBe('检查方案.pdf');
      expect(fs.readFileSync((await download.path())!)).toEqual(PDF);
      await fitsPhone(page);
      await shot(page, 'notice');

      await page.locator('[data-test=back]').click();
      await card.waitFor();
      await expect.poll(() => card.locator('[data-test=unread]').count()).toBe(0);
      expect(await page.locator('[data-test=unread-total]').count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('the office sees who in 庙坝镇 read it and when', async () => {
    const { context, page } = await open('zxjdb.op');
    try {
      await page.goto(`/notices/${noticeId}`);
      const row = page.locator('[data-test=receipt-table] .receipt-row');
      await expect.poll(() => row.innerText()).toContain('庙坝镇操作员');
      expect(await row.innerText()).not.toContain('未读');
      expect(await page.locator('[data-test=receipts-summary]').innerText()).toContain(
        '已读 1 / 共 1 个单位',
      );
      await shot(page, 'notice-receipts');
      await page.goto('/notices');
      await page.locator('[data-test=table] .notice-row').first().waitFor();
      await shot(page, 'notices');
    } finally {
      await context.close();
    }
    // The same page on a phone: the receipts as cards, nothing wider than the screen.
    const phone = await open('zxjdb.op', true);
    try {
      await phone.page.goto(`/notices/${noticeId}`);
      await phone.page.locator('[data-test=receipt-row]', { hasText: '庙坝镇操作员' }).waitFor();
      await fitsPhone(phone.page);
      await shot(phone.page, 'notice-receipts');
      await phone.page.goto('/notices/new');
      await phone.page.locator('[data-test=notice-form]').waitFor();
      await fitsPhone(phone.page);
      await shot(phone.page, 'notice-form');
    } finally {
      await phone.context.close();
    }
  });
});

describe('网络寻呼', () => {
  const SUBJECT = '关于白台村产业路工程进场道路的协调';
  const FIRST = '庙坝镇：我镇施工车辆需借道贵镇罗江村道路，请协助协调。';
  const ANSWER = '已与罗江村沟通，本周内可通行，请提前告知车辆班次。';

  it('修齐镇 writes to 庙坝镇, 庙坝镇 reads and answers on a phone, 修齐镇 sees the answer', async () => {
    const a = await open('xqz.op');
    try {
      await a.page.goto('/messages');
      await a.page.locator('[data-test=thread-new]').click();
      await a.page.locator('[data-test=field-subject] input').fill(SUBJECT);
      await a.page.locator('[data-test=field-body] textarea').fill(FIRST);
      // No other unit chosen: refused beside the picker.
      await a.page.locator('[data-test=submit]').click();
      await expect
        .poll(() => a.page.locator('[data-test=field-unitCodes] .el-form-item__error').innerText())
        .not.toBe('');
      await chooseUnits(a.page, ['庙坝镇']);
      await shot(a.page, 'thread-form');
      await a.page.locator('[data-test=submit]').click();
      await a.page.locator('[data-test=thread-subject]').waitFor();
      expect(await a.page.locator('[data-test=message-body]').innerText()).toBe(FIRST);
      expect(await a.page.locator('[data-test=read-by]').innerText()).toContain('对方尚未阅读');
    } finally {
      await a.context.close();
    }

    const b = await open('mbz.op', true);
    try {
      await b.page.goto('/messages');
      const card = b.page.locator('[data-test=thread-card]', { hasText: SUBJECT });
      await card.waitFor();
      expect(await card.locator('[data-test=thread-unread]').innerText()).toBe('1');
      await fitsPhone(b.page);
      await shot(b.page, 'threads');
      await card.click();
      await b.page.locator('[data-test=message-body]', { hasText: FIRST }).waitFor();
      await b.page.locator('[data-test=reply] textarea').fill(ANSWER);
      await b.page.locator('[data-test=send]').click();
      await expect.poll(() => b.page.locator('[data-test=message]').count()).toBe(2);
      expect(await b.page.locator('[data-test=message-body]').last().innerText()).toBe(ANSWER);
      expect(await b.page.locator('[data-test=reply] textarea').inputValue()).toBe('');
      await fitsPhone(b.page);
      await shot(b.page, 'thread');
      await b.page.locator('[data-test=back]').click();
      await card.waitFor();
      expect(await card.locator('[data-test=thread-unread]').count()).toBe(0);
    } finally {
      await b.context.close();
    }

    const c = await open('xqz.op');
    try {
      await c.page.goto('/messages');
      const row = c.page.locator('[data-test=table] .thread-row', { hasText: SUBJECT });
      await row.waitFor();
      expect(await row.locator('[data-test=thread-unread]').innerText()).toBe('1');
      await shot(c.page, 'threads');
      await row.locator('[data-test=thread-open]').click();
      await c.page.locator('[data-test=message-body]', { hasText: ANSWER }).waitFor();
      // Its first message now shows that 庙坝镇's operator read it.
      expect(await c.page.locator('[data-test=read-by]').first().innerText()).toContain(
        '庙坝镇 庙坝镇操作员',
      );
      await shot(c.page, 'thread');
    } finally {
      await c.context.close();
    }
  });
});

describe('政策法规', () => {
  const TITLE = '中央财政衔接推进乡村振兴补助资金管理办法';

  it('an office files a policy document; anyone finds it by a word of its title and opens it', async () => {
    const { context, page } = await open('tpgjb.op');
    try {
      await page.goto('/policies');
      await page.locator('[data-test=policy-new]').click();
      await page.locator('[data-test=field-title] input').fill(TITLE);
      await page.locator('[data-test=field-documentNo] input').fill('财农〔2021〕19号');
      await page.locator('[data-test=field-issuer] input').fill('财政部 国家乡村振兴局');
      // No date: refused beside the field.
      await page.locator('[data-test=submit]').click();
      await expect
        .poll(() => page.locator('[data-test=field-issuedOn] .el-form-item__error').innerText())
        .not.toBe('');
      const date = page.locator('[data-test=field-issuedOn] input');
      await date.fill('2021-03-31');
      await date.press('Enter');
      await page.locator('[data-test=field-body] textarea').fill('衔接资金的分配、使用、管理和监督。');
      await shot(page, 'policy-form');
      await page.locator('[data-test=submit]').click();
      await page.locator('[data-test=policy-title]').waitFor();
      expect(await page.locator('[data-test=policy]').innerText()).toContain('财农〔2021〕19号');
      await shot(page, 'policy');
    } finally {
      await context.close();
    }

    for (const phone of [false, true]) {
      const v = await open('mbz.view', phone);
      try {
        await v.page.goto('/policies');
        await v.page.locator('input[data-test=f-q]').fill('乡村振兴');
        await v.page.locator('[data-test=search]').click();
        await expect.poll(() => v.page.url()).toContain('q=');
        const hit = v.page.locator(phone ? '[data-test=policy-card]' : '[data-test=table] .policy-row', {
          hasText: TITLE,
        });
        await hit.waitFor();
        // The policy's page leads back to the list as it was left, its search with it.
        await (phone ? hit : hit.locator('[data-test=policy-open]')).click();
        await v.page.locator('[data-test=policy-title]').waitFor();
        await v.page.locator('[data-test=back]').click();
        await expect.poll(() => new URL(v.page.url()).searchParams.get('q')).toBe('乡村振兴');
        await hit.waitFor();
        // A query account reads, never writes.
        expect(await v.page.locator('[data-test=policy-new]').count()).toBe(0);
        await v.page.locator('input[data-test=f-q]').fill('不存在的词语');
        await v.page.locator('[data-test=search]').click();
        await expect.poll(() => hit.count()).toBe(0);
        await v.page.locator('[data-test=reset]').click();
        await hit.waitFor();
        expect(new URL(v.page.url()).search).toBe('');
        if (phone) await fitsPhone(v.page);
        await shot(v.page, 'policies');
        await (phone ? hit : hit.locator('[data-test=policy-open]')).click();
        await v.page.locator('[data-test=policy-title]').waitFor();
        if (phone) {
          await fitsPhone(v.page);
          await shot(v.page, 'policy');
        }
      } finally {
        await v.context.close();
      }
    }
  });
});
