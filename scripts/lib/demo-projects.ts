/**
 * The demo county's projects, through the same service the api uses (each a real workflow with a
 * real history). Built to finish on a busy machine and to resume from any point:
 * - each project's walk starts from the stage the project actually reached (read, never counted);
 * - a call that may succeed later is retried with backoff, a bounded number of times; a step is
 *   sent with the same Update id on every attempt (and every run), so a step whose answer was lost
 *   is answered, not taken twice;
 * - how many projects walk at once adapts to how fast steps answer (scripts/lib/adaptive-limit.ts);
 * - progress lines say how many of how many projects are done, and the count is kept in app_meta
 *   for /readyz; a failure names the project, the step and every cause.
 */
import { createHash } from 'node:crypto';
import type { IdempotentRequest } from '#api/idempotency.js';
import type { Client } from '@temporalio/client';
import { ACTION_LEVEL } from '#domain/access.js';
import { cstDate } from '#domain/deadlines.js';
import { ACTION_LABELS, PROGRESS_ORDER, stageRank, type Stage } from '#domain/lifecycle.js';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { metaPut } from '#db/writes/app-meta.js';
import { DEMO_PROJECTS, type DemoProject } from '#db/seed/demo-county.js';
import type { ProjectStateView } from '#domain/project-records.js';
import { getProjectStateQuery } from '#workflows/project.messages.js';
import type { ArchiveStorage } from '#api/modules/archives/storage.js';
import { createProjectRepository } from '#api/modules/projects/repository.js';
import type { Caller } from '#api/http.js';
import { createProjectService } from '#api/modules/projects/service.js';
import type { Logger } from '#platform/log.js';
import { AdaptiveLimit } from './adaptive-limit.js';
import { demoPlan, demoPlannedDates } from './demo-steps.js';
import { callerFor, createFileCompleter } from './project-file.js';
import { resumeAt, type PlannedStep } from './seed-plan.js';
import {
  SEED_RETRY,
  SeedStepError,
  backoff,
  describeError,
  sleep,
  verdictOf,
  type RetryPolicy,
} from './seed-retry.js';
import { writeSeedProgress } from '#db/queries/stack-status.js';

export interface SeedProjectsDeps {
  orm: Orm;
  temporal: Client;
  taskQueue: string;
  log: Logger;
  audit: AuditLog;
  /** Where the demo archive documents go (the api's storage). */
  storage: ArchiveStorage;
  /** Only the ten handcrafted projects (DEMO_SEED=small: quick starts, launcher tests). */
  small?: boolean;
  /**
   * Renames each project's code (keeping its last three digits): test files share one Temporal
   * server, where the workflow id `project-<code>` must be unique across every file's database.
   */
  codeOf?: (code: string) => string;
  retry?: RetryPolicy;
  /** Called with the number of projects done after each one (tests interrupt the seed with it). */
  onProgress?: (done: number, total: number) => void;
}

