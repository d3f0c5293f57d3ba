/**
 * Deadline-ladder activities: planning (configuration + the holiday calendar live here, not in
 * workflow code) and writing each fired step. `recordAlert` (and `recordAlerts`, several steps at
 * once) is idempotent by the step's identity in its ladder: the history row carries it as its
 * request id (`alert:<kind>:<period>:<arm>:<step>`), the alert is keyed on (project, kind, period,
 * arm, step), the negative-list entry and the 约谈 flag on the alert, all in one transaction that does nothing for
 * a step already recorded. A seq taken by another request is reported back (`conflict`), never
 * taken for this step.
 */
import { interviewFlagFromAlert } from '#db/writes/interview-flag.js';
import { negativeEntryFromAlert } from '#db/writes/negative-list-entry.js';
import { historyInsert } from '#db/writes/project-history.js';
import chineseDays from 'chinese-days';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { SYSTEM_SCOPE, executeAll, inScope, type Tx } from '#db/scope.js';
import {
  planLadder,
  type DeadlineConfig,
  type DeadlineSpec,
  type IsWorkday,
  type LadderClock,
  type LadderPlan,
} from '#domain/deadlines.js';
import { DEADLINE_LABELS, LADDER_STEP_LABELS, daysLateWhenRaised } from '#domain/deadlines.js';
import type { AlertRecord, StepOutcome } from '#domain/project-records.js';
import { SYSTEM_ACTOR } from '#domain/project-records.js';
import { permanentFailuresFinal } from './write-errors.js';

/** Thrown inside a batch to roll back what it wrote before the conflict. */
class SeqConflict extends Error {
  constructor(readonly outcome: StepOutcome) {
    super('seq conflict');
  }
}

/** Chinese public holidays and 调休 make-up working days (chinese-days ships them as data). */
export const chineseWorkday: IsWorkday = (date) => chineseDays.isWorkday(date);

export interface DeadlineActivityDeps {
  orm: Orm;
  audit: AuditLog;
  config: DeadlineConfig;
  isWorkday?: IsWorkday;
}

