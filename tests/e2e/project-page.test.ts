/**
 * The project page's ledgers, detail table and archives, and the village operator's phone flow, in
 * a real browser against the real api, PostgreSQL and Temporal. What the browser did is checked in
 * the database with direct SQL.
 *
 * Long because its cases share one browser, one stack and one project whose state each case builds
 * on; splitting would start the stack once per file.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cstDate } from '#domain/deadlines.js';
import { aProject } from '../support/builders.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { walkTo } from '../support/walk.js';
import { horizontalOverflow, launchBrowser, login, newPage } from './support/browser.js';

let stack: TestStack;
let browser: Browser;
let swj: Session;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ webDist: inject('webDist') }), launchBrowser()]);
  swj = await Session.login(stack.baseUrl, 'swj.op');
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A real PNG (8 × 8, random colours, so every photo has its own bytes and hash). */
function aPng(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(8, 0);
  ihdr.writeUInt32BE(8, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.concat(
    Array.from({ length: 8 }, () => Buffer.concat([Buffer.from([0]), randomBytes(24)])),
  );
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Fills the phone's visit form with 王大山's visit and one photo, and waits for its thumbnail. */
async function fillVisit(page: Page, visit: { on: string; findings: string; file: string; photo: Buffer }) {
  await page.locator('[data-test=visit-date]').fill(visit.on);
  await page.locator('[data-test=visit-supervisor]').fill('王大山');
  await page.locator('[data-test=visit-findings]').fill(visit.findings);
  await page
    .locator('[data-test=photo-input]')
    .setInputFiles({ name: visit.file, mimeType: 'image/png', buffer: visit.photo });
  await page.locator('[data-test=photo-thumb]').waitFor();
}

/** A project's archive documents: the entry each is filed under and the hash of its bytes. */
async function archivesOf(projectId: string): Promise<{ entry_id: string; sha256: string }[]> {
  const { rows } = await stack.db.query(
    `SELECT entry_id, sha256 FROM archive_document WHERE project_id = $1`,
    [projectId],
  );
  return rows;
}

/** 罗江村's operator signs in on the phone and opens the project's field page at `flow`. */
async function openField(page: Page, projectCode: string, flow: 'visit' | 'notice'): Promise<void> {
  await login(page, 'mbz-ljc.op');
  await page.goto(`/projects/${projectCode}/field?flow=${flow}`);
  await page.locator(`[data-test=${flow}-form]`).waitFor();
}

/** Each write reaches the api and is carried out; its answer is lost on the way back. */
async function loseAnswers(route: Route) {
  await route.fetch();
  await route.abort('connectionreset');
}

/** The keys the page's visit and photo writes were sent with, in the order sent. */
function writeKeys(page: Page): { visit: string[]; photo: string[] } {
  const keys = { visit: [] as string[], photo: [] as string[] };
  page.on('request', (r) => {
    if (r.method() !== 'POST') return;
    if (r.url().includes('/site/visits')) keys.visit.push(r.headers()['idempotency-key'] ?? '');
    else if (r.url().includes('/archives?')) keys.photo.push(r.headers()['idempotency-key'] ?? '');
  });
  return keys;
}

/** A project of 县水务局, owned by 庙坝镇, built in 罗江村 (mbz-ljc). */
async function aProjectInLuojiang(name: string): Promise<{ code: string; id: string }> {
  const created = await swj.post(
    '/api/projects',
    aProject({ name, ownerUnitCode: 'mbz', villageCodes: ['mbz-ljc'] }),
  );
  expect(created.status).toBe(201);
  return { code: created.body.code, id: created.body.id };
}

async function fillDate(page: Page, field: string, value: string) {
  const input = page.locator(`[data-test=lfield-${field}] input`);
  await input.fill(value);
  await input.press('Enter');
}

describe('the detail table in English', () => {
  it('names the nature and the alerts in English, where the server writes the Chinese document', async () => {
    const project = await aProjectInLuojiang('罗江村水池（英文明细表）');
    const mbz = await Session.login(stack.baseUrl, 'mbz.op');
    const decision = {
      meeting: '庙坝镇党委会',
      heldOn: '2026-03-05',
      attendees: ['张三'],
      resolution: '同意实施',
    };
    expect(
      (await mbz.post(`/api/projects/${project.id}/ledgers/implementing/decisions`, decision)).status,
    ).toBe(201);
    const { context, page } = await newPage(browser, stack.baseUrl, { locale: 'en' });
    try {
      await login(page, 'swj.op');
      await page.goto(`/projects/${project.code}?tab=detail`);
      const head = page.locator('[data-test=detail-project]');
      await expect.poll(() => head.innerText()).toContain(project.code);
      expect(await head.innerText()).toMatch(/Nature\s+New/);
      // A count agrees with its noun: one decision, no adjustments.
      expect(await page.locator('[data-test=detail-table]').innerText()).toContain(
        '1 decision, 0 adjustments, 0 supervision visits, 0 opinion rounds',
      );
      // The test stack's deadline ladders are off: however long past its planned dates, the
      // project has no alert, and the detail table names none.
      expect(await page.locator('[data-test=detail-alerts]').innerText()).toBe('No records');

      // A failed inspection is an alert while the project is rectified: named in English.
      const failed = await aProjectInLuojiang('罗江村水池（整改中）');
      const actors = { dept: swj, owner: mbz, completeFile: (id: string) => stack.completeFile(id) };
      await walkTo(actors, failed.id, 'rectifying');
      await page.goto(`/projects/${failed.code}?tab=detail`);
      await expect.poll(() => head.innerText()).toContain(failed.code);
      const alerts = await page.locator('[data-test=detail-alerts]').innerText();
      expect(alerts).toContain('Failed inspection, rectifying (2026-09-20)');
      expect(alerts).not.toMatch(/\p{Script=Han}/u);
    } finally {
      await context.close();
    }
  });
});

describe('a village operator on a 375 × 812 phone', () => {
  it('records a supervision visit with a photo from the camera', async () => {
    const project = await aProjectInLuojiang('罗江村人饮管网（手机走访）');
    const photo = aPng();
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    try {
      await login(page, 'mbz-ljc.op');
      await page.goto(`/projects/${project.code}`);
      await page.locator('[data-test=field-link]').click();
      await page.locator('[data-test=visit-form]').waitFor();
      // A village operator records visits and notices; monthly progress is the owner unit's step.
      const flows = await page
        .locator('[data-test^=flow-]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-test')));
      expect(flows).toEqual(['flow-visit', 'flow-notice']);
      // A visit is recorded once made: the phone's own date picker stops at today.
      expect(await page.locator('[data-test=visit-date]').getAttribute('max')).toBe(cstDate(Date.now()));
      // The camera input: several photos at once, from the back camera.
      const input = page.locator('[data-test=photo-input]');
      expect(await input.getAttribute('accept')).toBe('image/*');
      expect(await input.getAttribute('capture')).toBe('environment');
      expect(await input.getAttribute('multiple')).not.toBeNull();

      // Nothing typed: the shared schema refuses it beside the fields, and nothing is sent.
      await page.locator('[data-test=field-submit]').click();
      await expect.poll(() => page.locator('[data-test=err-supervisor]').innerText()).toBe('必填');

      await fillVisit(page, {
        on: '2026-05-06',
        findings: '管沟开挖过半，回填质量良好，群众无异议',
        file: 'IMG_0001.png',
        photo,
      });
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
      // A big touch target.
      const box = (await page.locator('[data-test=field-submit]').boundingBox())!;
      expect(box.height).toBeGreaterThanOrEqual(44);
      expect(box.width).toBeGreaterThan(300);

      await page.locator('[data-test=field-submit]').click();
      await expect
        .poll(() => page.locator('[data-test=field-sent]').innerText())
        .toContain('已上传照片 1 张');
      // The page shows it.
      const recent = page.locator('[data-test=recent-visit]').first();
      expect(await recent.innerText()).toContain('王大山');
      expect(await recent.innerText()).toContain('照片 1 张');
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);

      // And the project page's site ledger shows it, with the photo inline.
      await page.goto(`/projects/${project.code}?tab=site`);
      // On a phone each entry is a card, not a sideways-scrolling table.
      const row = page.locator('[data-test=card-visits]', { hasText: '王大山' });
      await expect.poll(() => row.innerText()).toContain('2026-05-06');
      await row.locator('[data-test=visit-photo]').click();
      await page.locator('[data-test=archive-image]').waitFor();
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);

      // The detail table's tables are cards too: their amounts read whole on the screen.
      await page.goto(`/projects/${project.code}?tab=detail`);
      const source = page.locator('[data-test=detail-card-sources]').first();
      await source.waitFor();
      expect(await page.locator('[data-test=detail-table] .el-table').count()).toBe(0);
      const amount = source.locator('dd').nth(1);
      expect(await amount.innerText()).toMatch(/\d/);
      const amountBox = (await amount.boundingBox())!;
      expect(amountBox.x + amountBox.width).toBeLessThanOrEqual(375);
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
    } finally {
      await context.close();
    }

    // What the browser did is what the database holds.
    const { rows: visits } = await stack.db.query(
      `SELECT v.id, v.visited_on::text AS visited_on, v.supervisor, v.findings, o.code AS village, u.username
         FROM supervision_visit v JOIN org_unit o ON o.id = v.village_id JOIN app_user u ON u.id = v.created_by
        WHERE v.project_id = $1`,
      [project.id],
    );
    expect(visits).toEqual([
      {
        id: expect.any(String),
        visited_on: '2026-05-06',
        supervisor: '王大山',
        findings: '管沟开挖过半，回填质量良好，群众无异议',
        village: 'mbz-ljc',
        username: 'mbz-ljc.op',
      },
    ]);
    const { rows: docs } = await stack.db.query(
      `SELECT a.ledger, a.stage, a.item, a.entry_id, a.file_name, a.content_type, a.size_bytes::int AS size, a.sha256, a.storage_key
         FROM archive_document a WHERE a.project_id = $1`,
      [project.id],
    );
    expect(docs).toHaveLength(1);
    // Filed under the checklist's 监督检查照片 item, so the archive checklist counts it.
    expect(docs[0]).toMatchObject({
      ledger: 'site',
      stage: 'completed',
      item: 'supervisionPhoto',
      entry_id: visits[0].id,
      file_name: 'IMG_0001.png',
      content_type: 'image/png',
      size: photo.length,
      sha256: sha256(photo),
    });
    // The stored bytes are the photo's.
    expect(sha256(fs.readFileSync(path.join(stack.dataDir, 'archives', docs[0].storage_key)))).toBe(
      sha256(photo),
    );
  });

  it('records a visit and its photo once when their answers are lost and the operator presses again', async () => {
    const project = await aProjectInLuojiang('罗江村人饮管网（信号时断时续）');
    const photo = aPng();
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    const keys = writeKeys(page);
    try {
      await openField(page, project.code, 'visit');
      await fillVisit(page, {
        on: '2026-05-07',
        findings: '山上信号时有时无，管沟回填完成',
        file: 'IMG_0003.png',
        photo,
      });

      // The visit is written, but neither the console's own tries nor the operator hear it.
      await page.route('**/ledgers/site/visits', loseAnswers);
      await page.locator('[data-test=field-submit]').click();
      await expect
        .poll(() => page.locator('[data-test=field-error]').innerText())
        .toContain('无法连接服务器');
      expect(keys.visit).toHaveLength(3);
      // The signal is back for the visit, not yet for its photo: the operator presses again, and
      // the visit is sent with the key of its first try.
      await page.unroute('**/ledgers/site/visits');
      await page.route('**/archives?*', loseAnswers);
      await page.locator('[data-test=field-submit]').click();
      await page.locator('[data-test=retry-photos]').waitFor();
      expect(keys.visit).toHaveLength(4);
      expect(new Set(keys.visit)).toEqual(new Set([keys.visit[0]]));
      // The photo was tried three times, and is sent again with the same key.
      expect(keys.photo).toHaveLength(3);
      await page.unroute('**/archives?*');
      await page.locator('[data-test=retry-photos]').click();
      await expect
        .poll(() => page.locator('[data-test=field-sent]').innerText())
        .toContain('已上传照片 1 张');
      expect(keys.photo).toHaveLength(4);
      expect(new Set(keys.photo)).toEqual(new Set([keys.photo[0]]));
      expect(keys.photo[0]).not.toBe('');
    } finally {
      await context.close();
    }

    const { rows: visits } = await stack.db.query(
      `SELECT id, supervisor FROM supervision_visit WHERE project_id = $1`,
      [project.id],
    );
    expect(visits.map((v) => v.supervisor)).toEqual(['王大山']);
    expect(await archivesOf(project.id)).toEqual([{ entry_id: visits[0].id, sha256: sha256(photo) }]);
  });

  it('gives back a visit typed before a reload, and records it and its photo once', async () => {
    // A phone that reloads the page while the signal comes and goes (or drops it while the camera
    // is open): what was typed comes back, and sent again it is the same request.
    const project = await aProjectInLuojiang('罗江村人饮管网（页面重新加载）');
    const photo = aPng();
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    const keys = writeKeys(page);
    const form = async () => ({
      on: await page.locator('[data-test=visit-date]').inputValue(),
      supervisor: await page.locator('[data-test=visit-supervisor]').inputValue(),
      findings: await page.locator('[data-test=visit-findings]').inputValue(),
    });
    const typed = {
      on: '2026-05-09',
      supervisor: '王大山',
      findings: '雨后管沟边坡有少量垮塌，已要求施工方清理',
    };
    const choosePhoto = async () => {
      await page
        .locator('[data-test=photo-input]')
        .setInputFiles({ name: 'IMG_0005.png', mimeType: 'image/png', buffer: photo });
      await page.locator('[data-test=photo-thumb]').waitFor();
    };
    try {
      await openField(page, project.code, 'visit');
      await fillVisit(page, { on: typed.on, findings: typed.findings, file: 'IMG_0005.png', photo });
      await page.route('**/ledgers/site/visits', loseAnswers);
      await page.locator('[data-test=field-submit]').click();
      await expect
        .poll(() => page.locator('[data-test=field-error]').innerText())
        .toContain('无法连接服务器');
      await page.unroute('**/ledgers/site/visits');

      // Reloaded: the visit as typed, the photo to be chosen again.
      await page.reload();
      await expect.poll(form).toEqual(typed);
      expect(await page.locator('[data-test=draft-restored]').innerText()).toContain(
        '已恢复上次未发送的内容；照片未保留',
      );
      await choosePhoto();
      // Sent again with its first key; this time the photo's answers are lost.
      await page.route('**/archives?*', loseAnswers);
      await page.locator('[data-test=field-submit]').click();
      await page.locator('[data-test=retry-photos]').waitFor();
      expect(keys.visit).toHaveLength(4);
      expect(new Set(keys.visit)).toEqual(new Set([keys.visit[0]]));
      expect(keys.photo).toHaveLength(3);
      await page.unroute('**/archives?*');

      // Reloaded again: the visit is saved and waits for its photo, chosen again and sent with
      // the key of its first try.
      await page.reload();
      await page.locator('[data-test=retry-photos]').waitFor();
      expect(await page.locator('[data-test=draft-restored]').innerText()).toContain('上次的记录已保存');
      await choosePhoto();
      await page.locator('[data-test=retry-photos]').click();
      await expect
        .poll(() => page.locator('[data-test=field-sent]').innerText())
        .toContain('已上传照片 1 张');
      expect(keys.photo).toHaveLength(4);
      expect(new Set(keys.photo)).toEqual(new Set([keys.photo[0]]));

      // Sent in full: the form is empty for the next visit, and a reload brings nothing back.
      expect((await form()).findings).toBe('');
      await page.reload();
      await page.locator('[data-test=visit-form]').waitFor();
      expect(await form()).toMatchObject({ supervisor: '', findings: '' });
      expect(await page.locator('[data-test=draft-restored]').count()).toBe(0);
      expect(await page.locator('[data-test=field-submit]').count()).toBe(1);
    } finally {
      await context.close();
    }

    const { rows: visits } = await stack.db.query(
      `SELECT id, findings FROM supervision_visit WHERE project_id = $1`,
      [project.id],
    );
    expect(visits.map((v) => v.findings)).toEqual([typed.findings]);
    expect(await archivesOf(project.id)).toEqual([{ entry_id: visits[0].id, sha256: sha256(photo) }]);
  });

  it('says photos are to be chosen again only when some were, and keeps no draft of an untouched form', async () => {
    const project = await aProjectInLuojiang('罗江村人饮管网（只写了文字）');
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    const hint = page.locator('[data-test=draft-restored]');
    try {
      await openField(page, project.code, 'visit');
      await page.locator('[data-test=visit-findings]').fill('护栏未安装');
      await page.reload();
      await expect.poll(() => page.locator('[data-test=visit-findings]').inputValue()).toBe('护栏未安装');
      expect(await hint.innerText()).toBe('已恢复上次未发送的内容。');

      // Typed away again, a photo chosen and taken out: the form is as it opened, no draft.
      await page.locator('[data-test=visit-findings]').fill('');
      await page
        .locator('[data-test=photo-input]')
        .setInputFiles({ name: 'IMG_0007.png', mimeType: 'image/png', buffer: aPng() });
      await page.locator('[data-test=photo-thumb] button').click();
      await expect.poll(() => page.locator('[data-test=photo-thumb]').count()).toBe(0);
      await page.reload();
      await page.locator('[data-test=visit-form]').waitFor();
      expect(await hint.count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('empties a saved visit left waiting for its photos, so that it is not sent a second time', async () => {
    const project = await aProjectInLuojiang('罗江村人饮管网（照片未传先做公示）');
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    try {
      await openField(page, project.code, 'visit');
      await fillVisit(page, { on: '2026-05-10', findings: '路基压实', file: 'IMG_0006.png', photo: aPng() });
      await page.route('**/archives?*', loseAnswers);
      await page.locator('[data-test=field-submit]').click();
      await page.locator('[data-test=retry-photos]').waitFor();
      await page.unroute('**/archives?*');
      // The operator turns to the notice and back, leaving the photo: the saved visit is not
      // offered again to be sent, in this page or after a reload.
      await page.locator('[data-test=flow-notice]').click();
      await page.locator('[data-test=flow-visit]').click();
      await page.locator('[data-test=field-submit]').waitFor();
      expect(await page.locator('[data-test=visit-findings]').inputValue()).toBe('');
      await page.reload();
      await page.locator('[data-test=field-submit]').waitFor();
      expect(await page.locator('[data-test=visit-findings]').inputValue()).toBe('');
      expect(await page.locator('[data-test=draft-restored]').count()).toBe(0);
    } finally {
      await context.close();
    }
    const { rows } = await stack.db.query(
      `SELECT count(*)::int AS n FROM supervision_visit WHERE project_id = $1`,
      [project.id],
    );
    expect(rows[0].n).toBe(1);
  });

  it('keeps no draft in the tab once the operator logs out', async () => {
    const project = await aProjectInLuojiang('罗江村人饮管网（共用手机）');
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    try {
      await openField(page, project.code, 'visit');
      await page.locator('[data-test=visit-findings]').fill('尚未发送的走访记录');
      expect(await page.evaluate('sessionStorage.length')).toBeGreaterThan(0);
      await page.locator('[data-test=user-menu]').click();
      await page.locator('[data-test=menu-logout]').click();
      await page.locator('input[name=username]').waitFor();
      expect(await page.evaluate('sessionStorage.length')).toBe(0);
      await openField(page, project.code, 'visit');
      expect(await page.locator('[data-test=visit-findings]').inputValue()).toBe('');
    } finally {
      await context.close();
    }
  });

  it('links the photo to the visit it recorded while another village records the same visit', async () => {
    // 王大山, the project's volunteer supervisor, visits both its villages on the same day, and each
    // village's operator records that visit at the same moment.
    const created = await swj.post(
      '/api/projects',
      aProject({
        name: '罗江村至联坪村连通道路（同日走访）',
        ownerUnitCode: 'mbz',
        villageCodes: ['mbz-ljc', 'mbz-lpc'],
      }),
    );
    expect(created.status).toBe(201);
    const project = created.body as { id: string; code: string };
    const lianping = await Session.login(stack.baseUrl, 'mbz-lpc.op');
    const photo = aPng();
    const held = await stack.db.connect();
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    try {
      await openField(page, project.code, 'visit');
      await fillVisit(page, { on: '2026-05-08', findings: '罗江村段路基成型', file: 'IMG_0002.png', photo });

      const calls: string[] = [];
      page.on('request', (r) => {
        const url = new URL(r.url());
        if (url.pathname.startsWith('/api/'))
          calls.push(`${r.method()} ${url.pathname.replace(/^\/api\/projects\/[^/]+/, '')}`);
      });
      // The phone's write goes out while 罗江村's row is held FOR UPDATE: its transaction begins
      // and its INSERT then waits at the foreign-key check on the village, until 联坪村's
      // identical visit (begun later, so listed after it) is in.
      await page.route('**/ledgers/site/visits', async (route) => {
        await held.query('BEGIN');
        await held.query(`SELECT 1 FROM org_unit WHERE code = 'mbz-ljc' FOR UPDATE`);
        await route.continue();
      });
      await page.locator('[data-test=field-submit]').click();
      await expect
        .poll(
          async () =>
            (
              await stack.db.query(
                `SELECT count(*)::int AS n FROM pg_stat_activity
                  WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO supervision_visit%'`,
              )
            ).rows[0].n,
        )
        .toBe(1);
      const other = await lianping.post(`/api/projects/${project.id}/ledgers/site/visits`, {
        villageCode: 'mbz-lpc',
        visitedOn: '2026-05-08',
        supervisor: '王大山',
        findings: '联坪村段路基成型',
      });
      expect(other.status, JSON.stringify(other.body)).toBe(201);
      await held.query('ROLLBACK');

      await expect
        .poll(() => page.locator('[data-test=field-sent]').innerText())
        .toContain('已上传照片 1 张');
      // One write, its photo, and a read to show the photo: no read of the ledgers before the write.
      expect(calls).toEqual(['POST /ledgers/site/visits', 'POST /archives', 'GET /ledgers']);
    } finally {
      await held.query('ROLLBACK').catch(() => undefined);
      held.release();
      await context.close();
    }

    const { rows: visits } = await stack.db.query(
      `SELECT v.id, o.code AS village, v.supervisor, v.visited_on::text AS visited_on
         FROM supervision_visit v JOIN org_unit o ON o.id = v.village_id
        WHERE v.project_id = $1 ORDER BY v.created_at`,
      [project.id],
    );
    expect(visits.map((v) => [v.village, v.supervisor, v.visited_on])).toEqual([
      ['mbz-ljc', '王大山', '2026-05-08'],
      ['mbz-lpc', '王大山', '2026-05-08'],
    ]);
    // The photo taken in 罗江村 is an archive of 罗江村's visit, not of the one recorded meanwhile.
    expect(await archivesOf(project.id)).toEqual([{ entry_id: visits[0].id, sha256: sha256(photo) }]);
  });

  it('records a public notice: the schema refuses a bad period beside the field; money typed in 元 is stored in 分', async () => {
    const project = await aProjectInLuojiang('罗江村便民桥（手机公示）');
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    try {
      await openField(page, project.code, 'notice');
      await page.locator('[data-test=notice-place]').fill('罗江村村委会公示栏');
      await page.locator('[data-test=notice-from]').fill('2026-04-01');
      await page.locator('[data-test=notice-to]').fill('2026-03-25'); // before the start
      await page.locator('[data-test=notice-content]').fill('项目名称、资金来源、建设内容');
      await page.locator('[data-test=notice-amount]').fill('300,000.00');
      await page.locator('[data-test=field-submit]').click();
      await expect
        .poll(() => page.locator('[data-test=err-postedTo]').innerText())
        .toBe('公示结束日期不能早于开始日期');
      await page.locator('[data-test=notice-to]').fill('2026-04-10');
      await page.locator('[data-test=field-submit]').click();
      await expect
        .poll(() => page.locator('[data-test=field-sent]').innerText())
        .toContain('罗江村村委会公示栏');
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
    } finally {
      await context.close();
    }
    const { rows } = await stack.db.query(
      `SELECT place, posted_from::text AS f, posted_to::text AS t, announced_amount_fen::text AS fen FROM public_notice WHERE project_id = $1`,
      [project.id],
    );
    // 300,000.00 元 typed; integer 分 stored.
    expect(rows).toEqual([
      { place: '罗江村村委会公示栏', f: '2026-04-01', t: '2026-04-10', fen: '30000000' },
    ]);
  });

  it('opens the project on its own ledger with every tab in sight', async () => {
    const project = await aProjectInLuojiang('罗江村人饮管网（台账页签）');
    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    try {
      await login(page, 'mbz-ljc.op');
      await page.goto(`/projects/${project.code}?tab=site`);
      await page.locator('[data-test=ledger-site]').waitFor();
      // Each of the six tabs lies whole within the 375 px screen, the village's own the one chosen.
      const tabs = await page.locator('.el-tabs__item').evaluateAll((els) =>
        els.map((el) => {
          const box = el.getBoundingClientRect();
          const nav = el.closest('.el-tabs__nav-scroll')!.getBoundingClientRect();
          return {
            tab: el.id,
            whole: box.left >= Math.max(0, nav.left) - 0.5 && box.right <= Math.min(375, nav.right) + 0.5,
            active: el.classList.contains('is-active'),
          };
        }),
      );
      expect(tabs.map((x) => x.tab)).toEqual([
        'tab-department',
        'tab-implementing',
        'tab-site',
        'tab-detail',
        'tab-archives',
        'tab-alerts',
      ]);
      expect(tabs.filter((x) => !x.whole)).toEqual([]);
      expect(tabs.filter((x) => x.active).map((x) => x.tab)).toEqual(['tab-site']);
      // Where the tabs wrap, each line's first name starts at the same edge as the first line's.
      const lineStarts = await page.evaluate<number[]>(`(() => {
        const starts = new Map();
        for (const el of document.querySelectorAll('.el-tabs__item')) {
          const box = el.getBoundingClientRect();
          const text = box.left + parseFloat(getComputedStyle(el).paddingLeft);
          const top = Math.round(box.top);
          starts.set(top, Math.min(starts.get(top) ?? Infinity, Math.round(text)));
        }
        return [...starts.values()];
      })()`);
      expect(lineStarts.length).toBeGreaterThan(1);
      expect(new Set(lineStarts).size, `lines start at ${lineStarts.join(', ')} px`).toBe(1);
      // A project just registered asks nothing of its site ledger yet: said so, not a full bar of 0 / 0.
      const completeness = page.locator('[data-test=ledger-site] [data-test=completeness]');
      expect(await completeness.innerText()).toMatch(/^完整度\s*本阶段暂无应填项$/);
      expect(await completeness.locator('.el-progress').count()).toBe(0);
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
    } finally {
      await context.close();
    }
  });
});

describe('the owner unit on a phone', () => {
  it("reports the month's progress (the workflow step reportProgress), which a village operator is not offered", async () => {
    const project = await aProjectInLuojiang('罗江村灌溉渠（手机进度）');
    const mbz = await Session.login(stack.baseUrl, 'mbz.op');
    const steps = [
      [swj, { action: 'approveDesign', documentNo: '城水审〔2026〕9号', approvedOn: '2026-03-10' }],
      [mbz, { action: 'fixImplementation', method: 'selfBuild' }],
      [mbz, { action: 'start', startedOn: '2026-04-01' }],
    ] as const;
    for (const [who, body] of steps)
      expect((await who.post(`/api/projects/${project.code}/transitions`, body)).status).toBe(200);

    const { context, page } = await newPage(browser, stack.baseUrl, { phone: true });
    try {
      await login(page, 'mbz.op');
      await page.goto(`/projects/${project.code}`);
      await page.locator('[data-test=field-link]').click();
      await page.locator('[data-test=progress-form]').waitFor();
      // The township keeps no site ledger: only the progress flow.
      expect(await page.locator('[data-test^=flow-]').count()).toBe(1);
      // Progress is of a month begun: the phone's picker offers none after this one.
      expect(await page.locator('[data-test=progress-month]').getAttribute('max')).toBe(
        cstDate(Date.now()).slice(0, 7),
      );
      await page.locator('[data-test=progress-month]').fill('2026-05');
      await page.locator('[data-test=progress-narrative]').fill('渠道衬砌完成六成');
      await page.locator('[data-test=field-submit]').click();
      await expect.poll(() => page.locator('[data-test=field-sent]').innerText()).toContain('2026-05');
      expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(375);
    } finally {
      await context.close();
    }
    const { rows } = await stack.db.query(
      `SELECT h.action, h.payload FROM project_history h JOIN project p ON p.id = h.project_id
        WHERE p.code = $1 ORDER BY h.seq DESC LIMIT 1`,
      [project.code],
    );
    expect(rows[0].action).toBe('reportProgress');
    expect(rows[0].payload).toMatchObject({ month: '2026-05', narrative: '渠道衬砌完成六成' });

    // The village operator of the same project is offered visits and notices, not progress.
    const { context: c2, page: p2 } = await newPage(browser, stack.baseUrl, { phone: true });
    try {
      await login(p2, 'mbz-ljc.op');
      await p2.goto(`/projects/${project.code}/field?flow=progress`);
      await p2.locator('[data-test=visit-form]').waitFor();
      expect(await p2.locator('[data-test=flow-progress]').count()).toBe(0);
    } finally {
      await c2.close();
    }

    // On a desk, the step's month picker offers no month of next year.
    const { context: c3, page: p3 } = await newPage(browser, stack.baseUrl);
    try {
      await login(p3, 'mbz.op');
      await p3.goto(`/projects/${project.code}`);
      await p3.locator('[data-test=action-reportProgress]').click();
      await p3.locator('[data-test=field-month] input').click();
      const months = p3.locator('.el-picker-panel:visible .el-month-table td');
      await expect.poll(() => months.count()).toBe(12);
      await p3.locator('.el-picker-panel:visible .d-arrow-right').click();
      await expect
        .poll(() => p3.locator('.el-picker-panel:visible .el-month-table td.disabled').count())
        .toBe(12);
    } finally {
      await c3.close();
    }
  });
});

describe('ledger tabs', () => {
  it('the department records a disbursement through its tab; other levels see no form; a 422 shows beside the field', async () => {
    const project = await aProjectInLuojiang('罗江村产业路（拨付）');
    const count = async () =>
      (
        await stack.db.query('SELECT count(*)::int AS n FROM disbursement WHERE project_id = $1', [
          project.id,
        ])
      ).rows[0].n as number;
    const { context, page } = await newPage(browser, stack.baseUrl);
    try {
      await login(page, 'swj.op');
      await page.goto(`/projects/${project.code}?tab=department`);
      await page.locator('[data-test=open-disbursements]').click();
      await fillDate(page, 'paidOn', '2026-04-20');
      await page.locator('[data-test=lfield-amountFen] input').fill('1,234.56');
      await page.locator('[data-test=lfield-payee] input').fill('庙坝镇人民政府');
      await page.locator('[data-test=lfield-voucherNo] input').fill('记-2026-0420');
      await page.locator('[data-test=lfield-approver] input').fill('李局长');
      await page.locator('[data-test=ledger-submit]').click();
      const row = page.locator('[data-test=table-disbursements] .el-table__row').first();
      await expect.poll(() => row.innerText()).toContain('1,234.56');
      expect(await row.innerText()).toContain('庙坝镇人民政府');
      expect(await count()).toBe(1);

      // More than the fund source allocates (200,000.10 元): the schema allows it, the server
      // refuses it (422), and says so beside the amount; nothing is written.
      await page.locator('[data-test=open-disbursements]').click();
      await fillDate(page, 'paidOn', '2026-04-21');
      await page.locator('[data-test=lfield-amountFen] input').fill('300000');
      await page.locator('[data-test=lfield-payee] input').fill('庙坝镇人民政府');
      await page.locator('[data-test=lfield-voucherNo] input').fill('记-2026-0421');
      await page.locator('[data-test=lfield-approver] input').fill('李局长');
      await page.locator('[data-test=ledger-submit]').click();
      await expect
        .poll(() => page.locator('[data-test=lfield-amountFen] .el-form-item__error').innerText())
        .toContain('超过该资金来源下达的');
      expect(await count()).toBe(1);

      // The department does not keep the site ledger.
      await page.locator('[data-test=tab-site]').click();
      await page.locator('[data-test=ledger-site] [data-test=ledger-readonly]').waitFor();
      expect(await page.locator('[data-test=ledger-site] [data-test^=open-]').count()).toBe(0);
    } finally {
      await context.close();
    }
    const { rows } = await stack.db.query(
      'SELECT amount_fen::text AS fen, paid_on::text AS paid_on, source_position FROM disbursement WHERE project_id = $1',
      [project.id],
    );
    expect(rows).toEqual([{ fen: '123456', paid_on: '2026-04-20', source_position: 0 }]);

    // The village and the township see the department ledger without a form; the village has its own.
    for (const [user, own] of [
      ['mbz-ljc.op', 'site'],
      ['mbz.op', 'implementing'],
      ['mbz.view', null],
    ] as const) {
      const { context: c, page: p } = await newPage(browser, stack.baseUrl);
      try {
        await login(p, user);
        await p.goto(`/projects/${project.code}?tab=department`);
        await p
          .locator('[data-test=ledger-department] [data-test=table-disbursements] .el-table__row')
          .waitFor();
        expect(await p.locator('[data-test=ledger-department] [data-test^=open-]').count(), user).toBe(0);
        for (const l of ['implementing', 'site'] as const) {
          await p.locator(`[data-test=tab-${l}]`).click();
          await p.locator(`[data-test=ledger-${l}]`).waitFor();
          const forms = await p.locator(`[data-test=ledger-${l}] [data-test^=open-]`).count();
          expect(forms > 0, `${user} ${l}`).toBe(l === own);
        }
      } finally {
        await c.close();
      }
    }
  });

  it('marks the fields a record or a step needs, and says what is missing under each field', async () => {
    const project = await aProjectInLuojiang('罗江村产业路（必填）');
    const { context, page } = await newPage(browser, stack.baseUrl);
    try {
      await login(page, 'swj.op');
      /** The fields in `form` marked required, by their data-test. */
      const marks = (form: string) =>
        page
          .locator(`${form} .el-form-item[data-test]`)
          .evaluateAll((items) =>
            items.filter((i) => i.classList.contains('is-required')).map((i) => i.getAttribute('data-test')),
          );
      /** Whether each error in `form` lies below its input, rather than beside it. */
      const errorsBelowInputs = (form: string) =>
        page.locator(`${form} .el-form-item__error`).evaluateAll((errors) =>
          errors.map((e) => {
            const input = e.closest('.el-form-item')!.querySelector('.el-input, .el-select, .el-textarea')!;
            return e.getBoundingClientRect().top >= input.getBoundingClientRect().bottom - 0.5;
          }),
        );

      // The step's form: what transitionSchema requires of 办理设计审批, not its note.
      await page.goto(`/projects/${project.code}`);
      await page.locator('[data-test=action-approveDesign]').click();
      await page.locator('[data-test=form-approveDesign]').waitFor();
      expect(await marks('[data-test=form-approveDesign]')).toEqual(['field-documentNo', 'field-approvedOn']);

      // The ledger's form: a disbursement's source, date, amount, payee, voucher and approver, not its note.
      await page.goto(`/projects/${project.code}?tab=department`);
      await page.locator('[data-test=open-disbursements]').click();
      const form = '[data-test=ledger-form-disbursement]';
      await page.locator(form).waitFor();
      expect(await marks(form)).toEqual([
        'lfield-sourcePosition',
        'lfield-paidOn',
        'lfield-amountFen',
        'lfield-payee',
        'lfield-voucherNo',
        'lfield-approver',
      ]);
      // Sent empty: each missing field says so on a line of its own under its input, the date's too.
      await page.locator('[data-test=ledger-submit]').click();
      await expect.poll(() => page.locator(`${form} .el-form-item__error`).count()).toBe(5);
      expect(await errorsBelowInputs(form)).toEqual([true, true, true, true, true]);
    } finally {
      await context.close();
    }
  });
});

describe('detail table and archives tabs', () => {
  it('downloads a real xlsx and PDF; a tampered archive is refused and said so', async () => {
    const project = await aProjectInLuojiang('罗江村水池（明细表）');
    const village = await Session.login(stack.baseUrl, 'mbz-ljc.op');
    const photo = aPng();
    // The smallest well-formed PDF: a real file for the browser's viewer.
    const pdfBytes0 = Buffer.from(
      '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
    );
    const up = await village.upload(
      `/api/projects/${project.code}/archives?ledger=site&stage=approved&fileName=${encodeURIComponent('公示照片.png')}`,
      photo,
      'image/png',
      '公示照片.png',
    );
    expect(up.status).toBe(201);
    const pdfUp = await swj.upload(
      `/api/projects/${project.code}/archives?ledger=department&stage=approved&item=approvalDocument&fileName=${encodeURIComponent('立项批复.pdf')}`,
      pdfBytes0,
      'application/pdf',
      '立项批复.pdf',
    );
    expect(pdfUp.status).toBe(201);

    const { context, page } = await newPage(browser, stack.baseUrl);
    try {
      await login(page, 'swj.op');
      await page.goto(`/projects/${project.code}?tab=detail`);
      await expect.poll(() => page.locator('[data-test=detail-project]').innerText()).toContain(project.code);

      const [xlsx] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('[data-test=download-xlsx] button').click(),
      ]);
      expect(xlsx.suggestedFilename()).toBe(`项目明细表-${project.code}.xlsx`);
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(fs.readFileSync((await xlsx.path())!) as unknown as ArrayBuffer);
      const cells: string[] = [];
      book.worksheets[0]!.eachRow((r) => r.eachCell((c) => cells.push(String(c.value))));
      expect(cells.join('|')).toContain('罗江村水池（明细表）');

      const [pdf] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('[data-test=download-pdf] button').click(),
      ]);
      const pdfBytes = fs.readFileSync((await pdf.path())!);
      expect(pdfBytes.subarray(0, 5).toString()).toBe('%PDF-');
      expect(pdfBytes.subarray(-8).toString()).toContain('%%EOF');

      // Archives: the photo is listed under its stage; the checklist says what is missing.
      await page.locator('[data-test=tab-archives]').click();
      const docRow = page.locator('[data-test=archive-documents] .el-table__row', {
        hasText: '公示照片.png',
      });
      await docRow.waitFor();
      expect(await docRow.innerText()).toContain(sha256(photo).slice(0, 12));
      expect(await page.locator('[data-test=check-approvalDocument]').innerText()).toContain('已上传');
      expect(await page.locator('[data-test=check-designApproval]').innerText()).toContain('缺');
      // The department may upload to its own ledger only.
      expect(await page.locator('[data-test=archive-upload]').count()).toBe(1);

      // A PDF opens in a new tab, fetched through the integrity-checked download.
      const pdfRow = page.locator('[data-test=archive-documents] .el-table__row', {
        hasText: '立项批复.pdf',
      });
      const [tab] = await Promise.all([
        context.waitForEvent('page'),
        pdfRow.locator('[data-test=archive-preview]').click(),
      ]);
      await tab.waitForURL(/^blob:/);
      await tab.close();

      // Someone changes the file in storage: the preview is refused, plainly.
      const { rows } = await stack.db.query('SELECT storage_key FROM archive_document WHERE id = $1', [
        up.body.id,
      ]);
      const file = path.join(stack.dataDir, 'archives', rows[0].storage_key);
      const tampered = Buffer.from(photo);
      tampered[40] = tampered[40]! ^ 0xff;
      fs.writeFileSync(file, tampered);
      await docRow.locator('[data-test=archive-preview]').click();
      await expect.poll(() => page.locator('.integrity-box').innerText()).toContain('档案完整性校验失败');
      expect(await page.locator('.integrity-box').innerText()).toContain('SHA-256');
      expect(await page.locator('[data-test=archive-image]').count()).toBe(0);
      await page.locator('.integrity-box .el-button--primary').click();
      await docRow.locator('[data-test=integrity-failed]').waitFor();
      await page.locator('[data-test=integrity-banner]').waitFor();
    } finally {
      await context.close();
    }
  });
});

