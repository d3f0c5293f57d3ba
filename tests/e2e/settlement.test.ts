/** The console shows what a 报账 settled: in the detail tab and on the step in the history, in 元. */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatYuan } from '#domain/money.js';
import { aProject } from '../support/builders.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { loginActors, walkTo, type Actors } from '../support/walk.js';
import { launchBrowser, login, newPage } from './support/browser.js';

let stack: TestStack;
let browser: Browser;
let actors: Actors;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ webDist: inject('webDist') }), launchBrowser()]);
  actors = await loginActors(stack);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('a reimbursed project', () => {
  it('shows the settled amount in the detail tab and on the 报账 step', async () => {
    const created = await actors.dept.post('/api/projects', aProject({ name: '白台村水池（报账）' }));
    expect(created.status).toBe(201);
    const { id, code } = created.body as { id: string; code: string };
    await walkTo(actors, id, 'reimbursed');
    const disbursed: number = (await actors.dept.get(`/api/projects/${id}/ledgers`)).body.department
      .disbursedFen;
    expect(disbursed).toBeGreaterThan(0);

    const { context, page } = await newPage(browser, stack.baseUrl);
    try {
      await login(page, 'swj.op');
      await page.goto(`/projects/${code}`);
      const step = page.locator('[data-test=history-item]', { hasText: '报账金额' });
      await expect.poll(() => step.first().innerText()).toContain(`报账金额 ${formatYuan(disbursed)} 元`);
      await page.goto(`/projects/${code}?tab=detail`);
      await expect
        .poll(() => page.locator('[data-test=detail-reimbursed]').innerText())
        .toBe(formatYuan(disbursed));
    } finally {
      await context.close();
    }
  });
});
