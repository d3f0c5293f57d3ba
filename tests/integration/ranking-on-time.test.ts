/**
 * 整改按期办结 in the monthly ranking counts what the unit did, not how long the office took to
 * verify it (docs/supervision.md): a notice due before the cutoff is done on time when every
 * problem was answered within its term, whether the office had accepted the answers by the cutoff
 * or not; a late answer, also one given again late after a send-back, is late; a problem sent back
 * and not answered again by the cutoff is not done. Only what happened before the cutoff counts.
 *
 * The notices' exchanges are written straight into the tables (as the database owner) at chosen
 * instants, each answer's `on_time` judged as the notice's workflow judges it (the answer's day in
 * China time against its term's due date, the due date counted as issued: calendar or working
 * days); the month is ranked by the real `monthlyRanking` workflow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chineseWorkday } from '#activities/deadline.activities.js';
import type { RankingReport, RankingRow } from '#domain/ranking/report.js';
import { rankingWorkflowId } from '#domain/ranking/run.js';
import { noticeToday, termDueDate, type DayCount } from '#domain/rectification-records.js';
import { monthlyRanking } from '#workflows/ranking.workflow.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const MONTH = '2026-10'; // cutoff 2026-11-01 00:00 China time
const REAL_DAYS = { dayMs: 86_400_000, originMs: 0 };

/** An instant in China time (UTC+8). */
const cst = (local: string) => `${local}+08:00`;

type Exchange =
  | { kind: 'answer'; at: string }
  | { kind: 'accept'; at: string }
  | { kind: 'sendBack'; at: string; days: number };

interface FixtureNotice {
  unit: string;
  issuedOn: string;
  dayCount: DayCount;
  /** Per problem: its term in days and its exchanges in order. */
  problems: { days: number; exchanges: Exchange[] }[];
}

let stack: TestStack;
let serial = 900;

/**
 * Writes a notice, its problems and their exchanges as the workflow's activities would: each
 * answer judged on time against its term's due date, a send-back starting a new term (arm + 1)
 * from its own day, the notice closed with the last acceptance (on time when no answer was late).
 */
async function seedNotice(n: FixtureNotice): Promise<void> {
  const c = await stack.db.connect();
  try {
    await c.query('BEGIN');
    const unit = async (code: string) =>
      (await c.query<{ id: string }>('SELECT id FROM org_unit WHERE code = $1', [code])).rows[0]!.id;
    const number = ++serial;
    const firstDue = n.problems.map((p) => termDueDate(n.issuedOn, p.days, n.dayCount, chineseWorkday));
    const noticeId = (
      await c.query<{ id: string }>(
        `INSERT INTO rectification_notice (year, number, serial, org_unit_id, issuer_unit_id, title, day_count,
           issued_at, issued_on, due_date)
         VALUES (2026, $1, $2, $3, $4, '整改', $5, $6, $7, $8) RETURNING id`,
        [
          number,
          `城口监督整改〔2026〕${number}号`,
          await unit(n.unit),
          await unit('zxjdb'),
          n.dayCount,
          cst(`${n.issuedOn}T09:00:00`),
          n.issuedOn,
          [...firstDue].sort().at(-1),
        ],
      )
    ).rows[0]!.id;
    let late = false;
    let lastAccept: string | null = null;
    let allAccepted = true;
    for (const [i, p] of n.problems.entries()) {
      let arm = 1;
      let due = firstDue[i]!;
      let status = 'open';
      let acceptedAt: string | null = null;
      const problemId = (
        await c.query<{ id: string }>(
          `INSERT INTO rectification_problem (notice_id, seq, description, basis, deadline_days, first_due_date, due_date)
           VALUES ($1, $2, '台账未按月更新', '《城口县扶贫项目资金监管办法》', $3, $4, $4) RETURNING id`,
          [noticeId, i + 1, p.days, due],
        )
      ).rows[0]!.id;
      for (const [j, e] of p.exchanges.entries()) {
        const at = cst(e.at);
        let onTime: boolean | null = null;
        let newDue: string | null = null;
        if (e.kind === 'answer') {
          onTime = noticeToday(REAL_DAYS, Date.parse(at)) <= due;
          if (!onTime) late = true;
          status = 'answered';
        } else if (e.kind === 'sendBack') {
          newDue = termDueDate(e.at.slice(0, 10), e.days, n.dayCount, chineseWorkday);
          status = 'sentBack';
        } else {
          status = 'accepted';
          acceptedAt = at;
          if (!lastAccept || at > lastAccept) lastAccept = at;
        }
        await c.query(
          `INSERT INTO rectification_event (notice_id, problem_id, arm, kind, request_id, actor_name, text, due_date, on_time, at)
           VALUES ($1, $2, $3, $4, $5, '经办人', '已整改', $6, $7, $8)`,
          [noticeId, problemId, arm, e.kind, `on-time-${number}-${i}-${j}`, newDue, onTime, at],
        );
        if (newDue) {
          arm += 1;
          due = newDue;
        }
      }
      if (status !== 'accepted') allAccepted = false;
      await c.query(
        `UPDATE rectification_problem SET status = $2, arm = $3, due_date = $4, accepted_at = $5 WHERE id = $1`,
        [problemId, status, arm, due, acceptedAt],
      );
    }
    if (allAccepted)
      await c.query(
        `UPDATE rectification_notice SET status = 'closed', closed_at = $2, closed_on_time = $3 WHERE id = $1`,
        [noticeId, lastAccept, !late],
      );
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK');
    throw e;
  } finally {
    c.release();
  }
}

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

