/**
 * The console as county staff use it every day, in Chromium against the whole stack with the demo
 * county's real deadline ladders: the leader reaches the five most overdue projects from the
 * dashboard in two clicks and reads today's days late and who answers for each; a step someone
 * else took first is refused in Chinese with who moved the project and to what, and the page
 * shows the new stage; a village operator records a visit from the home page on a phone.
 * Screenshots at 1440 and 375 px of each (support/shots.ts) are for a person to look at.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addDays, daysBetween } from '#domain/deadlines.js';
import { aProject } from '../support/builders.js';
import { eventually } from '../support/eventually.js';
import { seedSmallCounty } from '../support/dashboard-figures.js';
import { today } from '../support/ladders.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { horizontalOverflow, launchBrowser, login, newPage } from './support/browser.js';
import { shooter } from './support/shots.js';

const WIDE = { width: 1440, height: 900 };
const shot = shooter('daily-work');

let stack: TestStack;
let browser: Browser;
let swj: Session;

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startTestStack({ webDist: inject('webDist'), deadlines: { enabled: true } }),
    launchBrowser(),
  ]);
  await seedSmallCounty(stack);
  swj = await Session.login(stack.baseUrl, 'swj.op');
  // The demo county's late projects are those it never started; five registered late besides, whose
  // ladders catch up at once (30 to 70 days past their start), give the list its five.
  for (const late of [30, 40, 50, 60, 70]) {
    const res = await swj.post(
      '/api/projects',
      aProject({
        name: `逾期登记的项目 ${late}`,
        plannedDates: {
          start: addDays(today(), -late),
          completion: addDays(today(), 200),
          acceptance: addDays(today(), 230),
          reimbursement: addDays(today(), 260),
        },
      }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  // Their ladders' caught-up steps are written just after the registration answers: up to 约谈.
  await eventually(async () => {
    const { rows } = await stack.db.query(
      `SELECT count(DISTINCT a.project_id)::int AS n FROM alert a JOIN project p ON p.id = a.project_id
        WHERE p.name LIKE '逾期登记的项目%' AND a.step = 'interview'`,
    );
    return rows[0].n === 5;
  }, 60_000);
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** The projects' latest overdue deadline from the raw alert rows: [code, days late today, units]. */
async function mostOverdue(): Promise<{ code: string; days: number; units: string[] }[]> {
  const { rows } = await stack.db.query(
    `SELECT p.code, to_char(a.due_date, 'YYYY-MM-DD') AS due, max(a.days_late) AS fired, o.name AS unit
       FROM alert a JOIN project p ON p.id = a.project_id JOIN org_unit o ON o.id = a.responsible_unit_id
      WHERE a.status = 'active' AND a.step <> 'reminder' GROUP BY p.code, a.kind, a.period, a.arm, 2, o.name`,
  );
  const worst = new Map<string, { days: number; units: string[] }>();
  for (const r of rows) {
    const days = Math.max(r.fired, daysBetween(r.due, today()));
    const w = worst.get(r.code);
    if (!w || days > w.days) worst.set(r.code, { days, units: [r.unit] });
    else if (days === w.days) w.units.push(r.unit);
  }
  return [...worst]
    .map(([code, w]) => ({ code, ...w }))
    .sort((a, b) => b.days - a.days || (a.code < b.code ? 1 : -1));
}

/** A project of 县水务局 owned by `owner`, taken through the api to 已确定实施方式 (ready to start). */
async function readyToStart(
  name: string,
  owner: Session,
  villages?: { ownerUnitCode: string; villageCodes: string[] },
) {
  const created = await swj.post('/api/projects', aProject({ name, ...villages }));
  expect(created.status).toBe(201);
  const code: string = created.body.code;
  const design = await swj.post(`/api/projects/${code}/transitions`, {
    action: 'approveDesign',
    documentNo: '城水审〔2026〕11号',
    approvedOn: '2026-03-10',
  });
  expect(design.status).toBe(200);
  const method = await owner.post(`/api/projects/${code}/transitions`, {
    action: 'fixImplementation',
    method: 'selfBuild',
  });
  expect(method.body.stage).toBe('methodFixed');
  return code;
}

