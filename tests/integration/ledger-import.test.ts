/**
 * Importing existing ledgers: a 5,000-row spreadsheet goes in whole; the same file with 3 bad rows
 * puts nothing in and names exactly those rows; CSV works; exports re-import in the same columns.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProjectActivities } from '#activities/project.activities.js';
import { recordImportProjects } from '#scripts/lib/import-projects.js';
import { migrateAgain } from '../support/migrations.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const MIGRATION = 'Migration20261221000000_progress_from_ledger';
const HAN = /\p{Script=Han}/u;
let stack: TestStack;
let dept: Session;
const codes: string[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  dept = await Session.login(stack.baseUrl, 'swj.op');
  const { rows } = await stack.db.query('SELECT code, id FROM org_unit');
  const org = Object.fromEntries(rows.map((r) => [r.code, r.id]));
  const acts = createProjectActivities({ orm: stack.orm, audit: stack.audit });
  // 25 projects written by the activity the workflow uses (no workflow needed for ledger imports).
  codes.push(
    ...(await recordImportProjects(acts, (c) => org[c]!, {
      count: 25,
      codePrefix: 'IMP',
      namePrefix: '导入测试项目',
    })),
  );
});
afterAll(async () => {
  await stack?.stop();
});

/** 5,000 disbursement rows: 200 per project, 100 per source, 12.34 元 each (numeric cells, as Excel stores them). */
function rows(prefix: string): (string | number)[][] {
  return Array.from({ length: 5000 }, (_, i) => [
    codes[i % 25]!,
    i % 2 === 0 ? 1 : '县级财政专项扶贫资金',
    `2026-05-${String((i % 28) + 1).padStart(2, '0')}`,
    12.34,
    '重庆某建设有限公司',
    `${prefix}-${i}`,
    '局长 刘建国',
  ]);
}

