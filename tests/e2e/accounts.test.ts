/**
 * Accounts in the browser against the real api: an administrator is kept to 2FA enrolment, then
 * creates an account and reads its temporary password once; that account is kept to the password
 * change (the policy's refusal beside the field) and then works; non-administrators never see the
 * administration; the administration pages fit a phone.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { TEST_PASSWORD } from '../support/constants.js';
import { freshTotp } from '../support/totp.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { horizontalOverflow, launchBrowser, login, newPage } from './support/browser.js';

let stack: TestStack;
let browser: Browser;
/** The administrator's 2FA secret, as read from the enrolment page in the first test. */
let adminSecret = '';
/** The account the administrator creates, and its temporary password as the dialog showed it. */
const NEW_USER = 'mbz.wangwu';
let temporaryPassword = '';

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ webDist: inject('webDist') }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const path = (page: Page) => new URL(page.url()).pathname;

async function submitLogin(page: Page, username: string, password: string) {
  await page.goto('/login');
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(password);
  await page.locator('button[type=submit]').click();
}

/** The administrator logs in with password and then the code the login form asks for. */
async function adminLogin(page: Page) {
  await submitLogin(page, 'admin', TEST_PASSWORD);
  await page.locator('[data-test=totp-field] input').fill(await freshTotp(adminSecret));
  await page.locator('button[type=submit]').click();
  await page.locator('[data-test=who]').waitFor();
}

/**
 * Chooses an option of an Element Plus select by typing part of its label, and leaves its list
 * closed. On a busy machine the click can land while the list is still filtering and choose
 * nothing, or the list can stay open over the roles below (seen with two CPU burners beside the
 * tests): so the choice is checked in the field itself — its label shown, nothing left typed, no
 * list open — and made again if it did not take. The list is closed with a click on the dialog's
 * title, outside it: Escape first clears typed words, and with the list closed it closes the dialog.
 */
