/**
 * negative_list_entry (负面清单): the one home of that table's writes. An entry is listed from a
 * project ladder's 约谈 alert, a rectification notice's 约谈 flag, a 约谈 record, or by the
 * supervision office by hand; it is lifted once, with a reason (and evidence, linked in
 * supervision_attachment). Listing from a source is idempotent by the source, so a retried
 * activity lists nothing twice. `listed_on` is the listing's date in the county (Asia/Shanghai).
 */
import type { Statement } from '../scope.js';

const LISTED_ON = `(?::timestamptz AT TIME ZONE 'Asia/Shanghai')::date`;
/** The unit's principal leader at the time: its account marked 单位主要负责人 (blank if none). */
const UNIT_HEAD = `COALESCE((SELECT left(h.display_name, 50) FROM app_user h WHERE h.org_unit_id = ?::uuid AND h.unit_head
    AND NOT h.disabled ORDER BY h.created_at, h.id LIMIT 1), '')`;

/** The entry of a project ladder's 约谈 alert, in the same transaction as the alert. */
export function negativeEntryFromAlert(e: {
  alertId: string | number;
  unitId: string;
  projectId: string;
  reason: string;
  listedAt: Date | string;
}): Statement {
  return {
    sql: `INSERT INTO negative_list_entry (source, org_unit_id, project_id, alert_id, reason, listed_at, listed_on, leader_name)
          VALUES ('projectLadder', ?, ?, ?, ?, ?, ${LISTED_ON}, ${UNIT_HEAD}) ON CONFLICT (alert_id) DO NOTHING RETURNING id`,
    params: [e.unitId, e.projectId, e.alertId, e.reason, e.listedAt, e.listedAt, e.unitId],
  };
}

/**
 * The entry of a rectification notice's 约谈 flag (source 'rectification'), written by the
 * notice's activity in the same transaction as its flag; `arm` tells apart the flags of one
 * notice, as in interviewFlagFromNotice.
 */
export function negativeEntryFromNotice(e: {
  noticeId: string;
  arm: string;
  unitId: string;
  projectId?: string | null;
  reason: string;
  listedAt: Date | string;
}): Statement {
  return {
    sql: `INSERT INTO negative_list_entry (source, org_unit_id, project_id, notice_id, notice_arm, reason, listed_at,
            listed_on, leader_name)
          VALUES ('rectification', ?, ?, ?, ?, ?, ?, ${LISTED_ON}, ${UNIT_HEAD})
          ON CONFLICT (notice_id, notice_arm) DO NOTHING RETURNING id`,
    params: [e.unitId, e.projectId ?? null, e.noticeId, e.arm, e.reason, e.listedAt, e.listedAt, e.unitId],
  };
}

/** The entry a 约谈 record puts on the list for one unit talked to (once per record and unit). */
export function negativeEntryFromInterview(e: {
  recordId: string;
  unitId: string;
  projectId?: string | null;
  leaderName: string;
  reason: string;
  listedAt: Date | string;
  listedBy: string | null;
}): Statement {
  return {
    sql: `INSERT INTO negative_list_entry (source, org_unit_id, project_id, interview_record_id, leader_name, reason,
            listed_at, listed_on, listed_by)
          VALUES ('interview', ?, ?, ?, ?, ?, ?, ${LISTED_ON}, ?)
          ON CONFLICT (interview_record_id, org_unit_id) DO NOTHING RETURNING id`,
    params: [
      e.unitId,
      e.projectId ?? null,
      e.recordId,
      e.leaderName,
      e.reason,
      e.listedAt,
      e.listedAt,
      e.listedBy,
    ],
  };
}

/**
 * An entry the supervision office lists by hand, dated `listedOn` (a county date); without a
 * leader's name, the unit's head account's.
 */
export function negativeEntryManual(e: {
  unitId: string;
  projectId: string | null;
  leaderName: string | undefined;
  reason: string;
  listedOn: string;
  listedBy: string | null;
}): Statement {
  return {
    sql: `INSERT INTO negative_list_entry (source, org_unit_id, project_id, leader_name, reason, listed_at, listed_on, listed_by)
          VALUES ('manual', ?, ?, COALESCE(?, ${UNIT_HEAD}), ?, now(), ?::date, ?) RETURNING id`,
    params: [e.unitId, e.projectId, e.leaderName ?? null, e.unitId, e.reason, e.listedOn, e.listedBy],
  };
}

/** Lifts an entry still listed; RETURNING nothing when it was lifted already (or is not visible). */
export function negativeEntryLift(e: {
  entryId: string | number;
  by: string | null;
  reason: string;
}): Statement {
  return {
    sql: `UPDATE negative_list_entry SET lifted_at = now(), lifted_by = ?, lift_reason = ?
           WHERE id = ? AND lifted_at IS NULL RETURNING id, lifted_at`,
    params: [e.by, e.reason, e.entryId],
  };
}

/**
 * Publishes month `month` (YYYY-MM): the header and a snapshot of every entry in force at some
 * time in that month (a lift after the month is not part of it), in one statement, so the count
 * and the rows agree. A month published
 * before conflicts on the header's key (23505), and nothing is written.
 */
export function negativeListPublish(p: { month: string; by: string | null; unitId: string }): Statement {
  const from = `to_date(?, 'YYYY-MM')`;
  return {
    sql: `WITH inforce AS (
            SELECT e.id, e.org_unit_id, o.name AS unit_name, e.leader_name, e.project_id, pr.name AS project_name,
                   e.source, e.reason, e.listed_on,
                   CASE WHEN lifted.on < next.on THEN lifted.on END AS lifted_on,
                   CASE WHEN lifted.on < next.on THEN e.lift_reason END AS lift_reason
              FROM negative_list_entry e JOIN org_unit o ON o.id = e.org_unit_id
              LEFT JOIN project pr ON pr.id = e.project_id
              CROSS JOIN LATERAL (SELECT (${from} + interval '1 month')::date AS on) next
              CROSS JOIN LATERAL (SELECT (e.lifted_at AT TIME ZONE 'Asia/Shanghai')::date AS on) lifted
             WHERE e.listed_on < next.on AND (lifted.on IS NULL OR lifted.on >= ${from})),
          head AS (
            INSERT INTO negative_list_publication (month, published_by, publisher_unit_id, entry_count)
            SELECT ?, ?, ?, count(*) FROM inforce RETURNING month)
          INSERT INTO negative_list_publication_entry (month, entry_id, seq, org_unit_id, unit_name, leader_name,
            project_id, project_name, source, reason, listed_on, lifted_on, lift_reason)
          SELECT head.month, i.id, row_number() OVER (ORDER BY i.listed_on, i.id), i.org_unit_id, i.unit_name,
                 i.leader_name, i.project_id, i.project_name, i.source, i.reason, i.listed_on, i.lifted_on, i.lift_reason
            FROM inforce i CROSS JOIN head RETURNING entry_id`,
    params: [p.month, p.month, p.month, p.by, p.unitId],
  };
}
