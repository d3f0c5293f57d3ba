/**
 * supervision_attachment: a bulletin upload linked, once, to a 约谈 record or to a negative-list
 * entry's lift (its evidence). Linked, it is read as what it belongs to and no notice, policy or
 * message may claim it.
 */
import type { Statement } from '../scope.js';

/** Links uploads of the caller's (unclaimed, unlinked) to a record or a lifted entry. */
export function supervisionAttachmentsLink(
  ids: readonly string[],
  uploadedBy: string | null,
  owner: { record: string } | { entry: string | number },
): Statement {
  const [column, ownerId] =
    'record' in owner ? ['interview_record_id', owner.record] : ['negative_entry_id', owner.entry];
  return {
    sql: `INSERT INTO supervision_attachment (attachment_id, ${column})
          SELECT a.id, ? FROM bulletin_attachment a
           WHERE a.id = ANY(ARRAY[?]::uuid[]) AND num_nonnulls(a.notice_id, a.policy_id, a.message_id) = 0
             AND (?::uuid IS NULL OR a.uploaded_by = ?::uuid)
          ON CONFLICT (attachment_id) DO NOTHING RETURNING attachment_id AS id`,
    params: [ownerId, ids, uploadedBy, uploadedBy],
  };
}
