/**
 * GET /api/statistics and its xlsx export over the fixture county (tests/support/statistics-fixture.ts):
 * the figures equal those computed by hand below; cells add up to their row and column totals where
 * the dimension gives each project one value, and money adds up by fund source even where counts
 * cannot; each cell's projects are the project list's for the cell's keys; a township account counts
 * only its scope; bad dimensions and filters are a 422 naming the parameter.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { yuanCell } from '#domain/money.js';
import { seedStatisticsFixture } from '../support/statistics-fixture.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let leader: Session;
beforeAll(async () => {
  stack = await startTestStack();
  await seedStatisticsFixture(stack.db);
  leader = await Session.login(stack.baseUrl, 'leader');
}, 240_000);
afterAll(async () => {
  await stack?.stop();
});

/** Figures as the api sends them, from hand-counted 分. */
const fig = (
  projects: number,
  budget: number,
  allocated: number,
  disbursed: number,
  bp: number | null,
  overdue: number,
) => ({
  projects,
  budgetFen: String(budget),
  allocatedFen: String(allocated),
  disbursedFen: String(disbursed),
  disbursedBasisPoints: bp,
  overdueProjects: overdue,
});
const strip = ({ key: _k, label: _l, row: _r, column: _c, ...f }: any) => f;
const byKey = (members: any[]) => Object.fromEntries(members.map((m) => [m.key, strip(m)]));
const cellsOf = (body: any) =>
  Object.fromEntries(body.cells.map((c: any) => [`${c.row}/${c.column}`, strip(c)]));

/*
 * By hand, per project (money of a cancelled project left out):
 *   P1 mbz          underway  2026 swj 饮水安全  budget 1,500,000  allocated 1,000,000  paid   500,000  overdue
 *   P2 xqz          completed 2026 swj 饮水安全         2,000,000            2,000,000       2,000,000
 *   P3 mbz+xqz      underway  2026 jtj 交通             4,000,000            4,000,000       1,500,000  overdue
 *   P4 bsz          closed    2025 jtj 交通               800,000              800,000         800,000
 *   P5 mbz          cancelled 2026 swj 饮水安全                 0                    0               0
 *   P6 xqz          approved  2025 swj 产业               700,000                    0               0  (reminder only)
 */
const TOTAL = fig(6, 9_000_000, 7_800_000, 4_800_000, 5333, 2); // 4.8 ÷ 9 = 0.53333…

