/**
 * 整改通知书 in the browser against the real api, PostgreSQL and Temporal: a project of 庙坝镇 under
 * way with no supervision visit raises a risk red flag; 县专项监督办's supervisor issues a notice from
 * it (the form prefilled from the flag, one problem added by hand); 庙坝镇's operator finds it on the
 * home page of a 375 × 812 phone and answers each problem, with a photo from the camera; the
 * supervisor sends one problem back and accepts the other; the operator answers again; the
 * supervisor accepts and the notice closes on time. What the browser did is checked in the
 * database with direct SQL.
 *
 * With E2E_SHOTS_DIR set, each page is also photographed into it (for a person to look at; nothing
 * is compared).
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { daysAgo, fixtures } from '../support/red-flag-fixtures.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { horizontalOverflow, launchBrowser, login, newPage } from './support/browser.js';

let stack: TestStack;
let browser: Browser;
let project: { id: string; code: string };
let flagId = 0;
let suggestion: { title: string; problems: { project?: string; basis: string }[] };

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ webDist: inject('webDist') }), launchBrowser()]);
  const f = fixtures(stack);
  // Started 90 days ago and never visited since: more than the two months the rule allows.
  const p = await f.project({ dept: 'swj', owner: 'mbz', village: 'mbz-ljc' });
  await f.start(p, daysAgo(90));
  project = { id: p.id, code: p.code };
  const supervisor = await f.login('supervisor');

  expect((await supervisor.post('/api/red-flags/scan', {})).status).toBe(200);
  const flags = await supervisor.get('/api/red-flags?rule=noSiteVisit&unitCode=mbz');
  expect(flags.status).toBe(200);
  const flag = (flags.body.items as { id: number; projects: { code: string }[] }[]).find((raised) =>
    raised.projects.some((concerned) => concerned.code === project.code),
  );
  expect(flag).toBeDefined();
  flagId = flag!.id;
  suggestion = (await supervisor.get(`/api/red-flags/${flagId}`)).body.suggestion;
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
    path: path.join(SHOTS, `rect-${name}-${phone ? 'phone' : 'desktop'}.png`),
    fullPage: true,
  });
}

async function open(username: string, phone = false) {
  const { context, page } = await newPage(browser, stack.baseUrl, { phone });
  if (!phone) await page.setViewportSize({ width: 1440, height: 900 });
  await login(page, username);
  return { context, page };
}

/** A condition the page reaches after an api round trip (slow on a busy machine). */
const eventually = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 20_000 });

async function fitsPhone(page: Page) {
  expect((await horizontalOverflow(page)).scrollWidth, page.url()).toBeLessThanOrEqual(375);
}

