/**
 * The console as county staff use it every day: the menu down the left with breadcrumbs (a drawer
 * on a phone); a township operator reaches the 25th project waiting on it; the administrator enrols
 * two-factor authentication by scanning the QR code (decoded here from a screenshot) and logs in
 * with a code from it; the demo notices follow the api; no English on the main pages in zh-CN.
 * Screenshots at 1440 and 375 px (support/shots.ts) are for a person to look at.
 */
import jsqr from 'jsqr';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_PASSWORD } from '../support/constants.js';
import { aProject } from '../support/builders.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { freshTotp } from '../support/totp.js';
import { loginActors, walkTo } from '../support/walk.js';
import { horizontalOverflow, launchBrowser, login, newPage, PHONE } from './support/browser.js';
import { shooter } from './support/shots.js';

let stack: TestStack;
let browser: Browser;
/** The codes of the projects waiting on 修齐镇, in the list's default order (year, then code). */
let waiting: string[] = [];
const WAITING = 26;
// jsqr is CommonJS: its function is the module itself and also its `default`.
const jsQR = jsqr.default;
const WIDE = { width: 1440, height: 900 };
/** A name three projects share, as in the demo county: only the code tells them apart. */
const SHARED_NAME = '罗江村农村人居环境整治';

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ webDist: inject('webDist') }), launchBrowser()]);
  // 26 projects of 县水务局 owned by 修齐镇, each at 设计审批: the next step (实施方式) is the township's.
  const actors = await loginActors(stack);
  const created: string[] = [];
  for (let i = 0; i < WAITING; i++) {
    const res = await actors.dept.post('/api/projects', aProject(i < 3 ? { name: SHARED_NAME } : {}));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    created.push(res.body.code);
  }
  for (let i = 0; i < created.length; i += 6)
    await Promise.all(created.slice(i, i + 6).map((code) => walkTo(actors, code, 'designApproved')));
  waiting = [...created].sort();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const shot = shooter('admin-console');

describe('a township operator', () => {
  it('reaches the 25th project waiting on 修齐镇 from the workbench, through the list’s pages', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl, { viewport: WIDE });
    try {
      await login(page, 'xqz.op');
      const card = page.locator('[data-test=waiting]');
      await card.locator('[data-test=waiting-item]').first().waitFor();
      expect(await card.locator('[data-test=waiting-item]').count()).toBe(20);
      // Names repeat: each row shows its code beside the name.
      expect(await card.innerText()).toContain(waiting[0]);
      await shot(page, 'workbench');

      await card.locator('[data-test=waiting-all]').click();
      await expect.poll(() => page.locator('[data-test=total]').innerText()).toContain(String(WAITING));
      expect(new URL(page.url()).searchParams.get('waiting')).toBe('mine');
      expect(await page.locator('[data-test=breadcrumbs]').innerText()).toMatch(/工作台\s*\/\s*项目列表/);
      const shared = page.locator('.project-row', { hasText: SHARED_NAME });
      expect(await shared.count()).toBeGreaterThanOrEqual(1);
      await shot(page, 'waiting-list');

      await page.locator('.el-pager li', { hasText: /^2$/ }).click();
      await expect.poll(() => new URL(page.url()).searchParams.get('page')).toBe('2');
      const row25 = page.locator('.project-row').nth(4);
      await expect.poll(() => row25.innerText()).toContain(waiting[24]!);
      await row25.click();
      await expect.poll(() => new URL(page.url()).pathname).toBe(`/projects/${waiting[24]}`);
      // A project is named by its code; a form for what it does, not as a 详情.
      const code = waiting[24]!;
      expect(await page.locator('[data-test=breadcrumbs]').innerText()).toMatch(
        new RegExp(`项目列表\\s*/\\s*${code}$`),
      );
      for (const [url, crumbs] of [
        ['/notices/new', /通知公告\s*\/\s*新增$/],
        ['/messages/new', /网络寻呼\s*\/\s*新增$/],
        [`/projects/${code}/field`, new RegExp(`项目列表\\s*/\\s*${code}\\s*/\\s*现场记录$`)],
      ] as const) {
        await page.goto(url);
        await expect
          .poll(() => page.locator('[data-test=breadcrumbs]').innerText(), { message: url })
          .toMatch(crumbs);
      }
    } finally {
      await context.close();
    }
  });

  it('on a phone opens the menu from its button, and nothing scrolls sideways', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    try {
      await login(page, 'xqz.op');
      await page.locator('[data-test=waiting-item]').first().waitFor();
      expect(await page.locator('[data-test=sidebar]').count()).toBe(0);
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
      await shot(page, 'workbench');
      await page.locator('[data-test=menu-button]').click();
      const drawer = page.locator('.nav-drawer .nav');
      await drawer.waitFor();
      await shot(page, 'menu');
      await drawer.locator('a', { hasText: '项目列表' }).click();
      await page.locator('[data-test=project-card]').first().waitFor();
      await expect.poll(() => drawer.isVisible()).toBe(false);
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
      await shot(page, 'projects');

      // The 25th waiting project on the phone: the second page of 待我办理's list.
      await page.goto('/');
      await page.locator('[data-test=waiting-all]').click();
      await page.locator('[data-test=pager] .el-pager li', { hasText: /^2$/ }).click();
      const card25 = page.locator('[data-test=project-card]').nth(4);
      await expect.poll(() => card25.innerText()).toContain(waiting[24]!);
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
      await shot(page, 'waiting-list-page-2');
    } finally {
      await context.close();
    }
  });
});

