/**
 * The console in a real browser (Debian's chromium) against the real api, PostgreSQL and Temporal:
 * a township operator advances a project with a file attached; the phone layout does not overflow;
 * the English console shows no raw i18n keys; each user sees exactly the steps they may take.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import en from '../../web/src/locales/en.js';
import { aProject } from '../support/builders.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { horizontalOverflow, launchBrowser, login, newPage, punctuationWidthsEm } from './support/browser.js';
import { shooter } from './support/shots.js';

const shot = shooter('console');

let stack: TestStack;
let browser: Browser;
let swj: Session;
let xqz: Session;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ webDist: inject('webDist') }), launchBrowser()]);
  swj = await Session.login(stack.baseUrl, 'swj.op');
  xqz = await Session.login(stack.baseUrl, 'xqz.op');
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A project of 县水务局 owned by 修齐镇, taken through the api up to 实施方式 (ready to start). */
async function projectReadyToStart(name: string): Promise<string> {
  const created = await swj.post('/api/projects', aProject({ name }));
  expect(created.status).toBe(201);
  const code: string = created.body.code;
  const design = await swj.post(`/api/projects/${code}/transitions`, {
    action: 'approveDesign',
    documentNo: '城水审〔2026〕7号',
    approvedOn: '2026-03-10',
  });
  expect(design.status).toBe(200);
  const method = await xqz.post(`/api/projects/${code}/transitions`, {
    action: 'fixImplementation',
    method: 'selfBuild',
  });
  expect(method.body.stage).toBe('methodFixed');
  return code;
}

async function historyCount(code: string): Promise<number> {
  const { rows } = await stack.db.query(
    'SELECT count(*)::int AS n FROM project_history h JOIN project p ON p.id = h.project_id WHERE p.code = $1',
    [code],
  );
  return rows[0].n;
}