describe('the leader and lateness', () => {
  it('finds the five most overdue projects, with today’s days late and the responsible unit, in two clicks', async () => {
    const want = (await mostOverdue()).slice(0, 5);
    expect(want.length).toBe(5);
    const { context, page } = await newPage(browser, stack.baseUrl, { viewport: WIDE });
    try {
      await login(page, 'leader');
      await page.locator('[data-test=overdue-unit-row]').first().waitFor();
      // Each unit's row says how many projects its deadlines are: the number the list will show.
      const unitRow = page.locator('[data-test=overdue-unit-row]').first();
      const projectsText = await unitRow.locator('[data-test=overdue-unit-projects]').innerText();
      await shot(page, 'dashboard');
      // Click 1: the dashboard's link; that is all (the login's submit is the other click).
      await page.locator('[data-test=most-overdue]').click();
      await page.locator('[data-test=overdue-days]').first().waitFor();
      const rows = page.locator('[data-test=table] .project-row');
      await expect
        .poll(() => rows.locator('td:first-child').allInnerTexts())
        .toEqual(expect.arrayContaining(want.map((w) => w.code)));
      for (let i = 0; i < 5; i++) {
        const row = rows.nth(i);
        expect(await row.locator('td:first-child').innerText()).toBe(want[i]!.code);
        expect(await row.locator('[data-test=overdue-days]').innerText()).toBe(`${want[i]!.days} 天`);
        expect(want[i]!.units).toContain(await row.locator('[data-test=overdue-unit]').innerText());
        expect(['逾期', '已上报县级', '约谈']).toContain(
          await row.locator('[data-test=overdue-level]').innerText(),
        );
      }
      await shot(page, 'most-overdue');

      // A unit's row opens its own overdue projects, as many as the row said.
      await page.goBack();
      await unitRow.locator('a').click();
      await page.locator('[data-test=overdue-days]').first().waitFor();
      const n = Number(/\d+/.exec(projectsText)![0]);
      await expect.poll(() => page.locator('[data-test=total]').innerText()).toBe(`共 ${n} 个项目`);

      // The 预警 tab of the most overdue project: today's days late beside the days when each step fired.
      await page.goto(`/projects/${want[0]!.code}?tab=alerts`);
      const days = page.locator('[data-test=alerts] [data-test=alert-days]');
      await days.first().waitFor();
      expect(await days.allInnerTexts()).toContain(String(want[0]!.days));
      await shot(page, 'alerts');
    } finally {
      await context.close();
    }
  });

  it('on a 375 px phone: the list’s cards and the 预警 tab say the same, without clipping or sideways scrolling', async () => {
    const [top] = await mostOverdue();
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    try {
      await login(page, 'leader');
      await page.locator('[data-test=most-overdue]').click();
      const card = page.locator('[data-test=project-card]').first();
      await expect
        .poll(() => card.locator('[data-test=card-overdue]').innerText())
        .toContain(`今日逾期 ${top!.days} 天`);
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
      await shot(page, 'most-overdue');

      await page.goto(`/projects/${top!.code}?tab=alerts`);
      const alertCard = page.locator('[data-test=alert-card]').first();
      await alertCard.waitFor();
      expect(await page.locator('[data-test=alert-days]').allInnerTexts()).toContain(`${top!.days} 天`);
      // Every alert card lies inside the screen: nothing is clipped.
      for (const box of await page
        .locator('[data-test=alert-card]')
        .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().right)))
        expect(box).toBeLessThanOrEqual(375);
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
      await alertCard.scrollIntoViewIfNeeded();
      await shot(page, 'alerts');
    } finally {
      await context.close();
    }
  });

  it('names every stage and ladder level whole in the list’s tags, in Chinese and in English', async () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      const { context, page } = await newPage(browser, stack.baseUrl, { locale, viewport: WIDE });
      try {
        await login(page, 'leader');
        await page.locator('[data-test=most-overdue]').click();
        await page.locator('[data-test=overdue-level]').first().waitFor();
        // The longest names are on the page, or this would check only the short ones.
        const words = await page.locator('.el-table__body .el-tag').allInnerTexts();
        expect(words, locale).toEqual(
          expect.arrayContaining(
            locale === 'en' ? ['Admonition talk'] : ['已确定实施方式', '已通过设计审批'],
          ),
        );
        // A tag's text is cut where it is wider than its tag; a tag running into its cell's
        // padding is clipped by the table, which draws an ellipsis beside it.
        const clipped = await page.evaluate<
          string[]
        >(`[...document.querySelectorAll('.el-table__body .el-tag')]
          .filter((el) => {
            const cell = el.closest('.cell');
            const room = cell.getBoundingClientRect().right - parseFloat(getComputedStyle(cell).paddingRight);
            return el.scrollWidth > el.clientWidth || el.getBoundingClientRect().right > room + 0.5;
          })
          .map((el) => el.textContent)`);
        expect(clipped, locale).toEqual([]);
        await shot(page, `most-overdue-${locale}`);
      } finally {
        await context.close();
      }
    }
  });

  it('shows a ladder’s steps in the history as the platform’s: “System” in English, and no documents line', async () => {
    const [top] = await mostOverdue();
    const { context, page } = await newPage(browser, stack.baseUrl, { locale: 'en', viewport: WIDE });
    try {
      await login(page, 'leader');
      await page.goto(`/projects/${top!.code}`);
      const history = page.locator('[data-test=history-item]');
      await history.first().waitFor();
      const toggle = page.locator('[data-test=history-toggle]');
      if (await toggle.count()) {
        await toggle.click();
        await expect.poll(() => history.count()).toBeGreaterThan(6);
      }
      // (A filter reads textContent, where the timestamp runs into the sentence.)
      const ladder = history.filter({ hasText: /System: .+ \(due \d{4}-\d\d-\d\d\)/ });
      const steps = history.filter({ hasNotText: 'System: ' });
      expect(await ladder.count()).toBeGreaterThan(0);
      expect(await steps.count()).toBeGreaterThan(0);
      expect((await history.allInnerTexts()).join('\n')).not.toContain('系统');
      // An account's step names its documents (or says there are none); a ladder's step has none to name.
      expect(await ladder.locator('[data-test=history-docs]').count()).toBe(0);
      expect(await steps.locator('[data-test=history-docs]').count()).toBe(await steps.count());
    } finally {
      await context.close();
    }
  });
});

