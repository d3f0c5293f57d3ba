/**
 * Sends the queued outside deliveries. It runs in the worker process beside the Temporal worker
 * but not on its task slots: thousands of messages at month end never hold up a workflow task or
 * an activity. One independent loop per channel, so a failing or throttled channel never delays
 * another: each claims its due rows in batches (SKIP LOCKED, so several dispatchers share the
 * queue), writes the attempt row, calls the adapter and records the outcome
 * (db/queries/delivery-queue.ts says what each state means). The claim and the attempt's start
 * cancel a row whose account was disabled, moved out of the unit it was meant for (or may no
 * longer see the project), turned the channel off or removed its address, or whose alert is no
 * longer open: those are never sent. An account's row goes to the address it has when sent.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  DeliveryError,
  DeliveryUncertain,
  type ChannelAdapter,
  type OutboundMessage,
} from '#activities/notify/channel.js';
import type { Orm } from '#db/orm.js';
import {
  claimDue,
  finishAttempt,
  recoverExpired,
  release,
  startAttempts,
  type AttemptOutcome,
  type QueuedDelivery,
} from '#db/queries/delivery-queue.js';
import { retryDelayMs, smsNotBefore, type QuietWindow } from '#domain/notifications/delivery-time.js';
import { renderDigest } from '#domain/notifications/digest.js';
import { RateLimiter, type RateLimit } from '#domain/notifications/rate-limit.js';
import type { Logger } from '#platform/log.js';

export interface DispatcherOptions {
  orm: Orm;
  adapters: readonly ChannelAdapter[];
  log?: Logger;
  /** Rows claimed at once per channel. */
  batchSize?: number;
  /** How long an idle loop sleeps before looking again. */
  pollMs?: number;
  /** How long a claim holds a row; longer than any vendor call may take. */
  leaseMs?: number;
  /** Attempts before a retryable failure becomes `failed`. */
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Sends in flight at once per channel. */
  concurrency?: number;
  /** The limit of one rate-limit bucket of a channel (`adapter.bucketOf(address)`), or null. */
  rateLimit?: (channel: string, bucket: string) => RateLimit | null;
  /**
   * A retried SMS is held by the quiet hours as a new one is, unless the quiet hours let it through
   * when it was queued (a critical alert while NOTIFY_CRITICAL_BYPASS_QUIET is on): its retries
   * then follow the normal back-off.
   */
  quiet?: { window: QuietWindow | null; timeZone: string };
}

export interface Dispatcher {
  /** Stops claiming, finishes the sends in flight, puts claimed but unsent rows back. */
  stop(): Promise<void>;
}