export function createDeadlineActivities({
  orm,
  audit,
  config,
  isWorkday = chineseWorkday,
}: DeadlineActivityDeps) {
  /** One fired step: nothing when it is recorded already (an earlier attempt wrote it). */
  async function writeAlert(em: Tx, a: AlertRecord): Promise<StepOutcome> {
    const history = historyInsert(
      {
        projectId: a.projectId,
        seq: a.seq,
        action: 'alert',
        fromStage: a.stage,
        toStage: a.stage,
        actor: { id: null, name: SYSTEM_ACTOR.name },
        at: a.at,
        payload: {
          kind: a.kind,
          period: a.period,
          step: a.step,
          dueDate: a.dueDate,
          daysLate: a.daysLate,
          arm: a.arm,
          label: `${LADDER_STEP_LABELS[a.step].zh}：${DEADLINE_LABELS[a.kind].zh}`,
        },
        requestId: a.requestId,
      },
      'any',
    );
    const inserted = await em.execute(history.sql, history.params, 'all');
    if (inserted.length === 0) return alreadyThere(em, a);
    const rows = await em.execute<{ id: string }[]>(
      `INSERT INTO alert (project_id, kind, period, arm, step, due_date, step_date, days_late,
         responsible_unit_id, history_seq, raised_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (project_id, kind, period, arm, step) DO NOTHING RETURNING id`,
      [
        a.projectId,
        a.kind,
        a.period,
        a.arm,
        a.step,
        a.dueDate,
        a.stepDate,
        a.daysLate,
        a.responsibleUnitId,
        a.seq,
        a.at,
      ],
      'all',
    );
    const alertId = rows[0]?.id;
    await audit.append(em, {
      actor: { id: null, username: 'system' },
      via: 'activity',
      action: `project.alert.${a.step}`,
      entity: 'project',
      entityId: a.projectId,
      after: {
        kind: a.kind,
        period: a.period,
        step: a.step,
        dueDate: a.dueDate,
        daysLate: a.daysLate,
        seq: a.seq,
      },
      at: a.at,
    });
    if (alertId && a.step === 'interview') {
      // The negative-list entry and the 约谈 flag the office must deal with, with the alert.
      const late = daysLateWhenRaised(a.dueDate, a.daysLate, Date.parse(a.at));
      const reason = `${DEADLINE_LABELS[a.kind].zh}${a.period ? `（${a.period}）` : ''}，期限 ${a.dueDate}，逾期 ${late} 天，约谈主要负责人`;
      await executeAll(em, [
        negativeEntryFromAlert({
          alertId,
          unitId: a.responsibleUnitId,
          projectId: a.projectId,
          reason,
          listedAt: a.at,
        }),
        interviewFlagFromAlert({
          alertId,
          unitId: a.responsibleUnitId,
          projectId: a.projectId,
          reason,
          raisedAt: new Date(a.at),
        }),
      ]);
    }
    return { status: 'recorded' };
  }

  /** Nothing was inserted: this step was recorded before, or its seq belongs to another request. */
  async function alreadyThere(em: Tx, a: AlertRecord): Promise<StepOutcome> {
    if (a.requestId === undefined) return { status: 'recorded' }; // before ids: the seq was the identity
    const [row] = await em.execute<{ mine: number | null; last: number | null }[]>(
      `SELECT (SELECT seq FROM project_history WHERE project_id = ? AND request_id = ?) AS mine,
              (SELECT max(seq) FROM project_history WHERE project_id = ?) AS last`,
      [a.projectId, a.requestId, a.projectId],
      'all',
    );
    if (row?.mine != null) return { status: 'duplicate', seq: row.mine, stage: a.stage };
    return { status: 'conflict', lastSeq: row?.last ?? 0 };
  }

  /** Writes the steps in one transaction; a conflict rolls back all of them and is reported. */
  async function writeAll(alerts: AlertRecord[]): Promise<StepOutcome> {
    try {
      return await inScope(orm, SYSTEM_SCOPE, async (em) => {
        let outcome: StepOutcome = { status: 'recorded' };
        for (const a of alerts) {
          outcome = await writeAlert(em, a);
          if (outcome.status === 'conflict') throw new SeqConflict(outcome);
        }
        return outcome;
      });
    } catch (err) {
      if (err instanceof SeqConflict) return err.outcome;
      throw err;
    }
  }

  return {
    async planDeadlines(args: {
      specs: DeadlineSpec[];
      clock?: LadderClock;
      nowMs: number;
    }): Promise<{ enabled: boolean; clock: LadderClock; ladders: LadderPlan[] }> {
      // A project's clock is set once, by its first plan, and kept in the workflow's state.
      const clock = args.clock ?? { dayMs: config.dayMs, originMs: config.sharedOriginMs ?? args.nowMs };
      if (!config.enabled) return { enabled: false, clock, ladders: [] };
      return {
        enabled: true,
        clock,
        ladders: args.specs.map((s) => planLadder(s, config, clock, isWorkday)),
      };
    },

    /**
     * Whether the month's progress entry is in the implementing ledger, however it got there (the
     * step, the ledger's form, an import); if so, the month's alerts still active are resolved,
     * as the step resolves them. Idempotent: a second call finds nothing left to resolve.
     */
    async progressEntered(args: { projectId: string; month: string; at: string }): Promise<boolean> {
      return permanentFailuresFinal('进度填报情况未能核对 (the progress entry could not be checked)', () =>
        inScope(orm, SYSTEM_SCOPE, async (em) => {
          const [row] = await em.execute<{ entered: boolean }[]>(
            `SELECT EXISTS (SELECT 1 FROM monthly_progress WHERE project_id = ? AND month = ?) AS entered`,
            [args.projectId, args.month],
            'all',
          );
          if (!row?.entered) return false;
          const closed = await em.execute<{ step: string }[]>(
            `UPDATE alert SET status = 'resolved', closed_at = ?
              WHERE project_id = ? AND kind = 'progress' AND period = ? AND status = 'active' RETURNING step`,
            [args.at, args.projectId, args.month],
            'all',
          );
          if (closed.length)
            await audit.append(em, {
              actor: { id: null, username: 'system' },
              via: 'activity',
              action: 'project.alert.resolved',
              entity: 'project',
              entityId: args.projectId,
              after: {
                kind: 'progress',
                period: args.month,
                steps: closed.map((c) => c.step),
                by: 'ledgerEntry',
              },
              at: args.at,
            });
          return true;
        }),
      );
    },

    async recordAlert(a: AlertRecord): Promise<StepOutcome> {
      return permanentFailuresFinal('预警未能记录 (the alert could not be recorded)', () => writeAll([a]));
    },

    /**
     * The steps of one ladder that were already due when it was armed (a project registered, or a
     * date adjusted, after they passed), in one transaction: each keeps its own history row, alert
     * and audit row; the workflow announces only the last of them.
     */
    async recordAlerts(alerts: AlertRecord[]): Promise<StepOutcome> {
      return permanentFailuresFinal('预警未能记录 (the alerts could not be recorded)', () =>
        writeAll(alerts),
      );
    },
  };
}
