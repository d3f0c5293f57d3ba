/**
 * Archive documents: uploads attached to a ledger (and optionally one ledger entry) and a stage.
 * The SHA-256 recorded at upload is checked again on every download: bytes changed on disk (or a
 * file gone missing) are refused with ARCHIVE_INTEGRITY_FAILED and the refusal is logged as an event.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Principal } from '../../../../domain/access.js';
import {
  checkArchiveType,
  type ArchiveDocumentDto,
  type ArchiveRequirement,
  type ArchiveUploadQuery,
} from '../../../../domain/archives.js';
import { AppError } from '../../../../domain/errors.js';
import type { AuditLog } from '../../../../db/audit.js';
import type { Orm } from '../../../../db/orm.js';
import { scopedEm, scopeOf, systemEm } from '../../../../db/scope.js';
import type { Logger } from '../../../../platform/log.js';
import type { LedgerService } from '../ledgers/service.js';
import { invalid, mapDbError } from '../ledgers/service.js';
import type { Caller } from '../projects/service.js';
import type { ArchiveStorage } from './storage.js';

/** Entry tables of each ledger an archive file may be attached to. */
const ENTRY_TABLES = {
  department: ['disbursement'],
  implementing: ['collective_decision', 'adjustment_record'],
  site: ['supervision_visit', 'public_notice', 'opinion_record', 'after_care_check'],
} as const;

interface DocRow {
  id: string;
  project_id: string;
  ledger: ArchiveDocumentDto['ledger'];
  stage: string;
  item: string | null;
  entry_id: string | null;
  file_name: string;
  content_type: string;
  size_bytes: string;
  sha256: string;
  storage_key: string;
  uploader: string | null;
  uploaded_at: string;
}

const DOC_SELECT = `SELECT a.id, a.project_id, a.ledger, a.stage, a.item, a.entry_id, a.file_name, a.content_type, a.size_bytes,
    a.sha256, a.storage_key, u.display_name AS uploader, a.uploaded_at
  FROM archive_document a LEFT JOIN app_user u ON u.id = a.uploaded_by`;

const cancelled = () =>
  new AppError('TRANSITION_NOT_ALLOWED', '项目已终止，不再接收档案资料 (the project is cancelled)');

function dto(r: DocRow): ArchiveDocumentDto {
  return {
    id: r.id,
    ledger: r.ledger,
    stage: r.stage,
    item: r.item,
    entryId: r.entry_id,
    fileName: r.file_name,
    contentType: r.content_type,
    sizeBytes: Number(r.size_bytes),
    sha256: r.sha256,
    uploadedBy: r.uploader,
    uploadedAt: new Date(r.uploaded_at).toISOString(),
  };
}

