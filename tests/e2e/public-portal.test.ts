/**
 * The public portal and 监督举报 in Chromium, on the real api, PostgreSQL and Temporal.
 *
 * A villager's phone (375 px, touch, JavaScript off, Chromium throttled to Slow 3G through CDP)
 * takes the URL from the project's notice-board poster (its PDF rendered and the QR code decoded),
 * opens the project's page, reads the money (the figures equal the ledgers'), follows 我要举报,
 * files a complaint with a photo, gets the receipt and looks it up. The bytes transferred and the
 * time to first paint of the project page and the form are printed. Then the same pages at
 * 1440 px, and the supervision office acknowledging and assigning the complaint in the console.
 *
 * With E2E_SHOTS_DIR set, every step is photographed into it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatYuan } from '#domain/money.js';
import { FUND_SOURCE_LABELS } from '#domain/schemas.js';
import { aProject } from '../support/builders.js';
import { formToken, PHOTO, submitJson } from '../support/complaints.js';
import { posterQrText } from '../support/poster-qr.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { loginActors, walkTo } from '../support/walk.js';
import { launchBrowser, login, newPage, punctuationWidthsEm } from './support/browser.js';

/** Chromium DevTools' "Slow 3G": 2 s round trips, about 400 kbit/s each way. */
const SLOW_3G = { offline: false, latency: 2000, downloadThroughput: 51_200, uploadThroughput: 51_200 };
const PAGE_BUDGET_BYTES = 60 * 1024;
const FORM_BUDGET_BYTES = 20_000;
const MIN_FILL_MS = 1000;

let stack: TestStack;
let browser: Browser;
let leader: Session;
let project: { id: string; code: string };

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startTestStack({ webDist: inject('webDist'), complaints: { limits: { minFillMs: MIN_FILL_MS } } }),
    launchBrowser(),
  ]);
  const actors = await loginActors(stack);
  leader = await Session.login(stack.baseUrl, 'leader');
  const res = await actors.dept.post('/api/projects', aProject({ name: '白台村人饮管网改造工程' }));
  expect(res.status).toBe(201);
  project = { id: res.body.id, code: res.body.code };
  await walkTo(actors, project.id, 'underway');
  // A payment from each fund source: the page must show both, each against its own source.
  for (const [sourcePosition, amountFen] of [
    [0, 12_345_678],
    [1, 1_000_001],
  ] as const) {
    const paid = await actors.dept.post(`/api/projects/${project.id}/ledgers/department/disbursements`, {
      sourcePosition,
      paidOn: '2026-05-06',
      amountFen,
      payee: '重庆某建设有限公司',
      voucherNo: `PZ-E2E-${sourcePosition}`,
      approver: '审批人',
    });
    expect(paid.status).toBe(201);
  }
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const SHOTS = process.env.E2E_SHOTS_DIR;
if (SHOTS) fs.mkdirSync(SHOTS, { recursive: true });
async function shot(page: Page, name: string) {
  if (!SHOTS) return;
  const width = page.viewportSize()?.width ?? 0;
  await page.screenshot({ path: path.join(SHOTS, `public-${name}-${width}.png`), fullPage: true });
}

/**
 * A phone with JavaScript off on Slow 3G, and what it costs: each request the page makes (the
 * browser's own favicon request aside) with the bytes it took, and the paint times of the page
 * shown, as the page's own Paint Timing entries (from the navigation's start, so the round trips
 * count) read through CDP, since the page runs no script.
 */