function rectification(r: RankingRow) {
  const ind = r.indicators.find((i) => i.key === 'rectificationOnTime')!;
  return {
    due: r.inputs.noticesDue,
    onTime: r.inputs.noticesClosedOnTime,
    pointsCenti: ind.pointsCenti,
  };
}

beforeAll(async () => {
  stack = await startTestStack();
  // 县水务局: answered everything on time; the office verified after the cutoff, or not yet.
  await seedNotice({
    unit: 'swj',
    issuedOn: '2026-10-09',
    dayCount: 'calendar',
    // due 10-19; answered late that evening, China time (15:30 UTC), accepted on November 3rd
    problems: [
      {
        days: 10,
        exchanges: [
          { kind: 'answer', at: '2026-10-19T23:30:00' },
          { kind: 'accept', at: '2026-11-03T10:00:00' },
        ],
      },
    ],
  });
  await seedNotice({
    unit: 'swj',
    issuedOn: '2026-09-28',
    dayCount: 'working',
    // five working days over the National Day holidays: due 2026-10-10, a 调休 Saturday (five
    // calendar days would be 10-03); both answered on the due date, one accepted, the other
    // awaiting the verdict
    problems: [
      {
        days: 5,
        exchanges: [
          { kind: 'answer', at: '2026-10-10T10:00:00' },
          { kind: 'accept', at: '2026-10-20T10:00:00' },
        ],
      },
      { days: 5, exchanges: [{ kind: 'answer', at: '2026-10-10T11:00:00' }] },
    ],
  });
  // 县交通局: late answers, whoever verified them when.
  await seedNotice({
    unit: 'jtj',
    issuedOn: '2026-10-09',
    dayCount: 'calendar',
    // due 10-19: answered 00:30 the next day China time (still 10-19 in UTC), accepted, closed late
    problems: [
      {
        days: 10,
        exchanges: [
          { kind: 'answer', at: '2026-10-20T00:30:00' },
          { kind: 'accept', at: '2026-10-21T10:00:00' },
        ],
      },
    ],
  });
  await seedNotice({
    unit: 'jtj',
    issuedOn: '2026-10-09',
    dayCount: 'calendar',
    // answered on time, sent back with 3 days (due 10-23), answered again late, not yet verified
    problems: [
      {
        days: 10,
        exchanges: [
          { kind: 'answer', at: '2026-10-18T10:00:00' },
          { kind: 'sendBack', at: '2026-10-20T10:00:00', days: 3 },
          { kind: 'answer', at: '2026-10-26T10:00:00' },
        ],
      },
    ],
  });
  await seedNotice({
    unit: 'jtj',
    issuedOn: '2026-10-09',
    dayCount: 'calendar',
    // answered three days late, waiting for the verdict at the cutoff
    problems: [{ days: 10, exchanges: [{ kind: 'answer', at: '2026-10-22T10:00:00' }] }],
  });
  // 庙坝镇: answered on time but sent back before the cutoff, the new term (due 11-06) not yet answered.
  await seedNotice({
    unit: 'mbz',
    issuedOn: '2026-10-09',
    dayCount: 'calendar',
    problems: [
      {
        days: 10,
        exchanges: [
          { kind: 'answer', at: '2026-10-18T10:00:00' },
          { kind: 'sendBack', at: '2026-10-28T10:00:00', days: 9 },
        ],
      },
    ],
  });
  // 修齐镇: one answered on time and sent back only after the cutoff (then answered late); one never answered.
  await seedNotice({
    unit: 'xqz',
    issuedOn: '2026-10-09',
    dayCount: 'calendar',
    problems: [
      {
        days: 10,
        exchanges: [
          { kind: 'answer', at: '2026-10-19T10:00:00' },
          { kind: 'sendBack', at: '2026-11-02T10:00:00', days: 3 },
          { kind: 'answer', at: '2026-11-10T10:00:00' },
        ],
      },
    ],
  });
  await seedNotice({
    unit: 'xqz',
    issuedOn: '2026-10-09',
    dayCount: 'calendar',
    problems: [{ days: 10, exchanges: [] }],
  });
}, 240_000);
afterAll(async () => {
  await stack?.stop();
});

