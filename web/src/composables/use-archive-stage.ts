import { ACTION_LEVEL } from '@domain/access';
import { ARCHIVE_STAGES } from '@domain/archives';
import { nextStage, stageRank, type Action, type Stage } from '@domain/lifecycle';
import type { ArchiveRequirement, LedgerKind } from '../api/client';

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
 * How many required checklist items are missing by the project's current stage: only the items of
 * its stage and the stages before it are due (as the ledgers' completeness and the acceptance gate
 * count), not a later stage's papers (an underway project is not yet owed its completion report).
 */
export function missingRequiredCount(
  checklist: readonly { stage: ArchiveStage; required: boolean; satisfied: boolean }[],
  stage: Stage,
): number {
  const rank = stageRank(stage);
  return checklist.filter((c) => c.required && !c.satisfied && stageRank(c.stage) <= rank).length;
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

/**
 * Where the files attached to a step are filed: in the ledger of the level that takes the step
 * (a department's, or the owner unit's implementing ledger), at the stage the step leads to, so
 * the checklist of that stage can count them (设计及预算批复 with 设计审批, 开工报告 with 开工).
 */
export function stepFiling(
  stage: Stage,
  action: Action,
  passed: boolean,
): { ledger: Extract<LedgerKind, 'department' | 'implementing'>; stage: ArchiveStage } {
  return {
    ledger: ACTION_LEVEL[action] === 'department' ? 'department' : 'implementing',
    stage: archiveStageOf(nextStage(stage, action, { passed })),
  };
}
