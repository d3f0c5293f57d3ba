/**
 * The county leader's dashboard figures equal the
 * database's. The leader logs in through the form; the figures on screen (total budget, money per
 * fund source, disbursement rate, overdue deadlines per responsible unit) are compared with SQL run
 * directly against the database by this test, for every year and for one year chosen on the page
 * (kept in the URL). Also: a township sees its own per-unit view, and the list's header sort and
 * export link follow the URL.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatBasisPoints, formatWanYuan } from '#domain/money.js';
import {
  addProjectOfYear,
  dbFigures,
  dbYears,
  seedSmallCounty,
  type DbFigures,
} from '../support/dashboard-figures.js';
import { issue, noticesAbout, spreadSerials } from '../support/rectification.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { horizontalOverflow, launchBrowser, login, newPage } from './support/browser.js';
import { addTwoLargestProjects, FIGURE_VIEWPORTS, lineCounts } from './support/figures.js';
import { shooter } from './support/shots.js';

const shot = shooter('dashboard');

let stack: TestStack;
let browser: Browser;

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startTestStack({ webDist: inject('webDist'), deadlines: { enabled: true } }),
    launchBrowser(),
  ]);
  await seedSmallCounty(stack);
  // The demo county's projects are all of 2026: one of 2025 gives the year selector a choice.
  await addProjectOfYear(stack, 2025);
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

      // County-wide: the charts are drawn; the ranking card leads to the published ranking.
      for (const chart of ['chart-source', 'chart-disbursement', 'chart-overdue-unit'])
        await page.locator(`[data-test=${chart}] canvas`).waitFor();
      expect(await page.locator('[data-test=ranking-link]').getAttribute('href')).toBe(
        '/supervision/ranking',
      );
      expect(await page.locator('.pending, [data-test^=pending-]').count()).toBe(0);
      expect(await page.locator('[data-test=waiting]').count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('leads from 本月未录入进度 to exactly its projects in the list, of the year chosen too', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl);
    try {
      await login(page, 'leader');
      for (const year of [undefined, 2026]) {
        await page.goto(year ? `/?year=${year}` : '/');
        await page.locator('[data-test=fig-budget]').waitFor();
        const db = await dbFigures(stack.db, 'leader', year ? { year } : {});
        expect(db.progressMissing).toBeGreaterThan(0);
        await settles(async () =>
          Number(await page.locator('[data-test=fig-progress-missing]').innerText()),
        ).toBe(db.progressMissing);
        const card = page.locator('[data-test=progress-missing]');
        const shown = await card.locator('[data-test=progress-missing-item] .r-code').allInnerTexts();
        const link = card.locator('[data-test=progress-missing-all]');
        expect((await link.innerText()).trim()).toBe(`查看全部 ${db.progressMissing} 个 ›`);
        await link.click();
        await page.waitForURL(/\/projects\?/);
        const url = new URL(page.url()).searchParams;
        expect(url.get('progressMissing')).toMatch(/^\d{4}-\d{2}$/);
        expect(url.get('year')).toBe(year ? String(year) : null);
        await settles(async () => (await page.locator('[data-test=total]').innerText()).trim()).toBe(
          `共 ${db.progressMissing} 个项目`,
        );
        await page.locator('[data-test=f-progress-missing]').waitFor();
        const codes = await page.locator('[data-test=table] .project-row td:first-child').allInnerTexts();
        // The small county misses fewer than a page: the card and the list show the same projects.
        expect(db.progressMissing).toBeLessThanOrEqual(20);
        expect([...codes].sort()).toEqual([...shown].sort());
      }
    } finally {
      await context.close();
    }
  });

  it('keeps each unit’s overdue count at the end of its row on a small phone, in English too', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl, {
      phone: true,
      locale: 'en',
      viewport: { width: 320, height: 640 },
    });
    try {
      await login(page, 'leader');
      const rows = page.locator('[data-test=overdue-unit-row]');
      await rows.first().waitFor();
      expect(await rows.count()).toBeGreaterThanOrEqual(2);
      // Each row's count stands beside the unit's name, not on a line of its own below the row.
      const layouts = await rows.evaluateAll((lis) =>
        lis.map((li) => {
          const box = (sel: string) => li.querySelector(sel)!.getBoundingClientRect();
          const [name, count] = [box('.r-name'), box('[data-test=overdue-unit-count]')];
          return {
            unit: li.getAttribute('data-unit'),
            besideName: count.top < name.bottom,
            right: count.right,
          };
        }),
      );
      const rowRight = (await rows.first().boundingBox())!;
      for (const l of layouts) {
        expect(l, JSON.stringify(l)).toMatchObject({ besideName: true });
        expect(Math.abs(l.right - (rowRight.x + rowRight.width))).toBeLessThan(1);
      }
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(320);
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

/** The figures on the page, in the database figures' shape (money from the exact `data-fen`). */
async function shownFigures(page: Page): Promise<Partial<DbFigures>> {
  const text = async (sel: string) => (await page.locator(sel).innerText()).trim();
  const fen = async (sel: string) => Number(await page.locator(sel).getAttribute('data-fen'));
  const bySource: DbFigures['bySource'] = {};
  const rows = page.locator('[data-test=source-row]');
  for (let i = 0; i < (await rows.count()); i++) {
    const row = rows.nth(i);
    bySource[(await row.getAttribute('data-kind'))!] = {
      budgetFen: Number(await row.locator('[data-test=source-budget]').getAttribute('data-fen')),
      disbursedFen: Number(await row.locator('[data-test=source-disbursed]').getAttribute('data-fen')),
    };
  }
  const overdueByUnit: DbFigures['overdueByUnit'] = {};
  const units = page.locator('[data-test=overdue-unit-row]');
  for (let i = 0; i < (await units.count()); i++) {
    const u = units.nth(i);
    overdueByUnit[(await u.getAttribute('data-unit'))!] = Number(
      await u.locator('[data-test=overdue-unit-count]').innerText(),
    );
  }
  const bp = await page.locator('[data-test=fig-rate]').getAttribute('data-basis-points');
  return {
    total: Number(await text('[data-test=fig-projects]')),
    budgetFen: await fen('[data-test=fig-budget]'),
    disbursedFen: await fen('[data-test=fig-disbursed]'),
    basisPoints: bp ? Number(bp) : null,
    bySource,
    overdueTotal: Number(await text('[data-test=fig-overdue]')),
    overdueByUnit,
    progressMissing: Number(await text('[data-test=fig-progress-missing]')),
  };
}
const comparable = (db: DbFigures): Partial<DbFigures> => {
  const { byStage: _s, overdueByKind: _k, ...rest } = db;
  return rest;
};

