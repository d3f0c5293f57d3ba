/**
 * Debian's chromium driven by playwright-core (no browser download): one browser per test file,
 * a fresh context per test.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { TEST_PASSWORD } from '../../support/constants.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const DESKTOP = { width: 1366, height: 900 };
export const PHONE = { width: 375, height: 812 };

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export async function newPage(
  browser: Browser,
  baseURL: string,
  opts: { phone?: boolean; locale?: 'zh-CN' | 'en'; viewport?: { width: number; height: number } } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL,
    viewport: opts.viewport ?? (opts.phone ? PHONE : DESKTOP),
    deviceScaleFactor: 1,
    isMobile: opts.phone ?? false,
    hasTouch: opts.phone ?? false,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  // Scripts run in the page; strings keep the DOM's types out of this Node-side file.
  if (opts.locale === 'en') await context.addInitScript("localStorage.setItem('locale', 'en')");
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return { context, page };
}

/** Logs in through the login form, as a person would, and waits for the workbench. */
export async function login(page: Page, username: string, password = TEST_PASSWORD): Promise<void> {
  await page.goto('/login');
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(password);
  await page.locator('button[type=submit]').click();
  await page.locator('[data-test=who]').waitFor();
}

/**
 * The width, in em, of an apostrophe and of a quotation mark set where `selector`'s text is: under
 * 0.5 in a Latin face, a full em in a Chinese one (which makes "project’ s" of an English page).
 */
export async function punctuationWidthsEm(page: Page, selector: string): Promise<number[]> {
  return page.evaluate<number[]>(`['’', '“'].map((mark) => {
    const span = document.createElement('span');
    span.textContent = mark;
    document.querySelector(${JSON.stringify(selector)}).append(span);
    const em = span.getBoundingClientRect().width / parseFloat(getComputedStyle(span).fontSize);
    span.remove();
    return em;
  })`);
}

/** Width of the page's content beyond the viewport, in px (0 when nothing overflows sideways). */
export async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; viewport: number }> {
  return page.evaluate<{ scrollWidth: number; viewport: number }>(
    '({ scrollWidth: document.scrollingElement.scrollWidth, viewport: window.innerWidth })',
  );
}