describe('整改按期办结: the unit answered on time, the office verifies in its own time', () => {
  it('the working-day term spans the National Day holidays', () => {
    expect(termDueDate('2026-09-28', 5, 'working', chineseWorkday)).toBe('2026-10-10');
  });

  it('counts answered-on-time notices awaiting or verified after the cutoff, and late answers as late', async () => {
    expect(await runMonth(MONTH)).toEqual({ month: MONTH, created: true });
    const report = await stored(MONTH);
    const rows = [...report.groups.department, ...report.groups.township];
    const of = (code: string) => rectification(rows.find((r) => r.unitCode === code)!);
    expect({ swj: of('swj'), jtj: of('jtj'), mbz: of('mbz'), xqz: of('xqz') }).toEqual({
      // verified on November 3rd; one of two problems still awaiting the verdict
      swj: { due: '2', onTime: '2', pointsCenti: 1000 },
      // answered 30 minutes late China time; answered again late after a send-back; answered late
      jtj: { due: '3', onTime: '0', pointsCenti: 0 },
      // sent back, the new term not answered by the cutoff
      mbz: { due: '1', onTime: '0', pointsCenti: 0 },
      // the send-back and the late answer after the cutoff are not October's; the other never answered
      xqz: { due: '2', onTime: '1', pointsCenti: 500 },
    });
    // A new rule is a new config version: reports stored under 2026.3 keep its rule and its text.
    expect(report.config.version).toBe('2026.4');
  });

  it('a stored month stays as it was stored', async () => {
    const before = await stored(MONTH);
    await seedNotice({
      unit: 'swj',
      issuedOn: '2026-10-09',
      dayCount: 'calendar',
      problems: [{ days: 10, exchanges: [{ kind: 'answer', at: '2026-10-25T10:00:00' }] }],
    });
    expect(await runMonth(MONTH)).toEqual({ month: MONTH, created: false });
    expect(await stored(MONTH)).toEqual(before);
  });
});
