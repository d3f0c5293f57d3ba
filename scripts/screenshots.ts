/**
 * Screenshots of every main page, desktop (1440 × 900) and phone (375 × 812), into docs/screenshots/.
 * Drives a running stack with the demo county (`npm start`, which seeds it on first start):
 *
 *   BASE_URL=http://127.0.0.1:3000 DEMO_PASSWORD=… npm run screenshots
 *   SHOTS=dashboard,projects npm run screenshots     # only the shots whose names start so
 *
 * The administrator must use two-factor authentication. On a fresh stack the script takes the
 * enrolment page, enrols `admin` with the secret shown there and keeps that secret in
 * $TMPDIR/sanzhang-screenshots-totp-<host>-<port> for later runs (or pass ADMIN_TOTP_SECRET).
 * It creates (or resets) the account `mbz.screenshot` to show the forced password change. The
 * project page's shots use CK2026-004; the phone visit is filled in with photos but not sent.
 *
 * For each page it also reports sideways overflow on the phone and any raw i18n key on screen,
 * and exits non-zero if it finds either, so a look at the pictures starts from a clean page.
 *
 * Long because it is a list of pages and the clicks that reach each one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import en from '../web/src/locales/en.js';
import zh from '../web/src/locales/zh-CN.js';
import { CHROMIUM, CHROMIUM_ARGS, PHONE } from '../tests/e2e/support/browser.js';
import { freshTotp } from '../tests/support/totp.js';

/** The desktop county staff use most (1440 × 900), wider than the browser tests' usual 1366. */
const DESKTOP = { width: 1440, height: 900 };
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'docs/screenshots');
const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
const PASSWORD = process.env.DEMO_PASSWORD ?? 'Sanzhang@2026';
const SECRET_FILE = path.join(
  os.tmpdir(),
  `sanzhang-screenshots-totp-${new URL(BASE_URL).host.replace(/[^\w.-]/g, '-')}`,
);
let adminSecret =
  process.env.ADMIN_TOTP_SECRET ??
  (fs.existsSync(SECRET_FILE) ? fs.readFileSync(SECRET_FILE, 'utf8').trim() : '');

