/**
 * Acceptance point 1 of the console issue: the county leader's dashboard figures equal the
 * database's. The leader logs in through the form; the figures on screen (total budget, money per
 * fund source, disbursement rate, overdue deadlines per responsible unit) are compared with SQL run
 * directly against the database by this test. Also: a township sees its own per-unit view, and the
 * list's header sort and export link follow the URL.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatBasisPoints, formatWanYuan } from '../../domain/money.js';
import { dbFigures, seedSmallCounty } from '../support/dashboard-figures.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { horizontalOverflow, launchBrowser, login, newPage } from './support/browser.js';

let stack: TestStack;
let browser: Browser;

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startTestStack({ webDist: inject('webDist'), deadlines: { enabled: true } }),
    launchBrowser(),
  ]);
  await seedSmallCounty(stack);
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the county leader’s dashboard', () => {
  it('shows the database’s figures: total budget, money per fund source, disbursement rate, overdue per unit', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl);
    try {
      await login(page, 'leader');
      await page.locator('[data-test=fig-budget]').waitFor();
      const db = await dbFigures(stack.db, 'leader');
      const text = async (sel: string) => (await page.locator(sel).innerText()).trim();

      expect(await text('[data-test=fig-projects]')).toBe(String(db.total));
      expect(await text('[data-test=fig-budget]')).toBe(formatWanYuan(db.budgetFen));
      expect(await page.locator('[data-test=fig-budget]').getAttribute('data-fen')).toBe(
        String(db.budgetFen),
      );
      expect(await text('[data-test=fig-disbursed]')).toBe(formatWanYuan(db.disbursedFen));
      expect(db.basisPoints).not.toBeNull();
      expect(await text('[data-test=fig-rate]')).toBe(formatBasisPoints(db.basisPoints!));
      expect(await text('[data-test=fig-overdue]')).toBe(String(db.overdueTotal));
      expect(await text('[data-test=fig-progress-missing]')).toBe(String(db.progressMissing));

      // Money per fund source: every source the database has, each to the fen.
      const rows = page.locator('[data-test=source-row]');
      const shown: Record<string, { budgetFen: number; disbursedFen: number }> = {};
      for (let i = 0; i < (await rows.count()); i++) {
        const row = rows.nth(i);
        const budget = row.locator('[data-test=source-budget]');
        const paid = row.locator('[data-test=source-disbursed]');
        const kind = (await row.getAttribute('data-kind'))!;
        shown[kind] = {
          budgetFen: Number(await budget.getAttribute('data-fen')),
          disbursedFen: Number(await paid.getAttribute('data-fen')),
        };
        expect((await budget.innerText()).trim()).toBe(formatWanYuan(db.bySource[kind]!.budgetFen));
        expect((await paid.innerText()).trim()).toBe(formatWanYuan(db.bySource[kind]!.disbursedFen));
      }
      expect(shown).toEqual(db.bySource);
      expect(Object.keys(shown).length).toBeGreaterThanOrEqual(3);

      // Overdue deadlines per responsible unit.
      const units = page.locator('[data-test=overdue-unit-row]');
      const perUnit: Record<string, number> = {};
      for (let i = 0; i < (await units.count()); i++) {
        const u = units.nth(i);
        perUnit[(await u.getAttribute('data-unit'))!] = Number(
          await u.locator('[data-test=overdue-unit-count]').innerText(),
        );
      }
      expect(perUnit).toEqual(db.overdueByUnit);
      expect(Object.keys(perUnit).length).toBeGreaterThanOrEqual(2);

      // County-wide: the charts are drawn; the ranking says it is not there yet, with no number.
      for (const chart of ['chart-source', 'chart-disbursement', 'chart-overdue-unit'])
        await page.locator(`[data-test=${chart}] canvas`).waitFor();
      const ranking = await text('[data-test=pending-ranking]');
      expect(ranking).not.toMatch(/\d/);
      expect(await page.locator('[data-test=waiting]').count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});

describe('a township’s dashboard', () => {
  it('shows its own scope’s figures and its waiting steps, without sideways scrolling on a phone', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    try {
      await login(page, 'xqz.op');
      await page.locator('[data-test=fig-budget]').waitFor();
      const db = await dbFigures(stack.db, 'xqz.op');
      expect(await page.locator('[data-test=fig-projects]').innerText()).toBe(String(db.total));
      expect(await page.locator('[data-test=fig-budget]').getAttribute('data-fen')).toBe(
        String(db.budgetFen),
      );
      expect(db.total).toBeLessThan((await dbFigures(stack.db, 'leader')).total);
      const waiting = Number(await page.locator('[data-test=fig-waiting]').innerText());
      expect(waiting).toBeGreaterThan(0);
      expect(await page.locator('[data-test=waiting-item]').count()).toBe(Math.min(waiting, 20));
      expect(await page.locator('[data-test=chart-source]').count()).toBe(0);
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
    } finally {
      await context.close();
    }
  });
});

describe('the project list', () => {
  it('sorts by a header click through the URL and exports exactly the filtered, sorted list', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl);
    try {
      await login(page, 'leader');
      await page.goto('/projects?fundSource=centralSpecial');
      await page.locator('[data-test=table] .project-row').first().waitFor();
      const header = page.locator('[data-test=table] th', { hasText: '批复预算' });
      await header.locator('.sort-caret.descending').click();
      await expect.poll(() => new URL(page.url()).searchParams.get('sort')).toBe('budget');
      expect(new URL(page.url()).searchParams.get('order')).toBe('desc');
      expect(new URL(page.url()).searchParams.get('fundSource')).toBe('centralSpecial');
      const want = (
        await stack.db.query(
          `SELECT code FROM project p WHERE EXISTS (SELECT 1 FROM project_fund_source s WHERE s.project_id = p.id
              AND s.kind = 'centralSpecial') ORDER BY budget_fen DESC, code DESC`,
        )
      ).rows.map((r) => r.code);
      await expect
        .poll(() => page.locator('[data-test=table] .project-row td:first-child').allInnerTexts())
        .toEqual(want.slice(0, 20));
      const href = await page.locator('[data-test=export]').getAttribute('href');
      const exported = new URL(href!, stack.baseUrl).searchParams;
      expect(Object.fromEntries(exported)).toEqual({
        fundSource: 'centralSpecial',
        sort: 'budget',
        order: 'desc',
      });
    } finally {
      await context.close();
    }
  });
});
