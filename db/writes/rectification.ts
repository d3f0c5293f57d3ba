/**
 * The writes of rectification notices: the serial counter, the notice and its problems, the
 * exchange on a problem, the ladder's steps and the evidence an answer claims. Each is keyed so a
 * retried activity writes nothing twice (the request id, or the step's identity).
 */
import type { Statement } from '../scope.js';

/** Takes the year's next number: the row lock holds later issuers until this one commits or rolls back. */
export function serialTake(year: number): Statement {
  return {
    sql: `INSERT INTO rectification_serial (year, last_number) VALUES (?, 1)
          ON CONFLICT (year) DO UPDATE SET last_number = rectification_serial.last_number + 1
          RETURNING last_number`,
    params: [year],
  };
}

export function noticeInsert(n: {
  id: string;
  year: number;
  number: number;
  serial: string;
  unitId: string;
  issuerUnitId: string;
  issuedBy: string | null;
  title: string;
  dayCount: string;
  issuedAt: string;
  issuedOn: string;
  dueDate: string;
  redFlagId: number | null;
  requestId: string;
}): Statement {
  return {
    sql: `INSERT INTO rectification_notice (id, year, number, serial, org_unit_id, issuer_unit_id, issued_by,
            title, day_count, issued_at, issued_on, due_date, source_red_flag_id, request_id)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    params: [
      n.id,
      n.year,
      n.number,
      n.serial,
      n.unitId,
      n.issuerUnitId,
      n.issuedBy,
      n.title,
      n.dayCount,
      n.issuedAt,
      n.issuedOn,
      n.dueDate,
      n.redFlagId,
      n.requestId,
    ],
  };
}

export function problemInsert(p: {
  noticeId: string;
  seq: number;
  projectId: string | null;
  description: string;
  basis: string;
  deadlineDays: number;
  dueDate: string;
}): Statement {
  return {
    sql: `INSERT INTO rectification_problem (notice_id, seq, project_id, description, basis, deadline_days,
            first_due_date, due_date)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    params: [p.noticeId, p.seq, p.projectId, p.description, p.basis, p.deadlineDays, p.dueDate, p.dueDate],
  };
}

export function noticeProjectsInsert(noticeId: string, projectIds: readonly string[]): Statement {
  return {
    sql: `INSERT INTO rectification_notice_project (notice_id, project_id)
          SELECT ?, p FROM unnest(ARRAY[?]::uuid[]) AS p ON CONFLICT DO NOTHING`,
    params: [noticeId, projectIds],
  };
}

/** An answer, a verdict or the withdrawal; RETURNING nothing when the request was recorded before. */
export function eventInsert(e: {
  noticeId: string;
  problemId: number | null;
  arm: number | null;
  kind: 'answer' | 'accept' | 'sendBack' | 'withdraw';
  requestId: string;
  actorId: string | null;
  actorName: string;
  text: string;
  dueDate: string | null;
  onTime: boolean | null;
  at: string;
}): Statement {
  return {
    sql: `INSERT INTO rectification_event (notice_id, problem_id, arm, kind, request_id, actor_id, actor_name,
            text, due_date, on_time, at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING RETURNING id`,
    params: [
      e.noticeId,
      e.problemId,
      e.arm,
      e.kind,
      e.requestId,
      e.actorId,
      e.actorName,
      e.text,
      e.dueDate,
      e.onTime,
      e.at,
    ],
  };
}

/** Claims the uploader's unused uploads as evidence of an answer; RETURNING the ids claimed. */
export function evidenceClaim(eventId: string, ids: readonly string[], uploadedBy: string | null): Statement {
  return {
    sql: `UPDATE bulletin_attachment SET rectification_event_id = ?
           WHERE id = ANY(ARRAY[?]::uuid[]) AND rectification_event_id IS NULL
             AND num_nonnulls(notice_id, policy_id, message_id) = 0 AND uploaded_by IS NOT DISTINCT FROM ?::uuid
           RETURNING id`,
    params: [eventId, ids, uploadedBy],
  };
}

export function ladderStepInsert(s: {
  noticeId: string;
  problemId: number;
  arm: number;
  step: string;
  dueDate: string;
  stepDate: string;
  daysLate: number;
  at: string;
  flagId: string | null;
}): Statement {
  return {
    sql: `INSERT INTO rectification_ladder_step (notice_id, problem_id, arm, step, due_date, step_date, days_late,
            raised_at, interview_flag_id)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (problem_id, arm, step) DO NOTHING RETURNING step`,
    params: [s.noticeId, s.problemId, s.arm, s.step, s.dueDate, s.stepDate, s.daysLate, s.at, s.flagId],
  };
}
