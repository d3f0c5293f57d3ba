/**
 * The one home of complaint writes (docs/complaints.md). Every statement runs in the system scope,
 * from the complaint workflow's activities; each is idempotent by the request it carries out
 * (`request_id`) or by its natural key (a time-limit step).
 */
import type { Statement } from '../tx.js';

export function complaintInsert(c: {
  receipt: string;
  /** hex */
  receiptHash: string;
  requestId: string;
  requestHash: string;
  subjectKind: string;
  subjectCode: string;
  projectId: string | null;
  villageId: string | null;
  subjectUnitId: string | null;
  category: string;
  description: string;
  at: string;
  on: string;
  slaDue: string | null;
}): Statement {
  return {
    sql: `INSERT INTO complaint (receipt, receipt_hash, request_id, request_hash, subject_kind, subject_code, project_id,
            village_id, subject_unit_id, category, description, status, submitted_at, submitted_on,
            sla_phase, sla_due_date)
          VALUES (?, decode(?, 'hex'), ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?, ?, ?)
          ON CONFLICT DO NOTHING RETURNING id`,
    params: [
      c.receipt,
      c.receiptHash,
      c.requestId,
      c.requestHash,
      c.subjectKind,
      c.subjectCode,
      c.projectId,
      c.villageId,
      c.subjectUnitId,
      c.category,
      c.description,
      c.at,
      c.on,
      c.slaDue ? 'acknowledge' : null,
      c.slaDue,
    ],
  };
}

export function reporterInsert(
  id: string,
  r: { anonymous: boolean; name: string | null; phone: string | null },
) {
  return {
    sql: `INSERT INTO complaint_reporter (complaint_id, anonymous, name, phone) VALUES (?, ?, ?, ?)`,
    params: [id, r.anonymous, r.anonymous ? null : r.name, r.anonymous ? null : r.phone],
  };
}

export function photoInsert(
  id: string,
  seq: number,
  p: { key: string; sha256: string; mime: string; bytes: number },
): Statement {
  return {
    sql: `INSERT INTO complaint_photo (complaint_id, seq, storage_key, sha256, content_type, size_bytes)
          VALUES (?, ?, ?, ?, ?, ?)`,
    params: [id, seq, p.key, p.sha256, p.mime, p.bytes],
  };
}

export function complaintEventInsert(e: {
  complaintId: string;
  step: string;
  requestId: string;
  actorId: string | null;
  actorName: string;
  unitId: string | null;
  text: string | null;
  at: string;
}): Statement {
  return {
    sql: `INSERT INTO complaint_event (complaint_id, step, request_id, actor_id, actor_name, unit_id, text, at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING RETURNING id`,
    params: [e.complaintId, e.step, e.requestId, e.actorId, e.actorName, e.unitId, e.text, e.at],
  };
}

/**
 * The status and the columns of the step, with the time limit that runs from now on; only from a
 * status the step may be taken from (`from`): no row comes back otherwise.
 */
export function complaintStepUpdate(s: {
  complaintId: string;
  step: string;
  from: readonly string[];
  to: string;
  unitId: string | null;
  text: string | null;
  at: string;
  slaPhase: string | null;
  slaDue: string | null;
}): Statement {
  const stamp: Record<string, string> = {
    acknowledge: 'acknowledged_at',
    assign: 'assigned_at',
    handle: 'handled_at',
    answer: 'answered_at',
    close: 'closed_at',
  };
  const sets = [
    'status = ?',
    'sla_phase = ?',
    'sla_due_date = ?',
    // a new time limit starts unescalated; the handling keeps the running one's step
    `sla_step = CASE WHEN ? THEN sla_step ELSE NULL END`,
  ];
  const params: unknown[] = [s.to, s.slaPhase, s.slaDue, s.step === 'handle'];
  if (stamp[s.step]) {
    sets.push(`${stamp[s.step]} = ?`);
    params.push(s.at);
  }
  if (s.step === 'assign') {
    sets.push('unit_id = ?');
    params.push(s.unitId);
  }
  if (s.step === 'answer') {
    sets.push('public_answer = ?');
    params.push(s.text);
  }
  if (s.step === 'reopen') sets.push('reopen_count = reopen_count + 1', 'closed_at = NULL');
  return {
    sql: `UPDATE complaint SET ${sets.join(', ')} WHERE id = ? AND status = ANY(ARRAY[?]::text[]) RETURNING id`,
    params: [...params, s.complaintId, s.from],
  };
}

/** Claims the unit's unused uploads as the evidence of a handling. */
export function complaintEvidenceClaim(
  complaintId: string,
  eventId: string,
  ids: readonly string[],
  uploadedBy: string | null,
): Statement {
  return {
    sql: `INSERT INTO complaint_evidence (attachment_id, event_id, complaint_id)
          SELECT a.id, ?, ? FROM bulletin_attachment a
           WHERE a.id = ANY(ARRAY[?]::uuid[]) AND a.uploaded_by IS NOT DISTINCT FROM ?::uuid
             AND a.rectification_event_id IS NULL AND num_nonnulls(a.notice_id, a.policy_id, a.message_id) = 0
             AND NOT EXISTS (SELECT 1 FROM supervision_attachment s WHERE s.attachment_id = a.id)
          ON CONFLICT (attachment_id) DO NOTHING RETURNING attachment_id`,
    params: [eventId, complaintId, ids, uploadedBy],
  };
}

export function complaintSlaStepInsert(s: {
  complaintId: string;
  phase: string;
  arm: number;
  step: string;
  dueDate: string;
  stepDate: string;
  daysLate: number;
  unitId: string | null;
  at: string;
}): Statement[] {
  return [
    {
      sql: `INSERT INTO complaint_sla_step (complaint_id, phase, arm, step, due_date, step_date, days_late, unit_id, raised_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING step`,
      params: [s.complaintId, s.phase, s.arm, s.step, s.dueDate, s.stepDate, s.daysLate, s.unitId, s.at],
    },
    {
      sql: `UPDATE complaint SET sla_step = ? WHERE id = ? AND sla_phase = ? AND sla_due_date = ?`,
      params: [s.step, s.complaintId, s.phase, s.dueDate],
    },
  ];
}
