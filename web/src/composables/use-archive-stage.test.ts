import { describe, expect, it } from 'vitest';
import type { ArchiveStage } from './use-archive-stage';
import { missingRequiredCount } from './use-archive-stage';

/** The default checklist (db migration), every item still without its file. */
const CHECKLIST: { stage: ArchiveStage; item: string; required: boolean; satisfied: boolean }[] = [
  { stage: 'approved', item: 'approvalDocument', required: true, satisfied: true },
  { stage: 'approved', item: 'fundDocument', required: true, satisfied: true },
  { stage: 'designApproved', item: 'designApproval', required: true, satisfied: true },
  { stage: 'methodFixed', item: 'decisionMinutes', required: true, satisfied: true },
  { stage: 'methodFixed', item: 'contract', required: true, satisfied: true },
  { stage: 'underway', item: 'startReport', required: true, satisfied: false },
  { stage: 'underway', item: 'publicNoticePhoto', required: false, satisfied: false },
  { stage: 'completed', item: 'completionReport', required: true, satisfied: false },
  { stage: 'completed', item: 'supervisionPhoto', required: true, satisfied: false },
];

describe('the archives tab’s count of required documents not yet uploaded', () => {
  it('counts only what is due by the project’s stage, not a later stage’s papers', () => {
    // Under way: its start report is missing; the two completion papers are not due yet.
    expect(missingRequiredCount(CHECKLIST, 'underway')).toBe(1);
    expect(missingRequiredCount(CHECKLIST, 'methodFixed')).toBe(0);
  });

  it('counts the completion papers once the project is completed, rectifying or past it', () => {
    expect(missingRequiredCount(CHECKLIST, 'completed')).toBe(3);
    expect(missingRequiredCount(CHECKLIST, 'rectifying')).toBe(3);
    expect(missingRequiredCount(CHECKLIST, 'afterCare')).toBe(3);
    expect(missingRequiredCount(CHECKLIST, 'closed')).toBe(3);
  });

  it('never counts an optional item or one already uploaded', () => {
    expect(
      missingRequiredCount(
        CHECKLIST.map((c) => ({ ...c, satisfied: true })),
        'closed',
      ),
    ).toBe(0);
    expect(
      missingRequiredCount(
        CHECKLIST.map((c) => ({ ...c, required: false })),
        'closed',
      ),
    ).toBe(0);
  });
});
