import { describe, expect, it } from 'vitest';
import {
  ACTIONS,
  ACTION_LABELS,
  STAGE_LABELS,
  STAGES,
  TERMINAL_STAGES,
  allowedActions,
  checkTransition,
  nextStage,
  type Action,
  type Stage,
} from './lifecycle.js';

describe('the transition table', () => {
  const mainPath: [Action, Stage][] = [
    ['approveDesign', 'designApproved'],
    ['fixImplementation', 'methodFixed'],
    ['start', 'underway'],
    ['complete', 'completed'],
    ['inspect', 'accepted'],
    ['reimburse', 'reimbursed'],
    ['handOver', 'afterCare'],
    ['close', 'closed'],
  ];

  it('takes the main path from 立项 to closed, one allowed step at a time', () => {
    let stage: Stage = 'approved';
    for (const [action, to] of mainPath) {
      const check = checkTransition(stage, action, { passed: true });
      expect(check).toEqual({ ok: true, to });
      stage = to;
    }
  });

  it('allows nothing in a terminal stage', () => {
    for (const s of TERMINAL_STAGES) expect(allowedActions(s)).toEqual([]);
  });

  it('sends a failed inspection to rectification, from where it can be inspected again', () => {
    expect(nextStage('completed', 'inspect', { passed: false })).toBe('rectifying');
    expect(checkTransition('rectifying', 'inspect', { passed: true })).toEqual({ ok: true, to: 'accepted' });
  });

  it('never allows a step that skips ahead, and explains the refusal in Chinese', () => {
    const check = checkTransition('approved', 'complete');
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toContain('立项');
  });

  it('has exactly one expected answer for every stage × action', () => {
    // The whole table, written out: a change to who-may-do-what shows up here first.
    const expected: Record<Stage, Action[]> = {
      approved: ['approveDesign', 'adjust', 'cancel'],
      designApproved: ['fixImplementation', 'adjust', 'cancel'],
      methodFixed: ['start', 'adjust', 'cancel'],
      underway: ['reportProgress', 'complete', 'adjust', 'cancel'],
      completed: ['inspect', 'cancel'],
      rectifying: ['reportProgress', 'inspect', 'cancel'],
      accepted: ['reimburse'],
      reimbursed: ['handOver'],
      afterCare: ['close'],
      closed: [],
      cancelled: [],
    };
    for (const s of STAGES) {
      expect(new Set(allowedActions(s)), s).toEqual(new Set(expected[s]));
      for (const a of ACTIONS) expect(checkTransition(s, a).ok, `${s} × ${a}`).toBe(expected[s].includes(a));
    }
  });
});

describe('stage and step labels', () => {
  // A stage tag beside a step button must not read the same: "设计审批" was both.
  it('never share a word-for-word label, in either language', () => {
    for (const lang of ['zh', 'en'] as const) {
      const stages = new Set(STAGES.map((s) => STAGE_LABELS[s][lang]));
      const steps = ACTIONS.map((a) => ACTION_LABELS[a][lang]);
      expect(steps.filter((l) => stages.has(l))).toEqual([]);
      expect(stages.size).toBe(STAGES.length);
      expect(new Set(steps).size).toBe(ACTIONS.length);
    }
  });

  it('word a stage as a state reached and a step as something to do', () => {
    expect(STAGE_LABELS.designApproved.zh).toBe('已通过设计审批');
    expect(ACTION_LABELS.approveDesign.zh).toBe('办理设计审批');
    for (const s of ['completed', 'accepted', 'reimbursed'] as const)
      expect(STAGE_LABELS[s].zh).toMatch(/^已/);
    for (const a of ['complete', 'inspect', 'reimburse'] as const)
      expect(ACTION_LABELS[a].zh).toMatch(/^办理/);
  });
});
