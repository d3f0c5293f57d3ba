/**
 * The detail table's 预警: the alerts the project has open now, as its deadline ladders recorded
 * them, not a comparison of its planned dates with today. The ladders are the one judge of
 * lateness (the project list's overdue column, the dashboard's and the statistics' overdue
 * counts, the negative list all read the `alert` table): a comparison of dates disagreed with
 * them wherever the ladders do not simply fire the day after the date — ladders switched off,
 * working-day counting, a missing monthly progress entry — and it named a failed inspection
 * long after the project had passed its second one.
 */
import { DEADLINE_LABELS, LADDER_STEPS } from './deadlines.js';
import type { Stage } from './lifecycle.js';
import type { AlertDto } from './schemas.js';

/** The codes the detail table (and the console's translations of it) gives each deadline kind. */
const CODE: Record<AlertDto['kind'], string> = {
  start: 'notStarted',
  completion: 'notCompleted',
  acceptance: 'notAccepted',
  reimbursement: 'notReimbursed',
  progress: 'progressMissing',
};

/** An entry of the detail table's 预警 column. */
export interface DetailAlert {
  code: string;
  label: string;
  on: string;
}

/**
 * One entry per deadline that is late now: an active alert past its reminder (a reminder comes
 * before the date and is not a warning), whatever rung of the ladder it stands on; and, while the
 * project is in rectification, the failed inspection it is rectifying. Ordered by due date.
 */
export function openAlerts(
  stage: Stage,
  alerts: readonly AlertDto[],
  inspections: readonly { on: string; passed: boolean }[],
): DetailAlert[] {
  const late = new Map<string, AlertDto>();
  for (const a of alerts) {
    if (a.status !== 'active' || a.step === 'reminder') continue;
    const key = `${a.kind}/${a.period}`;
    const seen = late.get(key);
    if (!seen || LADDER_STEPS.indexOf(a.step) > LADDER_STEPS.indexOf(seen.step)) late.set(key, a);
  }
  const out: DetailAlert[] = [...late.values()]
    .sort((x, y) => x.dueDate.localeCompare(y.dueDate) || x.kind.localeCompare(y.kind))
    .map((a) => ({
      code: CODE[a.kind],
      label:
        a.kind === 'progress'
          ? `${DEADLINE_LABELS.progress.zh}（${a.period}）`
          : `${DEADLINE_LABELS[a.kind].zh}（计划 ${a.dueDate}）`,
      on: a.dueDate,
    }));
  const failed = inspections.filter((i) => !i.passed).at(-1);
  if (stage === 'rectifying' && failed)
    out.push({ code: 'rectification', label: `验收未通过，整改（${failed.on}）`, on: failed.on });
  return out;
}
