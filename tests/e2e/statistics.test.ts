/**
 * 统计分析 in the browser against the real api, over the fixture county
 * (tests/support/statistics-fixture.ts): the county leader opens the page from the nav, picks
 * township × stage, clicks the cell 修齐镇 × 实施中 and lands on the project list showing exactly
 * that cell's project; on a phone the page does not scroll sideways (the table scrolls inside).
 * Screenshots at 1440 and 375 px are written for a look.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seedStatisticsFixture } from '../support/statistics-fixture.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { horizontalOverflow, launchBrowser, login, newPage } from './support/browser.js';
import { addTwoLargestProjects, FIGURE_VIEWPORTS, lineCounts } from './support/figures.js';

let stack: TestStack;
let browser: Browser;
const shots = fs.mkdtempSync(path.join(os.tmpdir(), 'statistics-shots-'));

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ webDist: inject('webDist') }), launchBrowser()]);
  await seedStatisticsFixture(stack.db);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Picks an option of one of the page's selects by its visible label. */
async function choose(page: Page, select: string, option: string) {
  await page.locator(`[data-test=${select}]`).click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: option }).first().click();
}

describe('统计分析', () => {
  it('the leader crosses township × stage and a cell opens exactly its projects', async () => {
    const { page, context } = await newPage(browser, stack.baseUrl, {
      viewport: { width: 1440, height: 900 },
    });
    await login(page, 'leader');
    await page.locator('.nav a', { hasText: '统计分析' }).click();
    await page.locator('[data-test=stat-table]').waitFor();
    // By township alone first (the default): 修齐镇 counts P2, P3 and P6.
    await expect
      .poll(() => page.locator('[data-test=stat-total]').innerText(), { timeout: 20_000 })
      .toContain('53.33%');
    // No columns is a choice like the others, not an empty select asking for one (请选择).
    expect((await page.locator('[data-test=stat-columns]').innerText()).replace(/\s+/g, '')).toBe('列不分列');

    await choose(page, 'stat-columns', '阶段');
    await expect
      .poll(() => new URL(page.url()).searchParams.get('columns'), { timeout: 20_000 })
      .toBe('stage');
    const cell = page.locator('[data-test=stat-cell][data-row=xqz][data-column=underway]');
    await expect.poll(() => cell.innerText(), { timeout: 20_000 }).toBe('1');
    expect(await page.locator('[data-test=stat-cell][data-row=mbz][data-column=underway]').innerText()).toBe(
      '2',
    );
    await page.locator('[data-test=stat-chart] canvas').waitFor();
    await page.screenshot({ path: path.join(shots, 'statistics-desktop.png'), fullPage: true });

    await cell.click();
    await page.waitForURL(/\/projects\?/);
    const q = new URL(page.url()).searchParams;
    expect(q.get('township')).toBe('xqz');
    expect(q.get('stage')).toBe('underway');
    await expect
      .poll(() => page.locator('[data-test=total]').innerText(), { timeout: 20_000 })
      .toBe('共 1 个项目');
    const codes = await page.locator('.project-row td:first-child').allInnerTexts();
    expect(codes.map((c) => c.trim())).toEqual(['ST-P3']);
    await context.close();
    console.log(`screenshots in ${shots}`);
  });

  it('on a phone the table scrolls inside the page, and the type drill-down reaches the list', async () => {
    const { page, context } = await newPage(browser, stack.baseUrl, { phone: true });
    await login(page, 'leader');
    await page.goto('/statistics?rows=type&columns=fundSource&metric=budgetFen');
    await page.locator('[data-test=stat-table]').waitFor();
    await page.locator('[data-test=stat-chart] canvas').waitFor();
    expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
    await page.screenshot({ path: path.join(shots, 'statistics-phone.png'), fullPage: true });
    // The totals row is one band, its heading (which stays put as the table scrolls) included.
    const shades = await page.evaluate<string[]>(
      `[...document.querySelectorAll('[data-test=stat-table] tfoot tr > *')].map((c) => getComputedStyle(c).backgroundColor)`,
    );
    expect(shades.length).toBeGreaterThan(2);
    expect(new Set(shades).size, shades.join()).toBe(1);
    // 交通 × 县级财政专项: P3's county money, 3,000,000 分 = 3.00 万元.
    const cell = page.locator('[data-test=stat-cell][data-row=交通][data-column=countySpecial]');
    expect(await cell.innerText()).toBe('3.00');
    await cell.click();
    await page.waitForURL(/\/projects\?/);
    await page.locator('[data-test=project-card]').first().waitFor();
    expect(await page.locator('[data-test=project-card]').count()).toBe(1);
    expect(await page.locator('[data-test=project-card]').innerText()).toContain('ST-P3');
    expect(await page.locator('[data-test=f-type]').innerText()).toContain('交通');
    await context.close();
  });
});

