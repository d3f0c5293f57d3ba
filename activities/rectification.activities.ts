/**
 * The activities of rectification notices after issue: the only writers of their rows (system
 * scope). Each is idempotent by the request it carries out: each answer, verdict and withdrawal by
 * its Update id (`rectification_event.request_id`), each ladder step by (problem, arm, step).
 * Issuing and planning: rectification-issue.activities.ts.
 */
import { ApplicationFailure } from '@temporalio/common';
import { SYSTEM_SCOPE, executeAll, inScope, type Tx } from '#db/scope.js';
import { interviewFlagFromNotice } from '#db/writes/interview-flag.js';
import { negativeEntryFromNotice } from '#db/writes/negative-list-entry.js';
import { eventInsert, evidenceClaim, ladderStepInsert } from '#db/writes/rectification.js';
import { LADDER_STEP_LABELS, daysLateWhenRaised } from '#domain/deadlines.js';
import { STEP_REJECTED } from '#domain/project-records.js';
import type {
  AnswerRequest,
  ExchangeOutcome,
  LadderStepRecord,
  ProblemTerm,
  VerdictRequest,
  WithdrawRequest,
} from '#domain/rectification-records.js';
import {
  createRectificationIssueActivities,
  type RectificationActivityDeps,
} from './rectification-issue.activities.js';
import { permanentFailuresFinal } from './write-errors.js';

export type { RectificationActivityDeps } from './rectification-issue.activities.js';

const system = (at: string) => ({ actor: { id: null, username: 'system' }, via: 'activity' as const, at });

export function createRectificationActivities(deps: RectificationActivityDeps) {
  const { orm, audit } = deps;

  /** The exchange's first write: the event, or nothing when an earlier attempt wrote it. */
  async function event(tx: Tx, e: Parameters<typeof eventInsert>[0]): Promise<string | undefined> {
    const [rows] = await executeAll(tx, [eventInsert(e)]);
    return (rows as { id: string }[])[0]?.id;
  }

  return {
    ...createRectificationIssueActivities(deps),

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
          // The notice's open 约谈 flags close with it, without a talk: the withdrawal is the
          // office's decision that the notice was wrong. After the notice's row is updated, so a
          // ladder step raising a flag meanwhile (it locks that row first) is either seen here or
          // sees the withdrawal itself.
          const [closed] = await tx.batch([
            {
              sql: `UPDATE interview_flag SET closed_at = ?, close_reason = 'noticeWithdrawn'
                     WHERE notice_id = ? AND closed_at IS NULL RETURNING id`,
              params: [w.at, w.noticeId],
            },
          ]);
          for (const f of closed as { id: string }[])
            await audit.append(tx, {
              actor: { id: w.actor.id, username: w.actor.username },
              via: 'activity',
              action: 'interview.flag.close',
              entity: 'interview_flag',
              entityId: String(f.id),
              after: { closeReason: 'noticeWithdrawn', noticeId: w.noticeId },
              at: w.at,
            });
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
            // As a project ladder's: the lateness on the day it is raised (more than the step's own
            // when the ladder catches up, e.g. a notice's workflow started again after days down).
            const late = daysLateWhenRaised(first.dueDate, first.daysLate, Date.parse(first.at));
            const reason = `${args.serial} ${seqs}逾期未整改，期限 ${first.dueDate}，逾期 ${late} 天，约谈主要负责人`;
            // The notice's row, locked first: a withdrawal committed meanwhile is seen below, one
            // still to come waits and then closes this flag with the others.
            const [locked] = await tx.batch([
              {
                sql: `SELECT status FROM rectification_notice WHERE id = ? FOR SHARE`,
                params: [first.noticeId],
              },
            ]);
            const withdrawn = (locked as { status: string }[])[0]?.status === 'withdrawn';
            // As on a project ladder, the 约谈 step also puts the unit on the negative list.
            const [raised] = await executeAll(tx, [
              interviewFlagFromNotice({
                noticeId: first.noticeId,
                arm: args.flagArm,
                unitId: first.unitId,
                reason,
                raisedAt: new Date(first.at),
              }),
              negativeEntryFromNotice({
                noticeId: first.noticeId,
                arm: args.flagArm,
                unitId: first.unitId,
                reason,
                listedAt: new Date(first.at),
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
            } else if (withdrawn) {
              // A step that came due as the notice was withdrawn: its flag is closed at once.
              await tx.batch([
                {
                  sql: `UPDATE interview_flag f SET closed_at = GREATEST(n.closed_at, f.raised_at),
                          close_reason = 'noticeWithdrawn' FROM rectification_notice n WHERE f.id = ? AND n.id = f.notice_id`,
                  params: [flagId],
                },
              ]);
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
