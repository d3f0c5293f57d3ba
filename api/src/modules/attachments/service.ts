/**
 * Attachments of notices, policies and messages: uploaded first (checked, hashed, stored like an
 * archive document), then claimed by the notice, policy or message written with their ids. A
 * download reads the row in the caller's scope and re-checks the SHA-256.
 */
import { randomUUID } from 'node:crypto';
import type { AttachmentDto } from '#domain/bulletin-schemas.js';
import { canWriteMessages } from '#domain/bulletin-schemas.js';
import { AppError } from '#domain/errors.js';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { executeAll, scopedEm, scopeOf, type Tx } from '#db/scope.js';
import { attachmentInsert, attachmentsClaim, type AttachmentOwner } from '#db/writes/bulletin-attachment.js';
import type { Logger } from '#platform/log.js';
import { invalid, mapDbError, type Caller } from '../../http.js';
import { writeOnce } from '../../idempotency.js';
import type { ArchiveStorage } from '../archives/storage.js';
import { bareType, checkUpload, readVerified, storeFile } from '../archives/stored-file.js';
import { attachmentDto, type AttachmentRepository, type AttachmentRow } from './repository.js';

export function createAttachmentService(deps: {
  orm: Orm;
  repo: AttachmentRepository;
  audit: AuditLog;
  storage: ArchiveStorage;
  maxBytes: number;
  log: Logger;
}) {
  const { orm, storage } = deps;
  return {
    async upload(
      caller: Caller,
      fileName: string,
      contentType: string,
      bytes: Buffer,
    ): Promise<AttachmentDto> {
      // Once per Idempotency-Key: a retry whose answer was lost after the commit answers the
      // upload it stored (the photo is not stored again), read back as the first answer was.
      const id = await writeOnce(orm, async (record) => {
        if (!canWriteMessages(caller))
          throw new AppError('FORBIDDEN', '查询账号不能上传附件 (query accounts cannot upload)');
        checkUpload(contentType, bytes, deps.maxBytes);
        const id = randomUUID();
        // Bytes first, then the row (as archive documents): an orphan file is harmless and unreachable.
        const key = `${caller.orgUnitId}/${id}`;
        const sha256 = await storeFile(storage, key, bytes);
        const row = {
          id,
          unitId: caller.orgUnitId,
          uploadedBy: caller.actor.id,
          fileName,
          contentType: bareType(contentType),
          sizeBytes: bytes.length,
          sha256,
          storageKey: key,
        };
        try {
          await scopedEm(orm, scopeOf(caller)).transactional(async (tx) => {
            await executeAll(tx, [attachmentInsert(row)]);
            await record(tx, id);
            await deps.audit.append(tx, {
              actor: { id: caller.actor.id, username: caller.actor.username },
              via: 'api',
              action: 'bulletin.attachment.upload',
              entity: 'bulletin_attachment',
              entityId: id,
              after: { fileName, contentType: row.contentType, sizeBytes: row.sizeBytes, sha256 },
            });
          });
        } catch (err) {
          mapDbError(err);
        }
        return id;
      });
      return attachmentDto((await deps.repo.find(caller, id))!);
    },

    /**
     * Claims the caller's own unclaimed uploads for `owner` inside the owner's transaction; an id
     * that is not one (someone else's, already used, unknown) is a 422 naming the field.
     */
    async claimIn(tx: Tx, caller: Caller, ids: readonly string[], owner: AttachmentOwner): Promise<void> {
      const unique = [...new Set(ids)];
      if (unique.length === 0) return;
      const [rows] = await executeAll(tx, [attachmentsClaim(unique, caller.actor.id, owner)]);
      const claimed = new Set((rows as { id: string }[]).map((r) => r.id));
      const missing = unique.find((id) => !claimed.has(id));
      if (missing)
        throw invalid(
          'body.attachmentIds',
          `附件不存在、不是您上传的或已被使用 (attachment ${missing} is not an unused upload of yours)`,
        );
    },

    /**
     * An attachment of the object `belongs` accepts, its bytes checked against the SHA-256 of the
     * upload. Not readable or not that object's: 404.
     */
    async download(caller: Caller, id: string, belongs: (row: AttachmentRow) => boolean) {
      const row = await deps.repo.find(caller, id);
      if (!row || !belongs(row)) throw new AppError('NOT_FOUND', `附件不存在 (attachment ${id} not found)`);
      const read = await readVerified(storage, row.storage_key, row.sha256);
      if (!read.ok) {
        deps.log.warn(
          `bulletin attachment ${id} failed its integrity check (recorded ${row.sha256}, found ${read.found ?? 'no file'})`,
        );
        throw new AppError(
          'ARCHIVE_INTEGRITY_FAILED',
          read.bytes
            ? `附件校验失败：「${row.file_name}」的内容与上传时记录的 SHA-256 不一致，已拒绝下载 (attachment integrity check failed; download refused)`
            : `附件文件缺失：「${row.file_name}」(attachment file missing from storage)`,
          { id, recordedSha256: row.sha256 },
        );
      }
      return { dto: attachmentDto(row), bytes: read.bytes };
    },
  };
}

export type AttachmentService = ReturnType<typeof createAttachmentService>;