export async function seedDemoProjects(deps: SeedProjectsDeps): Promise<number> {
  const chosen = deps.small ? DEMO_PROJECTS.slice(0, 10) : DEMO_PROJECTS;
  const projects = deps.codeOf ? chosen.map((p) => ({ ...p, code: deps.codeOf!(p.code) })) : chosen;
  const policy = deps.retry ?? SEED_RETRY;
  const repo = createProjectRepository(deps.orm);
  const service = createProjectService({
    repo,
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    orm: deps.orm,
  });
  const files = createFileCompleter(deps);
  const callers = new Map<string, Promise<Caller>>();
  const caller = (username: string) => {
    if (!callers.has(username)) callers.set(username, callerFor(deps.orm, username));
    return callers.get(username)!;
  };
  const limit = new AdaptiveLimit({ initial: 8, max: 32 });
  let created = 0;
  let steps = 0;
  let retries = 0;

  /**
   * Runs one call of a project's walk: in a slot of the adaptive limit, retried while retrying can
   * help. A `reread` failure is returned (the walk reads the project again and decides anew).
   */
  async function attempt(
    p: DemoProject,
    what: string,
    fn: () => Promise<unknown>,
    /** Steps measure congestion; filling a file writes from none to dozens of rows, so it does not. */
    measure = true,
  ): Promise<true | { reread: unknown }> {
    for (let n = 1; ; n++) {
      try {
        await limit.run(fn, (err) => verdictOf(err) === 'retry', measure);
        return true;
      } catch (err) {
        const verdict = verdictOf(err);
        if (verdict === 'reread') return { reread: err };
        if (verdict === 'fatal' || n >= policy.attempts) throw new SeedStepError(p.code, what, n, err);
        retries++;
        const wait = backoff(policy, n);
        deps.log.debug(`${p.code} ${what}: retrying in ${wait} ms (${describeError(err)})`);
        await (policy.sleep ?? sleep)(wait);
      }
    }
  }

  async function walk(p: DemoProject): Promise<void> {
    const countyWide = await caller('leader');
    const deptCaller = await caller(`${p.department}.op`);
    const ownerCaller = await caller(`${p.owner}.op`);
    const plan = demoPlan(p);
    const firstInspection = plan.findIndex((s) => s.input.action === 'inspect');
    const seed = Number(p.code.slice(-3));
    // Rereads are bounded too: a project that keeps refusing what its stage allows is a bug to
    // report (a step sent before an interruption lands within seconds, not minutes).
    let rereads = 0;
    const reread = async (what: string, err: unknown) => {
      if (++rereads >= policy.attempts) throw new SeedStepError(p.code, what, rereads, err);
      retries++;
      await (policy.sleep ?? sleep)(backoff(policy, rereads));
    };
    /** Where the walk stands: read from the project, then advanced by each step that succeeds. */
    let at: { next: number } | { done: Stage } | undefined;
    for (;;) {
      if (!at) {
        const project = await repo.find(countyWide, p.code);
        if (!project) {
          const what = '立项 (register)';
          // The county's date now: the dates a step of the walk meets must still lie ahead of it.
          const today = cstDate(Date.now());
          const done = await attempt(p, what, () => service.create(deptCaller, registration(p, plan, today)));
          if (done === true) created++;
          else await reread(what, done.reread);
          continue;
        }
        // The workflow's own view decides: after a crash PostgreSQL may hold a step the workflow
        // has not recorded (or the reverse), and the workflow is what accepts or refuses the next.
        // Asked when a walk (re)starts or a step was refused, not after every step: a query is a
        // workflow task too.
        let view: ProjectStateView | undefined;
        await attempt(p, '读取流程状态 (query the workflow)', async () => {
          view = await deps.temporal.workflow.getHandle(project.workflowId).query(getProjectStateQuery);
        });
        if (!view) continue;
        const seen: ProjectStateView = view;
        if (seen.stage !== project.stage)
          deps.log.warn(
            `${p.code}: the workflow is at ${seen.stage}, PostgreSQL at ${project.stage}; following the workflow`,
          );
        const resume = resumeAt(
          plan,
          seen.stage,
          await repo.history(countyWide, project.id),
          (a, from) => a === 'reportProgress' && from === 'underway' && seen.progressPercent > 0,
        );
        if ('stray' in resume) throw new SeedStepError(p.code, 'resume', 1, new Error(resume.stray));
        at = 'done' in resume ? { done: seen.stage } : resume;
      }
      if ('done' in at) {
        // The ledgers, as far as the project has come (a cancelled project takes no ledger entries).
        if (at.done !== 'cancelled') await fileUpTo(p, at.done, seed);
        return;
      }
      const i = at.next;
      const { input, to } = plan[i]!;
      const label = `${ACTION_LABELS[input.action].zh} (${input.action})`;
      // 验收 needs complete ledgers and archive documents up to 竣工 (the acceptance gate).
      if (i === firstInspection) await fileUpTo(p, 'completed', seed);
      // 报账 settles Σ disbursed (= budget here): the balance is paid once the work is accepted.
      if (input.action === 'reimburse') await fileUpTo(p, 'accepted', seed);
      const who = ACTION_LEVEL[input.action] === 'department' ? deptCaller : ownerCaller;
      // One request key per (project, step), the same on every attempt and every run: the step's
      // Update id, so a step already taken is answered, not taken again.
      const key: IdempotentRequest = {
        userId: who.actor.id!,
        key: `demo-seed.${p.code}.${i}-${input.action}`,
        route: 'post /api/projects/:id/transitions',
        hash: createHash('sha256').update(JSON.stringify(input)).digest('hex'),
      };
      const done = await attempt(p, label, () => service.transition(who, p.code, input, key));
      if (done === true) {
        steps++;
        rereads = 0;
        at = i + 1 < plan.length ? { next: i + 1 } : { done: to };
      } else {
        await reread(label, done.reread);
        at = undefined;
      }
    }
  }

  /**
   * Fills the project's file up to `stage`, one stage at a time: app_meta remembers the last stage
   * filled, so a seed run again (after an interruption) adds only what is missing.
   */
  async function fileUpTo(p: DemoProject, stage: Stage, seed: number): Promise<void> {
    const key = `demo_seed.file.${p.code}`;
    const read = async () =>
      (
        await deps.orm.em
          .fork()
          .execute<{ stage: Stage }[]>(
            `SELECT value->>'stage' AS stage FROM app_meta WHERE key = ?`,
            [key],
            'all',
          )
      )[0]?.stage;
    let after = await read();
    for (const s of PROGRESS_ORDER) {
      if (stageRank(s) > stageRank(stage)) break;
      if (after !== undefined && stageRank(after) >= stageRank(s)) continue;
      const from = after;
      await attempt(
        p,
        `台账与档案 (file up to ${s})`,
        () => files.complete(p.code, s, { seed, ...(from ? { after: from } : {}) }),
        false,
      );
      const reached = metaPut(key, { stage: s });
      await deps.orm.em.fork().execute(reached.sql, reached.params, 'run');
      after = s;
    }
  }

  const began = performance.now();
  let done = 0;
  let lastLine = 0;
  const progress = async (force = false) => {
    const now = performance.now();
    if (force || now - lastLine > 10_000) {
      lastLine = now;
      deps.log.info(
        `demo projects: ${done} of ${projects.length} done (${steps} steps this run, ${limit.limit} at a time` +
          `${retries ? `, ${retries} calls retried` : ''})`,
      );
    }
    await writeSeedProgress(deps.orm, { done, total: projects.length });
    deps.onProgress?.(done, projects.length);
  };
  await progress(true);
  await runAdaptive(projects, limit, async (p) => {
    await walk(p);
    done++;
    await progress(done === projects.length);
  });
  deps.log.info(
    `demo projects ready (${created} created, ${projects.length} in all, ${steps} steps this run) in ` +
      `${((performance.now() - began) / 1000).toFixed(1)} s`,
  );
  return created;
}

