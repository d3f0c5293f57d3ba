/**
 * The production topology, tested here: the real Temporal server persisting to PostgreSQL (with
 * PostgreSQL advanced visibility), configured by deploy/temporal as docker compose runs it, two
 * workers and two api replicas. Projects walk the whole main path, 立项 to 关闭, concurrently
 * through both replicas while one worker and one api replica are killed (SIGKILL) and later
 * started again. Every project must reach its end with every step recorded exactly once: in its
 * history rows, in the audit chain (which must verify), in its workflow's history (the
 * reconciliation) and in Temporal's visibility.
 *
 *   npm run temporal:server      (once: builds the server and its schema tool)
 *   npm run test:topology        (TOPOLOGY_PROJECTS=24)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditTable, type AuditRow } from '#db/audit.js';
import { MAIN_PATH } from '#domain/lifecycle.js';
import { eachLimited } from '#scripts/lib/each-limited.js';
import { eventually } from '../support/eventually.js';
import { startTopologyStack, type TopologyStack } from './support/topology-stack.js';
import { Replicas, newProject } from './support/walker.js';

const PROJECTS = Number(process.env.TOPOLOGY_PROJECTS ?? 24);
/** The walk is this far along (share of its steps answered) when the replicas die, and when they return. */
const KILL_AT = 0.3;
const RESTART_AT = 0.65;

let stack: TopologyStack;