async function choose(page: Page, field: string, text: string) {
  const select = page.locator(`[data-test=field-${field}]`);
  const chosen = async () =>
    (await select.locator('.el-select__placeholder:not(.is-transparent)').allInnerTexts()).join('') ===
      text &&
    (await select.locator('input.el-select__input').inputValue()) === '' &&
    (await page.locator('.el-select-dropdown:visible').count()) === 0;
  for (let attempt = 1; ; attempt++) {
    if (!(await chosen())) {
      await select.locator('.el-select__wrapper').click();
      await page.keyboard.type(text);
      await page.locator('.el-select-dropdown__item:visible', { hasText: text }).first().click();
    }
    await page.locator('.el-dialog__title:visible').first().click();
    try {
      await expect.poll(chosen, { timeout: 5000 }).toBe(true);
      return;
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
}

describe('an administrator', () => {
  it('is taken to 2FA enrolment, enrols with the secret on the page, and creates an account in 庙坝镇', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl);
    try {
      await submitLogin(page, 'admin', TEST_PASSWORD);
      // Straight to enrolment: the console offers nothing else until 2FA is on.
      await page.locator('[data-test=totp-secret]').waitFor();
      expect(path(page)).toBe('/totp-setup');
      expect(await page.locator('[data-test=who]').count()).toBe(0);
      const grouped = await page.locator('[data-test=totp-secret]').innerText();
      expect(grouped).toMatch(/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/); // groups of four for typing
      adminSecret = grouped.replace(/\s/g, '');
      expect(await page.locator('[data-test=totp-uri]').textContent()).toContain(`secret=${adminSecret}`);
      // Any other page leads back here.
      await page.goto('/projects');
      await page.locator('[data-test=totp-secret]').waitFor();
      expect(path(page)).toBe('/totp-setup');
      adminSecret = (await page.locator('[data-test=totp-secret]').innerText()).replace(/\s/g, '');

      // A wrong code is refused beside the field; the right one turns 2FA on.
      await page.locator('[data-test=field-code] input').fill('000000');
      await page.locator('[data-test=totp-submit]').click();
      await expect
        .poll(() => page.locator('[data-test=field-code] .el-form-item__error').innerText())
        .toContain('动态口令错误');
      await page.locator('[data-test=field-code] input').fill(await freshTotp(adminSecret));
      await page.locator('[data-test=totp-submit]').click();
      await page.locator('[data-test=who]').waitFor();
      const { rows: admins } = await stack.db.query(
        `SELECT totp_enabled FROM app_user WHERE username = 'admin'`,
      );
      expect(admins[0].totp_enabled).toBe(true);

      await page.locator('.nav a', { hasText: '系统管理' }).click();
      await page.locator('[data-test=user-table] .user-row').first().waitFor();
      expect(path(page)).toBe('/admin/users');

      await page.locator('[data-test=user-create]').click();
      const dialog = page.locator('[data-test=user-dialog]');
      await dialog.locator('input[name=username]').fill(NEW_USER);
      await dialog.locator('input[name=displayName]').fill('王五');
      await choose(page, 'orgUnitCode', '庙坝镇');
      // A county role for a township account: the api's refusal appears beside the roles.
      await dialog.locator('[data-test=role-leader]').check();
      await dialog.locator('[data-test=user-submit]').click();
      await expect
        .poll(() => dialog.locator('[data-test=field-roles] .el-form-item__error').innerText())
        .toContain('只能授予县级单位或县直办公室');
      expect((await stack.db.query('SELECT 1 FROM app_user WHERE username = $1', [NEW_USER])).rowCount).toBe(
        0,
      );

      await dialog.locator('[data-test=role-leader]').click();
      await dialog.locator('[data-test=role-operator]').click();
      // Where its notifications go: a malformed address is refused beside the field, nothing sent.
      await dialog.locator('input[name=email]').fill('wang.wu@');
      await dialog.locator('[data-test=user-submit]').click();
      await expect
        .poll(() => dialog.locator('[data-test=field-email] .el-form-item__error').innerText())
        .toContain('电子邮箱格式不正确');
      await dialog.locator('input[name=email]').fill('wang.wu@mbz.example.cn');
      await dialog.locator('input[name=phone]').fill('13900000099');
      await dialog.locator('[data-test=user-unit-head]').click();
      await dialog.locator('[data-test=user-submit]').click();
      const shown = page.locator('[data-test=temp-password]');
      await shown.waitFor();
      temporaryPassword = await shown.innerText();
      expect(temporaryPassword).toMatch(/^([A-Za-z2-9]{4}-){3}[A-Za-z2-9]{4}$/); // groups to read out
      expect(await page.locator('[data-test=temp-password-dialog]').innerText()).toContain(
        '首次登录时必须修改密码',
      );
      await page.locator('[data-test=temp-password-close]').click();
      await expect.poll(() => page.locator('[data-test=temp-password]').count()).toBe(0);
      await expect
        .poll(() => page.locator('[data-test=user-table] .user-row', { hasText: NEW_USER }).innerText())
        .toContain('待改密码');
      const row = await page.locator('[data-test=user-table] .user-row', { hasText: NEW_USER }).innerText();
      expect(row).toContain('wang.wu@mbz.example.cn');
      expect(row).toContain('13900000099');
      expect(row).toContain('单位主要负责人');
    } finally {
      await context.close();
    }
    const { rows } = await stack.db.query(
      `SELECT u.must_change_password, o.code, array_agg(r.role) AS roles, u.email, u.phone, u.unit_head
         FROM app_user u
         JOIN org_unit o ON o.id = u.org_unit_id JOIN user_role r ON r.user_id = u.id
        WHERE u.username = $1 GROUP BY u.id, o.code`,
      [NEW_USER],
    );
    expect(rows[0]).toEqual({
      must_change_password: true,
      code: 'mbz',
      roles: ['operator'],
      email: 'wang.wu@mbz.example.cn',
      phone: '13900000099',
      unit_head: true,
    });
  });

  it('sees the unit-head switch turn off when it moves the account to another unit', async () => {
    expect(adminSecret).not.toBe('');
    const { context, page } = await newPage(browser, stack.baseUrl);
    try {
      await adminLogin(page);
      await page.goto(`/admin/users?q=${NEW_USER}`);
      const row = page.locator('[data-test=user-table] .user-row', { hasText: NEW_USER });
      await row.locator('[data-test=user-edit]').click();
      const dialog = page.locator('[data-test=user-dialog]');
      const head = dialog.locator('[data-test=user-unit-head]');
      await expect.poll(() => head.getAttribute('class')).toContain('is-checked');
      // The head of 庙坝镇 is not the head of 修齐镇.
      await choose(page, 'orgUnitCode', '修齐镇');
      await expect.poll(() => head.getAttribute('class')).not.toContain('is-checked');
    } finally {
      await context.close();
    }
  });
});

