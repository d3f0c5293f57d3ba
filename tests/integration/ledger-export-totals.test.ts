/**
 * The ledger export's 合计 row is the sum of the rows it totals, and the figure the console's
 * statistics give for the same projects: a cancelled (终止) project is printed, with what was
 * approved and paid before it stopped, but its money is left out of the total, as the dashboard
 * and the statistics leave it out. The per-project PDF's 合计 row is the sum of its source rows,
 * a cancelled project's too.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatYuan } from '#domain/money.js';
import { aProject } from '../support/builders.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { loginActors, take, type Actors } from '../support/walk.js';

let stack: TestStack;
let actors: Actors;
let leader: Session;
const made: { id: string; code: string }[] = [];
let cancelled!: { id: string; code: string; budgetFen: number; paidFen: number };

/** 元 in a cell (a number, or text beyond what a double keeps) as integer 分, without division. */
function fenOf(v: unknown): bigint {
  const s = typeof v === 'number' ? v.toFixed(2) : String(v);
  const m = /^(\d+)\.(\d\d)$/.exec(s.replaceAll(',', ''));
  if (!m) throw new Error(`not an amount in 元: ${s}`);
  return BigInt(m[1]!) * 100n + BigInt(m[2]!);
}

async function disburse(id: string, code: string, amountFen: number, n: number) {
  const res = await actors.dept.post(`/api/projects/${id}/ledgers/department/disbursements`, {
    sourcePosition: 0,
    paidOn: '2026-05-10',
    amountFen,
    payee: '修齐镇人民政府',
    voucherNo: `记-${code}-${n}`,
    approver: '县水务局 赵六',
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

beforeAll(async () => {
  stack = await startTestStack();
  actors = await loginActors(stack);
  leader = await Session.login(stack.baseUrl, 'leader');
  // Odd amounts, so that a project counted twice or left out shows in the last 分.
  const budgets = [30_000_001, 12_345_679, 88_888_889];
  for (const [i, budgetFen] of budgets.entries()) {
    const res = await actors.dept.post(
      '/api/projects',
      aProject({
        budgetFen,
        fundSources: [
          { kind: 'centralSpecial', amountFen: budgetFen - 1_000_003 },
          { kind: 'countySpecial', amountFen: 1_000_003 },
        ],
        name: `台账合计测试 ${i + 1}`,
      }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    made.push({ id: res.body.id, code: res.body.code });
  }
  await disburse(made[1]!.id, made[1]!.code, 2_000_007, 1);
  // Paid before it was stopped: the payment stays on record, in the project's row.
  await disburse(made[2]!.id, made[2]!.code, 5_000_011, 1);
  expect((await take(actors, made[2]!.id, 'cancel')).status).toBe(200);
  cancelled = { ...made[2]!, budgetFen: budgets[2]!, paidFen: 5_000_011 };
});
afterAll(async () => {
  await stack?.stop();
});

interface Sheet {
  header: Map<string, number>;
  /** Rows with a project code, in sheet order, and the row number of each. */
  projects: { row: number; code: string; cells: ExcelJS.Row }[];
  total: { row: number; cells: ExcelJS.Row; label: string };
}

async function exportedLedger(who: Session, level: string): Promise<Sheet> {
  const res = await who.download(`/api/ledgers/${level}/export?year=2026`);
  expect(res.status).toBe(200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(res.bytes as unknown as ArrayBuffer);
  const ws = wb.worksheets[0]!;
  const header = new Map<string, number>();
  // A column's own header is on row 4 (a column without a group spans rows 3–4: its value is read
  // through the merge).
  for (let k = 1; k <= ws.columnCount; k++) header.set(String(ws.getRow(4).getCell(k).value), k);
  const codes = new Set(made.map((m) => m.code));
  const projects: Sheet['projects'] = [];
  let total: Sheet['total'] | undefined;
  ws.eachRow((row, r) => {
    if (r < 5) return;
    const second = String(row.getCell(2).value ?? '');
    if (codes.has(second)) projects.push({ row: r, code: second, cells: row });
    else if (second.startsWith('合计')) total = { row: r, cells: row, label: second };
  });
  expect(total, 'a 合计 row').toBeDefined();
  return { header, projects, total: total! };
}

const MONEY = ['批复预算', '中央专项', '县级专项', '已拨付', '结余', '报账金额', '结算金额', '合同金额'];

describe('the ledger export’s 合计', () => {
  for (const level of ['department', 'implementing', 'site'])
    it(`(${level}) is the sum of the rows above it and the statistics’ figure; a cancelled project is printed outside it`, async () => {
      const sheet = await exportedLedger(leader, level);
      // Every project of the year is printed, the cancelled one too.
      expect(sheet.projects.map((p) => p.code).sort()).toEqual(made.map((m) => m.code).sort());
      const above = sheet.projects.filter((p) => p.row < sheet.total.row);
      for (const name of MONEY) {
        const k = sheet.header.get(name)!;
        expect(k, name).toBeGreaterThan(0);
        const sum = above.reduce(
          (s, p) => s + (p.cells.getCell(k).value == null ? 0n : fenOf(p.cells.getCell(k).value)),
          0n,
        );
        expect(fenOf(sheet.total.cells.getCell(k).value), `${name}: 合计 = Σ the rows it totals`).toBe(sum);
      }

      // The statistics of the console, same scope, same year.
      const stats = await leader.get('/api/statistics?year=2026');
      expect(stats.status, JSON.stringify(stats.body)).toBe(200);
      const total = (name: string) => fenOf(sheet.total.cells.getCell(sheet.header.get(name)!).value);
      expect(total('批复预算'), '合计 批复预算 = statistics budget').toBe(BigInt(stats.body.total.budgetFen));
      expect(total('已拨付'), '合计 已拨付 = statistics disbursed').toBe(
        BigInt(stats.body.total.disbursedFen),
      );
      expect(stats.body.total.projects).toBe(made.length);

      // The cancelled project's row keeps its own figures, below the total and said to be outside it.
      const row = sheet.projects.find((p) => p.code === cancelled.code)!;
      expect(row.row).toBeGreaterThan(sheet.total.row);
      expect(fenOf(row.cells.getCell(sheet.header.get('批复预算')!).value)).toBe(BigInt(cancelled.budgetFen));
      expect(fenOf(row.cells.getCell(sheet.header.get('已拨付')!).value)).toBe(BigInt(cancelled.paidFen));
      expect(row.cells.getCell(sheet.header.get('所处阶段')!).value).toBe('已终止');
      expect(sheet.total.label).toContain('不含已终止');
    });

  it('agrees with the department’s own statistics in its scope', async () => {
    const sheet = await exportedLedger(actors.dept, 'department');
    const stats = await actors.dept.get('/api/statistics?year=2026');
    expect(stats.status).toBe(200);
    const total = (name: string) => fenOf(sheet.total.cells.getCell(sheet.header.get(name)!).value);
    expect(total('批复预算')).toBe(BigInt(stats.body.total.budgetFen));
    expect(total('已拨付')).toBe(BigInt(stats.body.total.disbursedFen));
  });
});

describe('the detail table’s PDF of a cancelled project', () => {
  it('prints a 合计 row that is the sum of the source rows printed', async () => {
    const res = await leader.download(`/api/projects/${cancelled.id}/detail-table?format=pdf`);
    expect(res.status).toBe(200);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'totals-pdf-'));
    try {
      const file = path.join(dir, 't.pdf');
      fs.writeFileSync(file, res.bytes);
      const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
      const amounts = (line: string) => [...line.matchAll(/\d[\d,]*\.\d\d/g)].map((m) => fenOf(m[0]));
      const lines = text.split('\n');
      const sources = ['中央财政专项扶贫资金', '县级财政专项扶贫资金'].map((l) =>
        amounts(lines.find((x) => x.includes(l))!),
      );
      const totalLine = lines.find((x) => x.includes('合计（批复预算）'))!;
      // 下达, 已拨付, 结余: the last three amounts of each line.
      const last3 = (a: bigint[]) => a.slice(-3);
      const sum = [0, 1, 2].map((j) => sources.reduce((s, a) => s + last3(a)[j]!, 0n));
      expect(last3(amounts(totalLine))).toEqual(sum);
      expect(sum).toEqual([
        BigInt(cancelled.budgetFen),
        BigInt(cancelled.paidFen),
        BigInt(cancelled.budgetFen - cancelled.paidFen),
      ]);
      expect(text).toContain(formatYuan(cancelled.budgetFen));
      expect(text).toContain('已终止');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
