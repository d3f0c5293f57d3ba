/**
 * bulletin_attachment: a file uploaded for a notice, a policy or a message (stored like an archive
 * document: opaque key, SHA-256). It belongs to its unit until one of them claims it, once.
 */
import type { Statement } from '../scope.js';

export function attachmentInsert(a: {
  id: string;
  unitId: string;
  uploadedBy: string | null;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  storageKey: string;
}): Statement {
  return {
    sql: `INSERT INTO bulletin_attachment (id, unit_id, uploaded_by, file_name, content_type, size_bytes, sha256, storage_key)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    params: [a.id, a.unitId, a.uploadedBy, a.fileName, a.contentType, a.sizeBytes, a.sha256, a.storageKey],
  };
}

export type AttachmentOwner = { notice: string } | { policy: string } | { message: string };

/**
 * Claims the caller's unclaimed uploads for `owner`; RETURNING the ids claimed, so the caller can
 * tell an id that was not theirs to claim. `ids` must not be empty; `uploadedBy` null: any upload of
 * the unit (the seed).
 */
export function attachmentsClaim(
  ids: readonly string[],
  uploadedBy: string | null,
  owner: AttachmentOwner,
): Statement {
  const [column, ownerId] =
    'notice' in owner
      ? ['notice_id', owner.notice]
      : 'policy' in owner
        ? ['policy_id', owner.policy]
        : ['message_id', owner.message];
  return {
    sql: `UPDATE bulletin_attachment SET ${column} = ?
           WHERE id = ANY(ARRAY[?]::uuid[]) AND num_nonnulls(notice_id, policy_id, message_id) = 0
             AND rectification_event_id IS NULL
             AND (?::uuid IS NULL OR uploaded_by = ?::uuid) RETURNING id`,
    params: [ownerId, ids, uploadedBy, uploadedBy],
  };
}