/** A real PNG (8 × 8, random colours: every photo has its own bytes and hash). */
function aPng(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(8, 0);
  ihdr.writeUInt32BE(8, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.concat(
    Array.from({ length: 8 }, () => Buffer.concat([Buffer.from([0]), randomBytes(24)])),
  );
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const SECOND_PROBLEM = {
  description: '罗江村人饮管网延伸工程 5 月以来未按月填报建设进度。',
  basis: '“三账一表”管理要求：实施单位应于每月 5 日前填报上月项目建设进度。',
};
const problems = async (noticeId: string) =>
  (
    await stack.db.query<{ seq: number; status: string; due_date: string; first_due_date: string }>(
      `SELECT seq, status, due_date::text, first_due_date::text FROM rectification_problem
        WHERE notice_id = $1 ORDER BY seq`,
      [noticeId],
    )
  ).rows;
/** The problem section of the notice page or the answer page, by its number. */
const problemOn = (page: Page, seq: number, test = 'problem') =>
  page.locator(`[data-test=${test}][data-problem="${seq}"]`);

describe('a rectification notice from a red flag to its close', () => {
  let noticeId = '';
  const photos = [aPng(), aPng()];

  it('the supervisor issues it from the red flag; a problem without its basis is refused beside it', async () => {
    const { context, page } = await open('supervisor');
    try {
      await page.locator('.nav a', { hasText: '监督' }).click();
      await page.locator('[data-test=supervision-tabs]').waitFor();
      await page.locator('[data-test=search-form]').waitFor();
      await shot(page, 'list-empty');

      // From the red flags tab: the flag's rows, then 转为整改通知 opens the form filled from it.
      await page.locator('[data-test=supervision-tabs] a', { hasText: '风险红旗' }).click();
      await page
        .locator('[data-test=table] .el-table__row', { hasText: project.code })
        .first()
        .locator('[data-test=flag-open]')
        .click();
      const drawer = page.locator('[data-test=red-flag-drawer]');
      await drawer.locator('[data-test=drawer-explanation]').waitFor();
      await shot(page, 'red-flag');
      await drawer.locator('[data-test=to-notice]').click();
      await page.waitForURL((u) => u.pathname === '/supervision/rectifications/new');
      expect(new URL(page.url()).searchParams.get('redFlag')).toBe(String(flagId));
      await page.locator('[data-test=from-red-flag]').waitFor();
      const title = page.locator('[data-test=field-title] input');
      await eventually(() => title.inputValue()).toBe(suggestion.title);
      expect(await page.locator('[data-test=field-unitCode]').innerText()).toContain('庙坝镇');
      const rows = page.locator('[data-test=problem-row]');
      expect(await rows.count()).toBe(suggestion.problems.length);
      expect(await rows.first().locator('[data-test=p-project]').inputValue()).toBe(project.code);
      expect(await rows.first().locator('[data-test=p-basis]').inputValue()).toBe(
        suggestion.problems[0]!.basis,
      );

      // A second problem typed by hand, first without its basis: said beside the field, nothing issued.
      await page.locator('[data-test=problem-add]').click();
      const second = rows.nth(1);
      await second.locator('[data-test=p-description]').fill(SECOND_PROBLEM.description);
      await second.locator('[data-test=p-days] input').fill('10');
      await page.locator('[data-test=submit]').click();
      await eventually(() => second.locator('.el-form-item.is-error .el-form-item__error').innerText()).toBe(
        '必填',
      );
      expect((await stack.db.query('SELECT 1 FROM rectification_notice')).rowCount).toBe(0);

      await second.locator('[data-test=p-basis]').fill(SECOND_PROBLEM.basis);
      await shot(page, 'form');
      await page.locator('[data-test=submit]').click();
      await page.locator('[data-test=rect-sheet]').waitFor();
      noticeId = new URL(page.url()).pathname.split('/').pop()!;

      const { rows: notices } = await stack.db.query(
        `SELECT n.serial, n.status, n.source_red_flag_id::int AS flag, u.code AS unit, n.due_date::text AS due
           FROM rectification_notice n JOIN org_unit u ON u.id = n.org_unit_id WHERE n.id = $1`,
        [noticeId],
      );
      expect(notices).toEqual([expect.objectContaining({ status: 'open', flag: flagId, unit: 'mbz' })]);
      expect(await page.locator('[data-test=rect-serial]').innerText()).toBe(notices[0].serial);
      expect(await page.locator('[data-test=rect-title]').innerText()).toBe(suggestion.title);
      expect(await page.locator('[data-test=rect-due]').innerText()).toContain(notices[0].due);
      expect((await problems(noticeId)).map((p) => p.status)).toEqual(['open', 'open']);
      const linked = await stack.db.query(
        `SELECT 1 FROM rectification_problem WHERE notice_id = $1 AND seq = 1 AND project_id = $2`,
        [noticeId, project.id],
      );
      expect(linked.rowCount).toBe(1);

      // The printable notice is a PDF.
      const href = (await page.locator('[data-test=rect-pdf]').getAttribute('href'))!;
      const pdf = await page.request.get(href);
      expect(pdf.status()).toBe(200);
      expect(pdf.headers()['content-type']).toContain('application/pdf');
      expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
      await shot(page, 'issued');
    } finally {
      await context.close();
    }
  });

  it('庙坝镇’s operator finds it on the phone’s home page and answers each problem, one with a photo', async () => {
    const { context, page } = await open('mbz.op', true);
    try {
      const card = page.locator('[data-test=home-rect]', { hasText: suggestion.title });
      await card.waitFor();
      await fitsPhone(page);
      await shot(page, 'home');
      await card.locator('[data-test=home-answer]').click();
      await eventually(() => page.locator('[data-test=answer-problem]').count()).toBe(2);

      const first = problemOn(page, 1, 'answer-problem');
      // Each problem names its project, as the notice's page does.
      expect(await first.locator('[data-test=answer-project]').innerText()).toContain(project.code);
      const input = first.locator('[data-test=photo-input]');
      expect(await input.getAttribute('accept')).toBe('image/*');
      expect(await input.getAttribute('capture')).toBe('environment');
      // Nothing said of what was done: refused beside the field, nothing sent.
      await first.locator('[data-test=answer-submit]').click();
      await eventually(() => first.locator('.err').innerText()).toBe('必填');
      expect((await problems(noticeId)).map((p) => p.status)).toEqual(['open', 'open']);

      await first
        .locator('[data-test=answer-action]')
        .fill('已安排镇村干部于 11 月 28 日现场检查管网，检查记录和照片已录入建设地点台账。');
      await input.setInputFiles({ name: 'IMG_0101.png', mimeType: 'image/png', buffer: photos[0]! });
      await first.locator('[data-test=photo-thumb]').waitFor();
      await fitsPhone(page);
      await shot(page, 'answer');
      const box = (await first.locator('[data-test=answer-submit]').boundingBox())!;
      expect(box.height).toBeGreaterThanOrEqual(40);
      await first.locator('[data-test=answer-submit]').click();
      await eventually(() => page.locator('[data-test=answer-problem]').count()).toBe(1);

      const second = problemOn(page, 2, 'answer-problem');
      await second
        .locator('[data-test=answer-action]')
        .fill('已补报 5 月至 11 月建设进度，今后每月 5 日前填报。');
      await second.locator('[data-test=answer-submit]').click();
      await page.locator('[data-test=all-answered]').waitFor();
      await fitsPhone(page);
      await shot(page, 'answered');

      await eventually(async () => (await problems(noticeId)).map((p) => p.status)).toEqual([
        'answered',
        'answered',
      ]);
      // The photo is the evidence of the first answer, with the hash of the bytes the phone sent.
      const detail = await page.request.get(`/api/rectifications/${noticeId}`);
      const body = await detail.json();
      expect(body.problems[0].events[0].evidence.map((e: { sha256: string }) => e.sha256)).toEqual([
        sha256(photos[0]!),
      ]);
    } finally {
      await context.close();
    }
  });

  it('the supervisor sends the first problem back with reasons and a new term, and accepts the second', async () => {
    const { context, page } = await open('supervisor');
    try {
      await page.goto(`/supervision/rectifications/${noticeId}`);
      const first = problemOn(page, 1);
      await first.locator('[data-test=evidence-photo]').waitFor();
      await shot(page, 'to-verify');

      await first.locator('[data-test=send-back]').click();
      const dialog = page.locator('[data-test=verdict-dialog]');
      await dialog.locator('[data-test=v-days] input').fill('5');
      // No reasons: refused in the dialog, nothing changed.
      await dialog.locator('[data-test=verdict-submit]').click();
      await eventually(() => dialog.locator('.el-form-item__error').innerText()).toBe('必填');
      expect((await problems(noticeId))[0]!.status).toBe('answered');
      await dialog.locator('[data-test=v-reasons]').fill('照片未反映管网现状，请补充管网沿线现场照片。');
      await shot(page, 'send-back');
      await dialog.locator('[data-test=verdict-submit]').click();
      await first.locator('[data-test=event-sendBack]').waitFor();

      await problemOn(page, 2).locator('[data-test=accept]').click();
      await dialog.locator('[data-test=verdict-submit]').click();
      await problemOn(page, 2).locator('[data-test=event-accept]').waitFor();

      const after = await problems(noticeId);
      expect(after.map((p) => p.status)).toEqual(['sentBack', 'accepted']);
      // The send-back re-armed the first problem's term; the first due date is kept.
      expect(after[0]!.due_date).not.toBe(after[0]!.first_due_date);
      expect(await first.locator('[data-test=event-sendBack]').innerText()).toContain(after[0]!.due_date);
      await shot(page, 'verdicts');
    } finally {
      await context.close();
    }
  });

  it('the operator sees the reasons on the phone and answers the first problem again with another photo', async () => {
    const { context, page } = await open('mbz.op', true);
    try {
      await page.goto(`/supervision/rectifications/${noticeId}/answer`);
      const first = problemOn(page, 1, 'answer-problem');
      await eventually(() => first.locator('[data-test=sent-back-reasons]').innerText()).toContain(
        '请补充管网沿线现场照片',
      );
      expect(await page.locator('[data-test=answer-problem]').count()).toBe(1);
      await first.locator('[data-test=answer-action]').fill('已补拍管网沿线 3 处现场照片。');
      await first
        .locator('[data-test=photo-input]')
        .setInputFiles({ name: 'IMG_0102.png', mimeType: 'image/png', buffer: photos[1]! });
      await first.locator('[data-test=photo-thumb]').waitFor();
      await fitsPhone(page);
      await shot(page, 'answer-again');
      await first.locator('[data-test=answer-submit]').click();
      await page.locator('[data-test=all-answered]').waitFor();
      await eventually(async () => (await problems(noticeId))[0]!.status).toBe('answered');
      // Not in its menu, the notice is still placed: its list stands where the menu's section would.
      const crumbs = page.locator('[data-test=breadcrumbs]');
      expect(await crumbs.innerText()).toMatch(/^工作台\s*\/\s*整改通知书\s*\/\s*答复整改$/);
      await crumbs.locator('.el-breadcrumb__inner', { hasText: '整改通知书' }).click();
      await page.waitForURL((u) => u.pathname === '/supervision/rectifications');
      await page.locator('[data-test=rect-card]').filter({ hasText: suggestion.title }).waitFor();
    } finally {
      await context.close();
    }
  });

  it('the supervisor accepts it and the notice closes on time; the county leader reads it without acting', async () => {
    const { context, page } = await open('supervisor');
    try {
      await page.goto(`/supervision/rectifications/${noticeId}`);
      const first = problemOn(page, 1);
      await eventually(() => first.locator('[data-test=evidence-photo]').count()).toBe(2);
      await first.locator('[data-test=accept]').click();
      await page.locator('[data-test=verdict-dialog] [data-test=verdict-submit]').click();
      await page.locator('[data-test=closed]').waitFor();
      const { rows } = await stack.db.query(
        `SELECT status, closed_on_time FROM rectification_notice WHERE id = $1`,
        [noticeId],
      );
      expect(rows).toEqual([{ status: 'closed', closed_on_time: true }]);
      expect((await problems(noticeId)).map((p) => p.status)).toEqual(['accepted', 'accepted']);
      await shot(page, 'closed');

      await page.goto('/supervision/rectifications');
      const row = page.locator('.el-table__row', { hasText: suggestion.title });
      await eventually(() => row.locator('[data-test=rect-status]').innerText()).toBe('已办结');
      await shot(page, 'list');
    } finally {
      await context.close();
    }

    const leader = await open('leader');
    try {
      await leader.page.locator('.nav a', { hasText: '监督' }).click();
      await leader.page.locator('[data-test=rect-open]').first().click();
      await leader.page.locator('[data-test=rect-sheet]').waitFor();
      expect(await leader.page.locator('[data-test=rect-new]').count()).toBe(0);
      expect(await leader.page.locator('[data-test=withdraw]').count()).toBe(0);
      expect(await leader.page.locator('[data-test=problem]').count()).toBe(2);
    } finally {
      await leader.context.close();
    }
  });
});

describe('a notice issued by hand and withdrawn', () => {
  it('the supervisor issues one to 修齐镇 from the list, then withdraws it with a reason; a blank reason is refused', async () => {
    const { context, page } = await open('supervisor');
    try {
      await page.goto('/supervision/rectifications');
      await page.locator('[data-test=rect-new]').click();
      await page.locator('[data-test=unit-select]').click();
      await page.keyboard.type('修齐');
      await page.locator('.el-select-dropdown__item:visible', { hasText: '修齐镇' }).first().click();
      await page.locator('[data-test=field-dayCount] label', { hasText: '按自然日' }).click();
      await page.locator('[data-test=field-title] input').fill('关于修齐镇项目公示不规范问题的整改通知');
      const row = page.locator('[data-test=problem-row]').first();
      await row
        .locator('[data-test=p-description]')
        .fill('白台村山坪塘整治项目未在村务公开栏公示资金使用情况。');
      await row
        .locator('[data-test=p-basis]')
        .fill('《关于加强财政衔接推进乡村振兴补助资金项目公告公示的通知》');
      await page.locator('[data-test=submit]').click();
      await page.locator('[data-test=rect-sheet]').waitFor();
      const id = new URL(page.url()).pathname.split('/').pop()!;
      expect(await page.locator('[data-test=rect-sheet]').innerText()).toContain('按自然日');

      await page.locator('[data-test=withdraw]').click();
      const dialog = page.locator('[data-test=withdraw-dialog]');
      await dialog.locator('[data-test=withdraw-submit]').click();
      await eventually(() => dialog.locator('.el-form-item__error').innerText()).toBe('必填');
      const before = await stack.db.query(`SELECT status FROM rectification_notice WHERE id = $1`, [id]);
      expect(before.rows).toEqual([{ status: 'open' }]);

      await dialog.locator('[data-test=w-reason]').fill('经核实该项目已于上月完成公示，通知书下发有误。');
      await dialog.locator('[data-test=withdraw-submit]').click();
      await eventually(() => page.locator('[data-test=withdrawn]').innerText()).toContain('通知书下发有误');
      const { rows } = await stack.db.query(
        `SELECT n.status, n.withdrawn_reason, n.day_count, u.code FROM rectification_notice n
           JOIN org_unit u ON u.id = n.org_unit_id WHERE n.id = $1`,
        [id],
      );
      expect(rows).toEqual([
        {
          status: 'withdrawn',
          withdrawn_reason: '经核实该项目已于上月完成公示，通知书下发有误。',
          day_count: 'calendar',
          code: 'xqz',
        },
      ]);
      expect(await page.locator('[data-test=withdraw]').count()).toBe(0);
      await shot(page, 'withdrawn');
    } finally {
      await context.close();
    }
  });
});
