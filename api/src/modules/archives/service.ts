/**
 * Archive documents: uploads attached to a ledger (and optionally one ledger entry) and a stage.
 * The SHA-256 recorded at upload is checked again on every download: bytes changed on disk (or a
 * file gone missing) are refused with ARCHIVE_INTEGRITY_FAILED and the refusal is logged as an event.
 */
import { randomUUID } from 'node:crypto';
import type { Principal } from '#domain/access.js';
import type { ArchiveRequirement, ArchiveUploadQuery } from '#domain/archives.js';
import { AppError } from '#domain/errors.js';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { executeAll, scopedEm, scopeOf, systemEm } from '#db/scope.js';
import { ledgerEventInsert } from '#db/writes/ledger-event.js';
import type { Logger } from '#platform/log.js';
import { invalid, mapDbError, type Caller } from '../../http.js';
import { writeOnce } from '../../idempotency.js';
import type { LedgerService } from '../ledgers/service.js';
import type { ArchiveRepository } from './repository.js';
import type { ArchiveStorage } from './storage.js';
import { bareType, checkUpload, readVerified, storeFile } from './stored-file.js';

const cancelled = () =>
  new AppError('TRANSITION_NOT_ALLOWED', '项目已终止，不再接收档案资料 (the project is cancelled)');

