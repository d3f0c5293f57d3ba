/**
 * The activities of rectification notices: the only writers of their rows (system scope). Each is
 * idempotent by the request it carries out: the issue by its request id (the notice remembers it),
 * each answer, verdict and withdrawal by its Update id (`rectification_event.request_id`), each
 * ladder step by (problem, arm, step). Planning dates lives here, not in workflow code, because it
 * reads configuration and the holiday calendar (a recorded result keeps replays deterministic).
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { SYSTEM_SCOPE, executeAll, inScope, type Tx } from '#db/scope.js';
import { interviewFlagFromNotice } from '#db/writes/interview-flag.js';
import {
  eventInsert,
  evidenceClaim,
  ladderStepInsert,
  noticeInsert,
  noticeProjectsInsert,
  problemInsert,
  serialTake,
} from '#db/writes/rectification.js';
import { cstDate, type DeadlineConfig, type IsWorkday, type LadderClock } from '#domain/deadlines.js';
import { LADDER_STEP_LABELS } from '#domain/deadlines.js';
import { STEP_REJECTED } from '#domain/project-records.js';
import {
  DEFAULT_SERIAL_PREFIX,
  rectificationSerial,
  rectificationWorkflowId,
  termDueDate,
  termLadder,
  type AnswerRequest,
  type DayCount,
  type ExchangeOutcome,
  type IssueRectificationRequest,
  type IssuedRectification,
  type LadderStepRecord,
  type ProblemTerm,
  type VerdictRequest,
  type WithdrawRequest,
} from '#domain/rectification-records.js';
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
}

const system = (at: string) => ({ actor: { id: null, username: 'system' }, via: 'activity' as const, at });

export function createRectificationActivities(deps: RectificationActivityDeps) {
  const { orm, audit, deadlines: cfg } = deps;
  const isWorkday = deps.isWorkday ?? chineseWorkday;
  const prefix = deps.serialPrefix ?? DEFAULT_SERIAL_PREFIX;

  function term(arm: number, from: string, days: number, dayCount: DayCount, clock: LadderClock): ProblemTerm {
    const dueDate = termDueDate(from, days, dayCount, isWorkday);
    return { arm, dueDate, steps: termLadder(from, dueDate, cfg, dayCount, clock, isWorkday) };
  }

  /** The notice a request issued earlier, as the workflow starts from it. */
  async function issuedBefore(tx: Tx, requestId: string): Promise<IssuedRectification | undefined> {
    const [notices, problems] = await tx.batch([
      {
        sql: `SELECT id, year, number, serial, org_unit_id, issuer_unit_id, title, day_count,
                to_char(issued_on, 'YYYY-MM-DD') AS issued_on, issued_at
              FROM rectification_notice WHERE request_id = ?`,
        params: [requestId],
      },
      {
        sql: `SELECT p.id::int AS id, p.seq, p.deadline_days FROM rectification_problem p
              JOIN rectification_notice n ON n.id = p.notice_id WHERE n.request_id = ? ORDER BY p.seq`,
        params: [requestId],
      },
    ]);
    const n = (notices as Record<string, unknown>[])[0];
    if (!n) return undefined;
    const clock = clockAt(new Date(n.issued_at as string).getTime());
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
      problems: (problems as { id: number; seq: number; deadline_days: number }[]).map((p) => ({
        id: p.id,
        seq: p.seq,
        term: term(1, issuedOn, p.deadline_days, dayCount, clock),
      })),
    };
  }

  const clockAt = (ms: number): LadderClock => ({ dayMs: cfg.dayMs, originMs: cfg.sharedOriginMs ?? ms });

  /** The exchange's first write: the event, or nothing when an earlier attempt wrote it. */
  async function event(tx: Tx, e: Parameters<typeof eventInsert>[0]): Promise<string | undefined> {
    const [rows] = await executeAll(tx, [eventInsert(e)]);
    return (rows as { id: string }[])[0]?.id;
  }

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
          const [taken] = await executeAll(tx, [serialTake(year)]);
          const number = (taken as { last_number: number }[])[0]!.last_number;
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

    /** The unit's answer: the event, the evidence it claims, the problem's status, an audit row. */
    async recordAnswer(a: AnswerRequest & { noticeId: string; arm: number; onTime: boolean; at: string }) {
      return permanentFailuresFinal('整改答复未能记录 (the answer could not be recorded)', () =>
        inScope(orm, SYSTEM_SCOPE, async (tx): Promise<ExchangeOutcome> => {
          const id = await event(tx, {
            noticeId: a.noticeId,
            problemId: a.problemId,
            arm: a.arm,
            kind: 'answer',
            requestId: a.requestId,
            actorId: a.actor.id,
            actorName: a.actor.name,
            text: a.action,
            dueDate: null,
            onTime: a.onTime,
            at: a.at,
          });
          if (!id) return { status: 'duplicate' };
          const unique = [...new Set(a.evidenceIds)];
          if (unique.length) {
            const [claimed] = await executeAll(tx, [evidenceClaim(id, unique, a.actor.id)]);
            if ((claimed as unknown[]).length !== unique.length)
              throw ApplicationFailure.nonRetryable(
                '证据附件不存在、不是您上传的或已被使用 (an evidence file is not an unused upload of yours)',
                STEP_REJECTED,
              );
          }
          await tx.execute(
            `UPDATE rectification_problem SET status = 'answered' WHERE id = ? AND notice_id = ?`,
            [a.problemId, a.noticeId],
            'run',
          );
          await audit.append(tx, {
            actor: { id: a.actor.id, username: a.actor.username },
            via: 'activity',
            action: 'rectification.answer',
            entity: 'rectification_notice',
            entityId: a.noticeId,
            after: { problemId: a.problemId, arm: a.arm, onTime: a.onTime, evidence: unique },
            at: a.at,
          });
          return { status: 'recorded' };
        }),
      );
    },

    /**
     * The office's verdict: accepted, or sent back with a new term (a new arm and due date; the
     * first due date never changes). The last acceptance closes the notice in the same transaction.
     */
    async recordVerdict(
      v: VerdictRequest & {
        noticeId: string;
        arm: number;
        at: string;
        newTerm: ProblemTerm | null;
        close: { onTime: boolean } | null;
      },
    ) {
      return permanentFailuresFinal('审核意见未能记录 (the verdict could not be recorded)', () =>
        inScope(orm, SYSTEM_SCOPE, async (tx): Promise<ExchangeOutcome> => {
          const id = await event(tx, {
            noticeId: v.noticeId,
            problemId: v.problemId,
            arm: v.arm,
            kind: v.verdict,
            requestId: v.requestId,
            actorId: v.actor.id,
            actorName: v.actor.name,
            text: v.verdict === 'accept' ? v.comment : v.reasons,
            dueDate: v.newTerm?.dueDate ?? null,
            onTime: null,
            at: v.at,
          });
          if (!id) return { status: 'duplicate' };
          if (v.verdict === 'accept')
            await tx.execute(
              `UPDATE rectification_problem SET status = 'accepted', accepted_at = ? WHERE id = ? AND notice_id = ?`,
              [v.at, v.problemId, v.noticeId],
              'run',
            );
          else
            await tx.execute(
              `UPDATE rectification_problem SET status = 'sentBack', arm = ?, due_date = ? WHERE id = ? AND notice_id = ?`,
              [v.newTerm!.arm, v.newTerm!.dueDate, v.problemId, v.noticeId],
              'run',
            );
          if (v.close)
            await tx.execute(
              `UPDATE rectification_notice SET status = 'closed', closed_at = ?, closed_on_time = ? WHERE id = ? AND status = 'open'`,
              [v.at, v.close.onTime, v.noticeId],
              'run',
            );
          await audit.append(tx, {
            actor: { id: v.actor.id, username: v.actor.username },
            via: 'activity',
            action: `rectification.${v.verdict}`,
            entity: 'rectification_notice',
            entityId: v.noticeId,
            after: {
              problemId: v.problemId,
              arm: v.arm,
              ...(v.newTerm ? { newArm: v.newTerm.arm, dueDate: v.newTerm.dueDate } : {}),
              ...(v.close ? { closed: true, closedOnTime: v.close.onTime } : {}),
            },
            at: v.at,
          });
          return { status: 'recorded' };
        }),
      );
    },

    /** The withdrawal: the notice and every problem not accepted are withdrawn, with the reason. */
    async recordWithdrawal(w: WithdrawRequest & { noticeId: string; at: string }) {
      return permanentFailuresFinal('撤回未能记录 (the withdrawal could not be recorded)', () =>
        inScope(orm, SYSTEM_SCOPE, async (tx): Promise<ExchangeOutcome> => {
          const id = await event(tx, {
            noticeId: w.noticeId,
            problemId: null,
            arm: null,
            kind: 'withdraw',
            requestId: w.requestId,
            actorId: w.actor.id,
            actorName: w.actor.name,
            text: w.reason,
            dueDate: null,
            onTime: null,
            at: w.at,
          });
          if (!id) return { status: 'duplicate' };
          await tx.batch([
            {
              sql: `UPDATE rectification_problem SET status = 'withdrawn' WHERE notice_id = ? AND status <> 'accepted'`,
              params: [w.noticeId],
            },
            {
              sql: `UPDATE rectification_notice SET status = 'withdrawn', closed_at = ?, withdrawn_reason = ?
                    WHERE id = ? AND status = 'open'`,
              params: [w.at, w.reason, w.noticeId],
            },
          ]);
          await audit.append(tx, {
            actor: { id: w.actor.id, username: w.actor.username },
            via: 'activity',
            action: 'rectification.withdraw',
            entity: 'rectification_notice',
            entityId: w.noticeId,
            after: { reason: w.reason },
            at: w.at,
          });
          return { status: 'recorded' };
        }),
      );
    },

    /**
     * Steps that came due together (one instant), each recorded once; a 约谈 step raises one flag
     * for the problems it names (`flagArm`), in the same transaction as its rows.
     */
    async recordRectificationSteps(args: {
      steps: LadderStepRecord[];
      flagArm: string;
      serial: string;
    }): Promise<{ recorded: number }> {
      return permanentFailuresFinal('整改预警未能记录 (the ladder step could not be recorded)', () =>
        inScope(orm, SYSTEM_SCOPE, async (tx) => {
          let recorded = 0;
          let flagId: string | null = null;
          const first = args.steps[0];
          if (!first) return { recorded };
          if (args.steps.some((s) => s.step === 'interview')) {
            const seqs = args.steps.map((s) => `问题${s.seq}`).join('、');
            const [raised] = await executeAll(tx, [
              interviewFlagFromNotice({
                noticeId: first.noticeId,
                arm: args.flagArm,
                unitId: first.unitId,
                reason: `${args.serial} ${seqs}逾期未整改，期限 ${first.dueDate}，逾期 ${first.daysLate} 天，约谈主要负责人`,
                raisedAt: new Date(first.at),
              }),
            ]);
            flagId = (raised as { id: string }[])[0]?.id ?? null;
            if (!flagId) {
              const [found] = await tx.batch([
                {
                  sql: `SELECT id FROM interview_flag WHERE notice_id = ? AND notice_arm = ?`,
                  params: [first.noticeId, args.flagArm],
                },
              ]);
              flagId = (found as { id: string }[])[0]!.id;
            }
          }
          for (const s of args.steps) {
            const [rows] = await executeAll(tx, [
              ladderStepInsert({ ...s, flagId: s.step === 'interview' ? flagId : null }),
            ]);
            if ((rows as unknown[]).length === 0) continue;
            recorded++;
            await audit.append(tx, {
              ...system(s.at),
              action: `rectification.ladder.${s.step}`,
              entity: 'rectification_notice',
              entityId: s.noticeId,
              after: {
                problemId: s.problemId,
                arm: s.arm,
                step: s.step,
                label: LADDER_STEP_LABELS[s.step].zh,
                dueDate: s.dueDate,
                daysLate: s.daysLate,
              },
            });
          }
          return { recorded };
        }),
      );
    },
  };
}