/** Opens a selector (`year-select`, `unit-select`) and returns what it offers; `pick` chooses one. */
async function options(page: Page, select: string, pick?: string): Promise<string[]> {
  await page.locator(`[data-test=${select}] .el-select__wrapper`).click();
  const items = page.locator('.el-select-dropdown__item:visible');
  await items.first().waitFor();
  const offered = (await items.allInnerTexts()).map((s) => s.trim());
  if (pick)
    await items
      .filter({ hasText: new RegExp(`^${pick}$`) })
      .first()
      .click();
  else await page.keyboard.press('Escape');
  return offered;
}
const yearOptions = (page: Page, pick?: string) => options(page, 'year-select', pick);
const unitOptions = (page: Page, pick?: string) => options(page, 'unit-select', pick);
/** Figures reload after a choice: wait for them longer than expect.poll's one second. */
const settles = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000 });
const urlYear = (page: Page) => new URL(page.url()).searchParams.get('year');

describe('the dashboard of one year', () => {
  it('offers the years there are; choosing one shows that year’s figures and puts it in the URL', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl);
    try {
      await login(page, 'leader');
      await page.locator('[data-test=fig-budget]').waitFor();
      const all = await dbFigures(stack.db, 'leader');
      await settles(() => shownFigures(page)).toEqual(comparable(all));
      expect(await dbYears(stack.db, 'leader')).toEqual([2026, 2025]);
      expect(await yearOptions(page)).toEqual(['全部年度', '2026 年度', '2025 年度']);

      for (const year of [2025, 2026]) {
        await yearOptions(page, `${year} 年度`);
        await settles(() => urlYear(page)).toBe(String(year));
        const db = await dbFigures(stack.db, 'leader', { year });
        expect(db.total).toBeGreaterThan(0);
        expect(db.total).toBeLessThan(all.total);
        expect(db.budgetFen).toBeLessThan(all.budgetFen);
        await settles(() => shownFigures(page)).toEqual(comparable(db));
        expect((await page.locator('[data-test=fig-budget]').innerText()).trim()).toBe(
          formatWanYuan(db.budgetFen),
        );
        expect((await page.locator('[data-test=fig-rate]').innerText()).trim()).toBe(
          formatBasisPoints(db.basisPoints!),
        );
        // The links to the list carry the year, so the list shows what was counted here.
        const link = page.locator('[data-test=overdue-unit-row] a').first();
        expect(new URL((await link.getAttribute('href'))!, stack.baseUrl).searchParams.get('year')).toBe(
          String(year),
        );
      }

      // The URL is the state: a reload keeps the year; 全部年度 takes it out again.
      await page.reload();
      await page.locator('[data-test=fig-budget]').waitFor();
      await settles(() => shownFigures(page)).toEqual(
        comparable(await dbFigures(stack.db, 'leader', { year: 2026 })),
      );
      expect((await page.locator('[data-test=year-select]').innerText()).trim()).toBe('2026 年度');
      await yearOptions(page, '全部年度');
      await settles(() => urlYear(page)).toBeNull();
      await settles(() => shownFigures(page)).toEqual(comparable(all));
    } finally {
      await context.close();
    }
  });

  it('opens from the URL on a phone, for a township, without sideways scrolling', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    try {
      await login(page, 'xqz.op');
      await page.goto('/?year=2025');
      await page.locator('[data-test=fig-budget]').waitFor();
      const db = await dbFigures(stack.db, 'xqz.op', { year: 2025 });
      expect(db.total).toBe(1);
      await settles(() => shownFigures(page)).toEqual(comparable(db));
      expect((await page.locator('[data-test=year-select]').innerText()).trim()).toBe('2025 年度');
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);

      expect(await yearOptions(page, '2026 年度')).toEqual(['全部年度', '2026 年度', '2025 年度']);
      await settles(() => urlYear(page)).toBe('2026');
      await settles(() => shownFigures(page)).toEqual(
        comparable(await dbFigures(stack.db, 'xqz.op', { year: 2026 })),
      );
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
    } finally {
      await context.close();
    }
  });
});

