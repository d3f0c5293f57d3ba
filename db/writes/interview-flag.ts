/**
 * interview_flag (约谈标记): raised by a project ladder's interview step or a rectification
 * notice's, closed by the 约谈 record that deals with it. Raising is idempotent by its source (the
 * alert, or the notice and its arm), so a retried activity raises nothing twice.
 */
import type { Statement } from '../scope.js';

/** The flag of a project ladder's 约谈 alert, raised in the same transaction as the alert. */
export function interviewFlagFromAlert(f: {
  alertId: string | number;
  unitId: string;
  projectId: string;
  reason: string;
  raisedAt: Date;
}): Statement {
  return {
    sql: `INSERT INTO interview_flag (source, alert_id, org_unit_id, project_id, reason, raised_at)
          VALUES ('projectLadder', ?, ?, ?, ?, ?) ON CONFLICT (alert_id) DO NOTHING RETURNING id`,
    params: [f.alertId, f.unitId, f.projectId, f.reason, f.raisedAt],
  };
}

/** The flag of a rectification notice's ladder; `arm` tells apart the flags of one notice. */
export function interviewFlagFromNotice(f: {
  noticeId: string;
  arm: string;
  unitId: string;
  reason: string;
  raisedAt: Date;
}): Statement {
  return {
    sql: `INSERT INTO interview_flag (source, notice_id, notice_arm, org_unit_id, reason, raised_at)
          VALUES ('rectification', ?, ?, ?, ?, ?) ON CONFLICT (notice_id, notice_arm) DO NOTHING RETURNING id`,
    params: [f.noticeId, f.arm, f.unitId, f.reason, f.raisedAt],
  };
}

/** A 约谈 record closes an open flag; a flag already closed stays with its first record. */
export function interviewFlagClose(f: { flagId: string | number; recordId: string; at: Date }): Statement {
  return {
    sql: `UPDATE interview_flag SET record_id = ?, closed_at = ? WHERE id = ? AND record_id IS NULL RETURNING id`,
    params: [f.recordId, f.at, f.flagId],
  };
}