describe('a step someone else took first', () => {
  // One test per screen size, each with its own project: under load one alone takes a minute or two.
  it.each([
    ['1440', WIDE],
    ['375', undefined],
  ] as const)(
    'is explained in Chinese, with who moved the project and to what, and the page shows the new stage (%s)',
    async (name, viewport) => {
      const xqz = await Session.login(stack.baseUrl, 'xqz.op');
      const { context, page } = await newPage(
        browser,
        stack.baseUrl,
        viewport ? { viewport } : { phone: true },
      );
      try {
        const code = await readyToStart(`枇杷村便道（并发开工说明 ${name}）`, xqz);
        await login(page, 'xqz.op');
        await page.goto(`/projects/${code}`);
        await page.locator('[data-test=action-start]').click();
        // Empty date: red and required; filling it takes the red away before any submit.
        await page.locator('[data-test=submit]').click();
        const err = page.locator('[data-test=field-startedOn] .el-form-item__error');
        await expect.poll(() => err.innerText()).toBe('必填');
        const input = page.locator('[data-test=field-startedOn] input');
        await input.fill('2026-04-03');
        await input.press('Enter');
        await expect.poll(() => err.count()).toBe(0);
        expect(await page.locator('[data-test=form-error]').count()).toBe(0);

        // Someone else starts it first.
        const first = await xqz.post(`/api/projects/${code}/transitions`, {
          action: 'start',
          startedOn: '2026-04-01',
        });
        expect(first.status).toBe(200);
        await page.locator('[data-test=submit]').click();
        const refused = page.locator('[data-test=step-refused]');
        await expect.poll(() => refused.innerText()).toContain('修齐镇操作员已于');
        const text = await refused.innerText();
        expect(text).toContain('当前阶段「实施中」不能执行「开工」');
        expect(text).toContain('阶段由「已确定实施方式」变为「实施中」');
        // The page is the project as it is now: the new stage, and no start button any more.
        await expect.poll(() => page.locator('.title [data-test=stage]').innerText()).toBe('实施中');
        expect(await page.locator('[data-test=action-start]').count()).toBe(0);
        expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(viewport ? WIDE.width : 375);
        await shot(page, 'refused');
      } finally {
        await context.close();
      }
    },
  );
});