async function slowPhone(): Promise<{
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  /** Requests and bytes since the last call, and the shown page's first (contentful) paint. */
  sinceLast: () => Promise<{ requests: string[]; bytes: number; firstPaintMs: number; fcpMs: number }>;
}> {
  const context = await browser.newContext({
    baseURL: stack.baseUrl,
    viewport: { width: 375, height: 812 },
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    javaScriptEnabled: false,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', SLOW_3G);
  const requests = new Map<string, { url: string; bytes: number }>();
  cdp.on('Network.requestWillBeSent', (e) => {
    if (!e.request.url.endsWith('/favicon.ico')) requests.set(e.requestId, { url: e.request.url, bytes: 0 });
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = requests.get(e.requestId);
    if (r) r.bytes = e.encodedDataLength;
  });
  const sinceLast = async () => {
    let paints: [string, number][] = [];
    await expect
      .poll(async () => {
        paints = JSON.parse(await evaluate<string>(cdp, PAINTS)) as [string, number][];
        return paints.map(([name]) => name);
      })
      .toContain('first-contentful-paint');
    const mine = [...requests.values()];
    requests.clear();
    const at = (name: string) => Math.round(paints.find(([n]) => n === name)?.[1] ?? -1);
    return {
      requests: mine.map((r) => r.url),
      bytes: mine.reduce((s, r) => s + r.bytes, 0),
      firstPaintMs: at('first-paint'),
      fcpMs: at('first-contentful-paint'),
    };
  };
  return { context, page, cdp, sinceLast };
}
const PAINTS = "JSON.stringify(performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]))";

/** Evaluates in the page through CDP: the page itself runs no script. */
async function evaluate<T>(cdp: CDPSession, expression: string): Promise<T> {
  const r = await cdp.send('Runtime.evaluate', { expression, returnByValue: true });
  return (r as { result: { value: T } }).result.value;
}
const overflow = (cdp: CDPSession) =>
  evaluate<number>(cdp, 'document.scrollingElement.scrollWidth - window.innerWidth');

describe('a villager, from the notice board to a receipt', () => {
  let receipt = '';

  it('opens the project from the poster’s QR code on a slow phone, reads the money and files a complaint with a photo', async () => {
    // The poster as a department prints it; its QR code is what the phone's camera reads.
    const poster = await leader.download(`/api/projects/${project.id}/poster.pdf`);
    expect(poster.status).toBe(200);
    const url = posterQrText(poster.bytes);
    expect(url).toBe(`${stack.baseUrl}/public/projects/${project.code}`);

    const phone = await slowPhone();
    const { page, cdp } = phone;
    await page.goto(url!, { waitUntil: 'load' });
    const projectPage = await phone.sinceLast();
    expect(projectPage.requests).toEqual([url]);
    expect(projectPage.bytes).toBeGreaterThan(0);
    expect(projectPage.bytes).toBeLessThanOrEqual(PAGE_BUDGET_BYTES);
    expect(projectPage.fcpMs).toBeGreaterThan(0);
    expect(await overflow(cdp)).toBeLessThanOrEqual(0);
    await shot(page, 'project');

    // The money on the page is the ledgers' money.
    const detail = (await leader.get(`/api/projects/${project.id}`)).body;
    const ledger = (await leader.get(`/api/projects/${project.id}/ledgers`)).body.department;
    expect(await page.locator('h1').innerText()).toBe('白台村人饮管网改造工程');
    expect(await page.locator('#budget').innerText()).toBe(`${formatYuan(detail.budgetFen)} 元`);
    expect(await page.locator('#disbursed').innerText()).toBe(`${formatYuan(ledger.disbursedFen)} 元`);
    expect(ledger.disbursedFen).toBe(12_345_678 + 1_000_001);
    const rows = page.locator('#sources tr:has(td)');
    expect(await rows.count()).toBe(ledger.fundSources.length);
    for (const [i, s] of (ledger.fundSources as any[]).entries()) {
      const [label, amount, paid] = await rows.nth(i).locator('td').allInnerTexts();
      expect(label!.split('\n')[0]).toBe(FUND_SOURCE_LABELS[s.kind as keyof typeof FUND_SOURCE_LABELS]);
      expect([amount, paid]).toEqual([formatYuan(s.amountFen), formatYuan(s.disbursedFen)]);
    }

    // The villager's photo for the complaint (here: the phone's own picture of the page).
    const photo = await page.screenshot({ type: 'png' });

    // 我要举报, as the page links it.
    const report = page.locator('a#report');
    expect(await report.innerText()).toBe('我要举报');
    await report.click();
    await page.waitForURL(`**/public/complaints/new?project=${project.code}`);
    await page.waitForLoadState('load');
    const formShownAt = Date.now();
    const form = await phone.sinceLast();
    expect(form.requests).toEqual([`${stack.baseUrl}/public/complaints/new?project=${project.code}`]);
    expect(form.bytes).toBeLessThan(FORM_BUDGET_BYTES);
    expect(await page.locator('h1').innerText()).toBe('我要举报');
    expect(await page.locator('form').innerText()).toContain(project.code);
    // The form says who will see what before anything is sent.
    expect(await page.locator('text=只有县专项监督办能看到').count()).toBe(1);
    expect(await overflow(cdp)).toBeLessThanOrEqual(0);
    await shot(page, 'form');

    await page.locator('select[name=category]').selectOption('quality');
    await page.locator('textarea[name=description]').fill('村道硬化路面铺设不足设计厚度，已经开裂。');
    await page.locator('input[name=photos]').setInputFiles({
      name: 'road.png',
      mimeType: 'image/png',
      buffer: photo,
    });
    await shot(page, 'form-filled');
    // A person takes longer than the form's minimum; a robot posting at once is refused.
    await page.waitForTimeout(Math.max(0, MIN_FILL_MS + 100 - (Date.now() - formShownAt)));
    const t0 = Date.now();
    await page.locator('button[type=submit]').click();
    // The receipt, or the form again with the refusal: a refusal fails with its own words.
    await page.locator('[data-receipt], [role=alert]').first().waitFor({ timeout: 90_000 });
    if (await page.locator('[role=alert]').count())
      throw new Error(`refused: ${await page.locator('[role=alert]').first().innerText()}`);
    const submitMs = Date.now() - t0;
    receipt = (await page.locator('[data-receipt]').innerText()).trim();
    expect(receipt).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(await overflow(cdp)).toBeLessThanOrEqual(0);
    await shot(page, 'receipt');
    const sent = await phone.sinceLast();

    // The receipt page links to the lookup; the code is typed as a person copies it.
    await page.locator('a', { hasText: '查询办理情况' }).click();
    await page.waitForURL('**/public/complaints/lookup');
    await page.locator('input[name=receipt]').fill(receipt.toLowerCase());
    await page.locator('button[type=submit]').click();
    await page.locator('[data-result]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-status]').getAttribute('data-status')).toBe('submitted');
    expect(await page.locator('[data-result]').innerText()).toContain(project.code);
    await shot(page, 'lookup');
    const looked = await phone.sinceLast();

    console.log(
      `slow 3G, 375 px, no JavaScript: project page ${projectPage.bytes} B in ${projectPage.requests.length} request(s), ` +
        `first paint ${projectPage.firstPaintMs} ms, first contentful paint ${projectPage.fcpMs} ms; ` +
        `complaint form ${form.bytes} B in ${form.requests.length} request(s), first paint ${form.firstPaintMs} ms, ` +
        `first contentful paint ${form.fcpMs} ms; submit with a ${photo.length} B photo ${submitMs} ms to the receipt ` +
        `(${sent.bytes} B received); lookup ${looked.bytes} B`,
    );
    await phone.context.close();

    const { rows: stored } = await stack.db.query(
      `SELECT c.status, c.category, c.subject_kind, c.subject_code, count(p.id)::int AS photos,
              max(p.size_bytes) AS size FROM complaint c
         LEFT JOIN complaint_photo p ON p.complaint_id = c.id WHERE c.receipt = $1 GROUP BY c.id`,
      [receipt.replace(/-/g, '')],
    );
    expect(stored).toEqual([
      {
        status: 'submitted',
        category: 'quality',
        subject_kind: 'project',
        subject_code: project.code,
        photos: 1,
        size: photo.length,
      },
    ]);
  });

  it('lays the project page and the form out on a 1440 px desktop, in both languages', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl, {
      viewport: { width: 1440, height: 900 },
    });
    await page.goto(`/public/projects/${project.code}`);
    expect(await page.locator('#disbursed').innerText()).toBe(`${formatYuan(13_345_679)} 元`);
    await shot(page, 'project');
    // Breadcrumbs lead up to the village, the township and the county.
    await page.locator('nav.crumbs a').last().click();
    await expect.poll(() => page.url()).toContain('/public/villages/xqz-btc');
    await page.goto(`/public/complaints/new?project=${project.code}`);
    await shot(page, 'form');
    // The footer's language link keeps the project the form is about.
    await page.locator('footer a[hreflang=en]').click();
    await expect.poll(() => page.locator('h1').innerText()).toBe('Report a problem');
    expect(new URL(page.url()).searchParams.get('project')).toBe(project.code);
    // English in a Latin face: a Chinese one sets "office’s" as "office’ s".
    expect((await punctuationWidthsEm(page, 'main')).filter((w) => w >= 0.5)).toEqual([]);
    await shot(page, 'form-en');
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
    // Nothing for the office to do now: the card says whose turn it is.
    expect(await page.locator('[data-test=actions]').innerText()).toBe('等待修齐镇办理');
    await shot(page, 'console-assigned');
    const { rows } = await stack.db.query(
      `SELECT c.status, o.code FROM complaint c JOIN org_unit o ON o.id = c.unit_id WHERE c.receipt = $1`,
      [receipt.replace(/-/g, '')],
    );
    expect(rows).toEqual([{ status: 'assigned', code: 'xqz' }]);
    // The project complained of is a link away, and the page's way back returns to the list.
    expect(await page.locator('[data-test=subject-link]').getAttribute('href')).toBe(
      `/projects/${project.code}`,
    );
    await page.locator('[data-test=back]').click();
    await page.waitForURL((u) => u.pathname === '/supervision/complaints');
    await page.locator('[data-test=complaint-row]').first().waitFor();
    await shot(page, 'console-list');
    await context.close();
  });

  it('is handled by the township with photos, chosen beside words in the console’s language', async () => {
    const { rows } = await stack.db.query(`SELECT id FROM complaint WHERE receipt = $1`, [
      receipt.replace(/-/g, ''),
    ]);
    // The browser speaks Chinese; the console, English: the picker must say what the page says.
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true, locale: 'en' });
    try {
      await login(page, 'xqz.op');
      await page.goto(`/supervision/complaints/${rows[0].id}`);
      const input = page.locator('[data-test=handle-photos]');
      const picker = page.locator('label', { has: input });
      const words = () => picker.locator('span').allInnerTexts();
      await expect.poll(words).toEqual(['Add photos', 'No photos (optional)']);
      // The browser's own button lies beneath, unseen (a string: the page's types stay out of this file).
      expect(
        await page.evaluate(`getComputedStyle(document.querySelector('[data-test=handle-photos]')).opacity`),
      ).toBe('0');
      const photo = Buffer.from(PHOTO);
      await input.setInputFiles([
        { name: 'IMG_0001.png', mimeType: 'image/png', buffer: photo },
        { name: 'IMG_0002.png', mimeType: 'image/png', buffer: photo },
      ]);
      await expect.poll(words).toEqual(['Add photos', '2 photos chosen']);
      await page.locator('[data-test=handle-text]').fill('已组织返工，路面重新硬化');
      await page.locator('[data-test=handle]').click();
      await expect.poll(() => page.locator('[data-test=status]').textContent()).toBe('Handled');
      const handled = (await leader.get(`/api/complaints/${rows[0].id}`)).body;
      expect(handled.events.at(-1).evidence.map((e: { fileName: string }) => e.fileName)).toEqual([
        'IMG_0001.png',
        'IMG_0002.png',
      ]);
    } finally {
      await context.close();
    }
  });

  it('names a village by its name, not its org code, in the console and on the lookup page', async () => {
    const token = await formToken(stack.baseUrl);
    await new Promise((r) => setTimeout(r, MIN_FILL_MS + 100));
    const sent = await submitJson(stack.baseUrl, { village: 'xqz-btc', formToken: token });
    expect(sent.status).toBe(201);
    const { context, page } = await newPage(browser, stack.baseUrl, {
      viewport: { width: 1440, height: 900 },
    });
    let detail = '';
    try {
      await login(page, 'supervisor');
      await page.goto('/supervision/complaints');
      const row = page.locator('[data-test=complaint-row]').first();
      await expect.poll(() => row.textContent()).toBe('白台村');
      await row.click();
      await expect.poll(() => page.locator('.block .head h2').textContent()).toBe('白台村');
      detail = page.url();
      // The villager's lookup, on the page a phone without JavaScript posts.
      await page.goto('/public/complaints/lookup');
      await page.locator('input[name=receipt]').fill(sent.body.receipt as string);
      await page.locator('button[type=submit]').click();
      const about = page.locator('[data-result] tr', { hasText: '举报对象' }).locator('td');
      await expect.poll(() => about.textContent()).toBe('白台村');
    } finally {
      await context.close();
    }
    // In English the villager who reported is "Reporter", as the console names people it has no account for.
    const en = await newPage(browser, stack.baseUrl, {
      locale: 'en',
      viewport: { width: 1440, height: 900 },
    });
    try {
      await login(en.page, 'supervisor');
      await en.page.goto(detail);
      await expect
        .poll(() => en.page.locator('[data-test=event]').allInnerTexts())
        .toEqual([expect.stringMatching(/^Sent · \d{4}-\d\d-\d\d · Reporter$/)]);
    } finally {
      await en.context.close();
    }
  });
});
