/**
 * Screenshots of every main page, desktop (1366 × 900) and phone (375 × 812), into docs/screenshots/.
 * Drives a running stack with the demo county (`npm start`, which seeds it on first start):
 *
 *   BASE_URL=http://127.0.0.1:3000 DEMO_PASSWORD=… npm run screenshots
 *
 * For each page it also reports sideways overflow on the phone and any raw i18n key on screen,
 * and exits non-zero if it finds either, so a look at the pictures starts from a clean page.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import en from '../web/src/locales/en.js';
import zh from '../web/src/locales/zh-CN.js';
import { CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE } from '../tests/e2e/support/browser.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'docs/screenshots');
const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
const PASSWORD = process.env.DEMO_PASSWORD ?? 'Sanzhang@2026';

const keys: string[] = [];
const walk = (o: object, prefix: string) => {
  for (const [k, v] of Object.entries(o))
    if (typeof v === 'object') walk(v, `${prefix}${k}.`);
    else keys.push(`${prefix}${k}`);
};
walk(zh, '');
void en; // same keys (tests/unit/i18n.test.ts)

interface Shot {
  name: string;
  user: string | null;
  url: string;
  ready: string;
  locale?: 'en';
  then?: (page: Page) => Promise<void>;
}

const SHOTS: Shot[] = [
  { name: 'login', user: null, url: '/login', ready: 'input[name=username]' },
  { name: 'dashboard-township', user: 'mbz.op', url: '/', ready: '[data-test=waiting]' },
  { name: 'dashboard-county', user: 'leader', url: '/', ready: '[data-test=figures]' },
  { name: 'projects', user: 'leader', url: '/projects', ready: '[data-test=total]' },
  {
    name: 'projects-filtered',
    user: 'leader',
    url: '/projects?township=xqz&stage=underway',
    ready: '[data-test=total]',
  },
  { name: 'project', user: 'xqz.op', url: '/projects/CK2026-004', ready: '[data-test=history-item]' },
  {
    name: 'project-step-form',
    user: 'mbz.op',
    url: '/projects/CK2026-002',
    ready: '[data-test=actions]',
    then: async (page) => {
      const first = page.locator('[data-test^=action-]').first();
      if (await first.count()) {
        await first.click();
        await page.locator('[data-test=add-document]').click();
        await page.locator('[data-test=submit]').click();
        await page.locator('[data-test=form-error]').waitFor();
      }
    },
  },
  { name: 'notices', user: 'mbz.op', url: '/notices', ready: '[data-test=placeholder]' },
  { name: 'dashboard-en', user: 'leader', url: '/', ready: '[data-test=figures]', locale: 'en' },
  {
    name: 'project-en',
    user: 'xqz.op',
    url: '/projects/CK2026-004',
    ready: '[data-test=history-item]',
    locale: 'en',
  },
];

const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
fs.mkdirSync(OUT, { recursive: true });
const problems: string[] = [];
try {
  for (const device of ['desktop', 'phone'] as const) {
    for (const shot of SHOTS) {
      const phone = device === 'phone';
      const context = await browser.newContext({
        baseURL: BASE_URL,
        viewport: phone ? PHONE : DESKTOP,
        isMobile: phone,
        hasTouch: phone,
        deviceScaleFactor: phone ? 2 : 1,
        locale: 'zh-CN',
        timezoneId: 'Asia/Shanghai',
      });
      await context.addInitScript(`localStorage.setItem('locale', '${shot.locale ?? 'zh-CN'}')`);
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      if (shot.user) {
        await page.goto('/login');
        await page.locator('input[name=username]').fill(shot.user);
        await page.locator('input[name=password]').fill(PASSWORD);
        await page.locator('button[type=submit]').click();
        await page.locator('[data-test=who]').waitFor();
      }
      await page.goto(shot.url);
      await page.locator(shot.ready).first().waitFor();
      await shot.then?.(page);
      await page.waitForLoadState('networkidle');
      await page.waitForTimeout(600); // charts animate in
      const file = path.join(OUT, `${shot.name}-${device}.png`);
      await page.screenshot({ path: file, fullPage: true });
      const { scrollWidth } = await page.evaluate<{ scrollWidth: number }>(
        '({ scrollWidth: document.scrollingElement.scrollWidth })',
      );
      const text = await page.locator('body').innerText();
      const raw = keys.filter((k) => text.includes(k));
      if (phone && scrollWidth > PHONE.width) problems.push(`${shot.name}: overflows to ${scrollWidth}px`);
      if (raw.length) problems.push(`${shot.name}-${device}: raw keys ${raw.join(', ')}`);
      console.log(`${path.relative(ROOT, file)}  width ${scrollWidth}px`);
      await context.close();
    }
  }
} finally {
  await browser.close();
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exitCode = 1;
}
