/**
 * 考核排名 in the browser against the real api: over the fixture county with May and June ranked,
 * the supervisor sees June's township table with movement arrows (修齐镇 down one, 庙坝镇 up one),
 * opens 修齐镇's drill-down with the projects behind its figures, and the export links point at
 * the month; screenshots of both views are written for a look.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seedRankingFixture } from '../support/ranking-fixture.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { launchBrowser, login, newPage } from './support/browser.js';
import { brokenWords } from './support/figures.js';

let stack: TestStack;
let browser: Browser;
const shots = fs.mkdtempSync(path.join(os.tmpdir(), 'ranking-shots-'));

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ webDist: inject('webDist') }), launchBrowser()]);
  await seedRankingFixture(stack.db);
  const office = await Session.login(stack.baseUrl, 'supervisor');
  for (const month of ['2026-05', '2026-06'])
    expect((await office.post('/api/ranking/runs', { month })).status).toBe(200);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('考核排名', () => {
  it('shows the townships with movement and drills down to the projects behind a figure', async () => {
    const { page, context } = await newPage(browser, stack.baseUrl);
    await login(page, 'supervisor');
    await page.goto('/supervision/ranking');
    await page.locator('[data-test=ranking-table]').waitFor();
    // The newest month is shown: June, whose cutoff is July 1st, computed at a time on the county's clock.
    await expect.poll(() => page.locator('.meta').innerText()).toContain('2026-07-01');
    const [{ computed_at }] = (
      await stack.db.query<{ computed_at: Date }>(
        `SELECT computed_at FROM ranking_report WHERE month = '2026-06'`,
      )
    ).rows as [{ computed_at: Date }];
    const beijing = new Date(computed_at.getTime() + 8 * 3600_000).toISOString().slice(11, 16);
    expect(await page.locator('.meta').innerText()).toContain(beijing);
    await page.locator('.el-tabs__item', { hasText: '乡镇（街道）' }).click();
    const xqz = page.locator('.el-table__body-wrapper tr', { hasText: '修齐镇' }).first();
    await expect.poll(() => xqz.innerText()).toContain('66.14');
    expect(await xqz.innerText()).toContain('↓ 1');
    expect(
      await page.locator('.el-table__body-wrapper tr', { hasText: '庙坝镇' }).first().innerText(),
    ).toContain('↑ 1');
    expect(await page.locator('a[href*="/api/ranking/months/2026-06/export?format=pdf"]').count()).toBe(1);
    await page.screenshot({ path: path.join(shots, 'ranking-townships.png'), fullPage: true });
    console.log(`screenshots in ${shots}`);

    await page
      .locator('.el-table__fixed-right tr, .el-table__body-wrapper tr', { hasText: '修齐镇' })
      .getByText('明细')
      .first()
      .click();
    const drawer = page.locator('.el-drawer');
    await expect.poll(() => drawer.innerText()).toContain('RK-P4');
    expect(await drawer.innerText()).toContain('RK-P2');
    // 支出进度's fraction is written as its factors, the amounts in 元: June is month 6.
    const spending = drawer.locator('[data-test=ranking-indicators] tr', { hasText: '支出进度' });
    expect(await spending.locator('td').nth(2).innerText()).toMatch(
      /^[\d,]+\.\d{2} 元 × 12 \/ [\d,]+\.\d{2} 元 × 6$/,
    );
    // A deduction is its count times what each costs, not the count over 1.
    const talks = drawer.locator('[data-test=ranking-indicators] tr', { hasText: '约谈扣分' });
    expect(await talks.locator('td').nth(2).innerText()).toMatch(/^\d+ × −2\.5 分$/);
    // A ratio over nothing due takes its full points, and says why where its rate would be.
    const rows = await drawer
      .locator('[data-test=ranking-indicators] .el-table__body tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim())),
      );
    const nothingDue = rows.filter((cells) => cells[2] === '0 / 0');
    expect(nothingDue.length).toBeGreaterThan(0);
    for (const cells of nothingDue)
      expect(cells.slice(3)).toEqual(['无到期事项', expect.stringMatching(/^\d+\.00$/)]);
    await page.screenshot({ path: path.join(shots, 'ranking-drill.png') });

    // 庙坝镇's projects: the stage each had reached, in the words the rest of the console uses.
    await page.keyboard.press('Escape');
    await expect.poll(() => drawer.isVisible()).toBe(false);
    await page
      .locator('.el-table__fixed-right tr, .el-table__body-wrapper tr', { hasText: '庙坝镇' })
      .getByText('明细')
      .first()
      .click();
    const p1 = drawer.locator('tr', { hasText: 'RK-P1' });
    await expect.poll(() => p1.innerText()).toContain('已验收');
    expect(await drawer.locator('tr', { hasText: 'RK-P3' }).innerText()).toContain('已确定实施方式');
    await context.close();
  });

  it('shows a unit without projects unranked and without a score, and no empty chart for a month nobody was ranked in', async () => {
    const office = await Session.login(stack.baseUrl, 'supervisor');
    expect((await office.post('/api/ranking/runs', { month: '2025-01' })).status).toBe(200);
    const { page, context } = await newPage(browser, stack.baseUrl);
    try {
      await login(page, 'supervisor');
      await page.goto('/supervision/ranking'); // the newest month, June
      await page.locator('[data-test=ranking-chart] canvas').waitFor();
      const unranked = page.locator('.el-table__body-wrapper tr', { hasText: '不参与' });
      await expect.poll(() => unranked.count()).toBeGreaterThan(0);
      for (const text of await unranked.allInnerTexts()) expect(text).not.toMatch(/\d+\.\d\d/);

      await page.locator('[data-test=f-month]').click();
      await page.locator('.el-select-dropdown__item:visible', { hasText: '2025-01' }).click();
      await page.locator('[data-test=search]').click();
      await page.locator('[data-test=ranking-none-ranked]').waitFor();
      expect(await page.locator('[data-test=ranking-chart]').count()).toBe(0);
      // A month nobody was ranked in (a county's first month on the platform) leads to the month so far.
      await page.locator('[data-test=ranking-open-preview]').click();
      await page.locator('[data-test=ranking-preview-note]').waitFor();
      expect((await page.locator('[data-test=f-month]').innerText()).trim()).toBe('本月实时（预览）');
    } finally {
      await context.close();
    }
  });

  it('in English, keeps every word of the table’s headings whole on a laptop and on a phone', async () => {
    for (const phone of [false, true]) {
      const { page, context } = await newPage(browser, stack.baseUrl, { locale: 'en', phone });
      try {
        await login(page, 'leader');
        await page.goto('/supervision/ranking');
        // The indicators' columns come with the report.
        await expect
          .poll(() => page.locator('[data-test=ranking-table] th').allInnerTexts())
          .toEqual(expect.arrayContaining([expect.stringContaining('Reimbursement')]));
        expect(await brokenWords(page, '[data-test=ranking-table] th'), phone ? 'phone' : 'laptop').toEqual(
          [],
        );
      } finally {
        await context.close();
      }
    }
  });

  it('on a phone, shows each unit’s score on screen and opens its figures from its name', async () => {
    const { page, context } = await newPage(browser, stack.baseUrl, { phone: true });
    try {
      await login(page, 'leader');
      await page.goto('/supervision/ranking');
      await page.locator('.el-tabs__item', { hasText: '乡镇（街道）' }).click();
      const xqz = page.locator('[data-test=ranking-table] .el-table__body-wrapper tr', { hasText: '修齐镇' });
      await expect.poll(() => xqz.innerText()).toContain('66.14');
      // The score's cell lies within the screen, not under a column fixed at the right.
      const score = xqz.locator('td', { hasText: '66.14' });
      const box = (await score.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(page.viewportSize()!.width);
      expect(await page.locator('.el-table-fixed-column--right:visible').count()).toBe(0);
      await xqz.locator('[data-test=ranking-unit]').click();
      const drawer = page.locator('.el-drawer:visible');
      await expect.poll(() => drawer.innerText()).toContain('RK-P4');
      // (Its box may be a fraction of a pixel off the screen's width.)
      expect((await drawer.boundingBox())!.width).toBeCloseTo(page.viewportSize()!.width, 0);
      // Its indicators fit the screen: the points are not off to the right.
      const wrap = drawer.locator(
        '[data-test=ranking-indicators] .el-table__body-wrapper .el-scrollbar__wrap',
      );
      const { scroll, client } = await wrap.evaluate((e) => ({
        scroll: e.scrollWidth,
        client: e.clientWidth,
      }));
      expect(scroll).toBeLessThanOrEqual(client);
    } finally {
      await context.close();
    }
  });

  it('shows the month so far as a preview: marked, not exported, drilled down as of today', async () => {
    const { page, context } = await newPage(browser, stack.baseUrl);
    try {
      await login(page, 'leader');
      await page.goto('/supervision/ranking');
      await page.locator('[data-test=ranking-table]').waitFor();
      await page.locator('[data-test=f-month]').click();
      await page.locator('.el-select-dropdown__item:visible', { hasText: '本月实时（预览）' }).click();
      await page.locator('[data-test=search]').click();
      const note = page.locator('[data-test=ranking-preview-note]');
      const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
      await expect.poll(() => note.innerText()).toContain(`截至 ${today}`);
      // The choice reads whole in its select (Element clips a long one with an ellipsis).
      const over = await page.evaluate<number[]>(`
        [...document.querySelectorAll('[data-test=f-month] .el-select__selected-item:not(.is-hidden)')]
          .map((el) => el.scrollWidth - el.clientWidth)`);
      expect(over).toEqual([0]);
      expect(await page.locator('a[href*="/export?format="]').count()).toBe(0);
      await page.locator('.el-tabs__item', { hasText: '乡镇（街道）' }).click();
      await page
        .locator('.el-table__fixed-right tr, .el-table__body-wrapper tr', { hasText: '庙坝镇' })
        .getByText('明细')
        .first()
        .click();
      // By today RK-P1 has its July payment too: 8,000 yuan, where June's drill-down has 7,000.
      const p1 = page.locator('.el-drawer tr', { hasText: 'RK-P1' });
      await expect.poll(() => p1.innerText()).toContain('8,000.00');
      await page.screenshot({ path: path.join(shots, 'ranking-preview.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });
});
