/**
 * The detail table's 预警 are the alerts the project's deadline ladders hold open — what the
 * project's alerts tab, the list's overdue column and the statistics count — in JSON, the
 * spreadsheet and the PDF alike; not its planned dates held against today's, which named late
 * deadlines where the county had switched the ladders off, and a failed inspection long after the
 * project had passed its second one.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '#domain/deadlines.js';
import { aProject } from '../support/builders.js';
import { eventually } from '../support/eventually.js';
import { today } from '../support/ladders.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { loginActors, take, walkTo, type Actors } from '../support/walk.js';

interface Alert {
  code: string;
  label: string;
  on: string;
}

async function detailAlerts(who: Session, id: string): Promise<Alert[]> {
  const res = await who.get(`/api/projects/${id}/detail-table`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.alerts;
}

/** The spreadsheet's 预警及问题 cell and the PDF's text, of one project's detail table. */
async function files(who: Session, id: string): Promise<{ cell: unknown; pdf: string }> {
  const xlsx = await who.download(`/api/projects/${id}/detail-table?format=xlsx`);
  expect(xlsx.status).toBe(200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx.bytes as unknown as ArrayBuffer);
  const ws = wb.getWorksheet('项目明细表')!;
  let col = 0;
  for (let k = 1; k <= ws.columnCount; k++) if (ws.getRow(3).getCell(k).value === '预警及问题') col = k;
  expect(col).toBeGreaterThan(0);
  const pdf = await who.download(`/api/projects/${id}/detail-table?format=pdf`);
  expect(pdf.status).toBe(200);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alerts-pdf-'));
  try {
    fs.writeFileSync(path.join(dir, 't.pdf'), pdf.bytes);
    const text = execFileSync('pdftotext', ['-layout', path.join(dir, 't.pdf'), '-'], { encoding: 'utf8' });
    return { cell: ws.getRow(5).getCell(col).value, pdf: text };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('with the deadline ladders switched off (DEADLINES enabled: false)', () => {
  let stack: TestStack;
  let actors: Actors;
  let leader: Session;
  beforeAll(async () => {
    stack = await startTestStack(); // the test stack's ladders are off unless asked for
    actors = await loginActors(stack);
    leader = await Session.login(stack.baseUrl, 'leader');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('names no late deadline for a project whose planned dates have passed: it has no alert', async () => {
    // Planned dates of 2026 long past, nothing started.
    const created = await actors.dept.post('/api/projects', aProject());
    expect(created.status).toBe(201);
    const { id, code } = created.body as { id: string; code: string };
    expect((await leader.get(`/api/projects/${id}/alerts`)).body.items).toEqual([]);
    const listed = await leader.get(`/api/projects?q=${encodeURIComponent(code)}`);
    expect(listed.body.items.find((p: { code: string }) => p.code === code)?.overdue ?? null).toBeNull();

    expect(await detailAlerts(leader, id)).toEqual([]);
    const { cell, pdf } = await files(leader, id);
    expect(String(cell ?? '')).not.toContain('逾期未');
    expect(pdf).not.toContain('逾期未');
  });

  it('names a failed inspection while the project is rectified, and not once it has passed', async () => {
    const created = await actors.dept.post('/api/projects', aProject());
    const { id } = created.body as { id: string };
    await walkTo(actors, id, 'rectifying');
    const rectifying = await detailAlerts(leader, id);
    expect(rectifying.map((a) => a.code)).toEqual(['rectification']);

    expect((await take(actors, id, 'inspect', { passed: true })).status).toBe(200);
    expect(await detailAlerts(leader, id)).toEqual([]);
    const { cell, pdf } = await files(leader, id);
    expect(String(cell ?? '')).not.toContain('整改');
    // The inspections themselves stay in the PDF's 检查验收 section: the history is not the warning.
    expect(pdf).toContain('验收未通过');
    expect(pdf).not.toContain('整改（');
  });
});

describe('with the deadline ladders on', () => {
  let stack: TestStack;
  let actors: Actors;
  let leader: Session;
  beforeAll(async () => {
    stack = await startTestStack({ deadlines: { enabled: true } });
    actors = await loginActors(stack);
    leader = await Session.login(stack.baseUrl, 'leader');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('names the deadlines whose alerts are open, as the project’s alerts tab lists them', async () => {
    const t = today();
    const plannedDates = {
      start: addDays(t, -10),
      completion: addDays(t, 30),
      acceptance: addDays(t, 60),
      reimbursement: addDays(t, 90),
    };
    const created = await actors.dept.post('/api/projects', aProject({ plannedDates }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { id } = created.body as { id: string };
    // The ladder raises the start's alerts as the workflow arms it (its date has passed).
    const open = await eventually(async () => {
      const items = (await leader.get(`/api/projects/${id}/alerts`)).body.items as {
        kind: string;
        step: string;
        status: string;
      }[];
      return items.some((a) => a.status === 'active' && a.step !== 'reminder') ? items : null;
    });
    expect(open.filter((a) => a.status === 'active' && a.step !== 'reminder').map((a) => a.kind)).toEqual(
      expect.arrayContaining(['start']),
    );
    expect(await detailAlerts(leader, id)).toEqual([
      { code: 'notStarted', label: `逾期未开工（计划 ${plannedDates.start}）`, on: plannedDates.start },
    ]);
    const { cell, pdf } = await files(leader, id);
    expect(String(cell).split('；')[0]).toBe(`逾期未开工（计划 ${plannedDates.start}）`);
    expect(pdf).toContain(`逾期未开工（计划 ${plannedDates.start}）`);
  });
});