/** The pixels of a PNG, decoded by the browser itself (no image library on this side). */
async function pixelsOf(page: Page, png: Buffer): Promise<{ data: number[]; width: number; height: number }> {
  return page.evaluate(`(async () => {
    const img = new Image();
    img.src = 'data:image/png;base64,${png.toString('base64')}';
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    return { data: Array.from(g.getImageData(0, 0, c.width, c.height).data), width: c.width, height: c.height };
  })()`);
}

describe('the administrator', () => {
  it('enrols two-factor authentication by scanning the QR code and logs in with a code from it', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl, { viewport: WIDE });
    try {
      await page.goto('/login');
      await page.locator('input[name=username]').fill('admin');
      await page.locator('input[name=password]').fill(TEST_PASSWORD);
      await page.locator('button[type=submit]').click();
      const qr = page.locator('[data-test=totp-qr]');
      await qr.waitFor();
      await page.waitForFunction("document.querySelector('[data-test=totp-qr]').complete");
      expect(await page.locator('[data-test=totp-enrol]').innerText()).toContain('腾讯身份验证器');
      await shot(page, 'totp');
      // The same page on a phone: enrolment happens once, so the window narrows, not a new page.
      await page.setViewportSize(PHONE);
      await expect.poll(async () => (await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
      await shot(page, 'totp');
      await page.setViewportSize(WIDE);

      // What a phone's camera would read: the screenshot of the code, decoded.
      const { data, width, height } = await pixelsOf(page, await qr.screenshot());
      const decoded = jsQR(Uint8ClampedArray.from(data), width, height);
      expect(decoded).not.toBeNull();
      const uri = new URL(decoded!.data);
      expect(uri.protocol).toBe('otpauth:');
      const secret = uri.searchParams.get('secret')!;
      expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
      expect((await page.locator('[data-test=totp-secret]').innerText()).replace(/\s/g, '')).toBe(secret);

      await page.locator('[data-test=field-code] input').fill(await freshTotp(secret));
      await page.locator('[data-test=totp-submit]').click();
      await page.locator('[data-test=who]').waitFor();

      // Logged out and in again: the password, then the code the app now shows.
      await page.locator('[data-test=logout]').click();
      await page.locator('input[name=username]').fill('admin');
      await page.locator('input[name=password]').fill(TEST_PASSWORD);
      await page.locator('button[type=submit]').click();
      await page.locator('[data-test=totp-field] input').fill(await freshTotp(secret));
      await page.locator('button[type=submit]').click();
      await page.locator('[data-test=who]').waitFor();
      await page.locator('.nav a', { hasText: '系统管理' }).click();
      await page.locator('[data-test=user-table]').waitFor();
      expect(await page.locator('[data-test=breadcrumbs]').innerText()).toMatch(/系统管理\s*\/\s*账号管理/);
      await shot(page, 'admin-users');
    } finally {
      await context.close();
    }
  });
});

