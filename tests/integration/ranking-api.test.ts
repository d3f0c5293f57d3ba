/**
 * The ranking's api over the fixture county (tests/support/ranking-fixture.ts): the supervision
 * office backfills a month once (a second run changes nothing), bad months are 422 naming the
 * field, other accounts are refused and change nothing; county-wide accounts read the report and
 * its exports; a unit reads its own drill-down, whose projects add up to its figures; every run
 * leaves audit rows. The standings of a month so far (the preview) are the same computation over
 * the days up to a given one, never stored.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedRankingFixture } from '../support/ranking-fixture.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let office: Session;
let leader: Session;
let xqz: Session;
let units: Map<string, string>;
beforeAll(async () => {
  stack = await startTestStack();
  await seedRankingFixture(stack.db);
  office = await Session.login(stack.baseUrl, 'supervisor');
  leader = await Session.login(stack.baseUrl, 'leader');
  xqz = await Session.login(stack.baseUrl, 'xqz.op');
  const rows = (await stack.db.query<{ code: string; id: string }>('SELECT code, id FROM org_unit')).rows;
  units = new Map(rows.map((r) => [r.code, r.id]));
}, 240_000);
afterAll(async () => {
  await stack?.stop();
});

const reports = async () =>
  (await stack.db.query('SELECT month, computed_at, report FROM ranking_report ORDER BY month')).rows;

describe('ranking api', () => {
  it('the supervision office backfills June once; a second run answers created: false and changes nothing', async () => {
    const first = await office.post('/api/ranking/runs', { month: '2026-06' });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ month: '2026-06', created: true, workflowId: 'ranking-2026-06' });
    const before = await reports();
    const second = await office.post('/api/ranking/runs', { month: '2026-06' });
    expect(second.body).toEqual({ month: '2026-06', created: false, workflowId: 'ranking-2026-06' });
    expect(await reports()).toEqual(before);
    const trail = await stack.db.query(
      `SELECT action, actor_username, via FROM audit_log WHERE entity = 'ranking_report' AND entity_id = '2026-06' ORDER BY id`,
    );
    expect(trail.rows).toEqual([
      { action: 'ranking.store', actor_username: 'system', via: 'activity' },
      { action: 'ranking.backfill', actor_username: 'supervisor', via: 'api' },
      { action: 'ranking.backfill', actor_username: 'supervisor', via: 'api' },
    ]);
  });

  it('refuses a month not over, a malformed month and an outsider, changing nothing', async () => {
    const before = await reports();
    const future = await office.post('/api/ranking/runs', { month: '2099-01' });
    expect(future.status).toBe(422);
    expect(JSON.stringify(future.body.error)).toContain('body.month');
    const bad = await office.request(
      'POST',
      '/api/ranking/runs',
      { month: '2026-13' },
      { 'accept-language': 'en' },
    );
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body.error)).toContain('month');
    const extra = await office.post('/api/ranking/runs', { month: '2026-05', extra: 1 });
    expect(extra.status).toBe(422);
    expect((await xqz.post('/api/ranking/runs', { month: '2026-05' })).status).toBe(403);
    expect((await leader.post('/api/ranking/runs', {})).status).toBe(403);
    expect(await reports()).toEqual(before);
  });

  it('county-wide accounts read the months and the report; a unit may not', async () => {
    const months = await leader.get('/api/ranking/months');
    expect(months.body.items.map((m: { month: string; trigger: string }) => [m.month, m.trigger])).toEqual([
      ['2026-06', 'backfill'],
    ]);
    const june = await leader.get('/api/ranking/months/2026-06');
    expect(june.status).toBe(200);
    expect(june.body.groups.township.slice(0, 2).map((r: any) => [r.unitCode, r.rank, r.total])).toEqual([
      ['mbz', 1, '69.41'],
      ['xqz', 2, '66.14'],
    ]);
    expect((await leader.get('/api/ranking/months/2026-01')).status).toBe(404);
    expect((await leader.get('/api/ranking/months/26-01')).status).toBe(422);
    expect((await xqz.get('/api/ranking/months')).status).toBe(403);
    expect((await xqz.get('/api/ranking/months/2026-06')).status).toBe(403);
  });

  it('a unit drills down to the projects behind its own figures, and only its own', async () => {
    const res = await xqz.get(`/api/ranking/months/2026-06/units/${units.get('xqz')}`);
    expect(res.status).toBe(200);
    const { row, projects } = res.body;
    expect(projects.map((p: { code: string }) => p.code)).toEqual(['RK-P2', 'RK-P4']);
    const sum = (f: (p: any) => number) => String(projects.reduce((s: number, p: any) => s + f(p), 0));
    expect(sum((p) => Number(p.budgetFen))).toBe(row.inputs.budgetFen);
    expect(sum((p) => Number(p.disbursedFen))).toBe(row.inputs.disbursedFen);
    expect(sum((p) => (p.overdueDays === null ? 0 : 1))).toBe(row.inputs.overdueProjects);
    expect(sum((p) => p.overdueDays ?? 0)).toBe(row.inputs.overdueDays);
    expect(sum((p) => (p.progressOnTime ? 1 : 0))).toBe(row.inputs.progressOnTime);
    expect(sum((p) => (p.visitOnTime ? 1 : 0))).toBe(row.inputs.visitsOnTime);
    expect(projects.find((p: any) => p.code === 'RK-P2').reachedStage).toBe('underway'); // 竣工 on July 15th
    expect((await xqz.get(`/api/ranking/months/2026-06/units/${units.get('mbz')}`)).status).toBe(403);
    const history = await xqz.get(`/api/ranking/units/${units.get('xqz')}`);
    expect(history.body.items.map((i: any) => [i.month, i.group, i.row.rank])).toEqual([
      ['2026-06', 'township', 2],
    ]);
    expect((await leader.get(`/api/ranking/months/2026-06/units/${units.get('mbz')}`)).status).toBe(200);
  });

  it('exports the month as xlsx and PDF', async () => {
    const xlsx = await leader.download('/api/ranking/months/2026-06/export?format=xlsx');
    expect(xlsx.status).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.bytes as unknown as ArrayBuffer);
    const sheet = book.getWorksheet('乡镇（街道）')!;
    const rows: unknown[][] = [];
    sheet.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
    const xqzRow = rows.find((r) => r[1] === '修齐镇')!;
    // No May report in this county: a ranked unit without a previous rank is 新 (new).
    expect([xqzRow[0], xqzRow.at(-2), xqzRow.at(-1)]).toEqual([2, 66.14, '新']);
    expect(book.getWorksheet('指标与权重')!.rowCount).toBeGreaterThan(12);
    // Computed when, on the county's clock (UTC+8).
    const [{ computed_at }] = (
      await stack.db.query(`SELECT computed_at FROM ranking_report WHERE month = '2026-06'`)
    ).rows as [{ computed_at: Date }];
    const beijing = new Date(computed_at.getTime() + 8 * 3600_000)
      .toISOString()
      .slice(0, 16)
      .replace('T', ' ');
    expect(String(sheet.getRow(2).getCell(1).value)).toContain(`生成 ${beijing}（北京时间）`);
    const pdf = await leader.download('/api/ranking/months/2026-06/export?format=pdf');
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toContain('application/pdf');
    expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    // Its 生成时间 too.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranking-pdf-'));
    fs.writeFileSync(path.join(dir, 'r.pdf'), pdf.bytes);
    const text = execFileSync('pdftotext', [path.join(dir, 'r.pdf'), '-'], { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(text.replace(/\s+/g, ' ')).toContain(`生成时间 ${beijing}`);
    expect((await leader.download('/api/ranking/months/2026-06/export?format=doc')).status).toBe(422);
    expect((await xqz.download('/api/ranking/months/2026-06/export?format=pdf')).status).toBe(403);
  });

  describe('the month so far (preview)', () => {
    const count = async () =>
      (await stack.db.query('SELECT count(*)::int AS n FROM ranking_report')).rows[0].n;

    it("as of June's last day ranks exactly as June's stored report, and stores nothing", async () => {
      const stored = (await leader.get('/api/ranking/months/2026-06')).body;
      const before = await count();
      const res = await leader.get('/api/ranking/preview?asOf=2026-06-30');
      expect(res.status).toBe(200);
      expect(res.body.asOf).toBe('2026-06-30');
      expect([res.body.report.month, res.body.report.cutoff]).toEqual(['2026-06', '2026-07-01']);
      expect(res.body.report.groups).toEqual(stored.groups);
      expect(await count()).toBe(before);
    });

    it('as of mid-June counts the days up to it only: a later payment, progress entry or step is not yet there', async () => {
      const swj = units.get('swj')!;
      const mid = await leader.get(`/api/ranking/preview/units/${swj}?asOf=2026-06-15`);
      const end = await leader.get(`/api/ranking/preview/units/${swj}?asOf=2026-06-30`);
      expect([mid.status, end.status]).toEqual([200, 200]);
      const p = (r: typeof mid, code: string) =>
        r.body.projects.find((x: { code: string }) => x.code === code);
      // RK-P1: 3,000 yuan paid in March, 4,000 on June 20th.
      expect([p(mid, 'RK-P1').disbursedFen, p(end, 'RK-P1').disbursedFen]).toEqual(['300000', '700000']);
      // RK-P2: June's progress entered on the 28th, its site visit on the 12th.
      expect([p(mid, 'RK-P2').progressOnTime, p(end, 'RK-P2').progressOnTime]).toEqual([false, true]);
      expect([p(mid, 'RK-P2').visitOnTime, p(end, 'RK-P2').visitOnTime]).toEqual([true, true]);
      // The unit's row adds up its projects, as the stored drill-down does.
      const sum = (f: (x: any) => number) =>
        String(mid.body.projects.reduce((s: number, x: any) => s + f(x), 0));
      expect(sum((x) => Number(x.disbursedFen))).toBe(mid.body.row.inputs.disbursedFen);
      expect(sum((x) => (x.progressOnTime ? 1 : 0))).toBe(mid.body.row.inputs.progressOnTime);
      const table = await leader.get('/api/ranking/preview?asOf=2026-06-15');
      expect(table.body.report.groups.department.find((r: any) => r.unitId === swj)).toEqual(mid.body.row);
    });

    it('today by default, answered again from the same computation for a while', async () => {
      const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
      const first = await leader.get('/api/ranking/preview');
      expect(first.status).toBe(200);
      expect([first.body.asOf, first.body.report.month]).toEqual([today, today.slice(0, 7)]);
      const again = await office.get('/api/ranking/preview');
      expect(again.body.report.computedAt).toBe(first.body.report.computedAt);
    });

    it('refuses a day after today, a malformed day and a unit account, naming the field', async () => {
      const future = await leader.request('GET', '/api/ranking/preview?asOf=2099-01-01', undefined, {
        'accept-language': 'en',
      });
      expect(future.status).toBe(422);
      expect(future.body.error.details).toEqual([{ path: 'query.asOf', message: 'not after today' }]);
      const bad = await leader.get('/api/ranking/preview?asOf=2026-06-31');
      expect(bad.status).toBe(422);
      expect(JSON.stringify(bad.body.error)).toContain('query.asOf');
      expect((await xqz.get('/api/ranking/preview')).status).toBe(403);
      expect((await xqz.get(`/api/ranking/preview/units/${units.get('xqz')}`)).status).toBe(403);
      const outside = await leader.get(`/api/ranking/preview/units/${units.get('xqz-btc')}?asOf=2026-06-30`);
      expect(outside.status).toBe(404);
    });
  });
});
