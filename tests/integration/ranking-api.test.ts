/**
 * The ranking's api over the fixture county (tests/support/ranking-fixture.ts): the supervision
 * office backfills a month once (a second run changes nothing), bad months are 422 naming the
 * field, other accounts are refused and change nothing; county-wide accounts read the report and
 * its exports; a unit reads its own drill-down, whose projects add up to its figures; every run
 * leaves audit rows.
 */
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
    const pdf = await leader.download('/api/ranking/months/2026-06/export?format=pdf');
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toContain('application/pdf');
    expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect((await leader.download('/api/ranking/months/2026-06/export?format=doc')).status).toBe(422);
    expect((await xqz.download('/api/ranking/months/2026-06/export?format=pdf')).status).toBe(403);
  });
});