async function fillDate(page: Page, field: string, value: string) {
  const input = page.locator(`[data-test=field-${field}] input`);
  await input.fill(value);
  await input.press('Enter');
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** A real (tiny) PDF: the api checks the declared type against the file's leading bytes. */
const START_REPORT = Buffer.from('%PDF-1.4\n% 开工报告\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

describe('a township operator advances a project', () => {
  it('starts construction with the start report attached as a file, which downloads with the same SHA-256', async () => {
    const code = await projectReadyToStart('白台村饮水工程（浏览器开工）');
    const { context, page } = await newPage(browser, stack.baseUrl);
    try {
      await login(page, 'xqz.op');
      // Who and what scope are always on screen.
      await expect.poll(() => page.locator('[data-test=who]').innerText()).toContain('修齐镇');
      expect(await page.locator('[data-test=scope]').innerText()).toBe('本乡镇为业主或位于本乡镇的项目');
      // The workbench lists the project as waiting on this unit, with the step it can take.
      const waiting = page.locator('[data-test=waiting-item]', { hasText: '浏览器开工' });
      await expect.poll(() => waiting.innerText()).toContain('开工');
      await waiting.locator('a').click();

      await page.locator('[data-test=action-start]').click();
      // Empty date: the shared schema refuses it, beside the field, and nothing is sent.
      const before = await historyCount(code);
      await page.locator('[data-test=submit]').click();
      await expect
        .poll(() => page.locator('[data-test=field-startedOn] .el-form-item__error').innerText())
        .toBe('必填');
      expect(await historyCount(code)).toBe(before);
      // A start is recorded once done: its picker offers no day after today.
      await page.locator('[data-test=field-startedOn] input').click();
      const days = page.locator('.el-picker-panel:visible .el-date-table td');
      await expect.poll(() => days.count()).toBe(42);
      expect(
        await page.locator('.el-picker-panel:visible .el-date-table td.disabled').count(),
      ).toBeGreaterThan(4);
      await page.keyboard.press('Escape');

      await fillDate(page, 'startedOn', '2026-04-02');
      // The file fills the checklist's 开工报告; it is uploaded as soon as it is chosen.
      await page.locator('[data-test=attachment-item]').click();
      await page.locator('.el-select-dropdown__item', { hasText: '开工报告' }).click();
      await page
        .locator('[data-test=attachment-input]')
        .setInputFiles({ name: '开工报告.pdf', mimeType: 'application/pdf', buffer: START_REPORT });
      await expect
        .poll(() => page.locator('[data-test=attachment-chosen]').innerText())
        .toContain(`SHA-256 ${sha256(START_REPORT).slice(0, 8)}`);
      await shot(page, 'step-attachment');
      await page.locator('[data-test=submit]').click();

      await expect.poll(() => page.locator('.title [data-test=stage]').innerText()).toBe('实施中');
      const latest = page.locator('[data-test=history-item]').first();
      expect(await latest.innerText()).toContain(
        '修齐镇操作员办理了「开工」，阶段由「已确定实施方式」变为「实施中」',
      );
      // The step's file, from the history: the bytes uploaded, checked again by the api on the way out.
      const link = latest.locator('[data-test=history-archive]');
      await expect.poll(() => link.innerText()).toBe('开工报告.pdf');
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      expect(download.suggestedFilename()).toBe('开工报告.pdf');
      expect(sha256(fs.readFileSync(await download.path()))).toBe(sha256(START_REPORT));
      await shot(page, 'step-history');
    } finally {
      await context.close();
    }
    // What the browser did is what the database holds.
    const { rows } = await stack.db.query(
      `SELECT p.stage, h.action, h.payload FROM project p JOIN project_history h ON h.project_id = p.id
        WHERE p.code = $1 ORDER BY h.seq DESC LIMIT 1`,
      [code],
    );
    expect(rows[0].stage).toBe('underway');
    expect(rows[0].action).toBe('start');
    expect(rows[0].payload).toMatchObject({ startedOn: '2026-04-02', archiveIds: [expect.any(String)] });
    const archive = await stack.db.query(
      'SELECT ledger, stage, item, file_name, sha256 FROM archive_document WHERE id = $1',
      [rows[0].payload.archiveIds[0]],
    );
    expect(archive.rows).toEqual([
      {
        ledger: 'implementing',
        stage: 'underway',
        item: 'startReport',
        file_name: '开工报告.pdf',
        sha256: sha256(START_REPORT),
      },
    ]);
  });

  it('shows the server refusal when the step was taken meanwhile (409), and writes nothing twice', async () => {
    const code = await projectReadyToStart('枇杷村便道（并发开工）');
    const { context, page } = await newPage(browser, stack.baseUrl);
    try {
      await login(page, 'xqz.op');
      await page.goto(`/projects/${code}`);
      await page.locator('[data-test=action-start]').click();
      await fillDate(page, 'startedOn', '2026-04-03');
      // Someone else starts it first.
      const other = await xqz.post(`/api/projects/${code}/transitions`, {
        action: 'start',
        startedOn: '2026-04-01',
      });
      expect(other.status).toBe(200);
      const count = await historyCount(code);
      await page.locator('[data-test=submit]').click();
      await expect
        .poll(() => page.locator('[data-test=step-refused]').innerText())
        .toContain('不能执行「开工」');
      expect(await historyCount(code)).toBe(count);
    } finally {
      await context.close();
    }
  });
});

describe('each user sees exactly the steps they may take', () => {
  it('owner unit, department and query account differ at the same stage', async () => {
    const code = await projectReadyToStart('东河村护栏（权限）');
    const actionsFor = async (username: string) => {
      const { context, page } = await newPage(browser, stack.baseUrl);
      try {
        await login(page, username);
        await page.goto(`/projects/${code}`);
        await page.locator('[data-test=actions]').waitFor();
        await page.locator('[data-test=history-item]').first().waitFor();
        const buttons = await page
          .locator('[data-test^=action-]')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-test')!.replace('action-', '')).sort());
        return buttons;
      } finally {
        await context.close();
      }
    };
    // methodFixed: start is the owner unit's; adjust and cancel are the department's.
    expect(await actionsFor('xqz.op')).toEqual(['start']);
    expect(await actionsFor('swj.op')).toEqual(['adjust', 'cancel']);
    expect(await actionsFor('xqz.view')).toEqual([]);
  });
});

describe('on a phone (375 × 812)', () => {
  it('the list becomes cards and no page scrolls sideways', async () => {
    const code = await projectReadyToStart('罗江村一个名字相当长的农村饮水安全巩固提升及配套管网延伸工程');
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    try {
      await login(page, 'xqz.op');
      await page.locator('[data-test=figures]').waitFor();
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);

      await page.goto('/projects');
      await page.locator('[data-test=project-card]').first().waitFor();
      expect(await page.locator('[data-test=table]').count()).toBe(0);
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);

      await page.goto(`/projects/${code}`);
      await page.locator('[data-test=history-item]').first().waitFor();
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
      await page.locator('[data-test=action-start]').click();
      await page.locator('[data-test=attachment-add]').waitFor();
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
    } finally {
      await context.close();
    }
  });
});

