/**
 * The monthly ranking over a fixture county (tests/support/ranking-fixture.ts, its projects and
 * its complaints) whose every figure is computed by hand below: the stored report of June 2026 equals the hand-computed table exactly
 * (inputs, points, totals, ranks, movement against May), the verify script recomputes it from the
 * stored report alone and agrees, and a tampered copy makes it fail. Reports are produced by the
 * real `monthlyRanking` workflow on the dev server; running a month again changes nothing.
 *
 * Points are in hundredths (config 2026.4): ratio W × num/den, complement W × (den − num)/den,
 * rounded half up; a ratio or complement with den = 0 scores W; deductions W − per item × count.
 * 报账率 weighs 5, 投诉办理 5 (1 point per complaint left unhandled past its time limit).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RankingReport, RankingRow } from '#domain/ranking/report.js';
import { verifyRankingReport } from '#domain/ranking/verify.js';
import { rankingWorkflowId } from '#domain/ranking/run.js';
import { monthlyRanking } from '#workflows/ranking.workflow.js';
import { seedRankingComplaints, seedRankingFixture } from '../support/ranking-fixture.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
  await seedRankingFixture(stack.db);
  await seedRankingComplaints(stack.db);
}, 240_000);
afterAll(async () => {
  await stack?.stop();
});

function runMonth(month: string) {
  return stack.client.workflow.execute(monthlyRanking, {
    workflowId: `${rankingWorkflowId(month)}-${Math.random().toString(36).slice(2, 8)}`,
    taskQueue: stack.taskQueue,
    args: [{ month, trigger: 'backfill' }],
  });
}

async function stored(month: string): Promise<RankingReport> {
  const r = await stack.db.query<{ report: RankingReport }>(
    'SELECT report FROM ranking_report WHERE month = $1',
    [month],
  );
  return r.rows[0]!.report;
}

/** What the hand computation gives, per ranked unit. */
interface Expected {
  rank: number | null;
  previousRank: number | null;
  movement: number | null;
  totalCenti: number;
  inputs: Partial<Record<string, string>>;
  points: Record<string, number>;
}

function view(r: RankingRow): Expected {
  return {
    rank: r.rank,
    previousRank: r.previousRank,
    movement: r.movement,
    totalCenti: r.totalCenti,
    inputs: Object.fromEntries(Object.entries(r.inputs).filter(([, v]) => v !== '0')),
    points: Object.fromEntries(r.indicators.map((i) => [i.key, i.pointsCenti])),
  };
}

const FULL_DEDUCTIONS = { interviews: 500, negativeList: 500, complaints: 500 };