beforeAll(async () => {
  stack = await startTopologyStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe(`production topology: Temporal on PostgreSQL, two workers, two api replicas (${PROJECTS} projects)`, () => {
  it('walks every project to 关闭 while a worker and an api replica are SIGKILLed; each step recorded once', async () => {
    const t0 = performance.now();
    const replicas = await Replicas.login(stack.apis);
    const codes = Array.from({ length: PROJECTS }, (_, i) => `TOPO-${String(i).padStart(3, '0')}`);
    const ids = new Map<string, string>();
    await eachLimited(codes, 8, async (code) => {
      const res = await replicas.post('department', '/api/projects', newProject(code), `create-${code}`);
      if (res.kind !== 'answer' || res.status !== 201)
        throw new Error(`create ${code}: ${JSON.stringify(res)}`);
      ids.set(code, res.body.id);
      await stack.completeFile(res.body.id);
    });

    // The walk: each project on its own, a step as soon as the last one answered.
    const total = PROJECTS * MAIN_PATH.length;
    let answered = 0;
    const at: Record<'kill' | 'restart', () => void> = { kill: () => undefined, restart: () => undefined };
    const reached = {
      kill: new Promise<void>((r) => (at.kill = r)),
      restart: new Promise<void>((r) => (at.restart = r)),
    };
    const failures: string[] = [];
    const w0 = performance.now();
    const walk = Promise.all(
      codes.map(async (code) => {
        for (const action of MAIN_PATH) {
          const o = await replicas.step(ids.get(code)!, action, `${code}-${action}`);
          if (o.kind !== 'answer' || o.status !== 200) {
            failures.push(`${code} ${action}: ${JSON.stringify(o).slice(0, 300)}`);
            return;
          }
          answered += 1;
          if (answered === Math.floor(total * KILL_AT)) at.kill();
          if (answered === Math.floor(total * RESTART_AT)) at.restart();
        }
      }),
    );
    const faults = (async () => {
      await reached.kill;
      const ended = await Promise.all([stack.kill('worker-1'), stack.kill('api-1')]);
      const k0 = performance.now();
      await reached.restart;
      await Promise.all([stack.restart('worker-1'), stack.restart('api-1')]);
      return { ended, downMs: performance.now() - k0 };
    })();
    faults.catch(() => undefined); // awaited below, after the walk
    // A walk that fails before the restart point must not leave the fault task waiting forever.
    await walk.finally(() => {
      at.kill();
      at.restart();
    });
    const walkMs = performance.now() - w0;
    const { ended, downMs } = await faults;
    replicas.close();

    console.log(
      [
        `── topology: ${PROJECTS} projects × ${MAIN_PATH.length} steps through 2 api replicas, 2 workers, Temporal ${stack.temporalAddress} on PostgreSQL`,
        `   walk ${(walkMs / 1000).toFixed(1)} s (${(total / (walkMs / 1000)).toFixed(1)} steps/s); worker-1 and api-1 ${ended.join(', ')} at ${KILL_AT * 100} %, back after ${(downMs / 1000).toFixed(1)} s`,
        `   failed attempts sent again: ${JSON.stringify(replicas.failedAttempts)} on ${JSON.stringify(replicas.failedOn)}; answers by replica ${replicas.answeredBy.join(' / ')}`,
      ].join('\n'),
    );
    expect(failures).toEqual([]);
    expect(ended).toEqual(['signal SIGKILL', 'signal SIGKILL']);
    // The kill met traffic: requests in flight on api-1 failed and were sent to api-2.
    expect(replicas.failedOn['api-1'] ?? 0).toBeGreaterThan(0);

    const projectIds = [...ids.values()];
    // Every project at its end, in PostgreSQL.
    const stages = await stack.query<{ stage: string; n: number }>(
      'SELECT stage, count(*)::int AS n FROM project WHERE id = ANY($1::uuid[]) GROUP BY stage',
      [projectIds],
    );
    expect(stages).toEqual([{ stage: 'closed', n: PROJECTS }]);

    // History rows: 立项 then each main-path step once, in order, each under its own request.
    const history = await stack.query<{
      project_id: string;
      seq: number;
      action: string;
      request_id: string | null;
    }>(
      'SELECT project_id, seq, action, request_id FROM project_history WHERE project_id = ANY($1::uuid[]) ORDER BY project_id, seq',
      [projectIds],
    );
    const expected = ['create', ...MAIN_PATH];
    const badHistories: string[] = [];
    for (const [code, id] of ids) {
      const rows = history.filter((h) => h.project_id === id);
      const ok =
        rows.length === expected.length &&
        rows.every(
          (h, i) =>
            h.seq === i &&
            h.action === expected[i] &&
            (i === 0 ? h.request_id === 'create' : h.request_id?.endsWith(`/${code}-${h.action}`)),
        );
      if (!ok) badHistories.push(`${code}: ${rows.map((h) => `${h.seq}:${h.action}`).join(' ')}`);
    }
    expect(badHistories).toEqual([]);

    // The audit trail: one row per step, at the step's seq, and the whole chain verifies.
    const audit = await stack.query<{ entity_id: string; action: string; seq: number }>(
      `SELECT entity_id, action, (after->>'seq')::int AS seq FROM audit_log
        WHERE entity = 'project' AND entity_id = ANY($1::text[]) AND action LIKE 'project.%'
          AND action <> 'project.create' ORDER BY id`,
      [projectIds],
    );
    const badAudit: string[] = [];
    for (const [code, id] of ids) {
      const rows = audit.filter((a) => a.entity_id === id);
      const got = rows.map((a) => `${a.seq}:${a.action}`).join(' ');
      const want = MAIN_PATH.map((a, i) => `${i + 1}:project.${a}`).join(' ');
      if (got !== want) badAudit.push(`${code}: ${got}`);
    }
    expect(badAudit).toEqual([]);
    const chain = await verifyAuditTable((sql, params) => stack.query<AuditRow>(sql, params), stack.auditKey);
    expect(chain.problems).toEqual([]);
    expect(chain.ok).toBe(true);

    // The workflows' histories equal PostgreSQL (no missing, extra or pending step).
    const rec = await stack.reconcile(codes);
    expect(rec.differences).toEqual([]);
    expect(rec.steps).toBeGreaterThanOrEqual(total);

    // Temporal kept it all in PostgreSQL, and its visibility answers a custom search attribute.
    const executions = await stack.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM executions_visibility WHERE workflow_id = ANY($1::text[])',
      [codes.map((c) => `project-${c}`)],
      'temporal_visibility',
    );
    expect(executions[0]!.n).toBe(PROJECTS);
    const client = await stack.client();
    await eventually(async () => {
      const n = await client.workflow.count(`ProjectStage = 'closed'`);
      return n.count === PROJECTS;
    });
    console.log(
      [
        `   once each: ${history.length} history rows (${PROJECTS} × ${expected.length}), ${audit.length} step audit rows, ${rec.steps} steps reconciled with the workflow histories`,
        `   checked in ${((performance.now() - t0) / 1000).toFixed(1)} s (setup of the projects included)`,
      ].join('\n'),
    );
  });
});
