/**
 * The workflows of open rectification notices, as they must be started again: the notice as
 * issued, and each problem's state read from PostgreSQL — its status, its current term (the arming
 * and due date on record, its ladder counted from the day of issue or of the send-back that set
 * it), the ladder steps already recorded (none is recorded twice) and whether any answer came late.
 */
import { issuedNotice } from '#activities/rectification-issue.activities.js';
import type { Orm } from '#db/orm.js';
import { SYSTEM_SCOPE, inScope, queryInScope } from '#db/scope.js';
import type { DeadlineConfig, IsWorkday } from '#domain/deadlines.js';
import {
  noticeToday,
  termLadder,
  type ProblemState,
  type ProblemStatus,
  type RectificationState,
} from '#domain/rectification-records.js';
import type { RectificationWorkflowInput } from '#workflows/rectification.messages.js';
import { pgArray } from './sql.js';

export interface RectificationToRecreate {
  serial: string;
  workflowId: string;
  input: RectificationWorkflowInput;
}

export interface RectificationPlanDeps {
  config: DeadlineConfig;
  isWorkday: IsWorkday;
}

const ms = (v: unknown) => (v instanceof Date ? v.getTime() : new Date(String(v)).getTime());

/** Ids of the notices still open (their workflows run until closed or withdrawn), oldest first. */
export async function openNoticeIds(orm: Orm): Promise<string[]> {
  const [rows] = await queryInScope(orm, SYSTEM_SCOPE, [
    { sql: `SELECT id FROM rectification_notice WHERE status = 'open' ORDER BY issued_at, id`, params: [] },
  ]);
  return (rows as { id: string }[]).map((r) => r.id);
}

export async function rectificationsToRecreate(
  orm: Orm,
  noticeIds: readonly string[],
  deps: RectificationPlanDeps,
): Promise<RectificationToRecreate[]> {
  if (noticeIds.length === 0) return [];
  return inScope(orm, SYSTEM_SCOPE, async (tx) => {
    const ids = pgArray(noticeIds);
    const [problems, steps, events] = await tx.batch([
      {
        sql: `SELECT id::int AS id, notice_id, status, arm, to_char(due_date, 'YYYY-MM-DD') AS due_date
              FROM rectification_problem WHERE notice_id = ANY(?::uuid[])`,
        params: [ids],
      },
      {
        sql: `SELECT problem_id::int AS problem_id, arm, step FROM rectification_ladder_step
              WHERE notice_id = ANY(?::uuid[])`,
        params: [ids],
      },
      {
        sql: `SELECT problem_id::int AS problem_id, kind, arm, on_time, at FROM rectification_event
              WHERE notice_id = ANY(?::uuid[]) AND kind IN ('answer', 'sendBack')`,
        params: [ids],
      },
    ]);
    const out: RectificationToRecreate[] = [];
    for (const noticeId of noticeIds) {
      const issued = await issuedNotice(
        tx,
        { noticeId },
        { deadlines: deps.config, isWorkday: deps.isWorkday },
      );
      if (!issued) continue;
      const { problems: first, ...notice } = issued;
      const state: RectificationState = {
        notice,
        status: 'open',
        problems: first.map((f): ProblemState => {
          const row = (problems as Record<string, unknown>[]).find((p) => p.id === f.id)!;
          const arm = Number(row.arm);
          const dueDate = row.due_date as string;
          const mine = (events as Record<string, unknown>[]).filter((e) => e.problem_id === f.id);
          // A send-back of arm n set term n + 1, counted from its day on the notice's clock.
          const sentBack = mine.find((e) => e.kind === 'sendBack' && Number(e.arm) === arm - 1);
          const from = sentBack ? noticeToday(notice.clock, ms(sentBack.at)) : notice.issuedOn;
          const ladder =
            arm === 1 && dueDate === f.term.dueDate
              ? f.term.steps
              : termLadder(from, dueDate, deps.config, notice.dayCount, notice.clock, deps.isWorkday);
          const recorded = new Set(
            (steps as Record<string, unknown>[])
              .filter((s) => s.problem_id === f.id && Number(s.arm) === arm)
              .map((s) => s.step as string),
          );
          let fired = 0;
          ladder.forEach((s, i) => {
            if (recorded.has(s.step)) fired = i + 1;
          });
          return {
            id: f.id,
            seq: f.seq,
            status: row.status as ProblemStatus,
            term: { arm, dueDate, steps: ladder },
            fired,
            late: mine.some((e) => e.kind === 'answer' && e.on_time === false),
          };
        }),
      };
      out.push({ serial: notice.serial, workflowId: notice.workflowId, input: { notice: issued, state } });
    }
    return out;
  });
}
