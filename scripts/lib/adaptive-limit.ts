/**
 * How many demo projects walk at once, adapted to how fast their steps answer. A fixed 32 at a time
 * was fine on a quiet machine and made steps time out on a busy one: here the limit grows by one
 * while steps answer within a few times the quickest answer seen, and halves when they answer much
 * slower or fail for a reason worth retrying (a timeout, an unreachable server).
 */
export interface AdaptiveLimitOptions {
  initial?: number;
  min?: number;
  max?: number;
  /** A step slower than this many times the quickest seen counts as congestion… */
  slowFactor?: number;
  /** …but never one quicker than this (a quiet machine's answers differ by tens of ms). */
  slowFloorMs?: number;
  /** After a decrease, wait this long before the next (one burst of slow answers is one signal). */
  coolDownMs?: number;
  now?: () => number;
}

export class AdaptiveLimit {
  private value: number;
  private readonly min: number;
  private readonly max: number;
  private readonly slowFactor: number;
  private readonly slowFloorMs: number;
  private readonly coolDownMs: number;
  private readonly now: () => number;
  private quickest = Infinity;
  private lastDecrease = -Infinity;
  private inFlight = 0;
  private waiters: (() => void)[] = [];

  constructor(opts: AdaptiveLimitOptions = {}) {
    this.min = opts.min ?? 1;
    this.max = opts.max ?? 32;
    this.value = Math.min(this.max, Math.max(this.min, opts.initial ?? 4));
    this.slowFactor = opts.slowFactor ?? 4;
    this.slowFloorMs = opts.slowFloorMs ?? 4000;
    this.coolDownMs = opts.coolDownMs ?? 3000;
    this.now = opts.now ?? (() => performance.now());
  }

  get limit(): number {
    return Math.floor(this.value);
  }

  get running(): number {
    return this.inFlight;
  }

  /** Waits for a free slot; call `release` with the outcome when the work is done. */
  async acquire(): Promise<void> {
    while (this.inFlight >= this.limit) await new Promise<void>((r) => this.waiters.push(r));
    this.inFlight++;
  }

  release(outcome: { ms: number } | 'congested' | 'neutral'): void {
    this.inFlight--;
    if (outcome === 'congested') this.decrease();
    else if (outcome !== 'neutral') this.observe(outcome.ms);
    this.wake();
  }

  /**
   * Runs `fn` in a slot; its duration adjusts the limit (unless `measure` is false: work whose
   * length says nothing about congestion). Errors pass through; `congested` ones lower the limit.
   */
  async run<T>(fn: () => Promise<T>, congested: (err: unknown) => boolean, measure = true): Promise<T> {
    await this.acquire();
    const t0 = this.now();
    try {
      const result = await fn();
      this.release(measure ? { ms: this.now() - t0 } : 'neutral');
      return result;
    } catch (err) {
      this.release(congested(err) ? 'congested' : 'neutral');
      throw err;
    }
  }

  private observe(ms: number): void {
    this.quickest = Math.min(this.quickest, ms);
    if (ms > Math.max(this.slowFloorMs, this.quickest * this.slowFactor)) this.decrease();
    else this.value = Math.min(this.max, this.value + 1 / Math.max(1, this.value));
  }

  private decrease(): void {
    const t = this.now();
    if (t - this.lastDecrease < this.coolDownMs) return;
    this.lastDecrease = t;
    this.value = Math.max(this.min, this.value / 2);
  }

  private wake(): void {
    const free = this.limit - this.inFlight;
    for (const w of this.waiters.splice(0, Math.max(0, free))) w();
  }
}
