/**
 * The complaint workflows of a database, as they must be started again: every complaint not
 * closed, and every closed one still inside its reopening window. Its state is read from
 * PostgreSQL: the status and unit, the running time limit (its due date on record, its arming
 * and the steps already recorded, so none is recorded twice), and when a closed one stops
 * accepting a reopening.
 */
import { submittedComplaint } from '#activities/complaint.activities.js';
import type { Orm } from '#db/orm.js';
import { SYSTEM_SCOPE, inScope, queryInScope } from '#db/scope.js';
import {
  complaintTerm,
  complaintWorkflowId,
  type ComplaintSlaConfig,
  type ComplaintState,
  type ComplaintStatus,
  type SlaPhase,
} from '#domain/complaint-records.js';
import type { DeadlineConfig, IsWorkday } from '#domain/deadlines.js';
import type { ComplaintRunState, ComplaintWorkflowInput } from '#workflows/complaint.messages.js';
import { pgArray } from './sql.js';

export interface ComplaintToRecreate {
  receipt: string;
  workflowId: string;
  input: ComplaintWorkflowInput;
}

export interface ComplaintPlanDeps {
  config: DeadlineConfig;
  sla: ComplaintSlaConfig;
  isWorkday: IsWorkday;
  nowMs: number;
}

const ms = (v: unknown) => (v instanceof Date ? v.getTime() : new Date(String(v)).getTime());

/** Receipts of the complaints whose workflow should be running, oldest first. */
export async function unfinishedComplaintReceipts(orm: Orm, deps: ComplaintPlanDeps): Promise<string[]> {
  // A closed complaint's run ends when its reopening window does: `reopenDays` of the clock after closing.
  const windowStart = new Date(deps.nowMs - deps.sla.reopenDays * deps.config.dayMs).toISOString();
  const [rows] = await queryInScope(orm, SYSTEM_SCOPE, [
    {
      sql: `SELECT receipt FROM complaint
            WHERE status <> 'closed' OR closed_at > ?::timestamptz ORDER BY submitted_at, receipt`,
      params: [windowStart],
    },
  ]);
  return (rows as { receipt: string }[]).map((r) => r.receipt);
}

export async function complaintsToRecreate(
  orm: Orm,
  receipts: readonly string[],
  deps: ComplaintPlanDeps,
): Promise<ComplaintToRecreate[]> {
  if (receipts.length === 0) return [];
  return inScope(orm, SYSTEM_SCOPE, async (tx) => {
    const [rows, photos, steps] = await tx.batch([
      {
        sql: `SELECT c.id, c.receipt, c.status, c.unit_id, c.closed_at, c.sla_phase,
                to_char(c.sla_due_date, 'YYYY-MM-DD') AS sla_due_date,
                c.request_id, c.request_hash, c.subject_kind, c.subject_code, c.category, c.description,
                c.submitted_at, r.anonymous, r.name AS reporter_name, r.phone AS reporter_phone
              FROM complaint c LEFT JOIN complaint_reporter r ON r.complaint_id = c.id
              WHERE c.receipt = ANY(?::text[]) ORDER BY c.submitted_at, c.receipt`,
        params: [pgArray(receipts)],
      },
      {
        sql: `SELECT p.complaint_id, p.storage_key, p.sha256, p.content_type, p.size_bytes
              FROM complaint_photo p JOIN complaint c ON c.id = p.complaint_id
              WHERE c.receipt = ANY(?::text[]) ORDER BY p.complaint_id, p.seq`,
        params: [pgArray(receipts)],
      },
      {
        sql: `SELECT c.receipt, s.phase, s.arm, s.step, to_char(s.due_date, 'YYYY-MM-DD') AS due_date
              FROM complaint_sla_step s JOIN complaint c ON c.id = s.complaint_id
              WHERE c.receipt = ANY(?::text[])`,
        params: [pgArray(receipts)],
      },
    ]);
    const out: ComplaintToRecreate[] = [];
    for (const r of rows as Record<string, unknown>[]) {
      const receipt = r.receipt as string;
      const complaint = (await submittedComplaint(tx, receipt, deps.config))!;
      const phase = (r.sla_phase as SlaPhase | null) ?? null;
      const dueDate = r.sla_due_date as string | null;
      let term: ComplaintState['term'] = null;
      let fired = 0;
      if (phase && dueDate) {
        const mine = (
          steps as { receipt: string; phase: string; arm: number; step: string; due_date: string }[]
        ).filter((s) => s.receipt === receipt && s.phase === phase);
        // The running clock is the arming whose steps carry the due date on record; one with no
        // step recorded yet takes a number above every arming on record.
        const current = mine.filter((s) => s.due_date === dueDate);
        const arm = current.length
          ? Math.max(...current.map((s) => s.arm))
          : Math.max(0, ...mine.map((s) => s.arm)) + 1;
        term = complaintTerm({ phase, arm, dueDate }, deps.sla, complaint.clock, deps.isWorkday);
        const recorded = new Set(current.filter((s) => s.arm === arm).map((s) => s.step));
        term.steps.forEach((s, i) => {
          if (recorded.has(s.step)) fired = i + 1;
        });
      }
      // The terms armed so far, per phase, from the steps on record: a term reopened later takes
      // the next number, never one whose steps (and messages) are on record already.
      const armed: Partial<Record<SlaPhase, number>> = {};
      for (const s of steps as { receipt: string; phase: SlaPhase; arm: number }[])
        if (s.receipt === receipt) armed[s.phase] = Math.max(armed[s.phase] ?? 0, s.arm);
      if (term) armed[term.phase] = Math.max(armed[term.phase] ?? 0, term.arm);
      const status = r.status as ComplaintStatus;
      const state: ComplaintRunState = {
        complaint,
        status,
        unitId: (r.unit_id as string | null) ?? null,
        term,
        fired,
        slaOn: complaint.slaOn,
        reopenUntilMs:
          status === 'closed' && r.closed_at
            ? ms(r.closed_at) + deps.sla.reopenDays * complaint.clock.dayMs
            : null,
        armed,
      };
      out.push({
        receipt,
        workflowId: complaintWorkflowId(receipt),
        // The submission as recorded (the run has its state and never writes it again).
        input: {
          submission: {
            receipt,
            requestId: r.request_id as string,
            requestHash: r.request_hash as string,
            subject: { kind: r.subject_kind as 'project' | 'village', code: r.subject_code as string },
            category: r.category as string,
            description: r.description as string,
            reporter: {
              anonymous: r.anonymous !== false,
              name: (r.reporter_name as string | null) ?? null,
              phone: (r.reporter_phone as string | null) ?? null,
            },
            photos: (photos as Record<string, unknown>[])
              .filter((p) => p.complaint_id === r.id)
              .map((p) => ({
                key: p.storage_key as string,
                sha256: p.sha256 as string,
                mime: p.content_type as string,
                bytes: Number(p.size_bytes),
              })),
            at: new Date(ms(r.submitted_at)).toISOString(),
          },
          state,
        },
      });
    }
    return out;
  });
}
