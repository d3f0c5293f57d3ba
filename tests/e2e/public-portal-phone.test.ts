/**
 * The public pages on small phones (320, 360 and 375 px) in both languages: nothing scrolls the
 * page sideways, no table sticks out of its card, no amount is split across lines and no township
 * name stands one character a line. Large budgets make the longest figures a county shows.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aProject } from '../support/builders.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { loginActors } from '../support/walk.js';
import { launchBrowser, newPage } from './support/browser.js';

let stack: TestStack;
let browser: Browser;
let code: string;
let township: string;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack(), launchBrowser()]);
  const actors = await loginActors(stack);
  for (const amountFen of [9_876_543_210, 8_765_432_109]) {
    const res = await actors.dept.post(
      '/api/projects',
      aProject({ budgetFen: amountFen, fundSources: [{ kind: 'countySpecial', amountFen }] }),
    );
    expect(res.status).toBe(201);
    code = res.body.code as string;
  }
  const p = (await (await fetch(`${stack.baseUrl}/public/api/projects/${code}`)).json()) as {
    township: { code: string };
  };
  township = p.township.code;
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** What is wrong with the page's layout, as the reviewer saw it; empty when nothing. */
function problems(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const out = [];
    if (document.documentElement.scrollWidth > window.innerWidth)
      out.push('page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + window.innerWidth);
    for (const t of document.querySelectorAll('table')) {
      const card = t.closest('section,.card');
      if (card && t.getBoundingClientRect().right > card.getBoundingClientRect().right + 0.5)
        out.push('table out of its card');
    }
    for (const a of document.querySelectorAll('td:first-child a')) {
      const lh = parseFloat(getComputedStyle(a).lineHeight) || 20;
      if (a.getBoundingClientRect().height > lh * 1.5) out.push('name on several lines: ' + a.textContent);
    }
    for (const el of document.querySelectorAll('dd, td.n')) {
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      let n;
      while ((n = walker.nextNode())) {
        for (const m of n.data.matchAll(/\\d[\\d,]*\\.\\d\\d/g)) {
          const r = document.createRange();
          r.setStart(n, m.index);
          r.setEnd(n, m.index + m[0].length);
          const tops = new Set([...r.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top)));
          if (tops.size > 1) out.push('amount split: ' + m[0]);
        }
      }
    }
    return out;
  })()`);
}

describe('the public pages on a small phone', () => {
  it('fit 320, 360 and 375 px in both languages', async () => {
    const found: string[] = [];
    for (const width of [320, 360, 375]) {
      const { context, page } = await newPage(browser, stack.baseUrl, {
        phone: true,
        viewport: { width, height: 740 },
      });
      for (const path of ['/public/', `/public/townships/${township}`, `/public/projects/${code}`]) {
        for (const q of ['', '?lang=en']) {
          await page.goto(path + q);
          for (const p of await problems(page)) found.push(`${width} ${path}${q}: ${p}`);
        }
      }
      await context.close();
    }
    expect(found).toEqual([]);
  });
});
