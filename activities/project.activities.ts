/**
 * Project activities: the only writers of the project read model and its history.
 * Idempotent by the request: creation is keyed on the project id, each step on the request it
 * carries out (`project_history.request_id`, the Update id), in one transaction, so a retried
 * activity writes nothing twice and a row of another request never makes a step look done.
 * A write PostgreSQL refuses for its data fails non-retryable (write-errors.ts).
 */
import { historyInsert } from '#db/writes/project-history.js';
import type { AuditEntry, AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { SYSTEM_SCOPE, executeAll, inScope, type Statement } from '#db/scope.js';
import { progressFromLedger, progressUpsert } from '#db/writes/implementing-ledger.js';
import { ledgerEventInsert } from '#db/writes/ledger-event.js';
import { fenFromDb } from '#domain/money.js';
import type { Stage } from '#domain/lifecycle.js';
import type { NewProjectRecord, StepOutcome, TransitionRecord, Actor } from '#domain/project-records.js';
import { permanentFailuresFinal } from './write-errors.js';

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
      await permanentFailuresFinal('立项未能记录 (the project could not be recorded)', () =>
        createIn(p, args),
      );
    },

    /**
     * A step in two round trips: first the chain lock, its head and whether this request (or this
     * seq) is already recorded (and, for 调项, the values it changes); then every write and the
     * COMMIT. The lock comes first, so a retry racing its own first attempt finds the step recorded.
     */
    async recordTransition(r: TransitionRecord): Promise<StepOutcome> {
      return permanentFailuresFinal('步骤未能记录 (the step could not be recorded)', () => stepIn(r));
    },
  };

  async function createIn(p: NewProjectRecord, args: { actor: Actor; at: string }): Promise<void> {
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
      const history = stepHistory({
        projectId: p.id,
        seq: 0,
        action: 'create',
        fromStage: null,
        toStage: 'approved',
        actor: args.actor,
        at: args.at,
        payload: { approvalDocumentNo: p.approvalDocumentNo, budgetFen: p.budgetFen },
        effects: {},
        requestId: 'create',
      });
      await em.execute(history.sql, history.params, 'run');
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
  }

  async function stepIn(r: TransitionRecord): Promise<StepOutcome> {
    const entry = (payload: Record<string, unknown>): AuditEntry => ({
      actor: { id: r.actor.id, username: r.actor.username },
      via: 'activity',
      action: `project.${r.action}`,
      entity: 'project',
      entityId: r.projectId,
      before: { stage: r.fromStage, seq: r.seq - 1 },
      after: { stage: r.toStage, seq: r.seq, ...r.effects, payload },
      at: r.at,
    });
    return inScope(orm, SYSTEM_SCOPE, async (em): Promise<StepOutcome> => {
      const adj = r.effects.adjustment;
      const changes = adj !== undefined || r.effects.plannedDates !== undefined;
      const [, head, found, current] = await executeAll(em, [
        ...audit.lockAndHead(entry(r.payload)),
        recordedAlready(r.projectId, r.seq, r.requestId),
        ...(changes ? [currentValues(r.projectId)] : []),
      ]);
      const seen = outcomeOf(found![0] as RecordedRow, r.requestId);
      if (seen) return seen;
      // 调项 keeps what it changed: the history row carries the values before and after.
      const payload = changes ? { ...r.payload, ...beforeAfter(current![0] as CurrentValues, r) } : r.payload;
      const writes: Statement[] = [stepHistory({ ...r, payload })];
      const sets = ['stage = ?', 'stage_seq = ?', 'updated_at = ?'];
      const params: unknown[] = [r.toStage, r.seq, r.at];
      if (adj?.name !== undefined) {
        sets.push('name = ?');
        params.push(adj.name);
      }
      if (adj?.location !== undefined) {
        sets.push('location = ?');
        params.push(adj.location);
      }
      if (adj?.budgetFen !== undefined) {
        sets.push('budget_fen = ?');
        params.push(String(adj.budgetFen));
      }
      if (adj?.fundSources) {
        // Changed in place: disbursements and fund-document links refer to a source by its
        // position, so a source keeps its row. Σ sources = budget, Σ paid ≤ each source and each
        // fund document's allocation are checked at commit (deferred triggers).
        for (const [i, src] of adj.fundSources.entries()) {
          writes.push({
            sql: `INSERT INTO project_fund_source (project_id, position, kind, amount_fen, document_no) VALUES (?, ?, ?, ?, ?)
                  ON CONFLICT (project_id, position) DO UPDATE
                  SET kind = EXCLUDED.kind, amount_fen = EXCLUDED.amount_fen, document_no = EXCLUDED.document_no`,
            params: [r.projectId, i, src.kind, String(src.amountFen), src.documentNo],
          });
        }
        writes.push({
          sql: 'DELETE FROM project_fund_source WHERE project_id = ? AND position >= ?',
          params: [r.projectId, adj.fundSources.length],
        });
      }
      if (adj?.villageIds) {
        writes.push({ sql: 'DELETE FROM project_village WHERE project_id = ?', params: [r.projectId] });
        for (const v of adj.villageIds) {
          writes.push({
            sql: 'INSERT INTO project_village (project_id, village_id) VALUES (?, ?)',
            params: [r.projectId, v],
          });
        }
      }
      for (const c of r.effects.closeAlerts ?? []) {
        for (const l of c.ladders) {
          writes.push({
            sql: `UPDATE alert SET status = ?, closed_at = ? WHERE project_id = ? AND kind = ? AND period = ? AND status = 'active'`,
            params: [c.status, r.at, r.projectId, l.kind, l.period],
            prepare: true,
          });
        }
      }
      if (r.effects.progressPercent !== undefined) {
        sets.push('progress_percent = ?');
        params.push(r.effects.progressPercent);
      }
      if (r.action === 'reportProgress') {
        // 录入月度进度 is the implementing unit's ledger entry too (月度进度): one report, one row
        // per month, the latest report of a month replacing the earlier one.
        const { month, percent, narrative } = r.payload as {
          month: string;
          percent: number;
          narrative: string;
        };
        writes.push(
          progressUpsert([
            {
              projectId: r.projectId,
              month,
              percent,
              narrative,
              importId: null,
              actorId: r.actor.id,
              at: r.at,
            },
          ]),
          ledgerEventInsert({
            projectId: r.projectId,
            ledger: 'implementing',
            kind: 'monthlyProgress',
            actor: r.actor,
            at: r.at,
            payload: { month, percent, narrative },
          }),
        );
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
      writes.push({
        sql: `UPDATE project SET ${sets.join(', ')} WHERE id = ? AND stage_seq < ?`,
        params: [...params, r.projectId, r.seq],
        prepare: true,
      });
      // A month reported late (an earlier month than one already entered) leaves the project at
      // its latest month's figure, as the ledger's form and an import do.
      if (r.action === 'reportProgress') writes.push(progressFromLedger([r.projectId]));
      writes.push(audit.insert(head!, entry(payload)));
      await executeAll(em, writes, { commit: true });
      return { status: 'recorded' };
    });
  }
}

