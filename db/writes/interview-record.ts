/**
 * interview_record and interview_subject (约谈记录): written once by the supervision office and
 * never changed (a trigger refuses UPDATE and DELETE); a correction is a new record naming the
 * one it corrects.
 */
import type { Statement } from '../scope.js';

export function interviewRecordInsert(r: {
  id: string;
  kind: 'individual' | 'collective';
  heldAt: string;
  location: string;
  interviewers: string;
  reason: string;
  agreed: string;
  followUpDue: string | null;
  recorderUnitId: string;
  createdBy: string | null;
  projectId: string | null;
  correctsId: string | null;
}): Statement {
  return {
    sql: `INSERT INTO interview_record (id, kind, held_at, location, interviewers, reason, agreed, follow_up_due,
            recorder_unit_id, created_by, project_id, corrects_id)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    params: [
      r.id,
      r.kind,
      r.heldAt,
      r.location,
      r.interviewers,
      r.reason,
      r.agreed,
      r.followUpDue,
      r.recorderUnitId,
      r.createdBy,
      r.projectId,
      r.correctsId,
    ],
  };
}

/** The people talked to, in the order given (seq from 1). */
export function interviewSubjectsInsert(
  recordId: string,
  subjects: readonly { unitId: string; name: string; title: string }[],
): Statement {
  return {
    sql: `INSERT INTO interview_subject (record_id, seq, org_unit_id, person_name, person_title)
          SELECT ?, s.ord, s.unit, s.name, s.title
            FROM unnest(ARRAY[?]::uuid[], ARRAY[?]::text[], ARRAY[?]::text[]) WITH ORDINALITY AS s(unit, name, title, ord)`,
    params: [
      recordId,
      subjects.map((s) => s.unitId),
      subjects.map((s) => s.name),
      subjects.map((s) => s.title),
    ],
  };
}
