/**
 * The project list's server-side sorting and its new filters (overdue kind, fund source), the 422s
 * for what it does not accept, and the xlsx export of the same filtered list read back with exceljs.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatYuan } from '#domain/money.js';
import { seedSmallCounty } from '../support/dashboard-figures.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let leader: Session;
beforeAll(async () => {
  stack = await startTestStack({ deadlines: { enabled: true } });
  await seedSmallCounty(stack);
  leader = await Session.login(stack.baseUrl, 'leader');
}, 240_000);
afterAll(async () => {
  await stack?.stop();
});

const codes = (body: { items: { code: string }[] }) => body.items.map((i) => i.code);
async function sqlCodes(sql: string, params: unknown[] = []): Promise<string[]> {
  return (await stack.db.query(sql, params)).rows.map((r) => r.code);
}

describe('sorting', () => {
  it('sorts by budget, either way, ties broken by code', async () => {
    const desc = await leader.get('/api/projects?sort=budget&order=desc&pageSize=200');
    expect(desc.status).toBe(200);
    expect(codes(desc.body)).toEqual(
      await sqlCodes('SELECT code FROM project ORDER BY budget_fen DESC, code DESC'),
    );
    const asc = await leader.get('/api/projects?sort=budget&pageSize=200');
    expect(codes(asc.body)).toEqual(await sqlCodes('SELECT code FROM project ORDER BY budget_fen, code'));
  });

  it('sorts stages in lifecycle order, not alphabetically', async () => {
    const res = await leader.get('/api/projects?sort=stage&pageSize=200');
    const order = [
      'approved',
      'designApproved',
      'methodFixed',
      'underway',
      'completed',
      'rectifying',
      'accepted',
      'reimbursed',
      'afterCare',
      'closed',
      'cancelled',
    ];
    const stages = res.body.items.map((i: { stage: string }) => order.indexOf(i.stage));
    expect(stages).toEqual([...stages].sort((a, b) => a - b));
    expect(new Set(stages).size).toBeGreaterThan(4);
  });

  it('pages through a sorted list without overlap or gap', async () => {
    const all = codes((await leader.get('/api/projects?sort=name&order=desc&pageSize=200')).body);
    const pages: string[] = [];
    for (let page = 1; page <= 4; page++)
      pages.push(
        ...codes((await leader.get(`/api/projects?sort=name&order=desc&pageSize=3&page=${page}`)).body),
      );
    expect(pages).toEqual(all);
    expect(all).toEqual(await sqlCodes('SELECT code FROM project ORDER BY name DESC, code DESC'));
  });

  it.each([
    ['sort=budget_fen', 'query.sort'],
    ['sort=code;DROP TABLE project', 'query.sort'],
    ['order=sideways', 'query.order'],
    ['fundSource=lottery', 'query.fundSource'],
    ['overdue=late', 'query.overdue'],
    ['year=1999', 'query.year'],
    ['year=20261', 'query.year'],
    ['year=2026.5', 'query.year'],
  ])('refuses %s with a 422 naming the parameter, no stack trace', async (qs, path) => {
    for (const url of [`/api/projects?${qs}`, `/api/projects/export?${qs}`]) {
      const res = await leader.get(url);
      expect(res.status, url).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
    }
  });
});

describe('keyset paging (after / before)', () => {
  const SORTS = [
    '',
    'sort=code',
    'sort=name&order=desc',
    'sort=year',
    'sort=budget&order=desc',
    'sort=stage',
    'sort=plannedStart',
    'sort=plannedCompletion&order=desc',
    'sort=progress',
    'sort=updated&order=desc',
    'sort=daysLate&order=desc',
  ];
  const list = (qs: string) => leader.get(`/api/projects?${qs}&pageSize=3`);

  it.each(SORTS)(
    '%s: forward by nextCursor and back by prevCursor, the same pages as by number, none missed or twice',
    async (qs) => {
      const all = codes((await leader.get(`/api/projects?${qs}&pageSize=200`)).body);
      expect(all.length).toBeGreaterThan(6);
      let res = await list(qs);
      expect(res.body.prevCursor).toBeNull();
      const forward: string[][] = [];
      for (;;) {
        expect(res.status).toBe(200);
        expect(res.body.total).toBe(all.length);
        forward.push(codes(res.body));
        if (!res.body.nextCursor) break;
        res = await list(`${qs}&page=${forward.length + 1}&after=${res.body.nextCursor}`);
        expect(res.body.page).toBe(forward.length + 1);
        expect(res.body.prevCursor).toEqual(expect.any(String));
      }
      expect(forward.flat()).toEqual(all);
      for (const [i, page] of forward.entries())
        expect(codes((await list(`${qs}&page=${i + 1}`)).body)).toEqual(page);
      const backward = [codes(res.body)];
      while (res.body.prevCursor) {
        res = await list(`${qs}&before=${res.body.prevCursor}`);
        expect(res.body.nextCursor).toEqual(expect.any(String));
        backward.unshift(codes(res.body));
      }
      expect(backward).toEqual(forward);
    },
  );

  it('keeps the filters: a township walks its own projects only', async () => {
    const xqz = await Session.login(stack.baseUrl, 'xqz.view');
    const all = codes((await xqz.get('/api/projects?stage=underway&pageSize=200')).body);
    const seen: string[] = [];
    let res = await xqz.get('/api/projects?stage=underway&pageSize=1');
    for (;;) {
      seen.push(...codes(res.body));
      if (!res.body.nextCursor) break;
      res = await xqz.get(`/api/projects?stage=underway&pageSize=1&after=${res.body.nextCursor}`);
    }
    expect(seen).toEqual(all);
    expect(all.length).toBeGreaterThan(0);
  });

  const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  it.each([
    ['after=not-a-cursor', 'query.after'],
    [`after=${encode(['', '-2026'])}`, 'query.after'], // a key short
    [`after=${encode(['', 'x', 'CK'])}`, 'query.after'], // not an integer
    [`after=${encode(['', '-99999999999', 'CK'])}`, 'query.after'], // out of range
    [`before=${encode(['updated.desc', 'yesterday', 'CK'])}&sort=updated&order=desc`, 'query.before'],
    [`after=${encode(['budget.desc', '100', 'CK'])}&sort=budget`, 'query.after'], // another sort's
    [`after=${encode(['', '-2026', 'CK'])}&before=${encode(['', '-2026', 'CK'])}`, 'query.before'],
  ])('refuses %s with a 422 naming %s', async (qs, path) => {
    const res = await leader.get(`/api/projects?${qs}`);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it('takes a well-formed cursor of no project as a place in the order', async () => {
    const all = codes((await leader.get('/api/projects?sort=code&pageSize=200')).body);
    const res = await leader.get(
      `/api/projects?sort=code&pageSize=200&after=${encode(['code.asc', all[2]])}`,
    );
    expect(codes(res.body)).toEqual(all.slice(3));
    const none = await leader.get(`/api/projects?sort=code&after=${encode(['code.asc', 'zzzzzzzz'])}`);
    expect(none.body).toMatchObject({ items: [], nextCursor: null, prevCursor: null });
  });
});

describe('filters', () => {
  it('by fund source: the projects drawing on it', async () => {
    const res = await leader.get('/api/projects?fundSource=social&sort=code&pageSize=200');
    const want = await sqlCodes(
      `SELECT code FROM project p WHERE EXISTS (SELECT 1 FROM project_fund_source s WHERE s.project_id = p.id AND s.kind = 'social') ORDER BY code`,
    );
    expect(want.length).toBeGreaterThan(0);
    expect(want.length).toBeLessThan(10);
    expect(codes(res.body)).toEqual(want);
  });

  it('by overdue kind: projects with an active overdue alert of that kind, combined with other filters', async () => {
    const kinds = (
      await stack.db.query(
        `SELECT DISTINCT kind FROM alert WHERE status = 'active' AND step <> 'reminder' ORDER BY kind`,
      )
    ).rows.map((r) => r.kind as string);
    expect(kinds.length).toBeGreaterThan(0);
    for (const kind of kinds) {
      const res = await leader.get(`/api/projects?overdue=${kind}&township=xqz&sort=code&pageSize=200`);
      const want = await sqlCodes(
        `SELECT p.code FROM project p JOIN org_unit o ON o.id = p.owner_unit_id
          WHERE EXISTS (SELECT 1 FROM alert a WHERE a.project_id = p.id AND a.status = 'active' AND a.step <> 'reminder' AND a.kind = $1)
            AND (o.code = 'xqz' OR EXISTS (SELECT 1 FROM project_village pv JOIN org_unit v ON v.id = pv.village_id
                  JOIN org_unit t ON t.id = v.parent_id WHERE pv.project_id = p.id AND t.code = 'xqz'))
          ORDER BY p.code`,
        [kind],
      );
      expect(codes(res.body), kind).toEqual(want);
      expect(res.body.total).toBe(want.length);
    }
  });
});

async function readXlsx(bytes: Buffer) {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(bytes as unknown as ArrayBuffer);
  const sheet = book.worksheets[0]!;
  const rows: ExcelJS.CellValue[][] = [];
  sheet.eachRow((row) => rows.push((row.values as ExcelJS.CellValue[]).slice(1)));
  return { sheet, header: rows[0] as string[], rows: rows.slice(1) };
}

describe('xlsx export', () => {
  it('holds the same filtered, sorted list as the api, with Chinese headers and 元 to the fen', async () => {
    const qs = 'sort=budget&order=desc&fundSource=centralSpecial';
    const list = await leader.get(`/api/projects?${qs}&pageSize=200`);
    const file = await leader.download(`/api/projects/export?${qs}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toContain('spreadsheetml');
    expect(file.headers.get('content-disposition')).toContain(encodeURIComponent('项目列表.xlsx'));
    const { sheet, header, rows } = await readXlsx(file.bytes);
    expect(header.slice(0, 4)).toEqual(['项目编号', '项目名称', '年度', '项目类型']);
    expect(header).toContain('批复预算（元）');
    expect(header).toContain('中央财政专项扶贫资金（元）');
    expect(rows.map((r) => r[0])).toEqual(codes(list.body));
    expect(rows.length).toBe(list.body.total);
    const budgetCol = header.indexOf('批复预算（元）');
    const centralCol = header.indexOf('中央财政专项扶贫资金（元）');
    const stageCol = header.indexOf('当前阶段');
    for (const [i, p] of list.body.items.entries()) {
      const row = rows[i]!;
      expect(row[1]).toBe(p.name);
      // The cell holds the number whose text is the exact 元 amount of the integer 分.
      expect(String(row[budgetCol])).toBe(
        formatYuan(p.budgetFen)
          .replace(/,/g, '')
          .replace(/\.?0+$/, ''),
      );
      const central = p.fundSources
        .filter((s: { kind: string }) => s.kind === 'centralSpecial')
        .reduce((a: bigint, s: { amountFen: number }) => a + BigInt(s.amountFen), 0n);
      expect(Number(row[centralCol]).toFixed(2)).toBe(formatYuan(Number(central)).replace(/,/g, ''));
      expect(typeof row[stageCol]).toBe('string');
    }
    expect(sheet.getColumn(budgetCol + 1).numFmt).toBe('#,##0.00');
  });

  it('keeps to the caller’s scope: a township exports only what it may read', async () => {
    const xqz = await Session.login(stack.baseUrl, 'xqz.view');
    const list = await xqz.get('/api/projects?sort=code&pageSize=200');
    const { rows } = await readXlsx((await xqz.download('/api/projects/export?sort=code')).bytes);
    expect(rows.map((r) => r[0])).toEqual(codes(list.body));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(10);
  });

  it('gives a file with only the header row for an empty list', async () => {
    const { header, rows } = await readXlsx(
      (await leader.download('/api/projects/export?q=no-such-project-anywhere')).bytes,
    );
    expect(header[0]).toBe('项目编号');
    expect(rows).toEqual([]);
  });
});
