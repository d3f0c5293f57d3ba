/**
 * 月通报 in the browser against the real api: the supervision office generates November's draft
 * from the stored ranking, edits one part, publishes it after the confirmation; a village operator
 * then reads it on a phone and downloads the PDF. With E2E_SHOTS_DIR set, each page is also
 * photographed into it (for a person to look at; nothing is compared).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { storeFixtureRanking } from '../support/circular-fixture.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { horizontalOverflow, launchBrowser, login, newPage } from './support/browser.js';

let stack: TestStack;
let browser: Browser;
const TITLE = '关于2026年11月衔接资金项目推进情况的通报';
const EDITED = '截至2026年11月30日，全县项目推进总体平稳（经专项监督办修改）。';

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ webDist: inject('webDist') }), launchBrowser()]);
  await storeFixtureRanking(stack, '2026-11');
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const SHOTS = process.env.E2E_SHOTS_DIR;
if (SHOTS) fs.mkdirSync(SHOTS, { recursive: true });
async function shot(page: Page, name: string) {
  if (!SHOTS) return;
  const phone = (page.viewportSize()?.width ?? 0) < 768;
  await page.waitForTimeout(400);
  await page.screenshot({
    path: path.join(SHOTS, `${name}-${phone ? 'phone' : 'desktop'}.png`),
    fullPage: true,
  });
}

const row = async () =>
  (await stack.db.query(`SELECT id, status, revision, sections FROM circular WHERE month = '2026-11'`)).rows;

describe('the monthly circular in the console', () => {
  it('the office generates, edits and publishes; a village reads it on a phone', async () => {
    const office = await newPage(browser, stack.baseUrl);
    const page = office.page;
    await page.setViewportSize({ width: 1440, height: 900 });
    await login(page, 'supervisor');
    await page.goto(`${stack.baseUrl}/supervision/circulars`);
    await page.locator('[data-test=generate-form]').waitFor();
    await expect
      .poll(() => page.locator('[data-test=month] .el-select__placeholder').innerText())
      .toBe('2026-11');
    await shot(page, 'circulars-empty');
    await page.locator('[data-test=generate]').click();

    await page.locator('[data-test=editor]').waitFor();
    await expect.poll(() => page.locator('[data-test=title]').inputValue()).toBe(TITLE);
    const ranking = await page.locator('[data-test=section-ranking]').inputValue();
    expect(ranking).toContain('第1名县水务局（96.40分，较上月上升1位）');
    await shot(page, 'circular-draft');

    await page.locator('[data-test=section-overview]').fill(EDITED);
    await page.locator('[data-test=save]').click();
    await expect.poll(async () => (await row())[0]?.revision).toBe(2);
    expect((await row())[0].sections[0].body).toBe(EDITED);

    // An emptied part is refused beside its text area, and nothing is saved.
    await page.locator('[data-test=section-overdue]').fill('');
    await page.locator('[data-test=save]').click();
    await page.locator('[data-test=error-overdue]').waitFor();
    expect((await row())[0].revision).toBe(2);
    await page.reload();
    await page.locator('[data-test=editor]').waitFor();

    await page.locator('[data-test=publish]').click();
    await page.locator('.el-message-box__btns .el-button--primary').click();
    await page.locator('[data-test=document]').waitFor();
    expect(await page.locator('[data-test=status]').innerText()).toBe('已发布');
    expect((await row())[0].status).toBe('published');
    await shot(page, 'circular-published');
    await office.context.close();

    const village = await newPage(browser, stack.baseUrl, { phone: true });
    await login(village.page, 'xqz-btc.op');
    await village.page.goto(`${stack.baseUrl}/supervision/circulars`);
    const card = village.page.locator('[data-test=circular-card]').first();
    await card.waitFor();
    expect(await card.innerText()).toContain(TITLE);
    expect((await horizontalOverflow(village.page)).scrollWidth).toBeLessThanOrEqual(375);
    await shot(village.page, 'circulars');
    await card.click();
    await village.page.locator('[data-test=document]').waitFor();
    expect(await village.page.locator('[data-test=document]').innerText()).toContain(EDITED);
    expect((await horizontalOverflow(village.page)).scrollWidth).toBeLessThanOrEqual(375);
    await shot(village.page, 'circular');
    const [download] = await Promise.all([
      village.page.waitForEvent('download'),
      village.page.locator('[data-test=download-pdf]').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${TITLE}.pdf`);
    await village.context.close();
  });
});
