/**
 * Deadline-ladder activities: planning (configuration + the holiday calendar live here, not in
 * workflow code) and writing each fired step. `recordAlert` (and `recordAlerts`, several steps at
 * once) is idempotent: the history row is keyed on (project, seq), the alert on (project, kind,
 * period, arm, step), the negative-list entry on the alert, all in one transaction that does
 * nothing for a step whose history row already exists.
 */
import chineseDays from 'chinese-days';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuditLog } from '../db/audit.js';
import type { Orm } from '../db/orm.js';
import { SYSTEM_SCOPE, inScope } from '../db/scope.js';
import {
  planLadder,
  type DeadlineConfig,
  type DeadlineSpec,
  type IsWorkday,
  type LadderClock,
  type LadderPlan,
} from '../domain/deadlines.js';
import { DEADLINE_LABELS, LADDER_STEP_LABELS } from '../domain/deadlines.js';
import type { AlertRecord } from '../domain/project-records.js';
import { SYSTEM_ACTOR } from '../domain/project-records.js';

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
  /** One fired step: nothing when its history row exists already (an earlier attempt wrote it). */
  async function writeAlert(em: EntityManager, a: AlertRecord): Promise<void> {
    const inserted = await em.execute(
      `INSERT INTO project_history (project_id, seq, action, from_stage, to_stage, actor_id, actor_name, at, payload)
       VALUES (?, ?, 'alert', ?, ?, NULL, ?, ?, ?::jsonb)
       ON CONFLICT (project_id, seq) DO NOTHING RETURNING id`,
      [
        a.projectId,
        a.seq,
        a.stage,
        a.stage,
        SYSTEM_ACTOR.name,
        a.at,
        JSON.stringify({
          kind: a.kind,
          period: a.period,
          step: a.step,
          dueDate: a.dueDate,
          daysLate: a.daysLate,
          arm: a.arm,
          label: `${LADDER_STEP_LABELS[a.step].zh}：${DEADLINE_LABELS[a.kind].zh}`,
        }),
      ],
      'all',
    );
    if (inserted.length === 0) return; // written by an earlier attempt
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
      await em.execute(
        `INSERT INTO negative_list_entry (org_unit_id, project_id, alert_id, reason, listed_at)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (alert_id) DO NOTHING`,
        [
          a.responsibleUnitId,
          a.projectId,
          alertId,
          `${DEADLINE_LABELS[a.kind].zh}${a.period ? `（${a.period}）` : ''}，期限 ${a.dueDate}，逾期 ${a.daysLate} 天，约谈主要负责人`,
          a.at,
        ],
        'run',
      );
    }
  }

  return {
    async planDeadlines(args: {
      specs: DeadlineSpec[];
      clock?: LadderClock;
      nowMs: number;
    }): Promise<{ enabled: boolean; clock: LadderClock; ladders: LadderPlan[] }> {
      const clock = args.clock ?? { dayMs: config.dayMs, originMs: args.nowMs };
      if (!config.enabled) return { enabled: false, clock, ladders: [] };
      return {
        enabled: true,
        clock,
        ladders: args.specs.map((s) => planLadder(s, config, clock, isWorkday)),
      };
    },

    async recordAlert(a: AlertRecord): Promise<void> {
      await inScope(orm, SYSTEM_SCOPE, (em) => writeAlert(em, a));
    },

    /**
     * The steps of one ladder that were already due when it was armed (a project registered, or a
     * date adjusted, after they passed), in one transaction: each keeps its own history row, alert
     * and audit row; the workflow announces only the last of them.
     */
    async recordAlerts(alerts: AlertRecord[]): Promise<void> {
      await inScope(orm, SYSTEM_SCOPE, async (em) => {
        for (const a of alerts) await writeAlert(em, a);
      });
    },
  };
}
