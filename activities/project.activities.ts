/**
 * Project activities: the only writers of the project read model and its history.
 * Idempotent by construction: creation is keyed on the project id, each step on (project, seq),
 * both with ON CONFLICT DO NOTHING inside one transaction, so a retried activity writes nothing twice.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuditLog } from '../db/audit.js';
import type { Orm } from '../db/orm.js';
import { SYSTEM_SCOPE, inScope } from '../db/scope.js';
import type { NewProjectRecord, TransitionRecord, Actor } from '../domain/project-records.js';

export interface ProjectActivityDeps {
  orm: Orm;
  audit: AuditLog;
}

/**
 * Activities act with the system identity (RLS scope `system`); the audit row names the person
 * on whose request the workflow took the step.
 */
export function createProjectActivities({ orm, audit }: ProjectActivityDeps) {
  return {
    async recordProjectCreated(args: { project: NewProjectRecord; actor: Actor; at: string }): Promise<void> {
      const p = args.project;
      await inScope(orm, SYSTEM_SCOPE, async (em) => {
        const inserted = await em.execute(
          `INSERT INTO project (id, code, workflow_id, name, year, type, nature, department_id, owner_unit_id,
             location, approval_document_no, budget_fen, stage, stage_seq, planned_start, planned_completion,
             planned_acceptance, planned_reimbursement, created_by, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'approved', 0, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO NOTHING RETURNING id`,
          [
            p.id,
            p.code,
            p.workflowId,
            p.name,
            p.year,
            p.type,
            p.nature,
            p.departmentId,
            p.ownerUnitId,
            p.location,
            p.approvalDocumentNo,
            String(p.budgetFen),
            p.plannedDates.start,
            p.plannedDates.completion,
            p.plannedDates.acceptance,
            p.plannedDates.reimbursement,
            args.actor.id,
            args.at,
            args.at,
          ],
          'all',
        );
        if (inserted.length === 0) return; // already written by an earlier attempt
        for (const villageId of p.villageIds) {
          await em.execute(
            'INSERT INTO project_village (project_id, village_id) VALUES (?, ?)',
            [p.id, villageId],
            'run',
          );
        }
        for (const [i, s] of p.fundSources.entries()) {
          await em.execute(
            'INSERT INTO project_fund_source (project_id, position, kind, amount_fen, document_no) VALUES (?, ?, ?, ?, ?)',
            [p.id, i, s.kind, String(s.amountFen), s.documentNo],
            'run',
          );
        }
        await insertHistory(em, {
          projectId: p.id,
          seq: 0,
          action: 'create',
          fromStage: null,
          toStage: 'approved',
          actor: args.actor,
          at: args.at,
          payload: { approvalDocumentNo: p.approvalDocumentNo, budgetFen: p.budgetFen },
          effects: {},
        });
        await audit.append(em, {
          actor: { id: args.actor.id, username: args.actor.username },
          via: 'activity',
          action: 'project.create',
          entity: 'project',
          entityId: p.id,
          after: p,
          at: args.at,
        });
      });
    },

    async recordTransition(r: TransitionRecord): Promise<void> {
      await inScope(orm, SYSTEM_SCOPE, async (em) => {
        if (!(await insertHistory(em, r))) return; // this step was recorded by an earlier attempt
        const sets = ['stage = ?', 'stage_seq = ?', 'updated_at = ?'];
        const params: unknown[] = [r.toStage, r.seq, r.at];
        if (r.effects.progressPercent !== undefined) {
          sets.push('progress_percent = ?');
          params.push(r.effects.progressPercent);
        }
        if (r.effects.plannedDates) {
          const d = r.effects.plannedDates;
          sets.push(
            'planned_start = ?',
            'planned_completion = ?',
            'planned_acceptance = ?',
            'planned_reimbursement = ?',
          );
          params.push(d.start, d.completion, d.acceptance, d.reimbursement);
        }
        // stage_seq guards against an older step overwriting a newer one.
        await em.execute(
          `UPDATE project SET ${sets.join(', ')} WHERE id = ? AND stage_seq < ?`,
          [...params, r.projectId, r.seq],
          'run',
        );
        await audit.append(em, {
          actor: { id: r.actor.id, username: r.actor.username },
          via: 'activity',
          action: `project.${r.action}`,
          entity: 'project',
          entityId: r.projectId,
          before: { stage: r.fromStage, seq: r.seq - 1 },
          after: { stage: r.toStage, seq: r.seq, ...r.effects, payload: r.payload },
          at: r.at,
        });
      });
    },
  };
}

async function insertHistory(em: EntityManager, r: TransitionRecord): Promise<boolean> {
  const rows = await em.execute(
    `INSERT INTO project_history (project_id, seq, action, from_stage, to_stage, actor_id, actor_name, at, payload)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)
     ON CONFLICT (project_id, seq) DO NOTHING RETURNING id`,
    [
      r.projectId,
      r.seq,
      r.action,
      r.fromStage,
      r.toStage,
      r.actor.id,
      r.actor.name,
      r.at,
      JSON.stringify(r.payload),
    ],
    'all',
  );
  return rows.length > 0;
}
