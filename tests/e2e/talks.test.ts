/**
 * 约谈 and the negative list in the browser against the real api: a project ladder's 约谈 step
 * raises a flag; the supervision office opens it, records the talk from it (unit and reason
 * pre-filled) and the flag leaves the open list; the office lifts the ladder's negative-list entry
 * with a reason and publishes the month; the township reads its year and its talk on a phone.
 *
 * With E2E_SHOTS_DIR set, each page is photographed at 1440 × 900 or 375 × 812 into it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addDays, cstMinute } from '#domain/deadlines.js';
import { aProject } from '../support/builders.js';
import { eventually } from '../support/eventually.js';
import { FAST_LADDERS, today } from '../support/ladders.js';
import { issue, noticesAbout, spreadSerials } from '../support/rectification.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { horizontalOverflow, launchBrowser, login, newPage } from './support/browser.js';

let stack: TestStack;
let browser: Browser;
let projectName = '';
let noticeSerial = '';

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startTestStack({ webDist: inject('webDist'), deadlines: FAST_LADDERS }),
    launchBrowser(),
  ]);
  // A project whose start is two (one-second) days ahead: its ladder reaches 约谈 in seconds.
  const t = today();
  const body = aProject({
    plannedDates: {
      start: addDays(t, 2),
      completion: addDays(t, 300),
      acceptance: addDays(t, 400),
      reimbursement: addDays(t, 500),
    },
  });
  projectName = body.name;
  const res = await (await Session.login(stack.baseUrl, 'swj.op')).post('/api/projects', body);
  expect(res.status).toBe(201);
  // A rectification notice to 庙坝镇 whose two problems, due in two days, reach 约谈 together.
  await spreadSerials(stack);
  const notice = await issue(
    await Session.login(stack.baseUrl, 'supervisor'),
    noticesAbout()([2, 2], { unitCode: 'mbz' }),
  );
  noticeSerial = notice.serial;
  await eventually(
    async () =>
      (
        await stack.db.query(
          `SELECT 1 FROM interview_flag f LEFT JOIN project p ON p.id = f.project_id
            WHERE p.code = $1 OR f.notice_id = $2`,
          [res.body.code, notice.id],
        )
      ).rows.length === 2,
    60_000,
  );
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
async function open(username: string, phone = false) {
  const { context, page } = await newPage(browser, stack.baseUrl, { phone });
  if (!phone) await page.setViewportSize({ width: 1440, height: 900 });
  await login(page, username);
  return { context, page };
}

describe('约谈 and the negative list', () => {
  it('reads as cards on a phone, each with what a row says and its action', async () => {
    const { context, page } = await open('supervisor', true);
    try {
      await page.goto('/supervision/talk-flags');
      const flag = page.locator('[data-test=talk-flag-card]', { hasText: projectName });
      await flag.waitFor();
      expect(await flag.innerText()).toMatch(/修齐镇[\s\S]*约谈/);
      expect(await flag.locator('[data-test=flag-record]').count()).toBe(1);
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);

      await page.goto('/supervision/negative-list');
      const entry = page.locator('[data-test=negative-card]', {
        hasText: projectName,
      });
      await entry.waitFor();
      expect(await entry.locator('[data-test=negative-lift]').count()).toBe(1);
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);

      await page.goto('/supervision/talks');
      await page.locator('[data-test=cards]').waitFor();
      expect(await page.locator('[data-test=table]').count()).toBe(0);
      await shot(page, 'talk-flags-cards');
    } finally {
      await context.close();
    }
  });

  it('words a ladder’s reason in the page’s language: in Chinese as the ladder filed it, in English from its deadline', async () => {
    const { rows } = await stack.db.query(
      `SELECT f.reason FROM interview_flag f LEFT JOIN project p ON p.id = f.project_id
        WHERE p.name = $1 OR f.notice_id IS NOT NULL ORDER BY f.notice_id NULLS FIRST`,
      [projectName],
    );
    const [filed, filedForNotice] = rows.map((r) => r.reason as string) as [string, string];
    expect(filed).toMatch(/^逾期未开工，期限 /);
    expect(filedForNotice).toMatch(new RegExp(`^${noticeSerial} 问题1、问题2逾期未整改，期限 `));
    const pages = [
      ['/supervision/talk-flags', 'flag-reason'],
      ['/supervision/negative-list', 'entry-reason'],
    ] as const;
    const zh = await open('supervisor');
    try {
      for (const [url, test] of pages) {
        await zh.page.goto(url);
        await expect
          .poll(async () => (await zh.page.locator(`[data-test=${test}]`).allInnerTexts()).sort(), {
            message: url,
          })
          .toEqual([filed, filedForNotice].sort());
      }
    } finally {
      await zh.context.close();
    }
    const { context, page } = await newPage(browser, stack.baseUrl, {
      locale: 'en',
      viewport: { width: 1440, height: 900 },
    });
    try {
      await login(page, 'supervisor');
      // The same deadline and lateness as the filed words.
      const [, due, days] = /期限 (\S+)，逾期 (\d+) 天/.exec(filed)!;
      const [, noticeDue, noticeDays] = /期限 (\S+)，逾期 (\d+) 天/.exec(filedForNotice)!;
      for (const [url, test] of pages) {
        await page.goto(url);
        const reasons = page.locator(`[data-test=${test}]`);
        await expect
          .poll(async () => (await reasons.allInnerTexts()).sort(), { message: url })
          .toEqual(
            [
              `Project not started, due ${due}, ${days} day${days === '1' ? '' : 's'} late: admonition talk with the principal leader`,
              `${noticeSerial}: problems 1, 2 not rectified, due ${noticeDue}, ${noticeDays} day${noticeDays === '1' ? '' : 's'} late: admonition talk with the principal leader`,
            ].sort(),
          );
      }
      // When each was raised: the county's day and minute, in the order every date here is written.
      const raised = (
        await stack.db.query(`SELECT raised_at FROM interview_flag ORDER BY raised_at, id`)
      ).rows.map((r) => cstMinute((r.raised_at as Date).getTime()));
      await page.goto('/supervision/talk-flags');
      await expect
        .poll(async () => (await page.locator('[data-test=flag-raised]').allInnerTexts()).sort())
        .toEqual(raised.sort());
      expect(raised[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    } finally {
      await context.close();
    }
  });

  it('the office records the talk from the open flag; the flag closes', async () => {
    const { context, page } = await open('supervisor');
    try {
      await page.goto('/supervision/talk-flags');
      const row = page.locator('[data-test=flags] .el-table__row', { hasText: projectName });
      await row.waitFor();
      await shot(page, 'talk-flags');
      await row.locator('[data-test=flag-record]').click();
      await page.locator('[data-test=from-flag]').waitFor();
      // Pre-filled from the flag: the unit talked to and the reason.
      await expect
        .poll(() => page.locator('[data-test=field-reason] textarea').inputValue())
        .toContain('约谈');
      expect(await page.locator('[data-test=subject] .el-select').innerText()).toContain('修齐镇');
      await page.locator('[data-test=subject] input').nth(1).fill('张建国');
      await page.locator('[data-test=subject] input').nth(2).fill('修齐镇镇长');
      await page.locator('[data-test=field-interviewers] input').fill('县专项监督办主任 李明');
      await page.locator('[data-test=field-location] input').fill('县专项监督办会议室');
      await page.locator('[data-test=field-agreed] textarea').fill('十日内开工，每周报告进度。');
      await shot(page, 'talk-form');
      await page.locator('[data-test=submit]').click();
      await page.locator('[data-test=talk]').waitFor();
      expect(await page.locator('[data-test=talk-subject]').innerText()).toContain('张建国');
      await shot(page, 'talk');

      await page.goto('/supervision/talk-flags');
      await page.locator('[data-test=flags]').waitFor();
      await page.waitForLoadState('networkidle');
      expect(await page.locator('[data-test=flags] .el-table__row', { hasText: projectName }).count()).toBe(
        0,
      );
      await page.goto('/supervision/talks');
      await page.locator('[data-test=talks] .el-table__row', { hasText: '张建国' }).waitFor();
      await shot(page, 'talks');
    } finally {
      await context.close();
    }
  });

  it('a correction opens with the talk’s time on the county’s clock, and keeps it', async () => {
    // 07:30 in the county is 23:30 the day before in UTC: the picker must show the county's.
    const day = addDays(today(), -1);
    const office = await Session.login(stack.baseUrl, 'supervisor');
    const made = await office.post('/api/interviews', {
      kind: 'individual',
      heldAt: `${day}T07:30:00+08:00`,
      location: '县专项监督办会议室',
      interviewers: '县专项监督办主任 李明',
      // Not 修齐镇, whose year the tests below count.
      subjects: [{ unitCode: 'jtj', name: '赵更正', title: '副局长' }],
      reason: '整改回复逾期。',
      agreed: '五日内补交回复。',
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const { context, page } = await open('supervisor');
    try {
      await page.goto(`/supervision/talks/new?corrects=${made.body.id}`);
      const held = page.locator('[data-test=field-heldAt] input');
      // The form opens with today's 09:00 until the record it corrects arrives.
      await expect
        .poll(() => page.locator('[data-test=field-location] input').inputValue())
        .toBe('县专项监督办会议室');
      expect(await held.inputValue()).toBe(`${day} 07:30:00`);
      await page.locator('[data-test=field-agreed] textarea').fill('五日内补交书面回复。');
      await page.locator('[data-test=submit]').click();
      await page.locator('[data-test=talk]').waitFor();
      const id = new URL(page.url()).pathname.split('/').at(-1);
      const corrected = (await office.get(`/api/interviews/${id}`)).body;
      expect(Date.parse(corrected.heldAt)).toBe(Date.parse(made.body.heldAt));
      // Its link names the original by its day and kind, not by a fragment of its id.
      await expect
        .poll(() => page.locator('[data-test=corrects-link]').innerText())
        .toBe(`查看原记录 · ${day} 07:30 个别约谈`);

      // In the list the two read alike but for their tags: the original 已更正, the correction 更正记录.
      await page.goto('/supervision/talks?q=赵更正');
      const rows = page.locator('.talk-row', { hasText: '赵更正' });
      await expect.poll(() => rows.count()).toBe(2);
      expect((await rows.locator('[data-test=correction-tag]').allInnerTexts()).sort()).toEqual(
        ['已更正', '更正记录'].sort(),
      );
      await shot(page, 'talks-corrected');
    } finally {
      await context.close();
    }
  });

  it('a unit the correction no longer names is told so, not given a link it may not open', async () => {
    const office = await Session.login(stack.baseUrl, 'supervisor');
    const talk = (subjects: { unitCode: string; name: string; title: string }[]) => ({
      kind: subjects.length > 1 ? 'collective' : 'individual',
      heldAt: `${addDays(today(), -2)}T10:00:00+08:00`,
      location: '县专项监督办会议室',
      interviewers: '县专项监督办主任 李明',
      subjects,
      reason: '资金拨付滞后。',
      agreed: '十日内拨付。',
    });
    const nyw = { unitCode: 'nyw', name: '孙农业', title: '副主任' };
    const made = await office.post(
      '/api/interviews',
      talk([{ unitCode: 'jtj', name: '钱误记', title: '副局长' }, nyw]),
    );
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    // 交通局 was named by mistake: the correction names 农业农村委 alone.
    const fixed = await office.post('/api/interviews', { ...talk([nyw]), correctsId: made.body.id });
    expect(fixed.status, JSON.stringify(fixed.body)).toBe(201);
    const { context, page } = await open('jtj.op');
    try {
      await page.goto(`/supervision/talks/${made.body.id}`);
      await expect
        .poll(() => page.locator('[data-test=corrected]').innerText())
        .toContain('更正后的记录不再涉及本单位');
      expect(await page.locator('[data-test=corrected-by-link]').count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('the office lifts the ladder’s entry with a reason and publishes last month', async () => {
    const { context, page } = await open('supervisor');
    try {
      await page.goto('/supervision/negative-list');
      const row = page.locator('[data-test=negative-list] .el-table__row', { hasText: projectName });
      await row.waitFor();
      await shot(page, 'negative-list');
      await row.locator('[data-test=negative-lift]').click();
      await page.locator('[data-test=lift-reason] textarea').fill('已开工，经复查属实');
      await shot(page, 'negative-lift');
      await page.locator('[data-test=lift-save]').click();
      await expect.poll(() => row.count()).toBe(0);
      const { rows } = await stack.db.query(
        `SELECT lift_reason FROM negative_list_entry WHERE lifted_at IS NOT NULL AND source = 'projectLadder'`,
      );
      expect(rows).toEqual([{ lift_reason: '已开工，经复查属实' }]);

      await page.locator('[data-test=publish-month] input').first().fill('2026-10');
      await page.keyboard.press('Enter');
      await page.locator('[data-test=publish]').click();
      await page.locator('.el-message-box__btns .el-button--primary').click();
      await page.locator('[data-test=published-month]').waitFor();
      await shot(page, 'negative-published');
      expect(
        (await stack.db.query(`SELECT month FROM negative_list_publication`)).rows.map((r) => r.month),
      ).toEqual(['2026-10']);

      // Done at 01:30 in the county, 17:30 the day before in UTC: each shows the county's day.
      await stack.db.query(`BEGIN; SET LOCAL session_replication_role = replica;
        UPDATE negative_list_publication SET published_at = '2026-11-03T17:30:00Z';
        UPDATE negative_list_entry SET lifted_at = '2026-11-03T17:30:00Z' WHERE lifted_at IS NOT NULL; COMMIT;`);
      await page.reload();
      const published = page.locator('[data-test=publications] .el-table__row', { hasText: '2026-10' });
      await expect.poll(() => published.innerText()).toContain('2026-11-04');
      const [lifted] = (
        await stack.db.query<{ code: string; year: number }>(
          `SELECT u.code, extract(year FROM e.listed_on)::int AS year FROM negative_list_entry e
             JOIN org_unit u ON u.id = e.org_unit_id WHERE e.lifted_at IS NOT NULL`,
        )
      ).rows;
      await page.goto(`/supervision/assessment?year=${lifted!.year}&unit=${lifted!.code}`);
      const negative = page.locator('[data-test=assessment-negative] .el-table__row', {
        hasText: '2026-11-04',
      });
      await expect.poll(() => negative.count()).toBe(1);
      // The entry names the project it is about.
      expect(await negative.innerText()).toContain(projectName);
    } finally {
      await context.close();
    }
  });

  it('a unit opens a published month and is told how many entries the whole list has', async () => {
    // September: 修齐镇 listed by hand twice, then the month published. A unit reads its own rows
    // of it: 修齐镇 both, 县水务局 none and is told so; each how long the whole list is.
    const office = await Session.login(stack.baseUrl, 'supervisor');
    for (const listedOn of ['2026-09-10', '2026-09-20']) {
      const res = await office.post('/api/negative-list', {
        unitCode: 'xqz',
        reason: '项目资金公示不到位',
        listedOn,
      });
      expect(res.status).toBe(201);
    }
    expect((await office.post('/api/negative-list/publications', { month: '2026-09' })).status).toBe(201);
    for (const [username, own] of [
      ['xqz.op', 2],
      ['swj.op', 0],
    ] as const) {
      const { context, page } = await open(username);
      try {
        await page.goto('/supervision/negative-list');
        const month = page.locator('[data-test=publications] .el-table__row', { hasText: '2026-09' });
        await month.locator('button').click();
        const dialog = page.locator('[data-test=published-month]');
        await expect
          .poll(() => dialog.locator('[data-test=own-rows]').innerText(), { message: username })
          .toBe(`各单位只能查看本单位的条目：该月清单共 2 条，本单位 ${own} 条。`);
        expect(await dialog.locator('.el-table__row').count(), username).toBe(own);
        if (own === 0)
          expect(await dialog.locator('.el-table__empty-text').innerText()).toBe('本单位不在该月清单中');
      } finally {
        await context.close();
      }
    }
  });

  it('a county-wide account chooses the unit whose year it reads, its own not being assessed', async () => {
    const { context, page } = await open('supervisor');
    try {
      await page.goto('/supervision/assessment?year=2026');
      await page.locator('[data-test=assessment-choose]').waitFor();
      expect(await page.locator('[data-test=assessment-summary]').count()).toBe(0);
      await page.goto('/supervision/assessment?year=2026&unit=xqz');
      await page.locator('[data-test=assessment-summary]').waitFor();
      expect(await page.locator('[data-test=assessment-summary]').innerText()).toMatch(/1\s*约谈/);
      expect(await page.locator('[data-test=assessment-choose]').count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('the township reads its year on a phone', async () => {
    const { context, page } = await open('xqz.op', true);
    try {
      await page.goto('/supervision/assessment?year=2026');
      await page.locator('[data-test=assessment-summary]').waitFor();
      expect(await page.locator('[data-test=assessment-summary]').innerText()).toMatch(/1\s*约谈/);
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
      // Its talk is a card whose reason reads whole on the screen (in a table it ran off it).
      const reason = page.locator('[data-test=assessment-talk-cards] a .card-line').last();
      expect((await reason.innerText()).length).toBeGreaterThan(4);
      const box = (await reason.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(page.viewportSize()!.width);
      await shot(page, 'annual-assessment');

      // The talk it was part of: each label above its value, the value the card's whole width.
      await page.goto('/supervision/talks');
      await page.locator('[data-test=talk-card]').first().click();
      const talk = page.locator('[data-test=talk]');
      await talk.waitFor();
      const label = (await talk.locator('.el-descriptions__label').first().boundingBox())!;
      const value = (await talk.locator('.el-descriptions__content').first().boundingBox())!;
      expect(value.y).toBeGreaterThanOrEqual(label.y + label.height - 1);
      expect(value.width).toBeGreaterThan(300);
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
      await shot(page, 'talk-phone');
    } finally {
      await context.close();
    }
  });
});
