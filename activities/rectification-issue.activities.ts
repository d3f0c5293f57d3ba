/**
 * Issuing a rectification notice: the activity that takes the year's next serial number and
 * writes the notice in one transaction (idempotent by the issuing request), and the planning of a
 * problem's term (its due date and ladder). Planning lives in activities, not workflow code,
 * because it reads configuration and the holiday calendar; a recorded result keeps replays
 * deterministic.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { SYSTEM_SCOPE, executeAll, inScope, type Tx } from '#db/scope.js';
import { noticeInsert, noticeProjectsInsert, problemInsert, serialTake } from '#db/writes/rectification.js';
import { cstDate, type DeadlineConfig, type IsWorkday, type LadderClock } from '#domain/deadlines.js';
import {
  DEFAULT_SERIAL_PREFIX,
  rectificationSerial,
  rectificationWorkflowId,
  termDueDate,
  termLadder,
  type DayCount,
  type IssueRectificationRequest,
  type IssuedRectification,
  type ProblemTerm,
} from '#domain/rectification-records.js';
import { STEP_REJECTED } from '#domain/project-records.js';
import { chineseWorkday } from './deadline.activities.js';
import { permanentFailuresFinal } from './write-errors.js';

export interface RectificationActivityDeps {
  orm: Orm;
  audit: AuditLog;
  /** The ladder's tiers and day length (the project ladders' DEADLINE_* settings). */
  deadlines: DeadlineConfig;
  /** RECTIFICATION_SERIAL_PREFIX */
  serialPrefix?: string;
  isWorkday?: IsWorkday;
  /**
   * Whether Temporal knows a workflow of this id, running or closed. A database restored while
   * Temporal kept its state counts serials from the backup again: the numbers issued since are
   * taken there, and their notices' workflows with them.
   */
  workflowKnown?: (workflowId: string) => Promise<boolean>;
}

/** How many taken numbers in a row an issue steps over before it gives up (a restore's gap). */
export const MAX_SERIALS_SKIPPED = 1000;

/** A notice's clock, set at its issue: the shortened day of tests counts from it. */
export const noticeClock = (cfg: DeadlineConfig, ms: number): LadderClock => ({
  dayMs: cfg.dayMs,
  originMs: cfg.sharedOriginMs ?? ms,
});

/**
 * A written notice as its workflow starts from it, each problem with its first term: the one an
 * issuing request wrote (a retried issue), or the one with this id (a workflow started again from
 * PostgreSQL, which then puts each problem's current term in its state). Undefined when none.
 */
export async function issuedNotice(
  tx: Tx,
  by: { requestId: string } | { noticeId: string },
  deps: { deadlines: DeadlineConfig; isWorkday: IsWorkday },
): Promise<IssuedRectification | undefined> {
  const where = 'requestId' in by ? 'n.request_id = ?' : 'n.id = ?::uuid';
  const key = 'requestId' in by ? by.requestId : by.noticeId;
  const [notices, problems] = await tx.batch([
    {
      sql: `SELECT n.id, n.year, n.number, n.serial, n.org_unit_id, n.issuer_unit_id, n.title, n.day_count,
              to_char(n.issued_on, 'YYYY-MM-DD') AS issued_on, n.issued_at
            FROM rectification_notice n WHERE ${where}`,
      params: [key],
    },
    {
      sql: `SELECT p.id::int AS id, p.seq, p.deadline_days FROM rectification_problem p
            JOIN rectification_notice n ON n.id = p.notice_id WHERE ${where} ORDER BY p.seq`,
      params: [key],
    },
  ]);
  const n = (notices as Record<string, unknown>[])[0];
  if (!n) return undefined;
  const cfg = deps.deadlines;
  const clock = noticeClock(cfg, new Date(n.issued_at as string).getTime());
  const dayCount = n.day_count as DayCount;
  const issuedOn = n.issued_on as string;
  return {
    id: n.id as string,
    year: n.year as number,
    number: n.number as number,
    serial: n.serial as string,
    workflowId: rectificationWorkflowId(n.year as number, n.number as number),
    unitId: n.org_unit_id as string,
    issuerUnitId: n.issuer_unit_id as string,
    title: n.title as string,
    dayCount,
    issuedOn,
    clock,
    laddersOn: cfg.enabled,
    problems: (problems as { id: number; seq: number; deadline_days: number }[]).map((p) => {
      const dueDate = termDueDate(issuedOn, p.deadline_days, dayCount, deps.isWorkday);
      return {
        id: p.id,
        seq: p.seq,
        term: { arm: 1, dueDate, steps: termLadder(issuedOn, dueDate, cfg, dayCount, clock, deps.isWorkday) },
      };
    }),
  };
}

