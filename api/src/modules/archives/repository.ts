/**
 * Archive documents and the archive checklist in PostgreSQL. Documents are read in the caller's
 * scope (row-level security applies); the checklist is configuration, read and replaced as the
 * system. The `…In` functions run inside a transaction the service holds.
 */
import type { Principal } from '#domain/access.js';
import type { ArchiveDocumentDto, ArchiveRequirement, ArchiveUploadQuery } from '#domain/archives.js';
import type { Orm } from '#db/orm.js';
import { executeAll, scopedEm, scopeOf, systemEm, type Tx } from '#db/scope.js';

/** Entry tables of each ledger an archive file may be attached to. */
const ENTRY_TABLES = {
  department: ['disbursement'],
  implementing: ['collective_decision', 'adjustment_record'],
  site: ['supervision_visit', 'public_notice', 'opinion_record', 'after_care_check'],
} as const;
/** Entries kept by one village of the project (the others are the whole project's). */
const VILLAGE_ENTRIES: ReadonlySet<string> = new Set(['supervision_visit', 'public_notice']);

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

/** A stored document: what the api shows, and where its project and its bytes are. */
export interface StoredDocument {
  dto: ArchiveDocumentDto;
  projectId: string;
  storageKey: string;
}

function stored(r: DocRow): StoredDocument {
  return {
    projectId: r.project_id,
    storageKey: r.storage_key,
    dto: {
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
    },
  };
}

export function createArchiveRepository(orm: Orm) {
  const scoped = (who: Principal) => scopedEm(orm, scopeOf(who));

  return {
    async requirements(): Promise<ArchiveRequirement[]> {
      return systemEm(orm).execute<ArchiveRequirement[]>(
        `SELECT stage, item, ledger, label, required FROM archive_requirement
          ORDER BY array_position(ARRAY['approved','designApproved','methodFixed','underway','completed','accepted','reimbursed','afterCare'], stage), item`,
        [],
        'all',
      );
    },

    /** The whole checklist replaced by `items`. */
    async replaceRequirementsIn(tx: Tx, items: ArchiveRequirement[]): Promise<void> {
      await tx.execute('DELETE FROM archive_requirement', [], 'run');
      for (const i of items)
        await tx.execute(
          'INSERT INTO archive_requirement (stage, item, ledger, label, required) VALUES (?, ?, ?, ?, ?)',
          [i.stage, i.item, i.ledger, i.label, i.required],
          'run',
        );
    },

    /**
     * `entryId` as an entry of this ledger of this project: the village it is of (a supervision
     * visit's, a notice's), null for an entry of the whole project; undefined when there is none.
     */
    async entryOf(
      who: Principal,
      ledger: ArchiveUploadQuery['ledger'],
      entryId: string,
      projectId: string,
    ): Promise<{ villageId: string | null } | undefined> {
      const tables = ENTRY_TABLES[ledger];
      const found = await scoped(who).execute<{ village_id: string | null }[]>(
        tables
          .map(
            (t) =>
              `SELECT ${VILLAGE_ENTRIES.has(t) ? 'village_id' : 'NULL::uuid AS village_id'} FROM ${t}
                WHERE id = ? AND project_id = ?`,
          )
          .join(' UNION ALL '),
        tables.flatMap(() => [entryId, projectId]),
        'all',
      );
      return found[0] ? { villageId: found[0].village_id } : undefined;
    },

    /** The project's stage as this transaction sees it. */
    async stageIn(tx: Tx, projectId: string): Promise<string | undefined> {
      const [rows] = await executeAll(tx, [
        { sql: 'SELECT stage FROM project WHERE id = ?', params: [projectId] },
      ]);
      return (rows![0] as { stage: string } | undefined)?.stage;
    },

    async insertDocumentIn(
      tx: Tx,
      d: {
        id: string;
        projectId: string;
        query: ArchiveUploadQuery;
        contentType: string;
        sizeBytes: number;
        sha256: string;
        storageKey: string;
        uploadedBy: string | null;
      },
    ): Promise<void> {
      await tx.execute(
        `INSERT INTO archive_document (id, project_id, ledger, stage, item, entry_id, file_name, content_type, size_bytes,
           sha256, storage_key, uploaded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          d.id,
          d.projectId,
          d.query.ledger,
          d.query.stage,
          d.query.item ?? null,
          d.query.entryId ?? null,
          d.query.fileName,
          d.contentType,
          d.sizeBytes,
          d.sha256,
          d.storageKey,
          d.uploadedBy,
        ],
        'run',
      );
    },

    /** One document by id, if the caller's scope holds it. */
    async document(who: Principal, id: string): Promise<StoredDocument | undefined> {
      const [row] = await scoped(who).execute<DocRow[]>(`${DOC_SELECT} WHERE a.id = ?`, [id], 'all');
      return row ? stored(row) : undefined;
    },

    /** A project's documents in upload order. */
    async documentsOf(who: Principal, projectId: string): Promise<ArchiveDocumentDto[]> {
      const rows = await scoped(who).execute<DocRow[]>(
        `${DOC_SELECT} WHERE a.project_id = ? ORDER BY a.uploaded_at`,
        [projectId],
        'all',
      );
      return rows.map((r) => stored(r).dto);
    },
  };
}

export type ArchiveRepository = ReturnType<typeof createArchiveRepository>;
