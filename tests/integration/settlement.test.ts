/**
 * 报账 and the figures that show it: a 报账 must settle exactly Σ disbursed, within the budget
 * (refused before the Update, with both figures, writing nothing); the amount settled is shown in
 * the detail table; and every spreadsheet the api gives is exact to the 分.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aProject } from '../support/builders.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { loginActors, stepBody, take, walkTo, type Actors } from '../support/walk.js';

let stack: TestStack;
let actors: Actors;
let leader: Session;

beforeAll(async () => {
  stack = await startTestStack();
  actors = await loginActors(stack);
  leader = await Session.login(stack.baseUrl, 'leader');
});
afterAll(async () => {
  await stack?.stop();
});

async function snapshot(p: { id: string; code: string }) {
  const row = (await stack.db.query('SELECT * FROM project WHERE id = $1', [p.id])).rows[0];
  const history = (
    await stack.db.query('SELECT * FROM project_history WHERE project_id = $1 ORDER BY seq', [p.id])
  ).rows;
  const audit = (await stack.db.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n;
  const events = (await stack.client.workflow.getHandle(`project-${p.code}`).fetchHistory()).events?.length;
  return { row, history, audit, events };
}

async function sheetOf(path: string, name?: string): Promise<ExcelJS.Worksheet> {
  const file = await leader.download(path);
  expect(file.status, file.json ? JSON.stringify(file.json) : '').toBe(200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(file.bytes as unknown as ArrayBuffer);
  return name ? wb.getWorksheet(name)! : wb.worksheets[0]!;
}

/** The column (1-based) whose header, on either header row of a ledger sheet, is `header`. */
function columnOf(ws: ExcelJS.Worksheet, header: string, rows = [3, 4]): number {
  for (const r of rows) {
    const i = (ws.getRow(r).values as unknown[]).indexOf(header);
    if (i > 0) return i;
  }
  throw new Error(`no column ${header}`);
}

function rowOf(ws: ExcelJS.Worksheet, code: string): ExcelJS.Row {
  for (let r = 1; r <= ws.rowCount; r++)
    if ((ws.getRow(r).values as unknown[]).includes(code)) return ws.getRow(r);
  throw new Error(`no row for ${code}`);
}

describe('报账 settles exactly Σ disbursed, within the budget', () => {
  it('refuses any other amount with 409 naming both figures, writing nothing; the right one passes and shows', async () => {
    const created = await actors.dept.post(
      '/api/projects',
      aProject({ budgetFen: 3_000, fundSources: [{ kind: 'countySpecial', amountFen: 3_000 }] }),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const p = { id: created.body.id as string, code: created.body.code as string };
    await walkTo(actors, p.id, 'accepted');
    const ledgers = await actors.dept.get(`/api/projects/${p.id}/ledgers`);
    const disbursed: number = ledgers.body.department.disbursedFen;
    expect(disbursed).toBe(1_500); // the file completer paid half while building

    // Let the workflow settle (a step may wake its deadline loop) before comparing snapshots.
    let before = await snapshot(p);
    for (;;) {
      await new Promise((r) => setTimeout(r, 200));
      const again = await snapshot(p);
      if (again.events === before.events) break;
      before = again;
    }
    for (const amount of [999_999, 3_000, disbursed - 1, disbursed + 1]) {
      const res = await take(actors, p.id, 'reimburse', {
        body: { ...stepBody('reimburse'), settledAmountFen: amount },
      });
      expect(res.status, `${amount}: ${JSON.stringify(res.body)}`).toBe(409);
      expect(res.body.error.code).toBe('TRANSITION_NOT_ALLOWED');
      expect(res.body.error.details).toMatchObject({
        path: 'body.settledAmountFen',
        settledAmountFen: amount,
        disbursedFen: disbursed,
        budgetFen: 3_000,
      });
      expect(res.body.error.message).toContain('15.00'); // Σ disbursed, in 元
      expect(await snapshot(p), `${amount} wrote something`).toEqual(before);
    }

    const ok = await take(actors, p.id, 'reimburse', {
      body: { ...stepBody('reimburse'), settledAmountFen: disbursed },
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.stage).toBe('reimbursed');

    // The amount settled shows in the detail table: JSON, and the spreadsheet exact to the 分.
    const table = await leader.get(`/api/projects/${p.id}/detail-table`);
    expect(table.body.funds.reimbursedFen).toBe(disbursed);
    const ws = await sheetOf(`/api/projects/${p.id}/detail-table?format=xlsx`, '项目明细表');
    expect(ws.getRow(5).getCell(columnOf(ws, '报账金额')).value).toBe(15);
  });
});

describe('every spreadsheet is exact to the 分', () => {
  it('prints sources of 0.10 元 and 0.20 元 as such in the detail table, the ledger export and the project list', async () => {
    const created = await actors.dept.post(
      '/api/projects',
      aProject({
        budgetFen: 30,
        fundSources: [
          { kind: 'centralSpecial', amountFen: 10 },
          { kind: 'countySpecial', amountFen: 20 },
        ],
      }),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { id, code } = created.body as { id: string; code: string };

    for (const ws of [
      await sheetOf(`/api/projects/${id}/detail-table?format=xlsx`, '项目明细表'),
      await sheetOf('/api/ledgers/department/export?year=2026'),
    ]) {
      const row = rowOf(ws, code);
      for (const [header, value] of [
        ['批复预算', 0.3],
        ['中央专项', 0.1],
        ['县级专项', 0.2],
      ] as const) {
        const cell = row.getCell(columnOf(ws, header));
        expect(cell.value, `${ws.name} ${header}`).toBe(value);
        expect(cell.numFmt, `${ws.name} ${header}`).toBe('#,##0.00');
      }
      expect(ws.getRow(2).values).toContain('单位：元');
    }

    const list = await sheetOf(`/api/projects/export?q=${encodeURIComponent(code)}`);
    const row = rowOf(list, code);
    for (const [header, value] of [
      ['批复预算（元）', 0.3],
      ['中央财政专项扶贫资金（元）', 0.1],
    ] as const) {
      const cell = row.getCell(columnOf(list, header, [1]));
      expect(cell.value, header).toBe(value);
      expect(cell.numFmt, header).toBe('#,##0.00');
    }
  });
});
