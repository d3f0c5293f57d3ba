import { ARCHIVE_STAGES } from '@domain/archives';
import type { Stage } from '@domain/lifecycle';
import type { ArchiveRequirement } from '../api/client';

export type ArchiveStage = ArchiveRequirement['stage'];
export const ARCHIVE_STAGE_ORDER: readonly ArchiveStage[] = ARCHIVE_STAGES;

/**
 * The archive stage a file taken now is filed under: the project's stage, or for the stages that
 * have no checklist of their own the one they sit at (rectifying is a repeat of completion; a
 * closed project's last papers are its after-care's; a cancelled one's are its approval's).
 */
export function archiveStageOf(stage: Stage): ArchiveStage {
  if (stage === 'rectifying') return 'completed';
  if (stage === 'closed') return 'afterCare';
  if (stage === 'cancelled') return 'approved';
  return stage;
}

/**
 * Where a photo of a ledger entry is filed: under the checklist item that asks for it (e.g.
 * 监督检查照片 `supervisionPhoto`, 公示照片 `publicNoticePhoto`), at that item's stage, so the
 * checklist counts it; when the (configurable) checklist has no such item, at the project's stage.
 */
export function photoFiling(
  requirements: readonly ArchiveRequirement[],
  item: string,
  stage: Stage,
): { stage: ArchiveStage; item?: string } {
  const req = requirements.find((r) => r.item === item && r.ledger === 'site');
  return req ? { stage: req.stage, item: req.item } : { stage: archiveStageOf(stage) };
}
