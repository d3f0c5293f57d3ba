/** The project detail table over HTTP: JSON, a real spreadsheet, and a one-page PDF in Chinese. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedgerRepository } from '#api/modules/ledgers/repository.js';
import { createLedgerService } from '#api/modules/ledgers/service.js';
import { createLedgerWrites } from '#api/modules/ledgers/write-service.js';
import { createProjectRepository } from '#api/modules/projects/repository.js';
import { callerFor } from '#scripts/lib/project-file.js';
import { fillTypicalLedgers } from '#scripts/lib/typical-ledgers.js';
import { aProject } from '../support/builders.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let leader: Session;
let project: { id: string; code: string; name: string; budgetFen: number };
beforeAll(async () => {
  stack = await startTestStack();
  const dept = await Session.login(stack.baseUrl, 'swj.op');
  leader = await Session.login(stack.baseUrl, 'leader');
  const res = await dept.post(
    '/api/projects',
    aProject({
      // A place's rare character, which the CJK face lacks (CJK Extension B).
      name: '𪚥家湾村人饮工程',
      budgetFen: 86_500_010,
      fundSources: [
        { kind: 'centralSpecial', amountFen: 60_000_000 },
        { kind: 'countySpecial', amountFen: 26_500_010 },
      ],
    }),
  );
  expect(res.status).toBe(201);
  project = res.body;
  const repo = createProjectRepository(stack.orm);
  const ledgerRepo = createLedgerRepository(stack.orm);
  const service = createLedgerService({ repo: ledgerRepo, projects: repo });
  const found = (await repo.find(await callerFor(stack.orm, 'leader'), project.id))!;
  await fillTypicalLedgers(
    service,
    createLedgerWrites({
      orm: stack.orm,
      repo: ledgerRepo,
      projects: repo,
      audit: stack.audit,
      ledgers: service,
    }),
    {
      department: await callerFor(stack.orm, 'swj.op'),
      owner: await callerFor(stack.orm, 'xqz.op'),
      village: await callerFor(stack.orm, 'xqz-btc.op'),
    },
    { ...found, stage: 'accepted' }, // the ledgers of an accepted project; the workflow stage stays
  );
});
afterAll(async () => {
  await stack?.stop();
});

async function download(format: string): Promise<{ status: number; type: string; body: Buffer }> {
  const s = leader as unknown as { cookie: string };
  const res = await fetch(`${stack.baseUrl}/api/projects/${project.id}/detail-table?format=${format}`, {
    headers: { cookie: s.cookie },
  });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: Buffer.from(await res.arrayBuffer()),
  };
}

describe('GET /api/projects/:id/detail-table', () => {
  it('joins the three ledgers and the workflow into one generated table (JSON, amounts in 分)', async () => {
    const res = await leader.get(`/api/projects/${project.id}/detail-table`);
    expect(res.status).toBe(200);
    const t = res.body;
    expect(t.project).toMatchObject({
      code: project.code,
      department: '县水务局',
      ownerUnit: '修齐镇',
      stageLabel: '已立项',
    });
    expect(t.funds.budgetFen).toBe(86_500_010);
    expect(t.funds.byKind).toMatchObject({
      centralSpecial: 60_000_000,
      countySpecial: 26_500_010,
      social: 0,
    });
    expect(t.funds.disbursedFen).toBe(86_500_010);
    expect(t.funds.balanceFen).toBe(0);
    expect(t.disbursements).toHaveLength(8); // per source: two payments while building, two after acceptance
    expect(t.progress.at(-1)).toMatchObject({ percent: 100 });
    expect(t.project.progressPercent).toBe(100); // the ledger's latest month, not the workflow's 0
    expect(t.beneficiaries.households).toBeGreaterThan(0);
    expect(t.completeness.map((c: any) => c.ledger)).toEqual(['department', 'implementing', 'site']);
    const other = await Session.login(stack.baseUrl, 'mbz.op'); // outside the project's scope
    expect((await other.get(`/api/projects/${project.id}/detail-table`)).status).toBe(404);
    expect((await leader.get(`/api/projects/${project.id}/detail-table?format=doc`)).status).toBe(422);
  });

  it('gives a real spreadsheet: merged title and header rows, frozen headers, 元 with two decimals', async () => {
    const res = await download('xlsx');
    expect(res.status).toBe(200);
    expect(res.type).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.body as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('项目明细表')!;
    expect(ws.getCell('A1').value).toBe('2026年度项目明细表');
    expect(ws.getCell('A1').isMerged).toBe(true);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 4 });
    // 序号 spans both header rows; 资金来源 spans its six columns on row 3.
    expect(ws.getCell('A4').master.address).toBe('A3');
    const headers = (ws.getRow(3).values as unknown[]).filter(Boolean);
    expect(headers).toEqual(expect.arrayContaining(['项目基本情况', '资金来源', '资金拨付', '群众受益']));
    const budgetCol = (ws.getRow(3).values as unknown[]).indexOf('批复预算');
    const cell = ws.getRow(5).getCell(budgetCol);
    expect(cell.value).toBe(865_000.1); // 86,500,010 分 = 865,000.10 元, exact to the 分
    expect(ws.getRow(2).values).toContain('单位：元');
    expect(cell.numFmt).toBe('#,##0.00');
    expect(wb.getWorksheet('资金拨付明细')!.getRow(3).getCell(4).numFmt).toBe('#,##0.00');
  });

  it('gives a one-page A4 PDF whose text is the Chinese of the table', async () => {
    const before = Date.now();
    const res = await download('pdf');
    const after = Date.now();
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/pdf');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdf-'));
    const file = path.join(dir, 't.pdf');
    fs.writeFileSync(file, res.body);
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    expect(info).toMatch(/Pages:\s+1\n/);
    expect(info).toMatch(/Page size:\s+595\.28 x 841\.89/);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    for (const s of ['项目明细表', project.name, '县水务局', '中央财政专项扶贫资金', '台账完整度'])
      expect(text).toContain(s);
    // Amounts in 元, exact to the 分 (the budget is 86,500,010 分), as the workbook gives them.
    expect(text).toContain('金额单位：元');
    for (const s of ['865,000.10', '600,000.00', '265,000.10']) expect(text).toContain(s);
    // The name's rare character is painted from the fallback face, not as an empty box.
    expect(execFileSync('pdffonts', [file], { encoding: 'utf8' })).toMatch(/\+HanaMinB\b/);
    // Its time is the county's (UTC+8), as the paper is read there.
    const generated = /生成时间 (\d{4}-\d\d-\d\d \d\d:\d\d)/.exec(text)?.[1];
    const beijing = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
    expect([beijing(before), beijing(after)]).toContain(generated);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
