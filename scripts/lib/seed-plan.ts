/**
 * Where a demo project's walk resumes. The seed may have been stopped at any point (Ctrl-C, a kill,
 * a step whose answer was lost), so it never counts what it did before: it reads the stage the
 * project reached and the steps its history records, and finds the first step of the plan that the
 * project has not taken yet.
 */
import { nextStage, type Action, type Stage } from '#domain/lifecycle.js';
import type { TransitionInput } from '#domain/schemas.js';

/** A step of the plan with the stage the project is in just before it. */
export interface PlannedStep {
  input: TransitionInput;
  from: Stage;
  to: Stage;
}

export function planStages(inputs: readonly TransitionInput[], first: Stage = 'approved'): PlannedStep[] {
  let stage = first;
  return inputs.map((input) => {
    const passed = input.action === 'inspect' ? (input as { passed?: boolean }).passed : undefined;
    const to = nextStage(stage, input.action, { passed });
    const step = { input, from: stage, to };
    stage = to;
    return step;
  });
}

export type Resume = { next: number } | { done: true } | { stray: string };

/**
 * The index of the next step to take, `done` when the plan is complete, or `stray` when the project
 * is somewhere the plan never passes (someone else moved it): the seed must not guess then.
 *
 * `stage` is the one the workflow holds (it decides whether a step is allowed). A stage alone is
 * ambiguous where a step leaves the stage as it is (录入月度进度 while 实施中): such a step counts as
 * taken when the history holds that action from that stage, or when `alsoTaken` says so.
 */
export function resumeAt(
  plan: readonly PlannedStep[],
  stage: Stage,
  history: readonly { action: string; fromStage: Stage | null }[],
  alsoTaken: (action: Action, from: Stage) => boolean = () => false,
): Resume {
  const taken = (a: Action, from: Stage) =>
    alsoTaken(a, from) || history.some((h) => h.action === a && h.fromStage === from);
  for (const [i, step] of plan.entries()) {
    if (step.from !== stage) continue;
    if (step.to === step.from && taken(step.input.action, step.from)) continue;
    return { next: i };
  }
  const last = plan.at(-1);
  if ((last?.to ?? 'approved') === stage) return { done: true };
  return { stray: `the project is at stage ${stage}, which its demo plan does not pass through` };
}
