/**
 * Where an interrupted demo seed picks a project's walk up again: read from the project's stage and
 * history, never counted (a count of history rows once sent 确定实施方式 to a project at 立项).
 */
import { describe, expect, it } from 'vitest';
import { DEMO_PROJECTS } from '#db/seed/demo-county.js';
import { demoPlan } from '#scripts/lib/demo-steps.js';
import { resumeAt } from '#scripts/lib/seed-plan.js';
import type { Stage } from '#domain/lifecycle.js';

const created = { action: 'create', fromStage: null };
const row = (action: string, fromStage: Stage) => ({ action, fromStage });

describe('resumeAt', () => {
  const full = DEMO_PROJECTS.find((p) => p.steps >= 8 && p.then === 'close')!;
  const plan = demoPlan(full);

  it('starts a fresh project at its first step', () => {
    expect(resumeAt(plan, 'approved', [created])).toEqual({ next: 0 });
  });

  it('goes by the stage reached, whatever else the history holds', () => {
    // Alerts, and rows of steps whose answers were lost, do not shift the walk.
    const history = [
      created,
      row('alert', 'approved'),
      row('alert', 'approved'),
      row('approveDesign', 'approved'),
    ];
    expect(resumeAt(plan, 'designApproved', history)).toEqual({ next: 1 });
    // The case that wedged a second start: history rows counted, the project still at 立项.
    expect(resumeAt(plan, 'approved', [created, row('alert', 'approved')])).toEqual({ next: 0 });
  });

  it('takes a step that leaves the stage as it is once only', () => {
    const progress = plan.findIndex((s) => s.input.action === 'reportProgress');
    const started = [
      created,
      row('approveDesign', 'approved'),
      row('fixImplementation', 'designApproved'),
      row('start', 'methodFixed'),
    ];
    expect(resumeAt(plan, 'underway', started)).toEqual({ next: progress });
    expect(resumeAt(plan, 'underway', [...started, row('reportProgress', 'underway')])).toEqual({
      next: progress + 1,
    });
  });

  it('is done at the plan’s last stage, and refuses to guess elsewhere', () => {
    expect(resumeAt(plan, 'closed', [])).toEqual({ done: true });
    const short = demoPlan(DEMO_PROJECTS.find((p) => p.steps === 1 && !p.then)!);
    expect(resumeAt(short, 'underway', [])).toMatchObject({ stray: expect.stringContaining('underway') });
  });

  it('follows a failed inspection and a cancellation', () => {
    const failing = demoPlan(DEMO_PROJECTS.find((p) => p.then === 'failInspection')!);
    expect(failing.at(-1)).toMatchObject({ from: 'completed', to: 'rectifying' });
    expect(resumeAt(failing, 'rectifying', [])).toEqual({ done: true });
    const cancelled = demoPlan(DEMO_PROJECTS.find((p) => p.then === 'cancel')!);
    expect(resumeAt(cancelled, 'cancelled', [])).toEqual({ done: true });
    expect(resumeAt(cancelled, cancelled.at(-1)!.from, [])).toEqual({ next: cancelled.length - 1 });
  });

  it('has a plan that every demo project can walk from 立项 to its last stage', () => {
    for (const p of DEMO_PROJECTS) {
      const steps = demoPlan(p);
      let stage: Stage = 'approved';
      const history: { action: string; fromStage: Stage | null }[] = [created];
      for (let guard = 0; guard < 20; guard++) {
        const at = resumeAt(steps, stage, history);
        if ('done' in at) break;
        expect(at, p.code).toHaveProperty('next');
        const s = steps[(at as { next: number }).next]!;
        history.push(row(s.input.action, stage));
        stage = s.to;
      }
      expect(resumeAt(steps, stage, history), p.code).toEqual({ done: true });
      expect(history.length - 1, p.code).toBe(steps.length);
    }
  });
});
