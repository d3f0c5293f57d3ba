/**
 * Archive documents (档案资料): what may be uploaded, how a file's type is recognised (declared
 * type and leading bytes must agree), and the configurable checklist of documents each stage requires.
 */
import { z } from 'zod';
import type { Bilingual } from './errors.js';
import { LEDGERS } from './ledgers/kinds.js';
import { STAGES, type Stage } from './lifecycle.js';
import { safeString } from './schemas.js';

export const ARCHIVE_STAGES = STAGES.filter(
  (s): s is Exclude<Stage, 'rectifying' | 'closed' | 'cancelled'> =>
    !['rectifying', 'closed', 'cancelled'].includes(s),
);

const ZIP = [0x50, 0x4b, 0x03, 0x04];
/** Allowed types, named in each language, and the bytes each file of that type starts with. */
export const ARCHIVE_TYPES: Record<string, { label: Bilingual; magic: number[] }> = {
  'application/pdf': { label: { zh: 'PDF 文件', en: 'PDF' }, magic: [0x25, 0x50, 0x44, 0x46, 0x2d] },
  'image/jpeg': { label: { zh: 'JPEG 照片', en: 'JPEG photo' }, magic: [0xff, 0xd8, 0xff] },
  'image/png': {
    label: { zh: 'PNG 图片', en: 'PNG image' },
    magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  },
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': {
    label: { zh: 'Word 文档 (docx)', en: 'Word (docx)' },
    magic: ZIP,
  },
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
    label: { zh: 'Excel 表格 (xlsx)', en: 'Excel (xlsx)' },
    magic: ZIP,
  },
};

/** null when the bytes are of the declared type, else why not. */
export function checkArchiveType(contentType: string, bytes: Uint8Array): Bilingual | null {
  const t = ARCHIVE_TYPES[contentType];
  const labels = Object.values(ARCHIVE_TYPES).map((x) => x.label);
  if (!t)
    return {
      zh: `不支持的文件类型 ${contentType}（允许：${labels.map((l) => l.zh).join('、')}）`,
      en: `unsupported file type ${contentType} (allowed: ${labels.map((l) => l.en).join(', ')})`,
    };
  if (bytes.length < t.magic.length || t.magic.some((b, i) => bytes[i] !== b))
    return {
      zh: `文件内容不是声明的类型 ${t.label.zh}`,
      en: `the content is not what ${contentType} declares (${t.label.en})`,
    };
  return null;
}

export const archiveUploadQuerySchema = z.object({
  ledger: z.enum(LEDGERS),
  stage: z.enum(ARCHIVE_STAGES),
  item: z
    .string()
    .regex(/^[a-zA-Z][a-zA-Z0-9]{1,39}$/)
    .optional(),
  entryId: z.uuid().optional(),
  fileName: safeString().trim().min(1).max(200),
});
export type ArchiveUploadQuery = z.infer<typeof archiveUploadQuerySchema>;

export const archiveDocumentSchema = z.object({
  id: z.uuid(),
  ledger: z.enum(LEDGERS),
  stage: z.string(),
  item: z.string().nullable(),
  entryId: z.uuid().nullable(),
  fileName: z.string(),
  contentType: z.string(),
  sizeBytes: z.number().int(),
  sha256: z.string(),
  uploadedBy: z.string().nullable(),
  uploadedAt: z.string(),
});
export type ArchiveDocumentDto = z.infer<typeof archiveDocumentSchema>;

export const archiveRequirementSchema = z.object({
  stage: z.enum(ARCHIVE_STAGES),
  item: z.string().regex(/^[a-zA-Z][a-zA-Z0-9]{1,39}$/),
  ledger: z.enum(LEDGERS),
  label: safeString().trim().min(1).max(100),
  required: z.boolean().default(true),
});
export type ArchiveRequirement = z.infer<typeof archiveRequirementSchema>;
export const archiveRequirementsSchema = z.object({ items: z.array(archiveRequirementSchema).max(200) });

export const projectArchivesSchema = z.object({
  documents: z.array(archiveDocumentSchema),
  checklist: z.array(
    archiveRequirementSchema.extend({ satisfied: z.boolean(), documentIds: z.array(z.uuid()) }),
  ),
});
