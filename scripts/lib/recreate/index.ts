/**
 * Starts again, from PostgreSQL, the workflows a Temporal without our state lacks: after a restore
 * into a new environment (docs/operations.md, "Backup and restore") no project, complaint or
 * rectification notice has a workflow, so no step can be taken and no deadline is chased.
 *
 * For each project not closed or cancelled, each complaint not past its reopening window and each
 * open notice, the workflow is started under its business id with its state read from the
 * database (projects.ts, complaints.ts, rectifications.ts). Idempotent: a workflow the server
 * knows is left alone (running: counted as such; closed while the database says it should run:
 * named, for `npm run reconcile` and the operator), and the start itself refuses an id taken in
 * the meantime (conflict policy FAIL, reuse policy REJECT_DUPLICATE), so two runs, even at once,
 * never start a workflow twice. Used by `npm run recreate-workflows`.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { chineseWorkday } from '#activities/deadline.activities.js';
import type { Orm } from '#db/orm.js';
import type { ComplaintSlaConfig } from '#domain/complaint-records.js';
import type { DeadlineConfig, IsWorkday } from '#domain/deadlines.js';
import { complaintWorkflow } from '#workflows/complaint.workflow.js';
import { projectWorkflow } from '#workflows/project.workflow.js';
import { rectificationWorkflow } from '#workflows/rectification.workflow.js';
import { eachLimited } from '../each-limited.js';
import { complaintsToRecreate, unfinishedComplaintReceipts } from './complaints.js';
import { projectsToRecreate, unfinishedProjectCodes } from './projects.js';
import { openNoticeIds, rectificationsToRecreate } from './rectifications.js';

export type RecreateKind = 'projects' | 'rectifications' | 'complaints';
export const RECREATE_KINDS: readonly RecreateKind[] = ['projects', 'rectifications', 'complaints'];

export interface Tally {
  /** In the database, not finished: each should have a running workflow. */
  unfinished: number;
  started: number;
  /** Running already (left alone). */
  running: number;
  /** Closed in Temporal while the database says it runs (left alone, listed in `closed`). */
  closed: number;
}

export interface RecreateResult {
  tallies: Record<RecreateKind, Tally>;
  /** Workflow ids of `closed` workflows. */
  closed: string[];
  ms: number;
}

export interface RecreateOptions {
  orm: Orm;
  client: Client;
  taskQueue: string;
  /** The worker's settings: the ladders (DEADLINE_*) and the complaints' time limits (COMPLAINT_*). */
  deadlines: DeadlineConfig;
  complaintSla: ComplaintSlaConfig;
  isWorkday?: IsWorkday;
  /** Starts in flight at a time. */
  concurrency?: number;
  /** Records read from the database at a time. */
  batchSize?: number;
  /** Only these project codes (and no complaint or notice). */
  codes?: readonly string[];
  onProgress?: (kind: RecreateKind, tally: Tally) => void;
}

type Outcome = 'started' | 'running' | 'closed';

/** Starts the workflow unless the server knows its id. */
async function startUnlessKnown(
  client: Client,
  workflowId: string,
  start: () => Promise<unknown>,
): Promise<Outcome> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return d.status.name === 'RUNNING' ? 'running' : 'closed';
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  try {
    await start();
    return 'started';
  } catch (err) {
    // Started by a concurrent run between the look and the start.
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'running';
    throw err;
  }
}

const ID_POLICIES = { workflowIdConflictPolicy: 'FAIL', workflowIdReusePolicy: 'REJECT_DUPLICATE' } as const;

export async function recreateWorkflows(opts: RecreateOptions): Promise<RecreateResult> {
  const t0 = performance.now();
  const { orm, client, taskQueue } = opts;
  const nowMs = Date.now();
  const isWorkday = opts.isWorkday ?? chineseWorkday;
  const concurrency = opts.concurrency ?? 8;
  const batchSize = opts.batchSize ?? 200;
  const zero = (): Tally => ({ unfinished: 0, started: 0, running: 0, closed: 0 });
  const result: RecreateResult = {
    tallies: { projects: zero(), rectifications: zero(), complaints: zero() },
    closed: [],
    ms: 0,
  };

  async function each<K, T extends { workflowId: string }>(
    kind: RecreateKind,
    keys: K[],
    read: (batch: K[]) => Promise<T[]>,
    start: (item: T) => Promise<unknown>,
  ): Promise<void> {
    const tally = result.tallies[kind];
    tally.unfinished = keys.length;
    for (let i = 0; i < keys.length; i += batchSize) {
      const items = await read(keys.slice(i, i + batchSize));
      await eachLimited(items, concurrency, async (item) => {
        const outcome = await startUnlessKnown(client, item.workflowId, () => start(item));
        tally[outcome] += 1;
        if (outcome === 'closed') result.closed.push(item.workflowId);
      });
      opts.onProgress?.(kind, tally);
    }
  }

  await each(
    'projects',
    await unfinishedProjectCodes(orm, opts.codes),
    (codes) => projectsToRecreate(orm, codes, { config: opts.deadlines, isWorkday, nowMs }),
    (p) =>
      client.workflow.start(projectWorkflow, {
        workflowId: p.workflowId,
        taskQueue,
        args: [p.input],
        typedSearchAttributes: p.searchAttributes,
        ...ID_POLICIES,
      }),
  );
  if (!opts.codes?.length) {
    await each(
      'rectifications',
      await openNoticeIds(orm),
      (ids) => rectificationsToRecreate(orm, ids, { config: opts.deadlines, isWorkday }),
      (n) =>
        client.workflow.start(rectificationWorkflow, {
          workflowId: n.workflowId,
          taskQueue,
          args: [n.input],
          ...ID_POLICIES,
        }),
    );
    const complaintDeps = { config: opts.deadlines, sla: opts.complaintSla, isWorkday, nowMs };
    await each(
      'complaints',
      await unfinishedComplaintReceipts(orm, complaintDeps),
      (receipts) => complaintsToRecreate(orm, receipts, complaintDeps),
      (c) =>
        client.workflow.start(complaintWorkflow, {
          workflowId: c.workflowId,
          taskQueue,
          args: [c.input],
          ...ID_POLICIES,
        }),
    );
  }
  result.ms = Math.round(performance.now() - t0);
  return result;
}

/** One line per kind and the closed workflows, for the command's output. */
export function formatRecreate(r: RecreateResult): string {
  const lines = RECREATE_KINDS.map((k) => {
    const t = r.tallies[k];
    return `${k}: ${t.unfinished} unfinished — ${t.started} started, ${t.running} running already${t.closed ? `, ${t.closed} closed in Temporal (left alone)` : ''}`;
  });
  if (r.closed.length)
    lines.push(
      `closed in Temporal while the database says they run (npm run reconcile names the difference): ${r.closed.join(', ')}`,
    );
  lines.push(`${r.ms} ms`);
  return lines.join('\n');
}
