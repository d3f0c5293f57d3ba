/** One problem of a notice as the form holds it (the project is a code, blank when none). */
export interface ProblemDraft {
  project: string;
  description: string;
  basis: string;
  deadlineDays: number | undefined;
}
export const blankProblem = (): ProblemDraft => ({
  project: '',
  description: '',
  basis: '',
  deadlineDays: 15,
});

/** The body's problem: a blank project is no project. */
export const problemInput = (p: ProblemDraft) => ({
  ...(p.project.trim() ? { project: p.project.trim() } : {}),
  description: p.description,
  basis: p.basis,
  deadlineDays: p.deadlineDays,
});
