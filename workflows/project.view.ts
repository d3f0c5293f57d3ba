import { LADDER_STEPS } from '#domain/deadlines.js';
import type { ProjectState, ProjectStateView } from '#domain/project-records.js';
import { overdueKinds } from './deadline-ladders.js';

/** What `getProjectState` answers: the state, and each ladder's position in a readable form. */
export function viewOf(state: ProjectState): ProjectStateView {
  const ladders = state.deadlines?.ladders ?? [];
  return {
    ...state,
    overdue: state.deadlines ? overdueKinds(state.deadlines) : [],
    activeAlerts: ladders.flatMap((l) =>
      l.steps.slice(0, l.fired).map((s) => ({
        kind: l.kind,
        period: l.period,
        step: s.step,
        dueDate: l.dueDate,
        daysLate: s.daysLate,
      })),
    ),
    ladderPositions: ladders.map((l) => {
      const next = l.steps[l.fired];
      return {
        kind: l.kind,
        period: l.period,
        dueDate: l.dueDate,
        arm: l.arm,
        lastStep: l.fired > 0 ? LADDER_STEPS[l.fired - 1]! : null,
        next: next ? { step: next.step, date: next.date } : null,
      };
    }),
  };
}