describe('the top bar on a phone', () => {
  it('names the platform whole in either language, and logs out from the account menu', async () => {
    const cut: string[] = [];
    for (const locale of ['zh-CN', 'en'] as const) {
      const { context, page } = await newPage(browser, stack.baseUrl, { phone: true, locale });
      try {
        await login(page, 'leader');
        await page.locator('[data-test=figures]').waitFor();
        const over = await page.evaluate<number>(
          `(() => { const b = document.querySelector('.brand'); return b.scrollWidth - b.clientWidth; })()`,
        );
        if (over > 0) cut.push(`${locale}: ${over} px over`);
        if (locale === 'en') {
          await page.locator('[data-test=user-menu-button]').click();
          await page.locator('[data-test=menu-logout]').click();
          await page.locator('input[name=username]').waitFor();
        }
      } finally {
        await context.close();
      }
    }
    expect(cut).toEqual([]);
  });
});

describe('the supervision office on a phone', () => {
  it('shows each of its pages from the edge its tabs start at, not a second margin in, its heading clear of them', async () => {
    const pages = [
      'rectifications',
      'complaints',
      'red-flags',
      'talk-flags',
      'talks',
      'negative-list',
      'ranking',
      'circulars',
      'assessment',
    ];
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    try {
      await login(page, 'supervisor');
      const indented: string[] = [];
      for (const name of pages) {
        await page.goto(`/supervision/${name}`);
        await page.locator('[data-test=supervision-tabs]').waitFor();
        // The page under the tabs: where its own content starts, beside where the tabs' heading does,
        // and how far below the tabs its own heading sits.
        const edges = await page.evaluate<{ layout: number; page: number; gap: number | null }>(`(() => {
          const start = (el) => el.getBoundingClientRect().left + parseFloat(getComputedStyle(el).paddingLeft);
          const layout = document.querySelector('.page.supervision');
          const heading = layout.lastElementChild.querySelector('h2');
          const tabs = document.querySelector('[data-test=supervision-tabs]').getBoundingClientRect();
          return {
            layout: Math.round(start(layout)),
            page: Math.round(start(layout.lastElementChild)),
            gap: heading ? Math.round(heading.getBoundingClientRect().top - tabs.bottom) : null,
          };
        })()`);
        if (edges.page !== edges.layout) indented.push(`${name}: ${edges.page - edges.layout} px in`);
        if (edges.gap !== null && edges.gap < 8)
          indented.push(`${name}: heading ${edges.gap} px under the tabs`);
      }
      expect(indented).toEqual([]);
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
    } finally {
      await context.close();
    }
  });
});