interface RecordedRow {
  seq_taken: boolean;
  mine: { seq: number; stage: Stage } | null;
  last: number | null;
}

/**
 * Whether this request, or this seq, is recorded already. Without a request id (histories
 * recorded before ids were kept) the seq alone decides, as it did then.
 */
function recordedAlready(projectId: string, seq: number, requestId: string | undefined): Statement {
  return {
    sql: `SELECT EXISTS (SELECT 1 FROM project_history WHERE project_id = ? AND seq = ?) AS seq_taken,
            (SELECT json_build_object('seq', seq, 'stage', to_stage) FROM project_history
              WHERE project_id = ? AND request_id = ?::text) AS mine,
            (SELECT max(seq) FROM project_history WHERE project_id = ?) AS last`,
    params: [projectId, seq, projectId, requestId ?? null, projectId],
    // Every step sends it: planned once per connection, not once per step (about 1 ms).
    prepare: true,
  };
}

/** What an earlier write means for this one; undefined: write it now. */
export function outcomeOf(row: RecordedRow, requestId: string | undefined): StepOutcome | undefined {
  if (row.mine) return { status: 'duplicate', seq: row.mine.seq, stage: row.mine.stage };
  if (!row.seq_taken) return undefined;
  // Histories recorded before request ids: the seq was the identity (an earlier attempt wrote it).
  if (requestId === undefined) return { status: 'recorded' };
  return { status: 'conflict', lastSeq: row.last ?? 0 };
}

type CurrentValues = Record<string, unknown>;

/** The project's values that an adjustment may change, as they are now. */
function currentValues(projectId: string): Statement {
  return {
    sql: `SELECT p.name, p.location, p.budget_fen::text AS budget_fen,
            to_char(p.planned_start, 'YYYY-MM-DD') AS start, to_char(p.planned_completion, 'YYYY-MM-DD') AS completion,
            to_char(p.planned_acceptance, 'YYYY-MM-DD') AS acceptance,
            to_char(p.planned_reimbursement, 'YYYY-MM-DD') AS reimbursement,
            COALESCE((SELECT json_agg(json_build_object('kind', s.kind, 'amountFen', s.amount_fen, 'documentNo', s.document_no)
                        ORDER BY s.position) FROM project_fund_source s WHERE s.project_id = p.id), '[]') AS fund_sources,
            COALESCE((SELECT json_agg(v.code ORDER BY v.code) FROM project_village pv JOIN org_unit v ON v.id = pv.village_id
                       WHERE pv.project_id = p.id), '[]') AS village_codes
       FROM project p WHERE p.id = ?`,
    params: [projectId],
  };
}

/** The values an adjustment changes, as they are now and as they will be. */
function beforeAfter(row: CurrentValues, r: TransitionRecord): { before: unknown; after: unknown } {
  const adj = r.effects.adjustment ?? {};
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  if (adj.name !== undefined) [before.name, after.name] = [row.name, adj.name];
  if (adj.location !== undefined) [before.location, after.location] = [row.location, adj.location];
  if (adj.budgetFen !== undefined)
    [before.budgetFen, after.budgetFen] = [fenFromDb(row.budget_fen as string), adj.budgetFen];
  if (adj.fundSources) [before.fundSources, after.fundSources] = [row.fund_sources, adj.fundSources];
  if (adj.villageCodes) [before.villageCodes, after.villageCodes] = [row.village_codes, adj.villageCodes];
  if (r.effects.plannedDates) {
    before.plannedDates = {
      start: row.start,
      completion: row.completion,
      acceptance: row.acceptance,
      reimbursement: row.reimbursement,
    };
    after.plannedDates = r.effects.plannedDates;
  }
  return { before, after };
}

const stepHistory = (r: TransitionRecord): Statement => historyInsert(r, 'seq');