describe('the demo county', () => {
  it('is named on the login page only where it was seeded, and its seeding is announced until done', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl, { viewport: WIDE });
    try {
      await page.goto('/login');
      await page.locator('input[name=username]').waitFor();
      await page.waitForLoadState('networkidle');
      expect(await page.locator('[data-test=demo-hint]').count()).toBe(0);

      await stack.db.query(
        `INSERT INTO app_meta (key, value) VALUES ('demo_seed.progress', '{"done": 12, "total": 180}')`,
      );
      await page.reload();
      await page.locator('[data-test=demo-hint]').waitFor();
      await login(page, 'leader');
      const notice = page.locator('[data-test=seeding]');
      await expect.poll(() => notice.innerText()).toContain('12 / 180');
      await shot(page, 'seeding');
      await stack.db.query(`INSERT INTO app_meta (key, value) VALUES ('demo_seed', '{}')`);
      await expect.poll(() => notice.count(), { timeout: 15_000 }).toBe(0);
    } finally {
      await stack.db.query(`DELETE FROM app_meta WHERE key IN ('demo_seed', 'demo_seed.progress')`);
      await context.close();
    }
  });
});

/** Text on screen with no Chinese and two English words in a row: an untranslated string. */
const ENGLISH = /\b[A-Za-z]{2,}\s+[A-Za-z]{2,}\b/;
const HAN = /\p{Script=Han}/u;

describe('in zh-CN', () => {
  it('no visible text on the main pages is English', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl, { viewport: WIDE });
    try {
      try {
        await login(page, 'leader');
      } catch (err) {
        throw new Error(`${String(err)}\n${page.url()}\n${await page.locator('body').innerText()}`);
      }
      const found: string[] = [];
      for (const url of [
        '/',
        '/projects',
        `/projects/${waiting[0]}`,
        '/notices',
        '/policies',
        '/messages',
        '/inbox',
        '/account',
        '/supervision/rectifications',
        '/supervision/red-flags',
        '/supervision/talks',
        '/supervision/negative-list',
        '/supervision/ranking',
        '/supervision/circulars',
      ]) {
        await page.goto(url);
        await page.waitForLoadState('networkidle');
        await page.waitForTimeout(300);
        // Visible text nodes and placeholders; the language switch is English on purpose.
        const texts = await page.evaluate<string[]>(`(() => {
          const out = [];
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            const el = n.parentElement;
            if (!el || el.closest('[data-test=lang], script, style, code')) continue;
            if (!el.checkVisibility()) continue;
            const t = n.textContent.trim();
            if (t) out.push(t);
          }
          for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]'))
            if (el.checkVisibility()) out.push(el.getAttribute('placeholder'));
          return out;
        })()`);
        for (const t of texts) if (!HAN.test(t) && ENGLISH.test(t)) found.push(`${url}: ${t}`);
      }
      expect(found).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('api errors', () => {
  it('speak the caller’s language: Chinese for zh-CN, no Chinese for en', async () => {
    const s = await Session.login(stack.baseUrl, 'xqz.op');
    const anon = new Session(stack.baseUrl);
    const cases: [string, Session, string, string, unknown?][] = [
      ['401', anon, 'GET', '/api/projects'],
      ['403', s, 'GET', '/api/admin/users'],
      ['404', s, 'GET', '/api/projects/NO-SUCH-PROJECT'],
      ['422 query', s, 'GET', '/api/projects?pageSize=0'],
      ['422 body', s, 'POST', `/api/projects/${waiting[0]}/transitions`, { action: 'fixImplementation' }],
      ['409 step', s, 'POST', `/api/projects/${waiting[0]}/transitions`, { action: 'close', note: 'x' }],
      ['401 login', anon, 'POST', '/api/auth/login', { username: 'xqz.op', password: 'wrong-password' }],
    ];
    // And every route that needs a session, asked without one.
    for (const r of stack.routes.filter((x) => x.access !== 'public'))
      cases.push([`401 ${r.method}`, anon, r.method.toUpperCase(), r.path.replace(/:[A-Za-z]+/g, 'x')]);
    for (const [what, who, method, url, body] of cases)
      for (const lang of ['zh-CN', 'en'] as const) {
        const res = await who.request(method, url, body, { 'accept-language': lang });
        expect(res.status, `${what} ${url}`).toBeGreaterThanOrEqual(400);
        const message: string = res.body.error.message;
        if (lang === 'zh-CN') expect(message, `${what} zh-CN`).toMatch(HAN);
        // Quoted data (a person's or a unit's registered name) may be in any script.
        else expect(message.replace(/“[^”]*”|「[^」]*」/g, ''), `${what} en`).not.toMatch(HAN);
      }
  });
});