describe('in English', () => {
  it('shows no raw i18n key on any main page', async () => {
    const code = await projectReadyToStart('English check');
    const keys: string[] = [];
    const walk = (o: object, prefix: string) => {
      for (const [k, v] of Object.entries(o))
        if (typeof v === 'object') walk(v, `${prefix}${k}.`);
        else keys.push(`${prefix}${k}`);
    };
    walk(en, '');
    const { context, page } = await newPage(browser, stack.baseUrl, { locale: 'en' });
    try {
      await login(page, 'xqz.op');
      const pages: [string, string][] = [
        ['/', '[data-test=figures]'],
        ['/projects', '[data-test=table] .project-row'],
        [`/projects/${code}`, '[data-test=history-item]'],
        ['/notices', '[data-test=search-form]'],
        ['/ledgers', '[data-test=import-columns]'],
      ];
      for (const [url, ready] of pages) {
        await page.goto(url);
        await page.locator(ready).first().waitFor();
        if (url.startsWith('/projects/')) {
          await page.locator('[data-test=action-start]').click();
          expect(await page.locator('[data-test=form-start]').innerText()).toContain('Started on');
        }
        const text = await page.locator('body').innerText();
        expect(
          keys.filter((k) => text.includes(k)),
          url,
        ).toEqual([]);
        expect(text, url).toContain('Log out');
      }
    } finally {
      await context.close();
    }
  });

  it('fits every word of a list’s headers in its column, capitalised, on a laptop', async () => {
    await projectReadyToStart('Header check');
    const { context, page } = await newPage(browser, stack.baseUrl, {
      locale: 'en',
      viewport: { width: 1366, height: 768 },
    });
    try {
      await login(page, 'supervisor');
      for (const url of [
        '/projects',
        '/supervision/rectifications',
        '/supervision/complaints',
        '/supervision/talk-flags',
        '/supervision/negative-list',
        '/supervision/talks',
        '/supervision/red-flags',
        '/supervision/circulars',
        '/notices',
        '/policies',
        '/messages',
      ]) {
        await page.goto(url);
        await page.locator('.el-table th .cell').first().waitFor();
        await page.waitForLoadState('networkidle');
        expect(await wordsBrokenInside(page, '.el-table th .cell'), url).toEqual([]);
        const headers = (await page.locator('.el-table__header th .cell').allInnerTexts())
          .map((h) => h.trim())
          .filter(Boolean);
        expect(headers.length, url).toBeGreaterThan(2);
        expect(
          headers.filter((h) => !/^[A-Z0-9(]/.test(h)),
          url,
        ).toEqual([]);
      }
    } finally {
      await context.close();
    }
  });
});

describe('English', () => {
  it('sets its punctuation in a Latin face, not the full-width marks of a Chinese one', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl, { locale: 'en' });
    try {
      await login(page, 'leader');
      await page.locator('.page').first().waitFor();
      const widths = await punctuationWidthsEm(page, '.page');
      expect(widths.filter((w) => w >= 0.5)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('the supervision office’s forms', () => {
  it('keep each row of choices on one line in English on a laptop', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl, {
      locale: 'en',
      viewport: { width: 1366, height: 768 },
    });
    try {
      await login(page, 'supervisor');
      for (const url of ['/supervision/rectifications/new', '/supervision/talks/new']) {
        await page.goto(url);
        await page.locator('.el-radio-group').first().waitFor();
        // Buttons of one group on two lines read as two broken groups.
        const lines = await page
          .locator('.el-radio-group')
          .evaluateAll((groups) =>
            groups.map(
              (g) =>
                new Set([...g.querySelectorAll('.el-radio-button')].map((b) => b.getBoundingClientRect().top))
                  .size,
            ),
          );
        expect(lines, url).toEqual(lines.map(() => 1));
      }
    } finally {
      await context.close();
    }
  });
});

/**
 * The words of the matched elements' text that a line break falls inside ("Responsibl|e"), with
 * their width and the room their element has: a word wider than its column is broken by the table.
 */
function wordsBrokenInside(page: Page, selector: string): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const broken = [];
    const measure = document.createElement('canvas').getContext('2d');
    for (const el of document.querySelectorAll(${JSON.stringify(selector)})) {
      const style = getComputedStyle(el);
      const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      measure.font = style.font;
      for (const word of el.textContent.match(/[A-Za-z()]+/g) ?? [])
        if (measure.measureText(word).width > room)
          broken.push(word + ' (' + Math.ceil(measure.measureText(word).width) + ' px in ' + room + ')');
    }
    return broken;
  })()`);
}