export function startDispatcher(opts: DispatcherOptions): Dispatcher {
  const o = {
    batchSize: 50,
    pollMs: 1000,
    leaseMs: 120_000,
    maxAttempts: 5,
    retryBaseMs: 30_000,
    retryMaxMs: 3_600_000,
    concurrency: 4,
    ...opts,
  };
  const owner = `${process.pid}@${os.hostname()}/${randomBytes(3).toString('hex')}`;
  let stopping = false;
  const wakers = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        wakers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      wakers.add(done);
    });

  /** Sleeps until a rate-limit slot frees, but never longer than a poll. */
  const untilSlot = (limiter: RateLimiter) =>
    sleep(Math.max(1, Math.min(limiter.room(Date.now()).nextFreeMs - Date.now(), o.pollMs)));

  const loops = o.adapters.map(async (adapter) => {
    const limiter = new RateLimiter((bucket) => o.rateLimit?.(adapter.channel, bucket) ?? null);
    let failing = false;
    while (!stopping) {
      try {
        for (const r of await recoverExpired(o.orm, adapter.channel))
          if (r.status === 'unknown')
            o.log?.warn(
              `${adapter.channel} delivery ${r.id}: interrupted during the vendor call, now unknown`,
            );
        // Claim no more than the rate limits let go now: a queue of thousands (month end) must
        // not be claimed and put back over and over while it waits for its slots.
        const room = limiter.room(Date.now());
        if (room.free === 0) {
          await untilSlot(limiter);
          continue;
        }
        const { claimed: rows, cancelled } = await claimDue(
          o.orm,
          adapter.channel,
          Math.min(o.batchSize, room.free),
          o.leaseMs,
          owner,
        );
        failing = false;
        for (const c of cancelled)
          o.log?.info(`${adapter.channel} delivery ${c.id}: not sent, cancelled (${c.reason})`);
        if (rows.length === 0) {
          // A batch that was all cancelled: more may be due, look again at once.
          if (cancelled.length > 0) continue;
          await sleep(o.pollMs);
          continue;
        }
        const sent = await runJobs(adapter, limiter, jobsOf(rows));
        // Every row claimed waits for a full bucket (a robot's, while another's rows are due):
        // look again when a slot frees, not at once.
        if (sent === 0) await untilSlot(limiter);
      } catch (err) {
        // The database is down or refused: say it once per outage, keep trying.
        if (!failing) o.log?.error(`${adapter.channel} dispatcher: ${errorText(err)}`);
        failing = true;
        await sleep(o.pollMs);
      }
    }
  });

  /** A job is one message: one row, or one user's digest rows sent as one e-mail. */
  function jobsOf(rows: QueuedDelivery[]): QueuedDelivery[][] {
    const jobs: QueuedDelivery[][] = [];
    const digests = new Map<string, QueuedDelivery[]>();
    for (const r of rows) {
      if (!r.digest) jobs.push([r]);
      else if (digests.has(r.address)) digests.get(r.address)!.push(r);
      else {
        const job = [r];
        digests.set(r.address, job);
        jobs.push(job);
      }
    }
    return jobs;
  }

  /** Sends what the rate limits allow; the rest goes back in one statement per full bucket. */
  async function runJobs(
    adapter: ChannelAdapter,
    limiter: RateLimiter,
    jobs: QueuedDelivery[][],
  ): Promise<number> {
    let next = 0;
    let sent = 0;
    const held = new Map<string, { until: number; ids: string[] }>();
    const worker = async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        if (stopping) {
          await release(o.orm, ids(job), owner, null);
          continue;
        }
        const bucket = adapter.bucketOf(job[0]!.address);
        const full = held.get(bucket);
        const wait = full ? 0 : limiter.take(bucket, Date.now());
        if (full) full.ids.push(...ids(job));
        else if (wait > 0) held.set(bucket, { until: Date.now() + wait, ids: ids(job) });
        else {
          sent++;
          await sendJob(adapter, job);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(o.concurrency, jobs.length) }, worker));
    for (const h of held.values()) await release(o.orm, h.ids, owner, new Date(h.until));
    return sent;
  }

  async function sendJob(adapter: ChannelAdapter, job: QueuedDelivery[]) {
    const started = await startAttempts(o.orm, ids(job), owner);
    const held = job.filter((r) => started.has(r.id));
    if (held.length === 0) return;
    let out: AttemptOutcome;
    try {
      const res = await adapter.send(messageOf(held));
      out = { outcome: 'sent', vendorId: res.vendorId };
    } catch (err) {
      const e =
        err instanceof DeliveryError ? err : new DeliveryError('ERROR', errorText(err), true, undefined);
      const attempt = Math.max(...held.map((r) => started.get(r.id)!));
      if (e instanceof DeliveryUncertain) {
        out = { outcome: 'unknown', code: e.code, message: e.message };
        o.log?.warn(`${adapter.channel} delivery ${held[0]!.id}: no answer, now unknown: ${e.message}`);
      } else if (!e.retryable || attempt >= o.maxAttempts) {
        out = { outcome: 'failed', code: e.code, message: e.message };
        o.log?.warn(`${adapter.channel} delivery ${held[0]!.id} failed: ${e.code} ${e.message}`);
      } else {
        let at = Date.now() + retryDelayMs(attempt, o.retryBaseMs, o.retryMaxMs, e.retryAfterMs);
        if (adapter.channel === 'sms' && o.quiet && !held.every((r) => r.bypassQuiet))
          at = smsNotBefore(at, o.quiet.window, o.quiet.timeZone);
        out = { outcome: 'retry', notBefore: new Date(at), code: e.code, message: e.message };
      }
    }
    for (const r of held) await finishAttempt(o.orm, r.id, started.get(r.id)!, out);
  }

  return {
    async stop() {
      stopping = true;
      for (const wake of [...wakers]) wake();
      await Promise.all(loops);
    },
  };
}

function messageOf(job: QueuedDelivery[]): OutboundMessage {
  const first = job[0]!;
  const m = first.message;
  const base = { deliveryId: first.id, address: first.address, locale: first.locale };
  if (job.length === 1 && !first.digest) return { ...base, ...m };
  const digest = renderDigest(
    job.map((r) => r.message),
    first.locale,
  );
  return { ...base, ...digest, link: null, sms: null };
}

const ids = (job: QueuedDelivery[]) => job.map((r) => r.id);

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