describe('a village operator on a phone', () => {
  it('records a visit from the home page, and the success banner stays with the visit form only', async () => {
    const mbz = await Session.login(stack.baseUrl, 'mbz.op');
    const code = await readyToStart('罗江村机耕道（村里走访）', mbz, {
      ownerUnitCode: 'mbz',
      villageCodes: ['mbz-ljc'],
    });
    expect(
      (await mbz.post(`/api/projects/${code}/transitions`, { action: 'start', startedOn: '2026-04-01' }))
        .status,
    ).toBe(200);

    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    try {
      await login(page, 'mbz-ljc.op');
      const due = page.locator('[data-test=village-visit-due]', { hasText: '罗江村机耕道' });
      await due.waitFor();
      // No 待我办理 0 on a village's home: its work is on site.
      expect(await page.locator('[data-test=fig-waiting]').count()).toBe(0);
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
      await shot(page, 'village-home');

      await due.locator('[data-test=record-visit]').click();
      await page.locator('[data-test=visit-form]').waitFor();
      await page.locator('[data-test=visit-date]').fill('2026-05-06');
      await page.locator('[data-test=visit-supervisor]').fill('李村干');
      await page.locator('[data-test=visit-findings]').fill('路基已成型，排水沟在砌');
      await page.locator('[data-test=field-submit]').click();
      await expect.poll(() => page.locator('[data-test=field-sent]').innerText()).not.toBe('');
      await shot(page, 'village-visit-sent');
      // Another flow's form is not the visit just sent: the banner goes with it.
      await page.locator('[data-test=flow-notice]').click();
      await expect.poll(() => page.locator('[data-test=field-sent]').count()).toBe(0);
    } finally {
      await context.close();
    }
    const { rows } = await stack.db.query(
      `SELECT v.supervisor, v.visited_on::text AS on FROM supervision_visit v JOIN project p ON p.id = v.project_id
        WHERE p.code = $1`,
      [code],
    );
    expect(rows).toEqual([{ supervisor: '李村干', on: '2026-05-06' }]);

    const wide = await newPage(browser, stack.baseUrl, { viewport: WIDE });
    try {
      await login(wide.page, 'mbz-ljc.op');
      await wide.page.locator('[data-test=village-visit-due]').first().waitFor();
      await shot(wide.page, 'village-home');
    } finally {
      await wide.context.close();
    }
  });
});