describe('the choices above the table', () => {
  it('show each chosen row, column and figure whole, in Chinese and in English, on a laptop and a phone', async () => {
    const choices = [
      '',
      '?rows=fundSource&columns=type&metric=allocatedFen',
      '?rows=department&columns=fundSource&metric=budgetFen',
      '?rows=type&columns=village&metric=disbursedFen',
      '?rows=stage&columns=year&metric=disbursedBasisPoints',
      '?rows=village&columns=department&metric=overdueProjects',
    ];
    const cut: string[] = [];
    for (const [device, locale] of [
      ['laptop', 'zh-CN'],
      ['laptop', 'en'],
      ['phone', 'zh-CN'],
      ['phone', 'en'],
    ] as const) {
      const { page, context } = await newPage(browser, stack.baseUrl, {
        locale,
        ...(device === 'phone' ? { phone: true } : { viewport: { width: 1366, height: 900 } }),
      });
      try {
        await login(page, 'leader');
        for (const query of choices) {
          await page.goto(`/statistics${query}`);
          await page.locator('[data-test=stat-table]').waitFor();
          // Element clips a choice too long for its select with an ellipsis: "No colu…".
          const shown = await page.evaluate<{ text: string; over: number }[]>(`
            [...document.querySelectorAll('[data-test=stat-controls] .el-select__selected-item:not(.is-hidden)')]
              .map((el) => ({ text: el.textContent.trim(), over: el.scrollWidth - el.clientWidth }))`);
          expect(shown.length).toBeGreaterThanOrEqual(3);
          for (const s of shown)
            if (s.over > 0)
              cut.push(`${device} ${locale} ${query || '(as opened)'}: ${s.text} (${s.over} px over)`);
        }
        // The export beside them is a button, not underlined as a link.
        const decoration = await page.evaluate<string>(
          `getComputedStyle(document.querySelector('[data-test=stat-export]')).textDecorationLine`,
        );
        if (decoration !== 'none') cut.push(`${device} ${locale}: export ${decoration}`);
      } finally {
        await context.close();
      }
    }
    expect(cut).toEqual([]);
  });
});

// Last in the file: it adds projects the fixture's figures above do not count.
describe('the headline figures', () => {
  it('keep each figure whole on one line, however large, on a laptop and on a phone', async () => {
    await addTwoLargestProjects(stack.baseUrl);
    for (const [viewport, size] of FIGURE_VIEWPORTS) {
      const { context, page } = await newPage(browser, stack.baseUrl, { viewport, phone: size === 'phone' });
      try {
        await login(page, 'leader');
        await page.goto('/statistics');
        const values = page.locator('[data-test=stat-total] .value');
        await expect.poll(async () => (await values.allInnerTexts()).some((v) => v.length >= 12)).toBe(true);
        // Each figure's text in line boxes: one apiece.
        const lines = Object.values(await lineCounts(page, '[data-test=stat-total] .value'));
        expect(lines, size).toEqual(lines.map(() => 1));
        expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(viewport.width);
        await page.screenshot({ path: path.join(shots, `statistics-figures-${size}.png`) });
      } finally {
        await context.close();
      }
    }
  });
});
