import { describe, expect, it } from 'vitest';
import {
  ACTIONS,
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