describe('a township operator’s ledger import', () => {
  it('imports a progress sheet from the console: a wrong row is named, then the right ones go in', async () => {
    const created = await swj.post('/api/projects', aProject({ name: '白台村便民桥新建工程' }));
    expect(created.status).toBe(201);
    const code: string = created.body.code;
    const { context, page } = await newPage(browser, stack.baseUrl, { viewport: WIDE });
    try {
      await login(page, 'xqz.op');
      await page.locator('.nav a', { hasText: '台账导入导出' }).click();
      // A township keeps the implementing-unit ledger: the page opens on it.
      await expect
        .poll(() => page.locator('[data-test=import-kind]').innerText())
        .toBe('月度进度（实施单位台账）');
      expect(await page.locator('[data-test=import-columns]').innerText()).toBe(
        '工作表「月度进度」，表头：项目编号、月份、进度（%）、进展情况',
      );
      const sheet =
        '项目编号,月份,进度（%）,进展情况\n' +
        `${code},2026年5月,20%,基础开挖\n` +
        `${code},2026年13月,30,月份写错\n` +
        `${code},2026/6,45,桥台完成\n`;
      // As Windows names a CSV: application/vnd.ms-excel, which the api takes only as text/csv.
      await page.locator('[data-test=import-file]').setInputFiles({
        name: '进度台账.csv',
        mimeType: 'application/vnd.ms-excel',
        buffer: Buffer.from(sheet),
      });
      await page.locator('[data-test=import-run]').click();
      const result = page.locator('[data-test=import-result]');
      await expect.poll(() => result.innerText()).toBe('1 行有错误，未导入任何数据');
      expect(await page.locator('[data-test=import-error-row]').allInnerTexts()).toEqual([
        '第 3 行 · 月份：月份格式应为 YYYY-MM',
      ]);
      await shot(page, 'ledger-import-refused');

      await page.locator('[data-test=import-mode] label', { hasText: '只导入正确的行' }).click();
      await page.locator('[data-test=import-run]').click();
      await expect.poll(() => result.innerText()).toBe('已导入 2 行；1 行有错误，未导入');
      const ledgers = (await swj.get(`/api/projects/${code}/ledgers`)).body;
      expect(ledgers.implementing.progress).toEqual([
        { month: '2026-05', percent: 20, narrative: '基础开挖' },
        { month: '2026-06', percent: 45, narrative: '桥台完成' },
      ]);
      // The file is forgotten once imported.
      expect(
        await page.locator('label', { has: page.locator('[data-test=import-file]') }).innerText(),
      ).toContain('未选择文件');

      // The export: the implementing-unit ledger of the township's projects, as xlsx.
      const href = await page.locator('[data-test=export]').getAttribute('href');
      expect(href).toBe('/api/ledgers/implementing/export');
      const file = await context.request.get(href!);
      expect(file.status()).toBe(200);
      expect(file.headers()['content-type']).toBe(
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      );
      await shot(page, 'ledger-import-done');
    } finally {
      await context.close();
    }
  });

  it('keeps asking for the result through a lost connection, saying so, and then shows it', async () => {
    const created = await swj.post('/api/projects', aProject({ name: '白台村产业路硬化工程' }));
    const code: string = created.body.code;
    const { context, page } = await newPage(browser, stack.baseUrl, { viewport: WIDE });
    try {
      await login(page, 'xqz.op');
      await page.goto('/ledgers');
      // The job answers as still running, and its first polls find no server (an api restarting).
      await page.route('**/api/ledger-imports?*', async (route) => {
        const res = await route.fetch();
        await route.fulfill({ response: res, json: { ...(await res.json()), status: 'running' } });
      });
      let lost = 3;
      await page.route('**/api/ledger-imports/*', (route) => (lost-- > 0 ? route.abort() : route.continue()));
      await page.locator('[data-test=import-file]').setInputFiles({
        name: 'p.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(`项目编号,月份,进度（%）,进展情况\n${code},2026-05,10,开工准备\n`),
      });
      await page.locator('[data-test=import-run]').click();
      await page.locator('[data-test=import-reconnecting]').waitFor();
      await expect.poll(() => page.locator('[data-test=import-result]').innerText()).toBe('已导入 1 行');
      expect(await page.locator('[data-test=import-reconnecting]').count()).toBe(0);
      expect(await page.locator('[data-test=import-error]').count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
