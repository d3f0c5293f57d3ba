/**
 * The inbox in the console: a deadline ladder (on a one-second day) leaves a township operator
 * four messages; the bell shows the unread count, its dropdown the messages; opening the newest
 * lands on the project's page and the count goes down (in the database too). The inbox page
 * filters the unread, toggles one, and marks all read. Screenshots at 1440 × 900 and 375 × 812 of
 * the dropdown and the page go to SHOTS_DIR (a temporary directory by default); on the phone
 * nothing overflows sideways.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addDays } from '#domain/deadlines.js';
import { aProject } from '../support/builders.js';
import { eventually } from '../support/eventually.js';
import { FAST_LADDERS, today } from '../support/ladders.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { horizontalOverflow, launchBrowser, login, newPage } from './support/browser.js';

const SHOTS = process.env.SHOTS_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sanzhang-inbox-shots-'));
const WIDE = { width: 1440, height: 900 };

let stack: TestStack;
let browser: Browser;
let project: { id: string; code: string };

/** The operator's messages in the database, newest first. */
async function dbMessages(): Promise<{ id: string; title: string; read: boolean }[]> {
  const { rows } = await stack.db.query(
    `SELECT m.id::text AS id, m.title, m.read_at IS NOT NULL AS read FROM inbox_message m
       JOIN app_user u ON u.id = m.user_id WHERE u.username = 'xqz.op' ORDER BY m.created_at DESC, m.id DESC`,
  );
  return rows;
}

/** The bell's badge: the number it shows, or 0 when it is hidden. */
async function badge(page: Page): Promise<number> {
  const sup = page.locator('[data-test=inbox-badge] sup');
  if (!(await sup.isVisible())) return 0;
  return Number((await sup.innerText()).trim());
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startTestStack({ webDist: inject('webDist'), deadlines: FAST_LADDERS }),
    launchBrowser(),
  ]);
  const dept = await Session.login(stack.baseUrl, 'swj.op');
  const t = today();
  const created = await dept.post(
    '/api/projects',
    aProject({
      plannedDates: {
        start: addDays(t, 2),
        // Far enough that no other ladder fires while the test runs.
        completion: addDays(t, 3000),
        acceptance: addDays(t, 3100),
        reimbursement: addDays(t, 3200),
      },
    }),
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  project = { id: created.body.id, code: created.body.code };
  await eventually(async () => (await dbMessages()).length === 4);
  console.log(`inbox screenshots: ${SHOTS}`);
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the inbox in the console', () => {
  it('shows the unread count; opening the newest alert lands on the project and the count goes down', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl, { viewport: WIDE });
    try {
      await login(page, 'xqz.op');
      await expect.poll(() => badge(page)).toBe(4);

      await page.locator('[data-test=inbox-bell]').click();
      const items = page.locator('[data-test=inbox-dropdown] [data-test=inbox-item]');
      await expect.poll(() => items.count()).toBe(4);
      const db = await dbMessages();
      expect(
        await page.locator('[data-test=inbox-dropdown] [data-test=inbox-title]').allInnerTexts(),
      ).toEqual(db.map((m) => m.title));
      await shot(page, 'bell-desktop');

      await items.first().click();
      await page.waitForURL(`**/projects/${project.id}`);
      await page.locator('main').getByText(project.code, { exact: true }).waitFor();
      await expect.poll(() => badge(page)).toBe(3);
      expect((await dbMessages()).map((m) => m.read)).toEqual([true, false, false, false]);
    } finally {
      await context.close();
    }
  });

  it('lists, filters, toggles and marks all read on the inbox page', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl, { viewport: WIDE });
    try {
      await login(page, 'xqz.op');
      await page.locator('[data-test=inbox-bell]').click();
      await page.locator('[data-test=inbox-view-all]').click();
      await page.waitForURL('**/inbox');
      const items = page.locator('[data-test=inbox-list] [data-test=inbox-item]');
      await expect.poll(() => items.count()).toBe(4);
      expect(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-read')))).toEqual([
        'true',
        'false',
        'false',
        'false',
      ]);
      await shot(page, 'inbox-desktop');

      // Unread only: three, kept in the URL.
      await page.locator('[data-test=f-unread]').click();
      await page.locator('.el-select-dropdown__item', { hasText: '仅未读' }).click();
      await page.locator('[data-test=search]').click();
      await page.waitForURL('**/inbox?unread=true');
      await expect.poll(() => items.count()).toBe(3);

      // Toggle: the second one read, from the page, without leaving it.
      await items.nth(0).locator('[data-test=inbox-toggle]').click();
      await expect.poll(() => badge(page)).toBe(2);
      expect((await dbMessages()).map((m) => m.read)).toEqual([true, true, false, false]);

      await page.locator('[data-test=inbox-page-read-all]').click();
      await expect.poll(() => badge(page)).toBe(0);
      await expect.poll(() => items.count()).toBe(0);
      expect((await dbMessages()).every((m) => m.read)).toBe(true);
    } finally {
      await context.close();
    }
  });

  it('works on a 375 px phone: the dropdown and the page fit the screen', async () => {
    // Two unread again, for something to show.
    const db = await dbMessages();
    await stack.db.query('UPDATE inbox_message SET read_at = NULL WHERE id = ANY($1::bigint[])', [
      [db[1]!.id, db[2]!.id],
    ]);
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    try {
      await login(page, 'xqz.op');
      await expect.poll(() => badge(page)).toBe(2);
      await page.locator('[data-test=inbox-bell]').click();
      const dropdown = page.locator('[data-test=inbox-dropdown]');
      await expect.poll(() => dropdown.locator('[data-test=inbox-item]').count()).toBe(4);
      const box = (await dropdown.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(375);
      await shot(page, 'bell-phone');

      await page.locator('[data-test=inbox-view-all]').click();
      await page.waitForURL('**/inbox');
      await expect.poll(() => page.locator('[data-test=inbox-list] [data-test=inbox-item]').count()).toBe(4);
      const { scrollWidth, viewport } = await horizontalOverflow(page);
      expect(scrollWidth).toBeLessThanOrEqual(viewport);
      await shot(page, 'inbox-phone');
    } finally {
      await context.close();
    }
  });
});