export function createRectificationIssueActivities(deps: RectificationActivityDeps) {
  const { orm, audit, deadlines: cfg } = deps;
  const isWorkday = deps.isWorkday ?? chineseWorkday;
  const prefix = deps.serialPrefix ?? DEFAULT_SERIAL_PREFIX;

  function term(
    arm: number,
    from: string,
    days: number,
    dayCount: DayCount,
    clock: LadderClock,
  ): ProblemTerm {
    const dueDate = termDueDate(from, days, dayCount, isWorkday);
    return { arm, dueDate, steps: termLadder(from, dueDate, cfg, dayCount, clock, isWorkday) };
  }

  const issuedBefore = (tx: Tx, requestId: string) =>
    issuedNotice(tx, { requestId }, { deadlines: cfg, isWorkday });

  const clockAt = (ms: number) => noticeClock(cfg, ms);

  return {
    /**
     * Takes the year's next serial number and writes the notice, its problems and projects in one
     * transaction: the number exists exactly when the notice does.
     */
    async issueRectification(req: IssueRectificationRequest): Promise<IssuedRectification> {
      return permanentFailuresFinal('整改通知书未能签发 (the notice could not be issued)', () =>
        inScope(orm, SYSTEM_SCOPE, async (tx) => {
          const before = await issuedBefore(tx, req.requestId);
          if (before) return before;
          const nowMs = Date.now();
          const at = new Date(nowMs).toISOString();
          const issuedOn = cstDate(nowMs);
          const year = Number(issuedOn.slice(0, 4));
          const next = async () =>
            ((await executeAll(tx, [serialTake(year)]))[0] as { last_number: number }[])[0]!.last_number;
          // A number whose workflow Temporal already has was issued before a restore of the
          // database: it is stepped over, so that the notice written here gets its own workflow.
          let number = await next();
          for (
            let skipped = 0;
            await deps.workflowKnown?.(rectificationWorkflowId(year, number));
            skipped++
          ) {
            if (skipped >= MAX_SERIALS_SKIPPED)
              throw ApplicationFailure.nonRetryable(
                `${MAX_SERIALS_SKIPPED} 个整改通知书编号已被流程服务占用，请核对数据库与流程服务是否来自同一时点 (${MAX_SERIALS_SKIPPED} serial numbers in a row have workflows already: is the database restored without Temporal?)`,
                STEP_REJECTED,
              );
            number = await next();
          }
          const serial = rectificationSerial(prefix, year, number);
          const clock = clockAt(nowMs);
          const terms = req.problems.map((p) => term(1, issuedOn, p.deadlineDays, req.dayCount, clock));
          const dueDate = terms.map((t) => t.dueDate).reduce((a, b) => (a > b ? a : b));
          const id = randomUUID();
          const projectIds = [...new Set(req.problems.flatMap((p) => (p.projectId ? [p.projectId] : [])))];
          const results = await executeAll(tx, [
            noticeInsert({
              id,
              year,
              number,
              serial,
              unitId: req.unitId,
              issuerUnitId: req.issuerUnitId,
              issuedBy: req.actor.id,
              title: req.title,
              dayCount: req.dayCount,
              issuedAt: at,
              issuedOn,
              dueDate,
              redFlagId: req.redFlagId,
              requestId: req.requestId,
            }),
            ...req.problems.map((p, i) =>
              problemInsert({ noticeId: id, seq: i + 1, ...p, dueDate: terms[i]!.dueDate }),
            ),
            ...(projectIds.length ? [noticeProjectsInsert(id, projectIds)] : []),
          ]);
          await audit.append(tx, {
            actor: { id: req.actor.id, username: req.actor.username },
            via: 'activity',
            action: 'rectification.issue',
            entity: 'rectification_notice',
            entityId: id,
            after: { serial, unitId: req.unitId, title: req.title, dueDate, problems: req.problems.length },
            at,
          });
          return {
            id,
            year,
            number,
            serial,
            workflowId: rectificationWorkflowId(year, number),
            unitId: req.unitId,
            issuerUnitId: req.issuerUnitId,
            title: req.title,
            dayCount: req.dayCount,
            issuedOn,
            clock,
            laddersOn: cfg.enabled,
            problems: req.problems.map((_, i) => ({
              id: Number((results[1 + i] as { id: string }[])[0]!.id),
              seq: i + 1,
              term: terms[i]!,
            })),
          };
        }),
      );
    },

    /** A send-back's new term, counted from the day of the verdict on the notice's clock. */
    async planRectificationTerm(args: {
      arm: number;
      from: string;
      days: number;
      dayCount: DayCount;
      clock: LadderClock;
    }): Promise<ProblemTerm> {
      return term(args.arm, args.from, args.days, args.dayCount, args.clock);
    },
  };
}
