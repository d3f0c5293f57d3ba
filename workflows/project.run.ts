/**
 * What the parts of one project workflow run share: the state, the patched behaviours the run
 * takes, and the step lock. Built once per run by the workflow function.
 */
import { condition } from '@temporalio/workflow';
import type { NewProjectRecord, ProjectState } from '#domain/project-records.js';
import type { DeadlineCalls } from './project.proxies.js';

export interface ProjectRun {
  readonly project: NewProjectRecord;
  readonly state: ProjectState;
  /** Which patched behaviours this run takes: decided once, before any command. */
  readonly laddersOn: boolean;
  readonly lean: boolean;
  readonly catchUpOn: boolean;
  readonly deadlineActivities: DeadlineCalls;
  readonly lock: StepLock;
  /** Set when a step changed something the ladder loop must look at again. */
  dirty: boolean;
  /** Notifications not yet delivered: awaited before the run ends or continues as new. */
  readonly deliveries: Set<Promise<unknown>>;
}

/**
 * Handlers and the ladder run one at a time: a step validated against a stage must not
 * interleave with another step (or an alert) that changes it while its activity is in flight.
 */
export class StepLock {
  private busy = false;

  /**
   * @param exclusive the lock is taken inside the condition that waits for it (EXCLUSIVE_STEPS_PATCH)
   * @param lean a free lock is taken without a condition (LEAN_STEPS_PATCH)
   */
  constructor(
    private readonly exclusive: boolean,
    private readonly lean: boolean,
  ) {}

  /** Takes the lock if it is free and `ready()` holds; false otherwise. */
  private take(ready: () => boolean): boolean {
    if (this.busy || !ready()) return false;
    this.busy = true;
    return true;
  }

  /** Waits until `ready()` holds and the lock is free, and takes the lock. */
  async acquire(ready: () => boolean = () => true): Promise<void> {
    if (this.lean && this.take(ready)) return;
    if (!this.exclusive) {
      await condition(() => ready() && !this.busy);
      this.busy = true;
      return;
    }
    // Taken in the check itself: the first waiter to see it free holds it before the next is asked.
    await condition(() => this.take(ready));
  }

  release(): void {
    this.busy = false;
  }

  /** Whether a step or a ladder's alert holds the lock now (its write may be under way). */
  get held(): boolean {
    return this.busy;
  }

  async locked(fn: () => Promise<void>): Promise<void> {
    await this.acquire();
    try {
      await fn();
    } finally {
      this.release();
    }
  }
}