describe('the way back from a project', () => {
  it('leads to the list as it was left, by the 返回 button and by the breadcrumb', async () => {
    const name = `返回测试${Date.now()}`;
    const projects = [await aProjectInLuojiang(`${name}甲`), await aProjectInLuojiang(`${name}乙`)];
    const { context, page } = await newPage(browser, stack.baseUrl);
    try {
      await login(page, 'swj.op');
      const list = `/projects?q=${encodeURIComponent(name)}&pageSize=10`;
      await page.goto(list);
      const rows = page.locator('.el-table__row', { hasText: name });
      await expect.poll(() => rows.count()).toBe(2);
      for (const via of ['back', 'breadcrumb'] as const) {
        await rows.first().click();
        await page.waitForURL(new RegExp(`/projects/(${projects.map((p) => p.code).join('|')})$`));
        await page.locator('.back').waitFor();
        if (via === 'back') await page.locator('.back').click();
        else
          await page
            .locator('[data-test=breadcrumbs] .el-breadcrumb__inner', { hasText: '项目列表' })
            .click();
        await page.waitForURL((u) => u.pathname === '/projects');
        expect(`${new URL(page.url()).pathname}${new URL(page.url()).search}`, via).toBe(list);
        await expect.poll(() => rows.count()).toBe(2);
      }
    } finally {
      await context.close();
    }
  });
});