/** SHOTS=dashboard,projects retakes only the shots whose names start so (the others stay as they are). */
const ONLY = process.env.SHOTS?.split(',').filter(Boolean);

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
  /** Log in with this password instead (the forced password change). */
  password?: () => string;
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
    name: 'projects-sorted',
    user: 'leader',
    url: '/projects?overdue=any&fundSource=centralSpecial&sort=budget&order=desc',
    ready: '[data-test=total]',
  },
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
      // The form opened, not sent: a step sent here would move the demo project on.
      const first = page.locator('[data-test^=action-]').first();
      if (await first.count()) {
        await first.click();
        await page.locator('[data-test=attachments]').waitFor();
      }
    },
  },
  {
    name: 'statistics',
    user: 'leader',
    url: '/statistics?rows=township&columns=stage',
    ready: '[data-test=stat-table]',
  },
  { name: 'notices', user: 'mbz.op', url: '/notices', ready: '[data-test=total]' },
  {
    name: 'login-totp',
    user: null,
    url: '/login',
    ready: 'input[name=username]',
    then: async (page) => {
      await page.locator('input[name=username]').fill('admin');
      await page.locator('input[name=password]').fill(PASSWORD);
      await page.locator('button[type=submit]').click();
      await page.locator('[data-test=totp-field]').waitFor();
    },
  },
  { name: 'account', user: 'mbz.op', url: '/account', ready: '[data-test=totp-card]' },
  { name: 'admin-users', user: 'admin', url: '/admin/users', ready: '[data-test=user-count]' },
  {
    name: 'admin-user-create',
    user: 'admin',
    url: '/admin/users',
    ready: '[data-test=user-count]',
    then: async (page) => {
      // A county role for a township account: the api's refusal beside the roles.
      await page.locator('[data-test=user-create]').click();
      const dialog = page.locator('[data-test=user-dialog]');
      await dialog.locator('input[name=username]').fill('mbz.zhaoliu');
      await dialog.locator('input[name=displayName]').fill('赵六');
      await page.locator('[data-test=field-orgUnitCode] .el-select__wrapper').click();
      await page.keyboard.type('庙坝镇');
      await page.locator('.el-select-dropdown__item:visible', { hasText: '庙坝镇' }).first().click();
      await dialog.locator('[data-test=role-leader]').click();
      await dialog.locator('[data-test=user-submit]').click();
      await dialog.locator('[data-test=field-roles] .el-form-item__error').waitFor();
    },
  },
  {
    name: 'admin-temp-password',
    user: 'admin',
    // The list's words are in the URL, as every list's.
    url: '/admin/users?q=mbz.screenshot',
    ready: '[data-test=user-count]',
    then: async (page) => {
      // Only once the list shows just that account (never reset anyone else's password).
      const row = page.locator('.user-row, [data-test=user-card]');
      await row.filter({ hasText: 'mbz.screenshot' }).first().waitFor();
      await expectOne(page);
      await row.locator('[data-test=user-reset]').click();
      await page.locator('.el-message-box .el-button--primary').click();
      screenshotPassword = await page.locator('[data-test=temp-password]').innerText();
    },
  },
  {
    name: 'admin-orgs',
    user: 'admin',
    url: '/admin/org-units',
    ready: '[data-test=org-mbz]',
    then: async (page) => {
      await page.locator('[data-test=org-mbz] .name').click();
      await page.locator('[data-test=org-mbz-lpc]').waitFor();
    },
  },
  {
    name: 'password-change',
    user: 'mbz.screenshot',
    password: () => screenshotPassword,
    url: '/password-change',
    ready: '[data-test=password-form]',
    then: async (page) => {
      // A weak password: the policy's refusal beside the field.
      await page.locator('input[name=currentPassword]').fill(screenshotPassword);
      await page.locator('input[name=newPassword]').fill('abcdefghijk');
      await page.locator('input[name=confirmPassword]').fill('abcdefghijk');
      await page.locator('[data-test=password-submit]').click();
      await page.locator('[data-test=field-newPassword] .el-form-item__error').waitFor();
    },
  },
  // ── project page: ledgers, archives, detail table; the village's phone flow (console-page) ──
  {
    name: 'project-ledger-department',
    user: 'swj.op',
    url: '/projects/CK2026-004?tab=department',
    ready: '[data-test=ledger-department] [data-test=section-disbursements]',
    then: async (page) => {
      await page.locator('[data-test=open-disbursements]').click();
      await page.locator('[data-test=ledger-form-disbursement]').waitFor();
    },
  },
  {
    name: 'project-ledger-implementing',
    user: 'xqz.op',
    url: '/projects/CK2026-004?tab=implementing',
    ready: '[data-test=ledger-implementing] [data-test=section-progress]',
  },
  {
    name: 'project-ledger-site',
    user: 'xqz-btc.op',
    url: '/projects/CK2026-004?tab=site',
    ready: '[data-test=ledger-site] [data-test=section-visits]',
  },
  {
    name: 'project-archives',
    user: 'swj.op',
    url: '/projects/CK2026-004?tab=archives',
    ready: '[data-test=archive-upload]',
  },
  {
    name: 'project-detail-table',
    user: 'leader',
    url: '/projects/CK2026-004?tab=detail',
    ready: '[data-test=detail-project]',
  },
  {
    name: 'field-visit',
    user: 'xqz-btc.op',
    url: '/projects/CK2026-004/field',
    ready: '[data-test=visit-form]',
    then: async (page) => {
      // Filled in with two photos chosen, not sent: the demo data stays as it is.
      await page.locator('[data-test=visit-supervisor]').fill('王大山');
      await page.locator('[data-test=visit-findings]').fill('管沟开挖过半，回填质量良好，群众无异议');
      await page.locator('[data-test=photo-input]').setInputFiles([
        { name: 'IMG_0001.png', mimeType: 'image/png', buffer: swatch([76, 140, 90]) },
        { name: 'IMG_0002.png', mimeType: 'image/png', buffer: swatch([120, 150, 190]) },
      ]);
      await page.locator('[data-test=photo-thumb]').nth(1).waitFor();
    },
  },
  {
    name: 'field-progress',
    user: 'xqz.op',
    url: '/projects/CK2026-004/field?flow=progress',
    ready: '[data-test=progress-form]',
  },
  {
    name: 'project-ledger-site-en',
    user: 'xqz-btc.op',
    url: '/projects/CK2026-004?tab=site',
    ready: '[data-test=ledger-site] [data-test=section-visits]',
    locale: 'en',
  },
  { name: 'dashboard-en', user: 'leader', url: '/', ready: '[data-test=figures]', locale: 'en' },
  {
    name: 'project-en',
    user: 'xqz.op',
    url: '/projects/CK2026-004',
    ready: '[data-test=history-item]',
    locale: 'en',
  },
];

/** A small PNG photo stand-in: a vertical gradient from the colour to white. */
function swatch(rgb: [number, number, number], w = 160, h = 120): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(zlib.crc32(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows: Buffer[] = [];
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + w * 3);
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) row[1 + x * 3 + c] = Math.round(rgb[c]! + ((255 - rgb[c]!) * y) / h);
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Logs in through the form; the administrator answers the two-factor question with its secret. */
async function login(page: Page, user: string, password = PASSWORD) {
  await page.goto('/login');
  await page.locator('input[name=username]').fill(user);
  await page.locator('input[name=password]').fill(password);
  await page.locator('button[type=submit]').click();
  const totp = page.locator('[data-test=totp-field] input');
  const done = page.locator('[data-test=who], [data-test=totp-secret], [data-test=password-form]');
  await totp.or(done).first().waitFor();
  if (await totp.isVisible()) {
    if (!adminSecret) throw new Error(`${user} uses 2FA: pass ADMIN_TOTP_SECRET`);
    await totp.fill(await freshTotp(adminSecret));
    await page.locator('button[type=submit]').click();
    await done.first().waitFor();
  }
}