describe('the account list', () => {
  /** Accounts of a unit and the units beneath it, of one role if given, as the database holds them. */
  async function dbCount(unit?: string, role?: string): Promise<number> {
    const { rows } = await stack.db.query(
      `SELECT count(*)::int AS n FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id
         LEFT JOIN org_unit up ON up.id = o.parent_id
        WHERE ($1::text IS NULL OR o.code = $1 OR up.code = $1)
          AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM user_role r WHERE r.user_id = u.id AND r.role = $2))`,
      [unit ?? null, role ?? null],
    );
    return rows[0].n;
  }
  const shownCount = async (page: Page) =>
    Number((await page.locator('[data-test=user-count]').innerText()).match(/\d+/)![0]);
  const query = (page: Page) => Object.fromEntries(new URL(page.url()).searchParams);

  it('keeps its unit, role and page in the URL, with 搜索 and 重置, as every list does', async () => {
    expect(adminSecret).not.toBe('');
    const { context, page } = await newPage(browser, stack.baseUrl);
    try {
      await adminLogin(page);
      await page.goto('/admin/users');
      await page.locator('[data-test=user-table] .user-row').first().waitFor();
      const all = await dbCount();
      expect(all).toBeGreaterThan(20);
      await expect.poll(() => shownCount(page)).toBe(all);

      // A unit in the tree: the township and its villages' accounts.
      await page.locator('[data-test=user-units] .el-tree-node__label', { hasText: /^庙坝镇$/ }).click();
      await expect.poll(() => query(page)).toEqual({ unit: 'mbz' });
      await expect.poll(() => shownCount(page)).toBe(await dbCount('mbz'));

      // A role from the search form, applied by 搜索: the unit stays.
      await page.locator('[data-test=f-role]').click();
      await page.locator('.el-select-dropdown__item:visible', { hasText: '操作账号' }).click();
      await page.locator('[data-test=search]').click();
      await expect.poll(() => query(page)).toEqual({ unit: 'mbz', role: 'operator' });
      const operators = await dbCount('mbz', 'operator');
      expect(operators).toBeGreaterThan(0);
      expect(operators).toBeLessThan(await dbCount('mbz'));
      await expect.poll(() => shownCount(page)).toBe(operators);

      // A reload (or a link) shows the same list.
      await page.reload();
      await page.locator('[data-test=user-table] .user-row').first().waitFor();
      await expect.poll(() => shownCount(page)).toBe(operators);
      expect(await page.locator('[data-test=f-role]').innerText()).toContain('操作账号');

      // 重置 empties every filter; the pager's second page is in the URL too.
      await page.locator('[data-test=reset]').click();
      await expect.poll(() => query(page)).toEqual({});
      await expect.poll(() => shownCount(page)).toBe(all);
      await page.locator('[data-test=pager] .el-pager li', { hasText: /^2$/ }).click();
      await expect.poll(() => query(page)).toEqual({ page: '2' });
      expect(await page.locator('[data-test=user-table] .user-row').count()).toBe(Math.min(all - 20, 20));
    } finally {
      await context.close();
    }
  });

  it('shows every column on a 1366 px laptop without scrolling sideways, in Chinese and English', async () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      const { context, page } = await newPage(browser, stack.baseUrl, {
        locale,
        viewport: { width: 1366, height: 768 },
      });
      try {
        await adminLogin(page);
        await page.goto('/admin/users');
        await page.locator('[data-test=user-table] .user-row').first().waitFor();
        // The table's own scroller: wider content than its box hides the state under the actions.
        const overflow = await page
          .locator('[data-test=user-table] .el-table__body-wrapper .el-scrollbar__wrap')
          .evaluate((el) => el.scrollWidth - el.clientWidth);
        expect(overflow, locale).toBeLessThanOrEqual(0);
      } finally {
        await context.close();
      }
    }
  });
});