describe('monthly ranking over the fixture county', () => {
  it('May 2026 (the movement base): swj 75.30, jtj 46.61; xqz 66.87 ahead of mbz 64.90', async () => {
    // The month before June: its ranks are June's movement base. Cutoff 2026-06-01, month 5.
    expect(await runMonth('2026-05')).toEqual({ month: '2026-05', created: true });
    const may = await stored('2026-05');
    const totals = (g: 'department' | 'township') =>
      may.groups[g].filter((r) => r.rank !== null).map((r) => [r.unitCode, r.rank, r.totalCenti]);
    // swj: disbursed P1 3000 + P2 5000 = 8000 of 30000 → 8000×12 / (30000×5) = 0.64 → 1280;
    //   start 2/2 1000; completion P1 1/1 1000; reimbursement none due 500; overdue 0/2 1000, 0 days 500;
    //   progress P2 0/1 0; visits 0/1 0; notices none due 1000; talks 0 → 500; negative list E2 (May 5) → 250;
    //   no complaint 500 = 7530.
    // jtj: disbursed P4 2500 of 20000 → 2500×12 / (20000×5) = 0.3 → 600; start P4 1/2 500;
    //   completion P4 0/1 0; reimbursement 500; overdue 2/2 → 0; days P3 31 + P4 1 = 32 → 500×148/180
    //   = 411.1 → 411; progress 0/1 0; visits P4 (May 20) 1/1 500; notice N6 1/1 1000; talk (May 20)
    //   → 250; negative 500; complaint C6 overdue May 28th unhandled → 500 − 100 = 400 = 4661.
    expect(totals('department')).toEqual([
      ['swj', 1, 7530],
      ['jtj', 2, 4661],
    ]);
    // xqz: 7500 of 25000 → 0.72 → 1440; start 1000; completion P4 0/1 0; reimbursement 500;
    //   overdue P4 1/2 500; days 1 → 500×179/180 = 497.2 → 497; progress 0/2 0; visits 1/2 250;
    //   notice N5 withdrawn: none due 1000; 500; 500; no complaint overdue in May (C5 reopened) 500 = 6687.
    // mbz: 3000 of 25000 → 3000×12/(25000×5) = 0.288 → 576; start P1 1/2 500; completion 1/1 1000;
    //   500; overdue P3 1/2 500; days 31 → 500×149/180 = 413.9 → 414; nothing under way 1000, 500;
    //   N4 closed late 0/1 0; 500; 500; 500 = 6490.
    expect(totals('township')).toEqual([
      ['xqz', 1, 6687],
      ['mbz', 2, 6490],
    ]);
  });

  it('June 2026 equals the hand-computed table exactly', async () => {
    expect(await runMonth('2026-06')).toEqual({ month: '2026-06', created: true });
    const june = await stored('2026-06');
    expect(june).toMatchObject({
      month: '2026-06',
      monthNumber: 6,
      periodStart: '2026-06-01',
      cutoff: '2026-07-01',
      previousMonth: '2026-05',
    });
    expect(june.config.version).toBe('2026.4');

    const departments = Object.fromEntries(june.groups.department.map((r) => [r.unitCode, view(r)]));
    // In scope for June: P1–P4 (P5 cancelled in March, P6 of 2025, P7 registered on July 3rd).
    expect(departments.swj).toEqual({
      rank: 1,
      previousRank: 1,
      movement: 0,
      // P1 + P2: budget 10000 + 20000 = 30000 fen; paid by June 30: P1 3000 + 4000, P2 5000 = 12000
      // (P1's 1000 of July 5th is after the cutoff). P1 started and completed (due 05-31), accepted on
      // June 10th; P2 started April 20th, under way at the cutoff (its 竣工 of July 15th is later),
      // with June's progress (June 28th) and a June visit. Notices due: N1 (closed on time), N2 (open).
      inputs: {
        projects: '2',
        budgetFen: '3000000',
        disbursedFen: '1200000',
        elapsedMonths: '6',
        dueStart: '2',
        started: '2',
        dueCompletion: '1',
        completed: '1',
        progressDue: '1',
        progressOnTime: '1',
        visitsDue: '1',
        visitsOnTime: '1',
        noticesDue: '2',
        noticesClosedOnTime: '1',
      },
      points: {
        disbursement: 1600, // 1200000×12 / (3000000×6) = 14400000/18000000 = 0.8 → 20 × 0.8 = 16.00
        startRate: 1000, // 2/2
        completionRate: 1000, // 1/1
        reimbursementRate: 500, // none due (P1's is 08-31): full (5)
        overdueProjects: 1000, // 1 − 0/2
        overdueDays: 500, // 1 − 0/(2×90)
        progressOnTime: 1000, // 1/1
        visitsOnTime: 500, // 1/1 of 5
        rectificationOnTime: 500, // 1/2 of 10
        ...FULL_DEDUCTIONS, // no talk in June; E2 was listed in May; no complaint
      },
      totalCenti: 9100, // 1600+1000+1000+500+1000+500+1000+500+500+500+500+500
    });
    expect(departments.jtj).toEqual({
      rank: 2,
      previousRank: 2,
      movement: 0,
      // P3 + P4: budget 15000 + 5000 = 20000; paid P3 1500 (June 30th) + P4 2500 = 4000.
      // P3 due to start 05-01, not started (method fixed June 25th): 07-01 − 05-01 = 61 days late.
      // P4 started, due to complete 05-31 and be accepted 06-30, neither: max(31, 1) = 31 days.
      // P4 under way: June's progress entered July 2nd (late), no visit in June.
      // Notices: N6 (due 03-31, closed on time); N3 is due July 15th. Talks in June: June 18th (two
      // people of jtj: one talk) and June 30th 20:00 → 2. Complaints: C1 overdue June 20th, jtj had
      // not handled it → 1; C2's June limit passed after jtj handled it (the office's wait), C6's
      // June step is an escalation (counted as overdue in May) → neither.
      inputs: {
        projects: '2',
        budgetFen: '2000000',
        disbursedFen: '400000',
        elapsedMonths: '6',
        dueStart: '2',
        started: '1',
        dueCompletion: '1',
        overdueProjects: '2',
        overdueDays: '92',
        progressDue: '1',
        visitsDue: '1',
        noticesDue: '1',
        noticesClosedOnTime: '1',
        interviews: '2',
        complaintsOverdue: '1',
      },
      points: {
        disbursement: 800, // 400000×12 / (2000000×6) = 0.4 → 8.00
        startRate: 500, // 1/2
        completionRate: 0, // 0/1
        reimbursementRate: 500, // none due
        overdueProjects: 0, // 1 − 2/2
        overdueDays: 244, // 500 × (180 − 92)/180 = 244.44 → 244
        progressOnTime: 0,
        visitsOnTime: 0,
        rectificationOnTime: 1000, // 1/1
        interviews: 0, // 500 − 2×250
        negativeList: 500,
        complaints: 400, // 500 − 1×100
      },
      totalCenti: 3944, // 800+500+0+500+0+244+0+0+1000+0+500+400
    });
    // Departments without a project in scope are listed, unranked, by code (nyw's only project was cancelled).
    expect(june.groups.department.map((r) => [r.unitCode, r.rank])).toEqual([
      ['swj', 1],
      ['jtj', 2],
      ['fpb', null],
      ['lyj', null],
      ['nyw', null],
      ['zjw', null],
    ]);

    const townships = Object.fromEntries(june.groups.township.map((r) => [r.unitCode, view(r)]));
    expect(townships.mbz).toEqual({
      rank: 1,
      previousRank: 2,
      movement: 1, // up one
      // P1 + P3: budget 25000, paid 7000 + 1500 = 8500. P3 61 days late to start. N4 closed late.
      // Talk of June 18th (one person of mbz).
      inputs: {
        projects: '2',
        budgetFen: '2500000',
        disbursedFen: '850000',
        elapsedMonths: '6',
        dueStart: '2',
        started: '1',
        dueCompletion: '1',
        completed: '1',
        overdueProjects: '1',
        overdueDays: '61',
        noticesDue: '1',
        interviews: '1',
      },
      points: {
        disbursement: 1360, // 850000×12 / (2500000×6) = 10200000/15000000 = 0.68 → 13.60
        startRate: 500, // 1/2
        completionRate: 1000, // 1/1
        reimbursementRate: 500,
        overdueProjects: 500, // 1 − 1/2
        overdueDays: 331, // 500 × 119/180 = 330.56 → 331
        progressOnTime: 1000, // nothing under way: full
        visitsOnTime: 500,
        rectificationOnTime: 0, // 0/1
        interviews: 250, // 500 − 250
        negativeList: 500,
        complaints: 500, // none
      },
      totalCenti: 6941, // 1360+500+1000+500+500+331+1000+500+0+250+500+500
    });
    expect(townships.xqz).toEqual({
      rank: 2,
      previousRank: 1,
      movement: -1, // down one
      // P2 + P4: budget 25000, paid 5000 + 2500 = 7500. P4 31 days late. Both under way: P2 on time
      // with progress and visit, P4 neither. N5 withdrawn. The talk of July 1st 01:00 (Shanghai) is
      // not June's. E1 listed June 5th. Complaints: C3 (assigned to its village 白台村) and C5
      // (reopened in May, not handled again) went overdue in June; C4's limit passed in July.
      inputs: {
        projects: '2',
        budgetFen: '2500000',
        disbursedFen: '750000',
        elapsedMonths: '6',
        dueStart: '2',
        started: '2',
        dueCompletion: '1',
        overdueProjects: '1',
        overdueDays: '31',
        progressDue: '2',
        progressOnTime: '1',
        visitsDue: '2',
        visitsOnTime: '1',
        negativeListEntries: '1',
        complaintsOverdue: '2',
      },
      points: {
        disbursement: 1200, // 750000×12 / 15000000 = 0.6 → 12.00
        startRate: 1000,
        completionRate: 0, // 0/1
        reimbursementRate: 500,
        overdueProjects: 500, // 1 − 1/2
        overdueDays: 414, // 500 × 149/180 = 413.89 → 414
        progressOnTime: 500, // 1/2
        visitsOnTime: 250, // 1/2 of 5
        rectificationOnTime: 1000, // none due
        interviews: 500,
        negativeList: 250, // 500 − 250
        complaints: 300, // 500 − 2×100
      },
      totalCenti: 6414, // 1200+1000+0+500+500+414+500+250+1000+500+250+300
    });
    expect(june.groups.township.map((r) => [r.unitCode, r.rank, r.total])).toEqual([
      ['mbz', 1, '69.41'],
      ['xqz', 2, '64.14'],
      ['bsz', null, '100.00'], // no projects: full marks, but unranked
      ['mtz', null, '100.00'],
    ]);
    // Rates as published: 4 decimals, half up.
    const od = june.groups.department[1]!.indicators.find((i) => i.key === 'overdueDays')!;
    expect(od).toMatchObject({ num: '92', den: '180', rate: '0.5111', points: '2.44' });
    const complaints = june.groups.department[1]!.indicators.find((i) => i.key === 'complaints')!;
    expect(complaints).toMatchObject({
      available: true,
      num: '1',
      rate: null,
      pointsCenti: 400,
      points: '4.00',
    });
  });

  it('running a month again changes nothing', async () => {
    const before = await stack.db.query(
      'SELECT month, computed_at, report FROM ranking_report ORDER BY month',
    );
    expect(await runMonth('2026-06')).toEqual({ month: '2026-06', created: false });
    const after = await stack.db.query(
      'SELECT month, computed_at, report FROM ranking_report ORDER BY month',
    );
    expect(after.rows).toEqual(before.rows);
    await expect(stack.db.query(`UPDATE ranking_report SET trigger = 'manual'`)).rejects.toThrow(
      /append-only/,
    );
    await expect(stack.db.query(`DELETE FROM ranking_entry`)).rejects.toThrow(/append-only/);
    // The owner-run aggregate answers the system scope only (here: no scope at all).
    await expect(
      stack.db.query(`SELECT * FROM ranking_inputs_department(2026, '2026-06', '2026-06-01', '2026-07-01')`),
    ).rejects.toThrow(/system scope only/);
  });

  it("a unit's annual assessment shows its stored monthly ranks, and nothing for months without a report", async () => {
    const leader = await Session.login(stack.baseUrl, 'leader');
    const res = await leader.get('/api/units/mbz/annual-assessment?year=2026');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const month = (m: string) => (res.body.ranks as { month: string }[]).find((r) => r.month === m);
    // June as computed by hand above (69.41, up from 2nd in May); May: 2nd with 64.90, no May base.
    expect(month('2026-06')).toEqual({ month: '2026-06', rank: 1, total: '69.41', movement: 1 });
    expect(month('2026-05')).toEqual({ month: '2026-05', rank: 2, total: '64.90', movement: null });
    expect(month('2026-07')).toEqual({ month: '2026-07', rank: null, total: null, movement: null });
    expect(res.body.ranks).toHaveLength(12);
  });

  it('the verify script recomputes every rank from the stored reports alone, and catches a tampered one', async () => {
    for (const m of ['2026-05', '2026-06']) expect(verifyRankingReport(await stored(m))).toEqual([]);
    const env = { ...process.env, DATABASE_URL: stack.databaseUrl };
    const ok = await run('node', ['--import', 'tsx', 'scripts/ranking-verify.ts'], { cwd: ROOT, env });
    expect(ok.stdout).toContain('2 report(s) checked, 0 disagree');

    const tampered = await stored('2026-06');
    tampered.groups.township[1]!.inputs.visitsOnTime = '2'; // xqz's 250 would become 500
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ranking-')), 'june.json');
    fs.writeFileSync(file, JSON.stringify(tampered));
    const bad = await run('node', ['--import', 'tsx', 'scripts/ranking-verify.ts', '--file', file], {
      cwd: ROOT,
      env,
    }).catch((e: { code: number; stdout: string }) => e);
    expect(bad).toMatchObject({ code: 1 });
    expect((bad as { stdout: string }).stdout).toMatch(
      /xqz visitsOnTime: pointsCenti stored 250, recomputed 500/,
    );
  });
});
