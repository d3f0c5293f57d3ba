/**
 * Reconciliation of PostgreSQL with the project workflows: every project's rows against its
 * workflow's histories, and every project workflow on the task queue against the project rows.
 * Used by `npm run reconcile` and by the fault suite.
 */
import type { Client } from '@temporalio/client';
import type { Orm } from '#db/orm.js';
import { eachLimited } from '../each-limited.js';
import { compareProject, type Difference } from './compare.js';
import { readPostgres } from './postgres-side.js';
import { listProjectWorkflows, readWorkflow } from './workflow-side.js';

export type { Difference, DifferenceKind } from './compare.js';

export interface ReconcileResult {
  projects: number;
  /** Completed step Updates read from the histories. */
  steps: number;
  /** Matched by request_id (the column exists) or by sequence number. */
  matchedBy: 'request_id' | 'seq';
  differences: Difference[];
  ms: number;
}

export async function reconcile(opts: {
  orm: Orm;
  client: Client;
  taskQueue: string;
  /** Only these project codes (all projects when absent; then workflows without a row are sought too). */
  codes?: readonly string[];
  /** Histories fetched at a time. */
  concurrency?: number;
}): Promise<ReconcileResult> {
  const t0 = performance.now();
  const pg = await readPostgres(opts.orm, opts.codes);
  const differences: Difference[] = [];
  let steps = 0;
  const perProject = new Map<string, Difference[]>();
  await eachLimited(pg.projects, opts.concurrency ?? 16, async (p) => {
    const wf = await readWorkflow(opts.client, p.workflowId);
    steps += wf.steps.filter((s) => s.result).length;
    perProject.set(p.code, compareProject(p, pg.rows.get(p.id) ?? [], wf, pg.hasRequestId));
  });
  for (const p of pg.projects) differences.push(...(perProject.get(p.code) ?? []));
  if (!opts.codes?.length) {
    const known = new Set(pg.projects.map((p) => p.workflowId));
    const orphans = [...(await listProjectWorkflows(opts.client, opts.taskQueue))].filter(
      (id) => !known.has(id),
    );
    await eachLimited(orphans, opts.concurrency ?? 16, async (id) => {
      const wf = await readWorkflow(opts.client, id);
      differences.push({
        code: id.replace(/^project-/, ''),
        kind: 'no-project-row',
        details: `workflow ${id} ${wf.created ? 'recorded its creation' : 'has not recorded its creation'}${wf.running ? '' : ' (closed)'}, no project row`,
      });
    });
  }
  return {
    projects: pg.projects.length,
    steps,
    matchedBy: pg.hasRequestId ? 'request_id' : 'seq',
    differences,
    ms: Math.round(performance.now() - t0),
  };
}

/** The differences as a table (project, kind, details) and a total line. */
export function formatReport(r: ReconcileResult): string {
  const head = ['project', 'difference', 'details'];
  const rows = r.differences.map((d) => [d.code, d.kind, d.details]);
  const width = (i: number) => Math.max(...[head, ...rows].map((row) => displayWidth(row[i]!)));
  const w = [width(0), width(1)];
  const line = (row: string[]) => `${pad(row[0]!, w[0]!)}  ${pad(row[1]!, w[1]!)}  ${row[2]}`.trimEnd();
  const out: string[] = [];
  if (rows.length) {
    out.push(line(head), line(['-'.repeat(w[0]!), '-'.repeat(w[1]!), '-'.repeat(7)]));
    for (const row of rows) out.push(line(row));
    out.push('');
  }
  const byKind = new Map<string, number>();
  for (const d of r.differences) byKind.set(d.kind, (byKind.get(d.kind) ?? 0) + 1);
  const kinds = [...byKind].map(([k, n]) => `${k} ${n}`).join(', ');
  out.push(
    `${r.differences.length} difference(s)${kinds ? ` (${kinds})` : ''} — ${r.projects} project(s), ` +
      `${r.steps} completed step(s) in the workflow histories, rows matched by ${r.matchedBy}, ${r.ms} ms`,
  );
  return out.join('\n');
}

/** Columns a string takes in a terminal: CJK characters take two. */
function displayWidth(s: string): number {
  let n = 0;
  for (const ch of s)
    n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return n;
}

function pad(s: string, w: number): string {
  return s + ' '.repeat(Math.max(0, w - displayWidth(s)));
}