async function xlsx(data: (string | number)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('资金拨付');
  ws.addRow(['项目编号', '资金来源', '拨付日期', '金额（元）', '收款单位', '凭证号', '审批人']);
  for (const r of data) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const count = async () =>
  (
    await stack.db.query(
      `SELECT count(*)::int AS n, COALESCE(sum(amount_fen), 0)::text AS s FROM disbursement`,
    )
  ).rows[0];

describe('ledger import', () => {
  it('imports nothing from a file with 3 bad rows, and reports exactly those rows and why', async () => {
    const data = rows('BAD');
    data[1233]![3] = 12.345; // row 1235: three decimals
    data[2998]![0] = 'NO-SUCH-PROJECT'; // row 3000
    data[4500]![3] = 100_000.01; // row 4502: more than the source's 100,000.00 元
    const before = await count();
    const res = await dept.upload(
      '/api/ledger-imports?kind=disbursements&wait=true',
      await xlsx(data),
      XLSX,
      '拨付台账.xlsx',
    );
    expect(res.status).toBe(422);
    const report = res.body.error.details;
    expect(report.status).toBe('rejected');
    expect(report.importedRows).toBe(0);
    expect(report.totalRows).toBe(5000);
    expect(report.errors.map((e: any) => [e.row, e.column])).toEqual([
      [1235, '金额（元）'],
      [3000, '项目编号'],
      [4502, '金额（元）'],
    ]);
    expect(report.errors[0].message).toContain('12.345');
    expect(report.errors[1].message).toContain('NO-SUCH-PROJECT');
    expect(report.errors[2].message).toMatch(/超过下达的 100,000.00 元/);
    expect(await count()).toEqual(before);
  });

  it('keeps a refused file’s report in both languages: each reader reads it in theirs', async () => {
    const data = rows('LANG').slice(0, 4);
    data[0]![3] = 12.345; // the row schema's own message
    data[1]![0] = 'NO-SUCH-PROJECT'; // the import's own check
    data[2]![4] = ''; // a blank cell
    data[3]![1] = '没有这种资金'; // a fund source the project does not have
    const en = await dept.upload(
      '/api/ledger-imports?kind=disbursements&wait=true',
      await xlsx(data),
      XLSX,
      'lang.xlsx',
      { 'Accept-Language': 'en' },
    );
    expect(en.status).toBe(422);
    const report = en.body.error.details;
    expect(report.errors.map((e: any) => e.row)).toEqual([2, 3, 4, 5]);
    const id = report.id as string;
    const read = async (lang: string) =>
      (await dept.request('GET', `/api/ledger-imports/${id}`, undefined, { 'Accept-Language': lang })).body;
    const zh = await read('zh-CN');
    for (const [said, lang] of [
      [[en.body.error.message, report.message, ...report.errors.map((e: any) => e.message)], 'en'],
      [[(await read('en')).message, ...(await read('en')).errors.map((e: any) => e.message)], 'en'],
      [[zh.message, ...zh.errors.map((e: any) => e.message)], 'zh-CN'],
    ] as [string[], string][])
      for (const m of said)
        if (lang === 'en') expect(m.replace(/「[^」]*」|“[^”]*”/g, ''), m).not.toMatch(HAN);
        else expect(m, m).toMatch(HAN);
    expect(report.errors[0].message).toContain('12.345');
    expect(report.errors[1].message).toMatch(/no such project in your scope: 「NO-SUCH-PROJECT」/);
    expect(report.errors[2].message).toBe('must not be empty');
    expect(report.errors[3].message).toBe('the project has no fund source 「没有这种资金」');
    expect(zh.errors.map((e: any) => e.message)).toEqual([
      expect.stringContaining('12.345'),
      '项目不存在或不在您的权限范围内: NO-SUCH-PROJECT',
      '不能为空',
      '该项目没有资金来源「没有这种资金」',
    ]);
  });

  it('imports a valid 5,000-row xlsx in one go, exact to the fen', async () => {
    const file = await xlsx(rows('OK'));
    const t = performance.now();
    const res = await dept.upload(
      '/api/ledger-imports?kind=disbursements&wait=true',
      file,
      XLSX,
      '拨付台账.xlsx',
    );
    const ms = performance.now() - t;
    console.log(`5,000-row xlsx import: ${ms.toFixed(0)} ms`);
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
    expect(res.body).toMatchObject({
      status: 'succeeded',
      importedRows: 5000,
      progressPercent: 100,
      errors: [],
    });
    expect(await count()).toEqual({ n: 5000, s: String(5000 * 1234) });
    const ledgers = await dept.get(`/api/projects/${codes[0]}/ledgers`);
    expect(ledgers.body.department.fundSources.map((s: any) => s.disbursedFen)).toEqual([
      100 * 1234,
      100 * 1234,
    ]);
  });

  it('runs in the background with a progress indicator, and refuses duplicates of what is recorded', async () => {
    const start = await dept.upload(
      '/api/ledger-imports?kind=disbursements',
      await xlsx(rows('OK')),
      XLSX,
      'again.xlsx',
    );
    expect(start.status).toBe(202);
    expect(start.body.status).toBe('running');
    let s = start.body;
    const seen: number[] = [];
    for (let i = 0; i < 600 && s.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      s = (await dept.get(`/api/ledger-imports/${start.body.id}`)).body;
      seen.push(s.progressPercent);
    }
    expect(s.status).toBe('rejected'); // every voucher number is already recorded
    expect(s.errors).toHaveLength(1000); // the report is capped; the message gives the count
    expect(s.message).toContain('5000 行有错误');
    expect(seen.every((p, i) => i === 0 || p >= seen[i - 1]!)).toBe(true);
    const other = await Session.login(stack.baseUrl, 'jtj.op');
    expect((await other.get(`/api/ledger-imports/${start.body.id}`)).status).toBe(404);
  });

  it('reads CSV (quoted fields, BOM) and checks the level: progress by the owner unit only', async () => {
    const csv =
      '\uFEFF项目编号,月份,进度（%）,进展情况\r\n' +
      `${codes[1]},2026-05,40,"完成管沟开挖，""三通一平""完成"\r\n` +
      `${codes[1]},2026-06,70,"主体完成七成, 施工正常"\r\n`;
    const bytes = Buffer.from(csv, 'utf8');
    const refused = await dept.upload(
      '/api/ledger-imports?kind=progress&wait=true',
      bytes,
      'text/csv',
      'p.csv',
    );
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.errors.map((e: any) => e.row)).toEqual([2, 3]);
    const town = await Session.login(stack.baseUrl, 'xqz.op');
    const ok = await town.upload('/api/ledger-imports?kind=progress&wait=true', bytes, 'text/csv', 'p.csv');
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.headers.get('etag')).toBeNull(); // an api answer: no cache keeps it
    const l = await town.get(`/api/projects/${codes[1]}/ledgers`);
    expect(l.body.implementing.progress).toEqual([
      { month: '2026-05', percent: 40, narrative: '完成管沟开挖，"三通一平"完成' },
      { month: '2026-06', percent: 70, narrative: '主体完成七成, 施工正常' },
    ]);
  });

  it('moves an under-way project’s own progress figure to its latest month, imported or on the form; not before 开工', async () => {
    const [under, before] = [codes[20]!, codes[21]!];
    // Under way as its workflow would have left it (these projects have no workflow).
    await stack.db.query(`UPDATE project SET stage = 'underway' WHERE code = $1`, [under]);
    const town = await Session.login(stack.baseUrl, 'xqz.op');
    const figure = async (code: string) => (await town.get(`/api/projects/${code}`)).body.progressPercent;
    const csv =
      '项目编号,月份,进度（%）,进展情况\r\n' +
      `${under},2026-06,55,主体完成过半\r\n${under},2026-05,30,基础完成\r\n${before},2026-06,60,材料进场\r\n`;
    const ok = await town.upload(
      '/api/ledger-imports?kind=progress&wait=true',
      Buffer.from(csv),
      'text/csv',
      'p.csv',
    );
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(await figure(under)).toBe(55); // the latest month's, not the last row's
    expect(await figure(before)).toBe(0);
    const form = (month: string, percent: number) =>
      town.post(`/api/projects/${under}/ledgers/implementing/progress`, {
        month,
        percent,
        narrative: '按计划推进',
      });
    expect((await form('2026-04', 10)).status).toBe(201);
    expect(await figure(under)).toBe(55); // an earlier month does not move it
    expect((await form('2026-07', 80)).status).toBe(201);
    expect(await figure(under)).toBe(80);

    // A figure left behind before the upgrade is set again by the migration that brings this in.
    await stack.db.query(`UPDATE project SET progress_percent = 5 WHERE code = $1`, [under]);
    await migrateAgain(stack.databaseUrl, MIGRATION);
    expect(await figure(under)).toBe(80);
    expect(await figure(before)).toBe(0);
  });

  it('reads dates, months, percentages and codes as a Chinese spreadsheet holds them in text', async () => {
    // Typed by people, not formatted by Excel: 年月日, slashes, per cent signs, and full width
    // from an input method (ＩＭＰ－… for IMP-…).
    const wide = (t: string) => t.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    const progress =
      '项目编号,月份,进度（%）,进展情况\n' +
      `${codes[4]},2026年7月,30%,基础完成\n` +
      `${wide(codes[4]!)},２０２６／８,${wide('55%')},主体过半\n`;
    const town = await Session.login(stack.baseUrl, 'xqz.op');
    const p = await town.upload(
      '/api/ledger-imports?kind=progress&wait=true',
      Buffer.from(progress),
      'text/csv',
      'p.csv',
    );
    expect(p.status, JSON.stringify(p.body)).toBe(200);
    const visits =
      '项目编号,村编码,监督日期,监督员,监督情况\n' +
      `${codes[4]},xqz-btc,2026年5月6日,陈大明,材料进场\n` +
      `${codes[4]},${wide('xqz-btc')},2026/5/7,陈大明,开挖正常\n` +
      `${codes[4]},xqz-btc,2026.5.32,陈大明,日期不存在\n` +
      `${codes[4]},xqz-btc,2062年5月6日,陈大明,年份打错\n`;
    const village = await Session.login(stack.baseUrl, 'xqz-btc.op');
    const v = await village.upload(
      '/api/ledger-imports?kind=visits&mode=valid&wait=true',
      Buffer.from(visits),
      'text/csv',
      'v.csv',
    );
    expect(v.status, JSON.stringify(v.body)).toBe(200);
    expect(v.body.errors.map((e: any) => [e.row, e.column, e.message])).toEqual([
      [4, '监督日期', '不是有效日期'],
      [5, '监督日期', '日期不能晚于今天'],
    ]);
    const l = (await town.get(`/api/projects/${codes[4]}/ledgers`)).body;
    expect(l.implementing.progress).toEqual([
      { month: '2026-07', percent: 30, narrative: '基础完成' },
      { month: '2026-08', percent: 55, narrative: '主体过半' },
    ]);
    expect(l.site.visits.map((x: any) => [x.visitedOn, x.findings])).toEqual([
      ['2026-05-06', '材料进场'],
      ['2026-05-07', '开挖正常'],
    ]);
    // The same sheet again (after a lost answer, say) adds no visit twice.
    const again = await village.upload(
      '/api/ledger-imports?kind=visits&mode=valid&wait=true',
      Buffer.from(visits),
      'text/csv',
      'v.csv',
    );
    expect(again.status).toBe(422);
    expect(again.body.error.details.errors.map((e: any) => [e.row, e.message])).toEqual([
      [2, '该走访已记录（2026-05-06，陈大明，同样的监督情况）'],
      [3, '该走访已记录（2026-05-07，陈大明，同样的监督情况）'],
      [4, '不是有效日期'],
      [5, '日期不能晚于今天'],
    ]);
    expect((await town.get(`/api/projects/${codes[4]}/ledgers`)).body.site.visits).toHaveLength(2);
  });

  it('settles a job whose api died: succeeded when its rows were written, failed when none were', async () => {
    // What an api killed in the middle leaves: its job still running, its beat stopped long ago.
    const town = await Session.login(stack.baseUrl, 'xqz.op');
    const stopped = `status = 'running', finished_at = NULL, imported_rows = 0, message = '正在写入 (writing)',
                     beat_at = now() - interval '5 minutes'`;
    const sheet = `项目编号,月份,进度（%）,进展情况\n${codes[5]},2026-09,35,基础完成\n`;
    const done = await town.upload(
      '/api/ledger-imports?kind=progress&wait=true',
      Buffer.from(sheet),
      'text/csv',
      'p.csv',
    );
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    // Killed after its transaction committed, before the job said so.
    await stack.db.query(`UPDATE ledger_import SET ${stopped} WHERE id = $1`, [done.body.id]);
    const { rows: who } = await stack.db.query(`SELECT id FROM app_user WHERE username = 'xqz.op'`);
    const job = async (beat: string) =>
      (
        await stack.db.query(
          `INSERT INTO ledger_import (id, kind, file_name, status, created_by, message, beat_at)
           VALUES (gen_random_uuid(), 'progress', 'p.csv', 'running', $1, '正在写入 (writing)', ${beat}) RETURNING id`,
          [who[0].id],
        )
      ).rows[0].id as string;
    const interrupted = await job(`now() - interval '5 minutes'`); // killed before its commit
    const alive = await job('now()'); // its process still beating
    const read = async (id: string) => {
      const { status, importedRows, message } = (await town.get(`/api/ledger-imports/${id}`)).body;
      return { status, importedRows, message };
    };
    expect(await read(done.body.id)).toEqual({ status: 'succeeded', importedRows: 1, message: '导入 1 行' });
    expect(await read(interrupted)).toEqual({
      status: 'failed',
      importedRows: 0,
      message: '导入中断，未导入任何数据，请重新导入',
    });
    expect(await read(alive)).toMatchObject({ status: 'running' });
    const { rows } = await stack.db.query(
      `SELECT status FROM ledger_import WHERE id = ANY($1::uuid[]) ORDER BY array_position($1::uuid[], id)`,
      [[done.body.id, interrupted, alive]],
    );
    expect(rows.map((r) => r.status)).toEqual(['succeeded', 'failed', 'running']);
  });

  it('with mode=valid imports the good rows and reports the rest (site ledger: own village only)', async () => {
    const csv =
      '项目编号,村编码,监督日期,监督员,监督情况\n' +
      `${codes[2]},xqz-btc,2026-05-03,陈大明,材料进场正常\n` +
      `${codes[2]},xqz-ppc,2026-05-04,陈大明,不是本项目的村\n` +
      `${codes[2]},xqz-btc,2026-02-30,陈大明,日期不存在\n` +
      `${codes[3]},xqz-btc,2026-05-05,王五,施工质量良好\n`;
    const village = await Session.login(stack.baseUrl, 'xqz-btc.op');
    const res = await village.upload(
      '/api/ledger-imports?kind=visits&mode=valid&wait=true',
      Buffer.from(csv),
      'text/csv',
      'v.csv',
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.importedRows).toBe(2);
    expect(res.body.errors.map((e: any) => [e.row, e.column])).toEqual([
      [3, '村编码'],
      [4, '监督日期'],
    ]);
    const l = await village.get(`/api/projects/${codes[2]}/ledgers`);
    expect(l.body.site.visits.map((v: any) => v.findings)).toEqual(['材料进场正常']);
  });

  it('adds the visits of one sheet once when it is imported twice at the same time', async () => {
    const rows = Array.from(
      { length: 300 },
      (_, i) => `${codes[3]},xqz-btc,2026-06-${String((i % 28) + 1).padStart(2, '0')},李四,巡查记录${i}\n`,
    );
    const csv = Buffer.from('项目编号,村编码,监督日期,监督员,监督情况\n' + rows.join(''));
    const village = await Session.login(stack.baseUrl, 'xqz-btc.op');
    const count = async () =>
      (
        await stack.db.query(
          `SELECT count(*)::int AS n FROM supervision_visit v JOIN project p ON p.id = v.project_id
            WHERE p.code = $1 AND v.findings LIKE '巡查记录%'`,
          [codes[3]],
        )
      ).rows[0].n;
    const both = await Promise.all(
      [1, 2].map(() => village.upload('/api/ledger-imports?kind=visits&wait=true', csv, 'text/csv', 'v.csv')),
    );
    expect(both.map((r) => r.status).sort()).toEqual([200, 422]);
    expect(await count()).toBe(300);
    // The one that came second says why, whether it found them at validation or at its write.
    const refused = both.find((r) => r.status === 422)!;
    expect(JSON.stringify(refused.body)).toMatch(/该走访已记录|另一次导入已记录/);
  });

  it('answers a retry with the same Idempotency-Key with the same job and status, importing once', async () => {
    const town = await Session.login(stack.baseUrl, 'xqz.op');
    const since = (await stack.db.query('SELECT now() AS t')).rows[0].t;
    const csv = Buffer.from(`项目编号,月份,进度（%）,进展情况\r\n${codes[7]},2026-04,15,基础开挖\r\n`);
    for (const [wait, status] of [
      [true, 200],
      [false, 202],
    ] as const) {
      const key = { 'Idempotency-Key': `import-retry-${wait}-${Date.now()}` };
      const path = `/api/ledger-imports?kind=progress${wait ? '&wait=true' : ''}`;
      const first = await town.upload(path, csv, 'text/csv', 'p.csv', key);
      expect(first.status, JSON.stringify(first.body)).toBe(status);
      const again = await town.upload(path, csv, 'text/csv', 'p.csv', key);
      expect(again.status).toBe(status);
      expect(again.body?.id).toBe(first.body.id);
    }
    const { rows } = await stack.db.query(
      `SELECT count(*)::int AS n FROM ledger_import WHERE created_by = (SELECT id FROM app_user WHERE username = 'xqz.op')
          AND created_at >= $1`,
      [since],
    );
    expect(rows[0].n).toBe(2);
  });

  it('exports a level’s ledger as xlsx whose import sheet re-imports in the same columns', async () => {
    const res = await dept.download('/api/ledgers/department/export?year=2026');
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.bytes as unknown as ArrayBuffer);
    const ledger = wb.getWorksheet('主管部门项目台账')!;
    expect(ledger.getCell('A1').value).toBe('2026年度主管部门项目台账');
    const sheet = wb.getWorksheet('资金拨付')!;
    expect(sheet.rowCount).toBe(5001);
    expect(sheet.getRow(2).getCell(4).value).toBe(12.34);
    // Re-importing the export is refused row by row (the vouchers exist): the columns were understood.
    const again = await dept.upload(
      '/api/ledger-imports?kind=disbursements&wait=true',
      res.bytes,
      XLSX,
      'export.xlsx',
    );
    expect(again.status).toBe(422);
    expect(again.body.error.details.errors[0].column).toBe('凭证号');
  });
});