describe('the login page', () => {
  it('switches to English before logging in, and a wrong password is refused in English', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl);
    try {
      await page.goto('/login');
      await page.locator('[data-test=lang]').click();
      await expect.poll(() => page.locator('button[type=submit]').innerText()).toBe('Log in');
      await page.locator('input[name=username]').fill('leader');
      await page.locator('input[name=password]').fill('not-the-password');
      await page.locator('button[type=submit]').click();
      const refusal = page.locator('.el-alert');
      await expect.poll(() => refusal.innerText()).toMatch(/password/i);
      expect(await refusal.innerText()).not.toMatch(/[\u4e00-\u9fff]/);
      // Kept for the next visit, as the console's own switch keeps it.
      await page.reload();
      await expect.poll(() => page.locator('button[type=submit]').innerText()).toBe('Log in');
    } finally {
      await context.close();
    }
  });
});

describe('a new account', () => {
  it('must change its temporary password first; a weak one is refused beside the field', async () => {
    expect(temporaryPassword).not.toBe('');
    const { context, page } = await newPage(browser, stack.baseUrl);
    try {
      await submitLogin(page, NEW_USER, temporaryPassword);
      await page.locator('[data-test=password-form]').waitFor();
      expect(path(page)).toBe('/password-change');
      expect(await page.locator('[data-test=password-policy]').innerText()).toContain('至少 10 位');

      const fill = async (next: string) => {
        await page.locator('input[name=currentPassword]').fill(temporaryPassword);
        await page.locator('input[name=newPassword]').fill(next);
        await page.locator('input[name=confirmPassword]').fill(next);
        await page.locator('[data-test=password-submit]').click();
      };
      await fill('abcdefghijk');
      await expect
        .poll(() => page.locator('[data-test=field-newPassword] .el-form-item__error').innerText())
        .toContain('至少三类');
      expect(path(page)).toBe('/password-change');

      await fill('Wang-Wu-Field-2026');
      await page.locator('[data-test=waiting]').waitFor();
      expect(path(page)).toBe('/');
      expect(await page.locator('[data-test=who]').innerText()).toContain('庙坝镇');
      // The fresh session the api set works for the rest of the console.
      await page.goto('/projects');
      await page.locator('[data-test=total]').waitFor();
    } finally {
      await context.close();
    }
    const { rows } = await stack.db.query('SELECT must_change_password FROM app_user WHERE username = $1', [
      NEW_USER,
    ]);
    expect(rows[0].must_change_password).toBe(false);
  });
});

describe('a non-administrator', () => {
  it('does not see 系统管理, and /admin leads back to the workbench', async () => {
    const { context, page } = await newPage(browser, stack.baseUrl);
    try {
      await login(page, 'mbz.op');
      expect(await page.locator('.nav').innerText()).not.toContain('系统管理');
      for (const url of ['/admin', '/admin/users', '/admin/org-units']) {
        await page.goto(url);
        await page.locator('[data-test=waiting]').waitFor();
        expect(path(page), url).toBe('/');
      }
      // The account page is everyone's: reached from the user menu.
      await page.locator('[data-test=user-menu-button]').click();
      await page.locator('[data-test=menu-account]').click();
      await page.locator('[data-test=totp-card]').waitFor();
      expect(path(page)).toBe('/account');
      expect(await page.locator('[data-test=totp-state]').innerText()).toBe('未启用');
    } finally {
      await context.close();
    }
  });
});

describe('on a phone (375 × 812)', () => {
  it('the administration pages and the account page do not scroll sideways', async () => {
    expect(adminSecret).not.toBe('');
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    try {
      await adminLogin(page);
      await page.goto('/admin/users');
      await page.locator('[data-test=user-card]').first().waitFor();
      expect(await page.locator('[data-test=user-table]').count()).toBe(0);
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);

      await page.locator('[data-test=user-create]').click();
      await page.locator('[data-test=user-dialog] input[name=username]').waitFor();
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
      await page.keyboard.press('Escape');

      await page.goto('/admin/org-units');
      await page.locator('[data-test=org-mbz] .name').click(); // townships open on a tap
      await page.locator('[data-test=org-mbz-lpc]').waitFor();
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);

      await page.goto('/account');
      await page.locator('[data-test=totp-card]').waitFor();
      expect(await page.locator('[data-test=totp-admin]').innerText()).toContain('不能停用');
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
    } finally {
      await context.close();
    }
  });
});
