/**
 * The red flags page in Chromium: the supervision office sees the flags the ledgers raise, opens
 * one (its explanation and the rows behind it), dismisses another with a reason (kept on the
 * page), and finds "转为整改通知" linking to the notice form with the flag; a township operator
 * sees only its own flags and no review buttons; on a phone nothing overflows sideways.
 * Screenshots go to SHOTS_DIR (a temporary directory by default).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildRuleFixtures, fixtures } from '../support/red-flag-fixtures.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { horizontalOverflow, launchBrowser, login, newPage } from './support/browser.js';

const SHOTS = process.env.SHOTS_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sanzhang-red-flag-shots-'));

let stack: TestStack;
let browser: Browser;

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ webDist: inject('webDist') }), launchBrowser()]);
  await buildRuleFixtures(fixtures(stack));
  const office = await Session.login(stack.baseUrl, 'supervisor');
  expect((await office.post('/api/red-flags/scan')).status).toBe(200);
}, 600_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('red flags page', () => {
  it('lets the office read a flag, dismiss another with a reason, and go to the notice form', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl);
    await login(page, 'supervisor');
    await page.goto('/supervision/red-flags?rule=settlementOverContract');
    await page.locator('[data-test=flag-rule]').first().waitFor();
    expect(await page.locator('[data-test=flag-rule]').allInnerTexts()).toEqual(['结算超合同金额']);
    await page.goto('/supervision/red-flags');
    await page.locator('[data-test=flag-rule]').first().waitFor();
    await shot(page, 'red-flags-list');

    await page.goto('/supervision/red-flags?rule=settlementOverContract');
    await page.locator('[data-test=flag-open]').first().click();
    const drawer = page.locator('[data-test=red-flag-drawer]');
    await drawer.locator('[data-test=drawer-explanation]').waitFor();
    expect(await drawer.locator('[data-test=drawer-explanation]').innerText()).toContain('超出合同金额');
    expect(await drawer.locator('[data-test=evidence]').innerText()).toContain('15,000.00');
    const link = await drawer.locator('[data-test=to-notice]').getAttribute('href');
    const id = new URL(page.url()).searchParams.get('flag');
    expect(link).toBe(`/supervision/rectifications/new?redFlag=${id}`);
    await shot(page, 'red-flags-drawer');

    await drawer.locator('[data-test=dismiss]').click();
    await page.locator('textarea[data-test=dismiss-reason]').fill('经核实，结算差额已由补充合同约定');
    await shot(page, 'red-flags-dismiss');
    await page.locator('[data-test=dismiss-confirm]').click();
    await drawer.locator('[data-test=dismissal]').waitFor();
    expect(await drawer.locator('[data-test=drawer-status]').innerText()).toBe('已排除');
    expect(await drawer.locator('[data-test=to-notice]').count()).toBe(0);
    const { rows } = await stack.db.query(`SELECT dismiss_reason FROM red_flag WHERE id = $1`, [Number(id)]);
    expect(rows[0].dismiss_reason).toBe('经核实，结算差额已由补充合同约定');
    await context.close();
  });

  it('shows a township only its own flags, without review buttons, and fits a phone', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    await login(page, 'bsz.op');
    await page.goto('/supervision/red-flags');
    await page.locator('[data-test=flag-card]').first().waitFor();
    const cards = await page.locator('[data-test=flag-card]').allInnerTexts();
    expect(cards.length).toBeGreaterThan(0);
    expect(
      cards.every((c) => c.includes('巴山镇') || c.includes('县住房城乡建委') || c.includes('县水务局')),
    ).toBe(true);
    expect(await page.locator('[data-test=scan]').count()).toBe(0);
    await page.locator('[data-test=flag-card]').first().click();
    await page.locator('[data-test=drawer-explanation]').waitFor();
    expect(await page.locator('[data-test=dismiss]').count()).toBe(0);
    await shot(page, 'red-flags-phone');
    const o = await horizontalOverflow(page);
    expect(o.scrollWidth).toBeLessThanOrEqual(o.viewport);
    await context.close();
  });
});
