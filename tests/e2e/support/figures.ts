/**
 * What the tests of headline figures share: sums too large for a careless layout, the widths they
 * are looked at, and how many lines a figure's text takes on screen.
 */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { MAX_FEN } from '#domain/money.js';
import { aProject } from '../../support/builders.js';
import { Session } from '../../support/stack.js';

/** A budget in the millions of 万元: two projects of the largest budget there may be, by 县水务局. */
export async function addTwoLargestProjects(baseUrl: string): Promise<void> {
  const dept = await Session.login(baseUrl, 'swj.op');
  for (const n of [1, 2]) {
    const big = aProject({
      name: `大额项目${n}`,
      budgetFen: MAX_FEN,
      fundSources: [{ kind: 'centralSpecial', amountFen: MAX_FEN }],
    });
    expect((await dept.post('/api/projects', big)).status).toBe(201);
  }
}

/** A laptop, a narrower window beside another, and a phone. */
export const FIGURE_VIEWPORTS = [
  [{ width: 1366, height: 768 }, 'laptop'],
  [{ width: 1100, height: 768 }, 'narrow'],
  [{ width: 375, height: 812 }, 'phone'],
] as const;

/** How many lines each matched element's text takes on screen (its line boxes), by data-test#index. */
export const lineCounts = (page: Page, selector: string) =>
  page.evaluate<Record<string, number>>(`Object.fromEntries(
    [...document.querySelectorAll(${JSON.stringify(selector)})].map((el, i) => {
      const range = document.createRange();
      range.selectNodeContents(el);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      return [(el.dataset.test ?? '') + '#' + i, tops.size];
    }))`);

/**
 * The words (of four letters or more) that the layout cut across two lines inside the matched
 * elements: a column too narrow for its heading in English breaks "Disbursement" mid-word.
 */
export const brokenWords = (page: Page, selector: string) =>
  page.evaluate<string[]>(`[...document.querySelectorAll(${JSON.stringify(selector)})].flatMap((el) => {
    const out = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode())
      for (const m of n.textContent.matchAll(/[A-Za-z'’]{4,}/g)) {
        const range = document.createRange();
        range.setStart(n, m.index);
        range.setEnd(n, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (tops.size > 1) out.push(m[0]);
      }
    return out;
  })`);