let screenshotPassword = '';

async function expectOne(page: Page) {
  for (let i = 0; i < 50 && (await page.locator('.user-row, [data-test=user-card]').count()) !== 1; i++)
    await page.waitForTimeout(100);
  if ((await page.locator('.user-row, [data-test=user-card]').count()) !== 1)
    throw new Error('the search did not narrow the list to mbz.screenshot');
}

/** The state the shots need: admin enrolled in 2FA (its enrolment page taken first, if still due). */
async function prepare(browser: Browser) {
  for (const device of ['desktop', 'phone'] as const) {
    const { context, page } = await open(browser, device, 'zh-CN');
    try {
      await login(page, 'admin');
      if (!(await page.locator('[data-test=totp-secret]').isVisible())) break; // enrolled already
      await page.waitForTimeout(300);
      await capture(page, `totp-setup-${device}`, device === 'phone');
      if (device === 'phone') {
        adminSecret = (await page.locator('[data-test=totp-secret]').innerText()).replace(/\s/g, '');
        await page.locator('[data-test=field-code] input').fill(await freshTotp(adminSecret));
        await page.locator('[data-test=totp-submit]').click();
        await page.locator('[data-test=who]').waitFor();
        fs.writeFileSync(SECRET_FILE, adminSecret, { mode: 0o600 });
        console.log(`admin enrolled in 2FA; secret kept in ${SECRET_FILE}`);
      }
    } finally {
      await context.close();
    }
  }
  // The account kept to a password change; its temporary password is reset by admin-temp-password.
  const { context, page } = await open(browser, 'desktop', 'zh-CN');
  try {
    await login(page, 'admin');
    const res = await page.request.post('/api/admin/users', {
      data: {
        username: 'mbz.screenshot',
        displayName: '演示新账号',
        orgUnitCode: 'mbz',
        roles: ['operator'],
      },
    });
    if (res.status() !== 201 && res.status() !== 409) throw new Error(`create user: ${res.status()}`);
  } finally {
    await context.close();
  }
}

/**
 * Sessions kept per account between shots: the api allows 30 login attempts a minute from one
 * address, and a fresh login for every picture would run into it.
 */
const sessions = new Map<string, Awaited<ReturnType<BrowserContext['storageState']>>>();

async function open(browser: Browser, device: 'desktop' | 'phone', locale: string, user?: string) {
  const phone = device === 'phone';
  const context = await browser.newContext({
    storageState: user ? sessions.get(user) : undefined,
    baseURL: BASE_URL,
    viewport: phone ? PHONE : DESKTOP,
    isMobile: phone,
    hasTouch: phone,
    deviceScaleFactor: phone ? 2 : 1,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  await context.addInitScript(`localStorage.setItem('locale', '${locale}')`);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return { context, page };
}

async function capture(page: Page, name: string, phone: boolean) {
  const file = path.join(OUT, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const { scrollWidth } = await page.evaluate<{ scrollWidth: number }>(
    '({ scrollWidth: document.scrollingElement.scrollWidth })',
  );
  const text = await page.locator('body').innerText();
  const raw = keys.filter((k) => text.includes(k));
  if (phone && scrollWidth > PHONE.width) problems.push(`${name}: overflows to ${scrollWidth}px`);
  if (raw.length) problems.push(`${name}: raw keys ${raw.join(', ')}`);
  console.log(`${path.relative(ROOT, file)}  width ${scrollWidth}px`);
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
fs.mkdirSync(OUT, { recursive: true });
const problems: string[] = [];
try {
  await prepare(browser);
  for (const device of ['desktop', 'phone'] as const) {
    for (const shot of SHOTS.filter((s) => !ONLY || ONLY.some((p) => s.name.startsWith(p)))) {
      const phone = device === 'phone';
      const reuse = shot.user && !shot.password && sessions.has(shot.user);
      const { context, page } = await open(
        browser,
        device,
        shot.locale ?? 'zh-CN',
        reuse ? shot.user! : undefined,
      );
      if (shot.user && !reuse) {
        await login(page, shot.user, shot.password?.() ?? PASSWORD);
        if (!shot.password) sessions.set(shot.user, await context.storageState());
      }
      await page.goto(shot.url);
      await page.locator(shot.ready).first().waitFor();
      await shot.then?.(page);
      await page.waitForLoadState('networkidle');
      await page.waitForTimeout(600); // charts animate in
      await capture(page, `${shot.name}-${device}`, phone);
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