const urlUnit = (page: Page) => new URL(page.url()).searchParams.get('unit');
const unitNamed = async (code: string) =>
  (await stack.db.query<{ name: string }>('SELECT name FROM org_unit WHERE code = $1', [code])).rows[0]!.name;

describe('the dashboard of one unit', () => {
  it('lets the county leader narrow every figure to a township, kept in the URL and carried into the list', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl);
    try {
      await login(page, 'leader');
      await page.locator('[data-test=fig-budget]').waitFor();
      const all = await dbFigures(stack.db, 'leader');
      await settles(() => shownFigures(page)).toEqual(comparable(all));
      const offered = await unitOptions(page);
      const { rows: units } = await stack.db.query<{ name: string }>(
        `SELECT name FROM org_unit WHERE kind IN ('department', 'township', 'village')`,
      );
      expect(offered[0]).toBe('全部单位');
      expect([...offered.slice(1)].sort()).toEqual(units.map((u) => u.name).sort());

      const mbz = await unitNamed('mbz');
      await unitOptions(page, mbz);
      await settles(() => urlUnit(page)).toBe('mbz');
      const db = await dbFigures(stack.db, 'leader', { unit: 'mbz' });
      expect(db.total).toBeGreaterThan(0);
      expect(db.total).toBeLessThan(all.total);
      await settles(() => shownFigures(page)).toEqual(comparable(db));
      expect(await page.locator('[data-test=scope-line]').innerText()).toContain(`仅${mbz}（乡镇）`);
      await shot(page, 'unit-township');

      // The most-overdue link opens the list filtered to the same township: the same projects.
      const link = page.locator('[data-test=most-overdue]');
      const href = new URL((await link.getAttribute('href'))!, stack.baseUrl);
      expect(href.searchParams.get('township')).toBe('mbz');
      const listed = (
        await stack.db.query(
          `SELECT count(DISTINCT p.id)::int AS n FROM project p JOIN alert a ON a.project_id = p.id
            WHERE a.status = 'active' AND a.step IN ('overdue', 'escalated', 'interview')
              AND (p.owner_unit_id = (SELECT id FROM org_unit WHERE code = 'mbz')
                   OR p.id IN (SELECT pv.project_id FROM project_village pv JOIN org_unit v ON v.id = pv.village_id
                                WHERE v.parent_id = (SELECT id FROM org_unit WHERE code = 'mbz')))`,
        )
      ).rows[0].n;
      expect(listed).toBeGreaterThan(0);
      await link.click();
      await settles(() => page.locator('[data-test=total]').innerText()).toBe(`共 ${listed} 个项目`);
      await page.goBack();
      await page.locator('[data-test=fig-budget]').waitFor();

      // A reload keeps the unit; 全部单位 takes it out again.
      await page.reload();
      await page.locator('[data-test=fig-budget]').waitFor();
      await settles(() => shownFigures(page)).toEqual(comparable(db));
      expect((await page.locator('[data-test=unit-select]').innerText()).trim()).toBe(mbz);
      await unitOptions(page, '全部单位');
      await settles(() => urlUnit(page)).toBeNull();
      await settles(() => shownFigures(page)).toEqual(comparable(all));
    } finally {
      await context.close();
    }
  });

  it('narrows the overdue rectification notices to the unit; the card’s link lists exactly what it counted', async () => {
    await spreadSerials(stack);
    const office = await Session.login(stack.baseUrl, 'supervisor');
    const notice = noticesAbout();
    const mbzNotice = await issue(
      office,
      notice([10], { unitCode: 'mbz', title: '关于庙坝镇项目公示不到位的整改通知' }),
    );
    for (const title of ['关于修齐镇台账不完整的整改通知', '关于修齐镇进度填报滞后的整改通知'])
      await issue(office, notice([10], { title }));
    // Past their terms, as if issued long ago; one more, not yet due, is left out of the card.
    await stack.db.query(`UPDATE rectification_problem SET due_date = due_date - 30`);
    await stack.db.query(
      `UPDATE rectification_notice
          SET issued_at = issued_at - interval '30 days', issued_on = issued_on - 30, due_date = due_date - 30`,
    );
    await issue(office, notice([10], { unitCode: 'mbz', title: '关于庙坝镇管护制度未落实的整改通知' }));

    const { context, page } = await newPage(browser, stack.baseUrl);
    try {
      await login(page, 'leader');
      const card = page.locator('[data-test=rect-card-home]');
      const shown = () => card.locator('[data-test=home-rect]').count();
      const allLink = card.locator('[data-test=rect-home-all]');
      await settles(shown).toBe(3);
      expect((await allLink.innerText()).trim()).toBe('全部（3）');

      await unitOptions(page, await unitNamed('mbz'));
      await settles(() => urlUnit(page)).toBe('mbz');
      await settles(shown).toBe(1);
      expect(await card.locator('[data-test=home-rect]').innerText()).toContain(mbzNotice.serial);
      expect((await allLink.innerText()).trim()).toBe('全部（1）');
      await shot(page, 'unit-notices');

      await allLink.click();
      await page.waitForURL(/\/rectifications\?/);
      const q = new URL(page.url()).searchParams;
      expect(Object.fromEntries(q)).toEqual({ status: 'open', overdue: 'true', unitCode: 'mbz' });
      await settles(() => page.locator('[data-test=total]').innerText()).toBe('共 1 条');
      expect(await page.locator('[data-test=rect-row]').innerText()).toBe(
        '关于庙坝镇项目公示不到位的整改通知',
      );
    } finally {
      await context.close();
    }
  });

  it('offers a township only its own villages, on a phone, without sideways scrolling', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    try {
      await login(page, 'xqz.op');
      await page.locator('[data-test=fig-budget]').waitFor();
      const { rows: villages } = await stack.db.query<{ code: string; name: string }>(
        `SELECT v.code, v.name FROM org_unit v JOIN org_unit t ON t.id = v.parent_id
          WHERE t.code = 'xqz' AND v.kind = 'village' ORDER BY v.code`,
      );
      expect(villages.length).toBeGreaterThanOrEqual(2);
      const offered = await unitOptions(page);
      expect(offered.slice(1).sort()).toEqual(villages.map((v) => v.name).sort());
      const btc = villages.find((v) => v.code === 'xqz-btc')!;
      await unitOptions(page, btc.name);
      await settles(() => urlUnit(page)).toBe('xqz-btc');
      const db = await dbFigures(stack.db, 'xqz.op', { unit: 'xqz-btc' });
      expect(db.total).toBeGreaterThan(0);
      await settles(() => shownFigures(page)).toEqual(comparable(db));
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
      await shot(page, 'unit-village');
    } finally {
      await context.close();
    }
  });

  it('shows a village no unit selector', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    try {
      await login(page, 'xqz-btc.view');
      await page.locator('[data-test=fig-budget]').waitFor();
      await page.locator('[data-test=year-select]').waitFor();
      expect(await page.locator('[data-test=unit-select]').count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});

describe('the project list', () => {
  /** Sideways scroll of the page and of the table's own body, at the page's viewport. */
  const sideways = (page: Page) =>
    page.evaluate<{ doc: number; inner: number; body: number; bodyClient: number }>(`(() => {
      const wrap = document.querySelector('[data-test=table] .el-table__body-wrapper .el-scrollbar__wrap');
      return {
        doc: document.scrollingElement.scrollWidth,
        inner: window.innerWidth,
        body: wrap.scrollWidth,
        bodyClient: wrap.clientWidth,
      };
    })()`);

  it('fits a 1440 × 900 desktop with its lateness columns: neither the page nor the table scrolls sideways; a phone has cards', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl, {
      viewport: { width: 1440, height: 900 },
    });
    try {
      await login(page, 'leader');
      // The whole list, and the late view the dashboard's overdue links open.
      for (const path of ['/projects', '/projects?overdue=any&sort=daysLate&order=desc']) {
        await page.goto(path);
        await page.locator('[data-test=table] .project-row').first().waitFor();
        await page.locator('[data-test=total]').waitFor();
        const m = await sideways(page);
        expect(m.inner, path).toBe(1440);
        expect(m.doc, path).toBeLessThanOrEqual(m.inner);
        expect(m.body, path).toBeLessThanOrEqual(m.bodyClient);
        const headers = (await page.locator('[data-test=table] th').allInnerTexts()).map((h) => h.trim());
        expect(headers, path).toEqual(
          expect.arrayContaining([
            '逾期情况',
            '今日逾期天数',
            '预警级别',
            '责任单位',
            '批复预算（万元）',
            '操作',
          ]),
        );
      }
      // The late view is sorted by days late: its first row shows them, its unit and its level.
      const first = page.locator('[data-test=table] .project-row').first();
      expect(await first.locator('[data-test=overdue-days]').innerText()).toMatch(/^\d+ 天$/);
      expect(await first.locator('[data-test=overdue-unit]').innerText()).not.toBe('');
      expect(await first.locator('[data-test=overdue-level]').innerText()).not.toBe('');
    } finally {
      await context.close();
    }

    const phone = await newPage(browser, stack.baseUrl, { phone: true });
    try {
      await login(phone.page, 'leader');
      await phone.page.goto('/projects');
      await phone.page.locator('[data-test=cards] [data-test=project-card]').first().waitFor();
      expect(await phone.page.locator('[data-test=table]').count()).toBe(0);
      expect((await horizontalOverflow(phone.page)).scrollWidth).toBeLessThanOrEqual(375);
    } finally {
      await phone.context.close();
    }
  });

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

describe('the headline figures', () => {
  it('keep each figure whole on one line, on a laptop and on a phone; the unit selector names the whole scope', async () => {
    await addTwoLargestProjects(stack.baseUrl);
    for (const [viewport, size] of FIGURE_VIEWPORTS) {
      const { context, page } = await newPage(browser, stack.baseUrl, { viewport, phone: size === 'phone' });
      try {
        await login(page, 'leader');
        await page.locator('[data-test=fig-budget]').waitFor();
        expect((await page.locator('[data-test=fig-budget]').innerText()).length).toBeGreaterThanOrEqual(12);
        // Each figure's text, the headline's and the sources', in line boxes: one apiece.
        const lines = await lineCounts(page, '[data-test=figures] .value, [data-test=sources] td.money');
        expect(Object.keys(lines).length).toBeGreaterThanOrEqual(6 + 3 * 3);
        expect(lines, size).toEqual(Object.fromEntries(Object.keys(lines).map((k) => [k, 1])));
        // 全部单位 is a choice like the others, not an empty select asking for one (请选择).
        expect((await page.locator('[data-test=unit-select]').innerText()).trim()).toBe('全部单位');
        expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(viewport.width);
        if (size !== 'narrow') await shot(page, `figures-${size}`);
      } finally {
        await context.close();
      }
    }
  });
});

describe('more projects missing their progress than the card lists', () => {
  it('says how many it shows, then links to all of them, as two phrases', async () => {
    // 21 projects under way with no progress this month, written straight into the tables.
    await stack.db.query(
      `WITH p AS (
       INSERT INTO project (id, code, workflow_id, name, year, type, nature, department_id, owner_unit_id,
         approval_document_no, budget_fen, stage, planned_start, planned_completion, planned_acceptance,
         planned_reimbursement)
       SELECT gen_random_uuid(), 'PM-' || n, 'project-PM-' || n, '进度未录入项目' || n, 2026, '产业', 'new',
              (SELECT id FROM org_unit WHERE code = 'swj'), (SELECT id FROM org_unit WHERE code = 'mbz'),
              '城扶发〔2026〕1号', 100000, 'underway', '2026-03-01', '2026-06-30', '2026-07-31', '2026-09-30'
         FROM generate_series(1, 21) n
       RETURNING id)
       INSERT INTO project_fund_source (project_id, position, kind, amount_fen) SELECT id, 0, 'centralSpecial', 100000 FROM p`,
    );
    const { context, page } = await newPage(browser, stack.baseUrl, {
      viewport: { width: 1366, height: 768 },
    });
    try {
      await login(page, 'leader');
      const line = page.locator('[data-test=progress-missing] p.muted');
      await expect.poll(() => line.innerText()).toMatch(/^仅显示前 20 个，共 \d+ 个 查看全部 \d+ 个 ›$/);
    } finally {
      await context.close();
    }
  });
});