describe('statistics over the fixture', () => {
  it('township × stage: cells, row totals, column totals and the total are the hand-computed figures', async () => {
    const res = await leader.get('/api/statistics?rows=township&columns=stage');
    expect(res.status).toBe(200);
    const b = res.body;
    expect(b.scope.kind).toBe('county');
    expect(b.total).toEqual(TOTAL);
    expect(b.rows).toMatchObject({ dimension: 'township', exclusive: false });
    expect(b.rows.members.map((m: any) => [m.key, m.label])).toEqual([
      ['bsz', '巴山镇'],
      ['mbz', '庙坝镇'],
      ['xqz', '修齐镇'],
    ]);
    expect(byKey(b.rows.members)).toEqual({
      mbz: fig(3, 5_500_000, 5_000_000, 2_000_000, 3636, 2), // P1 P3 P5
      xqz: fig(3, 6_700_000, 6_000_000, 3_500_000, 5223, 1), // P2 P3 P6
      bsz: fig(1, 800_000, 800_000, 800_000, 10000, 0), // P4
    });
    // Stages in lifecycle order, labelled in Chinese.
    expect(b.columns.members.map((m: any) => m.key)).toEqual([
      'approved',
      'underway',
      'completed',
      'closed',
      'cancelled',
    ]);
    expect(b.columns.members[0].label).toBe('已立项');
    expect(byKey(b.columns.members)).toEqual({
      approved: fig(1, 700_000, 0, 0, 0, 0),
      underway: fig(2, 5_500_000, 5_000_000, 2_000_000, 3636, 2),
      completed: fig(1, 2_000_000, 2_000_000, 2_000_000, 10000, 0),
      closed: fig(1, 800_000, 800_000, 800_000, 10000, 0),
      cancelled: fig(1, 0, 0, 0, null, 0),
    });
    expect(cellsOf(b)).toEqual({
      'mbz/underway': fig(2, 5_500_000, 5_000_000, 2_000_000, 3636, 2),
      'mbz/cancelled': fig(1, 0, 0, 0, null, 0),
      'xqz/approved': fig(1, 700_000, 0, 0, 0, 0),
      'xqz/underway': fig(1, 4_000_000, 4_000_000, 1_500_000, 3750, 1),
      'xqz/completed': fig(1, 2_000_000, 2_000_000, 2_000_000, 10000, 0),
      'bsz/closed': fig(1, 800_000, 800_000, 800_000, 10000, 0),
    });
  });

  it('fund source splits money exactly (Σ = total) while a project drawing on two sources counts under each', async () => {
    const { body } = await leader.get('/api/statistics?rows=fundSource&columns=year');
    expect(byKey(body.rows.members)).toEqual({
      centralSpecial: fig(4, 3_800_000, 3_800_000, 3_200_000, 8421, 1), // P1 P2 P4 P5
      countySpecial: fig(3, 4_200_000, 3_000_000, 1_600_000, 3809, 2), // P1 P3 P6
      social: fig(1, 1_000_000, 1_000_000, 0, 0, 1), // P3
    });
    expect(body.total).toEqual(TOTAL);
    const sum = (k: string) => body.rows.members.reduce((a: bigint, m: any) => a + BigInt(m[k]), 0n);
    for (const k of ['budgetFen', 'allocatedFen', 'disbursedFen']) expect(String(sum(k))).toBe(body.total[k]);
    expect(body.rows.members.reduce((a: number, m: any) => a + m.projects, 0)).toBe(8);
    expect(byKey(body.columns.members)).toEqual({
      '2025': fig(2, 1_500_000, 800_000, 800_000, 5333, 0),
      '2026': fig(4, 7_500_000, 7_000_000, 4_000_000, 5333, 2),
    });
    expect(cellsOf(body)['countySpecial/2026']).toEqual(fig(2, 3_500_000, 3_000_000, 1_600_000, 4571, 2));
  });

  it('a filter narrows every figure, as the list’s filter does (fund source: its money only)', async () => {
    const { body } = await leader.get('/api/statistics?rows=stage&year=2026&fundSource=countySpecial');
    expect(body.filter).toEqual({ year: 2026, fundSource: 'countySpecial' });
    expect(body.total).toEqual(fig(2, 3_500_000, 3_000_000, 1_600_000, 4571, 2)); // P1's and P3's county money
    const one = await leader.get('/api/statistics?rows=department&type=交通');
    expect(byKey(one.body.rows.members)).toEqual({ jtj: fig(2, 4_800_000, 4_800_000, 2_300_000, 4791, 1) });
  });

  it('cells of one-valued dimensions add up to their row totals, column totals and the total', async () => {
    for (const [rows, columns] of [
      ['department', 'stage'],
      ['year', 'type'],
      ['stage', 'year'],
    ]) {
      const { body } = await leader.get(`/api/statistics?rows=${rows}&columns=${columns}`);
      expect(body.rows.exclusive && body.columns.exclusive).toBe(true);
      const add = (list: any[]) =>
        ['projects', 'budgetFen', 'allocatedFen', 'disbursedFen', 'overdueProjects'].map((k) =>
          String(list.reduce((a, x) => a + BigInt(x[k]), 0n)),
        );
      const whole = (f: any) => add([f]);
      for (const r of body.rows.members)
        expect(add(body.cells.filter((c: any) => c.row === r.key))).toEqual(whole(r));
      for (const c of body.columns.members)
        expect(add(body.cells.filter((x: any) => x.column === c.key))).toEqual(whole(c));
      expect(add(body.rows.members)).toEqual(whole(body.total));
      expect(add(body.columns.members)).toEqual(whole(body.total));
      expect(add(body.cells)).toEqual(whole(body.total));
    }
  });

  it('each cell’s projects are the project list’s for its keys (drill-down), filters carried along', async () => {
    for (const [rows, columns, extra] of [
      ['township', 'stage', ''],
      ['type', 'fundSource', ''],
      ['village', 'department', '&year=2026'],
    ]) {
      const { body } = await leader.get(`/api/statistics?rows=${rows}&columns=${columns}${extra}`);
      expect(body.cells.length).toBeGreaterThan(1);
      for (const cell of body.cells) {
        const q = new URLSearchParams({ [rows!]: cell.row, [columns!]: cell.column, pageSize: '200' });
        const list = await leader.get(`/api/projects?${q}${extra}`);
        expect(list.status).toBe(200);
        expect(list.body.total, `${rows}=${cell.row} ${columns}=${cell.column}`).toBe(cell.projects);
      }
      for (const r of body.rows.members) {
        const list = await leader.get(`/api/projects?${new URLSearchParams({ [rows!]: r.key })}${extra}`);
        expect(list.body.total).toBe(r.projects);
      }
    }
    // The cell (xqz, underway) is P3 alone: the list shows exactly that project.
    const list = await leader.get('/api/projects?township=xqz&stage=underway');
    expect(list.body.items.map((p: any) => p.code)).toEqual(['ST-P3']);
  });

  it('a township account counts only the projects of its scope', async () => {
    const xqz = await Session.login(stack.baseUrl, 'xqz.view');
    const { body } = await xqz.get('/api/statistics?rows=stage');
    expect(body.scope).toEqual({ kind: 'township', unit: { code: 'xqz', name: '修齐镇' } });
    expect(body.total).toEqual(fig(3, 6_700_000, 6_000_000, 3_500_000, 5223, 1)); // P2 P3 P6
    expect(byKey(body.rows.members)).toEqual({
      approved: fig(1, 700_000, 0, 0, 0, 0),
      underway: fig(1, 4_000_000, 4_000_000, 1_500_000, 3750, 1),
      completed: fig(1, 2_000_000, 2_000_000, 2_000_000, 10000, 0),
    });
    // By township it sees P3 under 庙坝镇 too (a village of its own), but nothing else of 庙坝镇's.
    const t = await xqz.get('/api/statistics?rows=township');
    expect(byKey(t.body.rows.members)).toEqual({
      xqz: fig(3, 6_700_000, 6_000_000, 3_500_000, 5223, 1),
      mbz: fig(1, 4_000_000, 4_000_000, 1_500_000, 3750, 1),
    });
    const other = await xqz.get('/api/statistics?rows=stage&township=bsz');
    expect(other.body.total).toEqual(fig(0, 0, 0, 0, null, 0));
  });

  it.each([
    ['rows=nothing', 'query.rows'],
    ['rows=stage&columns=stage', 'query.columns'],
    ['columns=owner', 'query.columns'],
    ['year=1999', 'query.year'],
    ['stage=finished', 'query.stage'],
    ['fundSource=lottery', 'query.fundSource'],
  ])('?%s is a 422 naming %s', async (q, field) => {
    for (const path of ['/api/statistics', '/api/statistics/export']) {
      const res = await leader.get(`${path}?${q}`);
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.map((d: any) => d.path)).toContain(field);
    }
  });

  it('exports the same figures as xlsx, 元 with two decimals exact to the 分', async () => {
    const file = await leader.download('/api/statistics/export?rows=township&columns=stage');
    expect(file.status).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(file.bytes as unknown as ArrayBuffer);
    const ws = book.worksheets[0]!;
    const lines: unknown[][] = [];
    ws.eachRow((row) => lines.push((row.values as unknown[]).slice(1)));
    expect(lines[1]).toEqual([
      '乡镇',
      '阶段',
      '项目个数',
      '批复预算（元）',
      '已下达（元）',
      '已拨付（元）',
      '拨付率（%）',
      '逾期项目数',
    ]);
    expect(lines).toContainEqual(['修齐镇', '实施中', 1, 40000, 40000, 15000, 37.5, 1]);
    expect(lines).toContainEqual(['庙坝镇', '小计', 3, 55000, 50000, 20000, 36.36, 2]);
    expect(lines).toContainEqual(['合计', '合计', 6, 90000, 78000, 48000, 53.33, 2]);
    expect(ws.getCell('D3').numFmt).toBe('#,##0.00');
    // From 10^15 分 Excel's 15 digits are no longer exact: the cell keeps the exact text.
    expect(yuanCell('12345')).toBe(123.45);
    expect(yuanCell('90071992547409931')).toBe('900,719,925,474,099.31');
  });
});
