/**
 * Bulletin attachments in PostgreSQL, read in the caller's scope: row-level security shows an
 * attachment to whoever may read what claimed it (or, unclaimed, to its own unit).
 */
import type { Principal } from '#domain/access.js';
import type { AttachmentDto } from '#domain/bulletin-schemas.js';
import type { Orm } from '#db/orm.js';
import { scopedEm, scopeOf } from '#db/scope.js';

export interface AttachmentRow {
  id: string;
  file_name: string;
  content_type: string;
  size_bytes: string;
  sha256: string;
  storage_key: string;
  uploaded_at: string | Date;
  uploaded_by: string | null;
  notice_id: string | null;
  policy_id: string | null;
  message_id: string | null;
}

export const ATTACHMENT_COLUMNS = `a.id, a.file_name, a.content_type, a.size_bytes, a.sha256, a.storage_key, a.uploaded_at,
  a.uploaded_by, a.notice_id, a.policy_id, a.message_id`;

export function attachmentDto(r: AttachmentRow): AttachmentDto {
  return {
    id: r.id,
    fileName: r.file_name,
    contentType: r.content_type,
    sizeBytes: Number(r.size_bytes),
    sha256: r.sha256,
    uploadedAt: new Date(r.uploaded_at).toISOString(),
  };
}

export function createAttachmentRepository(orm: Orm) {
  return {
    async find(who: Principal, id: string): Promise<AttachmentRow | undefined> {
      const [row] = await scopedEm(orm, scopeOf(who)).execute<AttachmentRow[]>(
        `SELECT ${ATTACHMENT_COLUMNS} FROM bulletin_attachment a WHERE a.id = ?`,
        [id],
        'all',
      );
      return row;
    },
  };
}

export type AttachmentRepository = ReturnType<typeof createAttachmentRepository>;