/**
 * Starts a walk whenever fewer walks run than the limit allows. Each call inside a walk also takes
 * a slot of the same limit, so a lowered limit slows the walks already under way at once.
 * The first failure stops new walks and is thrown once the running ones have ended.
 */
async function runAdaptive<T>(items: readonly T[], limit: AdaptiveLimit, fn: (item: T) => Promise<void>) {
  let next = 0;
  let active = 0;
  let failure: unknown;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (failure === undefined && next < items.length && active < Math.max(1, limit.limit)) {
        const item = items[next++]!;
        active++;
        fn(item)
          .catch((err: unknown) => (failure ??= err))
          .finally(() => {
            active--;
            pump();
          });
      }
      if (active === 0 && (failure !== undefined || next >= items.length)) resolve();
    };
    pump();
  });
  if (failure !== undefined) throw failure;
}

function registration(p: DemoProject, plan: readonly PlannedStep[], today: string) {
  return {
    code: p.code,
    name: p.name,
    year: 2026,
    type: p.type,
    nature: p.nature,
    departmentCode: p.department,
    ownerUnitCode: p.owner,
    villageCodes: p.villages,
    approvalDocumentNo: `城扶发〔2026〕${p.code.slice(-3)}号`,
    budgetFen: p.budgetFen,
    fundSources: p.sources,
    plannedDates: demoPlannedDates(plan, today),
  };
}