export function createArchiveService(deps: {
  orm: Orm;
  repo: ArchiveRepository;
  audit: AuditLog;
  ledgers: LedgerService;
  storage: ArchiveStorage;
  maxBytes: number;
  log: Logger;
}) {
  const { orm, repo, ledgers, storage } = deps;

  return {
    requirements: repo.requirements,

    async replaceRequirements(caller: Caller, items: ArchiveRequirement[]): Promise<ArchiveRequirement[]> {
      if (!caller.roles.includes('admin') && !caller.roles.includes('supervisor'))
        throw new AppError(
          'FORBIDDEN',
          '只有系统管理员或专项监督办可以配置建档清单 (admin or supervisor only)',
        );
      const keys = new Set(items.map((i) => `${i.stage}/${i.item}`));
      if (keys.size !== items.length)
        throw invalid('body.items', '同一阶段的清单项重复 (duplicate stage/item)');
      // Configuration, not any one project's: written as the system.
      await systemEm(orm).transactional(async (tx) => {
        await repo.replaceRequirementsIn(tx, items);
        await executeAll(tx, [
          ledgerEventInsert({
            projectId: null,
            ledger: 'archive',
            kind: 'requirements',
            actor: caller.actor,
            payload: items,
          }),
        ]);
      });
      return repo.requirements();
    },

    async upload(
      caller: Caller,
      idOrCode: string,
      q: ArchiveUploadQuery,
      contentType: string,
      bytes: Buffer,
    ) {
      // Once per Idempotency-Key: a retry whose answer was lost after the commit answers the
      // document, and stores no second copy of the bytes.
      const id = await writeOnce(orm, async (record) => {
        const p = await ledgers.find(caller, idOrCode);
        if (!(await ledgers.mayWrite(caller, p, q.ledger)))
          throw new AppError(
            'FORBIDDEN',
            '只能为本级填写的台账上传档案资料 (only the level that writes this ledger)',
          );
        // A cancelled project takes no writes of any kind, documents included (docs/ledgers.md: 终止).
        if (p.stage === 'cancelled') throw cancelled();
        checkUpload(contentType, bytes, deps.maxBytes);
        if (q.item) {
          const req = (await repo.requirements()).find((r) => r.stage === q.stage && r.item === q.item);
          if (!req)
            throw invalid('query.item', {
              zh: `建档清单中「${q.stage}」阶段没有此项: ${q.item}`,
              en: `the checklist has no item ${q.item} at stage ${q.stage}`,
            });
          if (req.ledger !== q.ledger)
            throw invalid('query.ledger', {
              zh: `清单项 ${q.item} 属于${req.ledger}台账`,
              en: `checklist item ${q.item} belongs to the ${req.ledger} ledger`,
            });
        }
        if (q.entryId) {
          const entry = await repo.entryOf(caller, q.ledger, q.entryId, p.id);
          if (!entry)
            throw invalid('query.entryId', {
              zh: '台账记录不存在或不属于该台账',
              en: 'no such ledger entry in this ledger',
            });
          // A village's visit or notice takes files from that village only, as it takes its writes.
          if (entry.villageId !== null && entry.villageId !== caller.orgUnitId)
            throw new AppError(
              'FORBIDDEN',
              '只能为本村的台账记录上传档案资料 (only your own village’s entries)',
            );
        }
        const id = randomUUID();
        const key = `${p.id}/${id}`;
        // Bytes first, then the row: a row never points at nothing. An orphan file (row insert failed)
        // is harmless and unreachable.
        const sha256 = await storeFile(storage, key, bytes);
        try {
          await scopedEm(orm, scopeOf(caller)).transactional(async (tx) => {
            // Again in the write's transaction: a 终止 may have landed since the check above.
            if ((await repo.stageIn(tx, p.id)) === 'cancelled') throw cancelled();
            await repo.insertDocumentIn(tx, {
              id,
              projectId: p.id,
              query: q,
              contentType: bareType(contentType),
              sizeBytes: bytes.length,
              sha256,
              storageKey: key,
              uploadedBy: caller.actor.id,
            });
            await record(tx, id);
            await executeAll(tx, [
              ledgerEventInsert({
                projectId: p.id,
                ledger: 'archive',
                kind: 'upload',
                actor: caller.actor,
                payload: { id, ...q, sha256, size: bytes.length },
              }),
            ]);
            await deps.audit.append(tx, {
              actor: { id: caller.actor.id, username: caller.actor.username },
              via: 'api',
              action: 'archive.upload',
              entity: 'archive_document',
              entityId: id,
              after: { projectId: p.id, ...q, sha256, size: bytes.length },
            });
          });
        } catch (err) {
          mapDbError(err);
        }
        return id;
      });
      return (await repo.document(caller, id))!.dto;
    },

    async list(who: Principal, idOrCode: string) {
      const p = await ledgers.find(who, idOrCode);
      const documents = await repo.documentsOf(who, p.id);
      return {
        documents,
        checklist: (await repo.requirements()).map((r) => {
          const ids = documents.filter((d) => d.stage === r.stage && d.item === r.item).map((d) => d.id);
          return { ...r, satisfied: ids.length > 0, documentIds: ids };
        }),
      };
    },

    /** The file, after re-checking its SHA-256 against the one recorded at upload. */
    async download(who: Principal & { actor?: Caller['actor'] }, id: string) {
      const row = /^[0-9a-f-]{36}$/i.test(id) ? await repo.document(who, id) : undefined;
      // Read scope is the project's: a document of a project outside the scope does not exist.
      if (!row || !(await ledgers.projects.find(who, row.projectId)))
        throw new AppError('NOT_FOUND', `档案资料不存在 (archive document ${id} not found)`);
      const doc = row.dto;
      const read = await readVerified(storage, row.storageKey, doc.sha256);
      if (!read.ok) {
        const { bytes, found: actual } = read;
        deps.log.warn(
          `archive ${doc.id} failed its integrity check (recorded ${doc.sha256}, found ${actual ?? 'no file'})`,
        );
        await systemEm(orm).transactional(async (tx) => {
          await executeAll(tx, [
            ledgerEventInsert({
              projectId: row.projectId,
              ledger: 'archive',
              kind: 'integrityFailure',
              actor: { id: who.actor?.id ?? null, name: who.actor?.name ?? '系统' },
              payload: { id: doc.id, recorded: doc.sha256, found: actual },
            }),
          ]);
          await deps.audit.append(tx, {
            actor: { id: who.actor?.id ?? null, username: who.actor?.username ?? 'system' },
            via: 'api',
            action: 'archive.integrityFailure',
            entity: 'archive_document',
            entityId: doc.id,
            after: { recorded: doc.sha256, found: actual },
          });
        });
        throw new AppError(
          'ARCHIVE_INTEGRITY_FAILED',
          bytes
            ? `档案文件校验失败：「${doc.fileName}」的内容与上传时记录的 SHA-256 不一致，文件可能已被篡改，已拒绝下载，请联系系统管理员 (archive integrity check failed: the stored file does not match the SHA-256 recorded at upload; download refused)`
            : `档案文件缺失：「${doc.fileName}」在存储中不存在，请联系系统管理员 (archive file missing from storage)`,
          { id: doc.id, recordedSha256: doc.sha256 },
        );
      }
      return { doc, bytes: read.bytes };
    },
  };
}

export type ArchiveService = ReturnType<typeof createArchiveService>;
