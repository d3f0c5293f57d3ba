/**
 * A villager's phone on a slow 3G link opens a project's public page from its QR code's URL, with
 * JavaScript off: the money is readable, the first load stays under 60 KB, and the 我要举报 link
 * goes to the complaint form. Prints the bytes and the time to first paint; photographs the page
 * at 375 and 1440 px (E2E_SHOTS_DIR).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatYuan } from '#domain/money.js';
import { aProject } from '../support/builders.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { loginActors, walkTo } from '../support/walk.js';
import { launchBrowser } from './support/browser.js';

/** Chromium DevTools' "Slow 3G": 2 s round trips, about 400 kbit/s down and up. */
const SLOW_3G = { offline: false, latency: 2000, downloadThroughput: 51_200, uploadThroughput: 51_200 };
const BUDGET_BYTES = 60 * 1024;

let stack: TestStack;
let browser: Browser;
let project: { id: string; code: string };

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack(), launchBrowser()]);
  const actors = await loginActors(stack);
  const res = await actors.dept.post('/api/projects', aProject({ name: '白台村人饮管网改造工程' }));
  expect(res.status).toBe(201);
  project = { id: res.body.id, code: res.body.code };
  await walkTo(actors, project.id, 'underway');
  const paid = await actors.dept.post(`/api/projects/${project.id}/ledgers/department/disbursements`, {
    sourcePosition: 0,
    paidOn: '2026-05-06',
    amountFen: 12_345_678,
    payee: '重庆某建设有限公司',
    voucherNo: 'PZ-E2E-1',
    approver: '审批人',
  });
  expect(paid.status).toBe(201);
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const SHOTS = process.env.E2E_SHOTS_DIR;
if (SHOTS) fs.mkdirSync(SHOTS, { recursive: true });

describe('a project page on a phone over slow 3G', () => {
  it('reads the money without JavaScript, under 60 KB, and links to the complaint form', async () => {
    const context = await browser.newContext({
      viewport: { width: 375, height: 812 },
      isMobile: true,
      hasTouch: true,
      javaScriptEnabled: false,
      locale: 'zh-CN',
    });
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', SLOW_3G);
    let bytes = 0;
    const requests: string[] = [];
    // The browser's own favicon request is not the page's.
    cdp.on('Network.requestWillBeSent', (e) => {
      if (!e.request.url.endsWith('/favicon.ico')) requests.push(e.request.url);
    });
    cdp.on('Network.loadingFinished', (e) => (bytes += e.encodedDataLength));
    // Paint times from the page's lifecycle events: the page runs no script to ask it.
    await cdp.send('Page.enable');
    await cdp.send('Page.setLifecycleEventsEnabled', { enabled: true });
    const lifecycle: Record<string, number> = {};
    cdp.on('Page.lifecycleEvent', (e) => (lifecycle[e.name] ??= e.timestamp));

    const started = Date.now();
    await page.goto(`${stack.baseUrl}/public/projects/${project.code}`, { waitUntil: 'load' });
    const loadMs = Date.now() - started;
    await expect.poll(() => lifecycle.firstContentfulPaint).toBeGreaterThan(0);
    const since = (name: string) => Math.round((lifecycle[name]! - lifecycle.init!) * 1000);
    const paints = {
      'first-paint': since('firstPaint'),
      'first-contentful-paint': since('firstContentfulPaint'),
    };
    console.log(
      `public project page, slow 3G, 375 px: ${bytes} bytes transferred in ${requests.length} request(s); ` +
        `first paint ${paints['first-paint']} ms, first contentful paint ${paints['first-contentful-paint']} ms, load ${loadMs} ms`,
    );
    expect(requests).toHaveLength(1);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(BUDGET_BYTES);
    expect(paints['first-contentful-paint']).toBeGreaterThan(0);

    await expect.poll(() => page.locator('#disbursed').innerText()).toBe(`${formatYuan(12_345_678)} 元`);
    await expect.poll(() => page.locator('h1').innerText()).toBe('白台村人饮管网改造工程');
    const report = page.locator('a#report');
    expect(await report.innerText()).toBe('我要举报');
    expect(await report.getAttribute('href')).toBe(`/public/complaints/new?project=${project.code}`);
    const overflow = await cdp.send('Runtime.evaluate', {
      expression: 'document.scrollingElement.scrollWidth - window.innerWidth',
      returnByValue: true,
    });
    expect((overflow as { result: { value: number } }).result.value).toBeLessThanOrEqual(0);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'public-project-375.png'), fullPage: true });
    await context.close();
  });

  it('lays the same page out on a 1440 px desktop', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${stack.baseUrl}/public/projects/${project.code}`);
    expect(await page.locator('#disbursed').innerText()).toBe(`${formatYuan(12_345_678)} 元`);
    // Breadcrumbs lead up to the village, the township and the county.
    await page.locator('nav.crumbs a').last().click();
    await expect.poll(() => page.url()).toContain('/public/villages/xqz-btc');
    await page.goBack();
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'public-project-1440.png'), fullPage: true });
    await context.close();
  });
});
