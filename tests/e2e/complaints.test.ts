/**
 * 监督举报 in the browser against the real api, PostgreSQL and Temporal: a villager on a 375 px
 * phone, on a slow 3G line (Chromium throttled through CDP), opens the complaint form from a
 * project's QR link, files a complaint with a photo, gets a receipt and looks it up; then the
 * supervision office acknowledges and assigns it in the console. Prints the bytes the phone
 * transferred and the time to first paint of each public page.
 *
 * With E2E_SHOTS_DIR set, each page is also photographed into it at 375 and 1440 px.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PHOTO } from '../support/complaints.js';
import { aProjectOfXqz } from '../support/rectification.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { horizontalOverflow, launchBrowser, login, newPage } from './support/browser.js';

let stack: TestStack;
let browser: Browser;
let project: string;

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startTestStack({ webDist: inject('webDist'), complaints: { limits: { minFillMs: 1000 } } }),
    launchBrowser(),
  ]);
  project = await aProjectOfXqz(stack);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const SHOTS = process.env.E2E_SHOTS_DIR;
if (SHOTS) fs.mkdirSync(SHOTS, { recursive: true });
async function shot(page: Page, name: string) {
  if (!SHOTS) return;
  const width = page.viewportSize()?.width ?? 0;
  await page.screenshot({ path: path.join(SHOTS, `complaint-${name}-${width}.png`), fullPage: true });
}

/** Chrome DevTools' "Slow 3G": 400 kbit/s each way, 2 s round trips. */
async function slow3g(page: Page): Promise<{ cdp: CDPSession; bytes: () => number }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 2000,
    downloadThroughput: (400 * 1024) / 8,
    uploadThroughput: (400 * 1024) / 8,
  });
  let total = 0;
  cdp.on('Network.loadingFinished', (e: { encodedDataLength: number }) => (total += e.encodedDataLength));
  return { cdp, bytes: () => total };
}
const firstPaint = (page: Page) =>
  page.evaluate<number>(
    "(performance.getEntriesByType('paint').find((e) => e.name === 'first-paint') || { startTime: -1 }).startTime",
  );

describe('a villager’s complaint', () => {
  let receipt = '';

  it('is filed from a phone on slow 3G with a photo, without the console, and answers a receipt', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    const net = await slow3g(page);
    await page.goto(`/public/complaints/new?project=${project}`);
    const formPaint = await firstPaint(page);
    const formBytes = net.bytes();
    expect(await page.locator('h1').textContent()).toBe('我要举报');
    // The form says who will see what before anything is sent.
    await expect.poll(() => page.locator('text=只有县专项监督办能看到').count()).toBe(1);
    expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
    await shot(page, 'form');
    await page.locator('select[name=category]').selectOption('quality');
    await page.locator('textarea[name=description]').fill('村道硬化路面铺设不足设计厚度，已经开裂。');
    await page.locator('input[name=photos]').setInputFiles({
      name: 'road.png',
      mimeType: 'image/png',
      buffer: Buffer.from(PHOTO),
    });
    await page.waitForTimeout(1100); // a person takes longer than the form's minimum
    const before = net.bytes();
    const t0 = Date.now();
    await page.locator('button[type=submit]').click();
    // The receipt, or the form again with the refusal: a refusal fails with its own words.
    await page.locator('[data-receipt], [role=alert]').first().waitFor({ timeout: 90_000 });
    if (await page.locator('[role=alert]').count())
      throw new Error(`refused: ${await page.locator('[role=alert]').first().textContent()}`);
    const submitMs = Date.now() - t0;
    receipt = ((await page.locator('[data-receipt]').textContent()) ?? '').trim();
    expect(receipt).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    await shot(page, 'receipt');
    const sent = net.bytes() - before;

    await page.goto('/public/complaints/lookup');
    const lookupPaint = await firstPaint(page);
    await page.locator('input[name=receipt]').fill(receipt.toLowerCase());
    await page.locator('button[type=submit]').click();
    await page.locator('[data-result]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-status]').getAttribute('data-status')).toBe('submitted');
    await shot(page, 'lookup');
    console.log(
      `slow 3G, 375 px: form ${formBytes} B, first paint ${formPaint.toFixed(0)} ms; ` +
        `submit with photo ${sent} B received, ${submitMs} ms to the receipt; lookup page first paint ${lookupPaint.toFixed(0)} ms; ` +
        `total ${net.bytes()} B`,
    );
    expect(formBytes).toBeLessThan(20_000);
    await context.close();

    const { rows } = await stack.db.query(
      `SELECT c.status, c.category, count(p.id)::int AS photos FROM complaint c
         LEFT JOIN complaint_photo p ON p.complaint_id = c.id WHERE c.receipt = $1 GROUP BY c.id`,
      [receipt.replace(/-/g, '')],
    );
    expect(rows).toEqual([{ status: 'submitted', category: 'quality', photos: 1 }]);
  });

  it('shows the form at 1440 px too', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl, {
      viewport: { width: 1440, height: 900 },
    });
    await page.goto(`/public/complaints/new?project=${project}&lang=en`);
    expect(await page.locator('h1').textContent()).toBe('Report a problem');
    await shot(page, 'form-en');
    await page.goto(`/public/complaints/new?project=${project}`);
    await shot(page, 'form');
    await context.close();
  });

  it('is acknowledged and assigned by the supervision office in the console', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl, {
      viewport: { width: 1440, height: 900 },
    });
    await login(page, 'supervisor');
    await page.goto('/supervision/complaints');
    await page.locator('[data-test=complaint-row]').first().click();
    await page.locator('[data-test=reporter]').waitFor();
    await page.locator('[data-test=acknowledge]').click();
    await page.locator('[data-test=assign]').waitFor();
    await shot(page, 'console-acknowledged');
    await page.locator('[data-test=assign]').click();
    await expect
      .poll(() => page.locator('[data-test=status]').textContent(), { timeout: 20_000 })
      .toBe('已交办');
    await shot(page, 'console-assigned');
    const { rows } = await stack.db.query(
      `SELECT c.status, o.code FROM complaint c JOIN org_unit o ON o.id = c.unit_id WHERE c.receipt = $1`,
      [receipt.replace(/-/g, '')],
    );
    expect(rows).toEqual([{ status: 'assigned', code: 'xqz' }]);
    await page.goto('/supervision/complaints');
    await page.locator('[data-test=complaint-row]').first().waitFor();
    await shot(page, 'console-list');
    await context.close();
  });
});
