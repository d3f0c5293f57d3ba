/**
 * The reconciliation's comparison of one project, where project_history carries the request id of
 * each step (the Update id): rows are matched by it, rows from before the column (NULL) by seq.
 * The same comparison by seq alone runs against real histories in tests/integration/reconcile.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { compareProject } from '#scripts/lib/reconcile/compare.js';
import type { PgHistoryRow, PgProject } from '#scripts/lib/reconcile/postgres-side.js';
import type { WorkflowStep, WorkflowView } from '#scripts/lib/reconcile/workflow-side.js';

const ACTOR = '00000000-0000-0000-0000-000000000001';
const project: PgProject = {
  id: 'p1',
  code: 'CK-1',
  workflowId: 'project-CK-1',
  stage: 'underway',
  stageSeq: 5,
};

function row(
  seq: number,
  requestId: string | null,
  narrative?: string,
  action = 'reportProgress',
): PgHistoryRow {
  return {
    projectId: 'p1',
    seq,
    action,
    toStage: seq === 0 ? 'approved' : 'underway',
    actorId: ACTOR,
    payload: narrative ? { month: '2027-05', percent: 10, narrative, documents: [] } : {},
    requestId,
  };
}

function step(
  updateId: string,
  seq: number,
  narrative: string,
  extra: Partial<WorkflowStep> = {},
): WorkflowStep {
  return {
    updateId,
    action: 'reportProgress',
    request: {
      actor: { id: ACTOR, username: 'xqz.op', name: '修齐镇' } as never,
      input: { action: 'reportProgress', month: '2027-05', percent: 10, narrative, documents: [] },
    },
    result: { stage: 'underway', seq },
    pending: false,
    runId: 'r1',
    ...extra,
  };
}

function view(steps: WorkflowStep[]): WorkflowView {
  const done = steps.filter((s) => s.result && !s.failure && !s.pending);
  return {
    workflowId: 'project-CK-1',
    found: true,
    runs: 1,
    running: true,
    created: true,
    steps,
    stage: 'underway',
    lastStepSeq: done.at(-1)?.result?.seq ?? 0,
  };
}

const kinds = (d: { kind: string }[]) => d.map((x) => x.kind).sort();

describe('compareProject by request id', () => {
  it('agrees when every completed step has its own row (legacy rows without an id by seq)', () => {
    const rows = [row(0, 'create', undefined, 'create'), row(4, null, 'a'), row(5, 'u/5', 'b')];
    const steps = [step('u/4', 4, 'a'), step('u/5', 5, 'b')];
    expect(compareProject(project, rows, view(steps), true)).toEqual([]);
  });

  it('names a step whose seq is taken by another request’s row, and that row', () => {
    // The pattern of a replayed workflow handing out a sequence number again.
    const rows = [row(0, 'create', undefined, 'create'), row(4, 'u/x', 'x'), row(5, 'u/5', 'b')];
    const steps = [step('u/4', 4, 'a'), step('u/5', 5, 'b')];
    const diffs = compareProject(project, rows, view(steps), true);
    expect(kinds(diffs)).toEqual(['extra-row', 'missing-row']);
    expect(diffs.find((d) => d.kind === 'missing-row')!.details).toContain('that row is request u/x');
  });

  it('names a row found under the right id with another content or seq', () => {
    const rows = [row(0, 'create', undefined, 'create'), row(4, 'u/4', 'other'), row(5, 'u/5', 'b')];
    const diffs = compareProject(project, rows, view([step('u/4', 4, 'a'), step('u/5', 5, 'b')]), true);
    expect(kinds(diffs)).toEqual(['extra-row', 'foreign-row']);
    expect(diffs[0]!.details).toContain('narrative');
  });

  it('names a row written for a failed Update, an Update never completed, and a missing creation row', () => {
    const rows = [row(4, 'u/4', 'a'), row(5, 'u/5', 'b')];
    const steps = [
      step('u/4', 4, 'a', { result: undefined, failure: 'refused' }),
      step('u/5', 5, 'b'),
      step('u/6', 6, 'c', { result: undefined, pending: true }),
    ];
    const diffs = compareProject(project, rows, view(steps), true);
    expect(kinds(diffs)).toEqual(['failed-step-row', 'no-create-row', 'pending-step']);
  });

  it('compares stage and stage_seq with the workflow, alert rows aside', () => {
    const rows = [
      row(0, 'create', undefined, 'create'),
      row(4, 'u/4', 'a'),
      row(5, 'alert:progress:2027-05:1:reminder', undefined, 'alert'),
    ];
    const diffs = compareProject(
      { ...project, stage: 'completed', stageSeq: 4 },
      rows,
      view([step('u/4', 4, 'a')]),
      true,
    );
    expect(diffs.map((d) => [d.kind, d.details])).toEqual([
      ['stage', 'project.stage completed, workflow underway'],
    ]);
  });
});

describe('compareProject without a workflow, or with one started again from the database', () => {
  const missing: WorkflowView = { ...view([]), found: false, running: false, stage: null };

  it('names a project that is not finished and has no workflow', () => {
    expect(kinds(compareProject(project, [row(0, 'create', undefined, 'create')], missing, true))).toEqual([
      'no-workflow',
    ]);
  });

  it('takes a closed or cancelled project without a workflow as finished (its history outlived by retention)', () => {
    for (const stage of ['closed', 'cancelled'])
      expect(
        compareProject({ ...project, stage }, [row(0, 'create', undefined, 'create')], missing, true),
      ).toEqual([]);
  });

  it('accounts for the rows written before a workflow was started again, and checks the steps after', () => {
    const rows = [
      row(0, 'create', undefined, 'create'),
      row(4, 'u/4', 'a'),
      row(5, 'alert:completion::2:reminder', undefined, 'alert'),
      row(6, 'u/6', 'b'),
    ];
    const recreated: WorkflowView = {
      ...view([step('u/6', 6, 'b')]),
      recreated: { seq: 5, stageSeq: 4 },
    };
    expect(compareProject({ ...project, stageSeq: 6 }, rows, recreated, true)).toEqual([]);
    // A row after the restart that no Update accounts for is still named.
    const extra = [...rows, row(7, 'u/7', 'c')];
    expect(kinds(compareProject({ ...project, stageSeq: 7 }, extra, recreated, true))).toEqual([
      'extra-row',
      'stage-seq',
    ]);
    // Without a step since, stage_seq is the one the workflow was started with.
    const before = rows.slice(0, 3);
    expect(
      compareProject(
        { ...project, stageSeq: 4 },
        before,
        { ...view([]), recreated: { seq: 5, stageSeq: 4 }, lastStepSeq: 4 },
        true,
      ),
    ).toEqual([]);
  });
});