export function createArchiveService(deps: {
  orm: Orm;
  audit: AuditLog;
  ledgers: LedgerService;
  storage: ArchiveStorage;
  maxBytes: number;
  log: Logger;
}) {
  const { orm, ledgers, storage } = deps;
  // The caller's scope where there is one (RLS applies); the system for configuration and events.
  const em = (who?: Principal) => (who ? scopedEm(orm, scopeOf(who)) : systemEm(orm));

  async function requirements(): Promise<ArchiveRequirement[]> {
    return em().execute<ArchiveRequirement[]>(
      `SELECT stage, item, ledger, label, required FROM archive_requirement
        ORDER BY array_position(ARRAY['approved','designApproved','methodFixed','underway','completed','accepted','reimbursed','afterCare'], stage), item`,
      [],
      'all',
    );
  }

  return {
    requirements,

    async replaceRequirements(caller: Caller, items: ArchiveRequirement[]): Promise<ArchiveRequirement[]> {
      if (!caller.roles.includes('admin') && !caller.roles.includes('supervisor'))
        throw new AppError(
          'FORBIDDEN',
          '只有系统管理员或专项监督办可以配置建档清单 (admin or supervisor only)',
        );
      const keys = new Set(items.map((i) => `${i.stage}/${i.item}`));
      if (keys.size !== items.length)
        throw invalid('body.items', '同一阶段的清单项重复 (duplicate stage/item)');
      await em().transactional(async (tx) => {
        await tx.execute('DELETE FROM archive_requirement', [], 'run');
        for (const i of items)
          await tx.execute(
            'INSERT INTO archive_requirement (stage, item, ledger, label, required) VALUES (?, ?, ?, ?, ?)',
            [i.stage, i.item, i.ledger, i.label, i.required],
            'run',
          );
        await tx.execute(
          `INSERT INTO ledger_event (ledger, kind, actor_id, actor_name, payload) VALUES ('archive', 'requirements', ?, ?, ?::jsonb)`,
          [caller.actor.id, caller.actor.name, JSON.stringify(items)],
          'run',
        );
      });
      return requirements();
    },

    async upload(
      caller: Caller,
      idOrCode: string,
      q: ArchiveUploadQuery,
      contentType: string,
      bytes: Buffer,
    ) {
      const p = await ledgers.find(caller, idOrCode);
      if (!(await ledgers.mayWrite(caller, p, q.ledger)))
        throw new AppError(
          'FORBIDDEN',
          '只能为本级填写的台账上传档案资料 (only the level that writes this ledger)',
        );
      // A cancelled project takes no writes of any kind, documents included (README: 终止).
      if (p.stage === 'cancelled') throw cancelled();
      if (bytes.length > deps.maxBytes)
        throw new AppError('PAYLOAD_TOO_LARGE', `文件超过 ${deps.maxBytes} 字节 (file too large)`);
      const typeProblem = checkArchiveType(contentType.split(';')[0]!.trim(), bytes);
      if (typeProblem) throw invalid('body', typeProblem);
      if (q.item) {
        const req = (await requirements()).find((r) => r.stage === q.stage && r.item === q.item);
        if (!req) throw invalid('query.item', `建档清单中「${q.stage}」阶段没有此项: ${q.item}`);
        if (req.ledger !== q.ledger) throw invalid('query.ledger', `清单项 ${q.item} 属于${req.ledger}台账`);
      }
      if (q.entryId) {
        const tables = ENTRY_TABLES[q.ledger];
        const found = await em(caller).execute(
          tables.map((t) => `SELECT 1 FROM ${t} WHERE id = ? AND project_id = ?`).join(' UNION ALL '),
          tables.flatMap(() => [q.entryId, p.id]),
          'all',
        );
        if (found.length === 0) throw invalid('query.entryId', '台账记录不存在或不属于该台账');
      }
      const id = randomUUID();
      const key = `${p.id}/${id}`;
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      // Bytes first, then the row: a row never points at nothing. An orphan file (row insert failed)
      // is harmless and unreachable.
      await storage.put(key, bytes);
      try {
        await em(caller).transactional(async (tx) => {
          // Again in the write's transaction: a 终止 may have landed since the check above.
          const [now] = await tx.execute<{ stage: string }[]>(
            'SELECT stage FROM project WHERE id = ?',
            [p.id],
            'all',
          );
          if (now?.stage === 'cancelled') throw cancelled();
          await tx.execute(
            `INSERT INTO archive_document (id, project_id, ledger, stage, item, entry_id, file_name, content_type, size_bytes,
               sha256, storage_key, uploaded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            [
              id,
              p.id,
              q.ledger,
              q.stage,
              q.item ?? null,
              q.entryId ?? null,
              q.fileName,
              contentType.split(';')[0]!.trim(),
              bytes.length,
              sha256,
              key,
              caller.actor.id,
            ],
            'run',
          );
          await tx.execute(
            `INSERT INTO ledger_event (project_id, ledger, kind, actor_id, actor_name, payload) VALUES (?, 'archive', 'upload', ?, ?, ?::jsonb)`,
            [
              p.id,
              caller.actor.id,
              caller.actor.name,
              JSON.stringify({ id, ...q, sha256, size: bytes.length }),
            ],
            'run',
          );
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
      const [row] = await em(caller).execute<DocRow[]>(`${DOC_SELECT} WHERE a.id = ?`, [id], 'all');
      return dto(row!);
    },

    async list(who: Principal, idOrCode: string) {
      const p = await ledgers.find(who, idOrCode);
      const rows = await em(who).execute<DocRow[]>(
        `${DOC_SELECT} WHERE a.project_id = ? ORDER BY a.uploaded_at`,
        [p.id],
        'all',
      );
      const documents = rows.map(dto);
      return {
        documents,
        checklist: (await requirements()).map((r) => {
          const ids = documents.filter((d) => d.stage === r.stage && d.item === r.item).map((d) => d.id);
          return { ...r, satisfied: ids.length > 0, documentIds: ids };
        }),
      };
    },

    /** The file, after re-checking its SHA-256 against the one recorded at upload. */
    async download(who: Principal & { actor?: Caller['actor'] }, id: string) {
      const [row] = /^[0-9a-f-]{36}$/i.test(id)
        ? await em(who).execute<DocRow[]>(`${DOC_SELECT} WHERE a.id = ?`, [id], 'all')
        : [];
      // Read scope is the project's: a document of a project outside the scope does not exist.
      if (!row || !(await ledgers.projects.find(who, row.project_id)))
        throw new AppError('NOT_FOUND', `档案资料不存在 (archive document ${id} not found)`);
      const bytes = await storage.get(row.storage_key);
      const actual = bytes ? createHash('sha256').update(bytes).digest('hex') : null;
      if (actual !== row.sha256) {
        deps.log.warn(
          `archive ${row.id} failed its integrity check (recorded ${row.sha256}, found ${actual ?? 'no file'})`,
        );
        await em().transactional(async (tx) => {
          await tx.execute(
            `INSERT INTO ledger_event (project_id, ledger, kind, actor_id, actor_name, payload) VALUES (?, 'archive', 'integrityFailure', ?, ?, ?::jsonb)`,
            [
              row.project_id,
              who.actor?.id ?? null,
              who.actor?.name ?? '系统',
              JSON.stringify({ id: row.id, recorded: row.sha256, found: actual }),
            ],
            'run',
          );
          await deps.audit.append(tx, {
            actor: { id: who.actor?.id ?? null, username: who.actor?.username ?? 'system' },
            via: 'api',
            action: 'archive.integrityFailure',
            entity: 'archive_document',
            entityId: row.id,
            after: { recorded: row.sha256, found: actual },
          });
        });
        throw new AppError(
          'ARCHIVE_INTEGRITY_FAILED',
          bytes
            ? `档案文件校验失败：「${row.file_name}」的内容与上传时记录的 SHA-256 不一致，文件可能已被篡改，已拒绝下载，请联系系统管理员 (archive integrity check failed: the stored file does not match the SHA-256 recorded at upload; download refused)`
            : `档案文件缺失：「${row.file_name}」在存储中不存在，请联系系统管理员 (archive file missing from storage)`,
          { id: row.id, recordedSha256: row.sha256 },
        );
      }
      return { doc: dto(row), bytes: bytes! };
    },
  };
}

export type ArchiveService = ReturnType<typeof createArchiveService>;
