/**
 * Project use cases. Stage changes go through the project's workflow as Updates; the service
 * maps the workflow's verdict to typed errors and returns the read model afterwards (the
 * activity has written it before the Update completes).
 */
import { randomUUID } from 'node:crypto';
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { ACTION_LEVEL, canCreateProject, canTakeAction, type Principal } from '#domain/access.js';
import { AppError, type FieldError } from '#domain/errors.js';
import { ACTION_LABELS, isAllowed } from '#domain/lifecycle.js';
import { ledgerAcceptanceGate } from '#db/queries/ledger-gate.js';
import { adjustmentSourceProblems } from '#db/queries/adjustment-check.js';
import type { Orm } from '#db/orm.js';
import { inScope, scopeOf } from '#db/scope.js';
import { projectWorkflowId, type NewProjectRecord, type TransitionRequest } from '#domain/project-records.js';
import type {
  CreateProjectInput,
  ProjectDetailDto,
  ProjectDto,
  ProjectExportQuery,
  ProjectListQuery,
  TransitionInput,
} from '#domain/schemas.js';
import { registeredUpdate, transitionUpdates } from '#workflows/project.messages.js';
import { projectWorkflow } from '#workflows/project.workflow.js';
import type { Response } from 'express';
import { streamProjectsXlsx } from './export.js';
import { stageMovedRefusal } from './refusal.js';
import { assertSettlementMatches } from './settlement-check.js';
import { assertStepArchives } from './step-archives.js';
import type { ProjectRepository } from './repository.js';
import { claim, earlier, updateIdOf, writeOnce, type IdempotentRequest } from '../../idempotency.js';
import { invalidFields, projectNotFound, type Caller } from '../../http.js';
import { boundedStep, stepFailure } from './step-call.js';

export function createProjectService(deps: {
  repo: ProjectRepository;
  temporal: Client;
  taskQueue: string;
  orm: Orm;
  stepTimeoutMs?: number;
}) {
  const { repo, temporal } = deps;

  /** Whether Temporal holds a run (running or closed) under this workflow id. */
  async function workflowExists(workflowId: string): Promise<boolean> {
    try {
      await temporal.workflow.getHandle(workflowId).describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  async function detail(who: Principal, idOrCode: string): Promise<ProjectDetailDto> {
    const found = await repo.findWithHistory(who, idOrCode);
    if (!found) throw projectNotFound(idOrCode);
    const { scope: _scope, workflowId: _wf, ...dto } = found.project;
    return { ...dto, history: found.history };
  }

  return {
    async list(
      who: Principal,
      q: ProjectListQuery,
    ): Promise<{
      items: ProjectDto[];
      total: number;
      totalCapped: boolean;
      nextCursor: string | null;
      prevCursor: string | null;
    }> {
      const { items, total, totalCapped, nextCursor, prevCursor } = await repo.list(who, q);
      return {
        items: items.map(({ scope: _s, ...dto }) => dto),
        total,
        totalCapped,
        nextCursor,
        prevCursor,
      };
    },

    /** The filtered list as an xlsx file, streamed to `res` (console-dash). */
    exportXlsx: (who: Principal, q: ProjectExportQuery, res: Response) =>
      streamProjectsXlsx(repo, who, q, res),

    detail,

    async alerts(who: Principal, idOrCode: string) {
      const p = await repo.find(who, idOrCode);
      if (!p) throw projectNotFound(idOrCode);
      return { items: await repo.alerts(who, p.id) };
    },

    async create(caller: Caller, input: CreateProjectInput): Promise<ProjectDetailDto> {
      const orgs = await repo.orgsByCode([input.departmentCode, input.ownerUnitCode, ...input.villageCodes]);
      const problems: FieldError[] = [];
      const dept = orgs.get(input.departmentCode);
      if (dept?.kind !== 'department')
        problems.push({
          path: 'body.departmentCode',
          message: {
            zh: `不是主管部门: ${input.departmentCode}`,
            en: `not a department: “${input.departmentCode}”`,
          },
        });
      const owner = orgs.get(input.ownerUnitCode);
      if (!owner || (owner.kind !== 'township' && owner.kind !== 'department')) {
        problems.push({
          path: 'body.ownerUnitCode',
          message: {
            zh: `不是乡镇或部门: ${input.ownerUnitCode}`,
            en: `not a township or department: “${input.ownerUnitCode}”`,
          },
        });
      }
      input.villageCodes.forEach((c, i) => {
        if (orgs.get(c)?.kind !== 'village') problems.push(notAVillage(`body.villageCodes.${i}`, c));
      });
      if (new Set(input.villageCodes).size !== input.villageCodes.length) {
        problems.push({ path: 'body.villageCodes', message: '建设地点重复 (duplicate village)' });
      }
      if (problems.length) throw invalidFields(problems);
      // Both layers must agree: the domain rule here, and the database's own check beneath it.
      if (!canCreateProject(caller, dept!.id) || !(await repo.mayCreateFor(caller, dept!.id))) {
        throw new AppError(
          'FORBIDDEN',
          '只有主管部门的操作账号可以为本部门立项 (only the department operator may register its projects)',
        );
      }
      const townshipCodes = await repo.codesOf(input.villageCodes.map((c) => orgs.get(c)!.parentId));
      /**
       * Starts (or joins) the project's workflow under `code` and waits until it has written the
       * project row: the id of what is registered under `code`. Joining an existing run is how a
       * retry finishes the project its first request started before its answer was lost.
       */
      const register = async (id: string, code: string): Promise<string> => {
        const record: NewProjectRecord = {
          id,
          code,
          workflowId: projectWorkflowId(code),
          name: input.name,
          year: input.year,
          type: input.type,
          nature: input.nature,
          departmentId: dept!.id,
          departmentCode: dept!.code,
          ownerUnitId: owner!.id,
          ownerUnitCode: owner!.code,
          villageIds: input.villageCodes.map((c) => orgs.get(c)!.id),
          villageCodes: input.villageCodes,
          townshipCodes,
          location: input.location ?? null,
          approvalDocumentNo: input.approvalDocumentNo,
          budgetFen: input.budgetFen,
          fundSources: input.fundSources.map((s) => ({
            kind: s.kind,
            amountFen: s.amountFen,
            documentNo: s.documentNo ?? null,
          })),
          plannedDates: input.plannedDates,
        };
        // Update-with-Start: the workflow is started and we wait until its first activity has written
        // the project row (and armed its deadlines), so the 201 carries the real row.
        const start = new WithStartWorkflowOperation(projectWorkflow, {
          workflowId: record.workflowId,
          taskQueue: deps.taskQueue,
          args: [{ project: record, createdBy: caller.actor }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
        try {
          const state = await temporal.workflow.executeUpdateWithStart(registeredUpdate, {
            startWorkflowOperation: start,
          });
          return state.projectId;
        } catch (err) {
          // A closed run holds the id: some other project had the code.
          if (
            err instanceof WorkflowExecutionAlreadyStartedError ||
            hasCause(err, WorkflowExecutionAlreadyStartedError)
          ) {
            return '';
          }
          throw err;
        }
      };
      const taken = async (code: string) =>
        (await repo.codeExists(code)) || (await workflowExists(projectWorkflowId(code)));
      // Once per Idempotency-Key: the project's id and code are recorded against the key before its
      // workflow starts. A retry whose answer was lost (the api killed while the workflow started)
      // finishes that project, where it would otherwise register a second one under the next code.
      const plan = await writeOnce(deps.orm, async (record) => {
        // A code the platform gives steps over those Temporal has already: after the database is
        // restored while Temporal kept its state, the sequence counts again from the backup's value.
        let code = input.code ?? (await repo.nextCode(input.year));
        for (let skipped = 0; await taken(code); skipped++) {
          if (input.code !== undefined || skipped >= MAX_CODES_SKIPPED) throw codeTaken(code);
          code = await repo.nextCode(input.year);
        }
        const planned = `${randomUUID()} ${code}`;
        await inScope(deps.orm, scopeOf(caller), (tx) => record(tx, planned));
        return planned;
      });
      const [id, code] = plan.split(' ') as [string, string];
      // Another request may take an explicit code between the check and the start (its run answers);
      // a closed run is another project's, or this one's closed since (a retry long after).
      if ((await register(id, code)) !== id && !(await repo.findWithHistory(caller, id)))
        throw codeTaken(code);
      return detail(caller, id);
    },

    /**
     * `idem` names the request: its key becomes the step's Update id, so a second call with the
     * same key is answered with the first call's outcome instead of being taken again.
     */
    async transition(
      caller: Caller,
      idOrCode: string,
      input: TransitionInput,
      idem?: IdempotentRequest,
    ): Promise<ProjectDetailDto> {
      // The project and PostgreSQL's verdict on the step, in one transaction.
      const found = await repo.findForStep(caller, idOrCode, ACTION_LEVEL[input.action]);
      if (!found) throw projectNotFound(idOrCode);
      const p = found.project;
      if (!canTakeAction(caller, p.scope, input.action) || !found.mayTakeStep) {
        throw new AppError(
          'FORBIDDEN',
          `您无权对该项目执行「${ACTION_LABELS[input.action].zh}」 (not allowed for your account)`,
        );
      }
      let resolved: TransitionRequest['resolved'];
      if (input.action === 'adjust' && input.villageCodes) {
        const orgs = await repo.orgsByCode(input.villageCodes);
        const bad: FieldError[] = input.villageCodes
          .map((c, i) => ({ c, i }))
          .filter(({ c }) => orgs.get(c)?.kind !== 'village')
          .map(({ c, i }) => notAVillage(`body.villageCodes.${i}`, c));
        if (new Set(input.villageCodes).size !== input.villageCodes.length)
          bad.push({ path: 'body.villageCodes', message: '建设地点重复 (duplicate village)' });
        if (bad.length) throw invalidFields(bad);
        resolved = {
          villageIds: input.villageCodes.map((c) => orgs.get(c)!.id),
          townshipCodes: await repo.codesOf(input.villageCodes.map((c) => orgs.get(c)!.parentId)),
        };
      }
      // The acceptance gate is checked here, before the Update, not in the workflow: an Update
      // validator must be synchronous and cannot read the ledgers, and a check inside the handler
      // (an activity) would leave Update and activity events in the workflow history for every
      // refusal. Checking first leaves no trace at all. The race with a concurrent ledger edit is
      // benign: ledgers only gain entries (history is append-only).
      if (input.action === 'inspect' && isAllowed(p.stage, 'inspect')) {
        // In the caller's scope: the gate reads what the caller may read (it can read this project).
        const gate = await inScope(deps.orm, scopeOf(caller), (em) => ledgerAcceptanceGate(em, p.id));
        if (!gate.ok) {
          // Each gap's label is a pair, said in the caller's language here and in the details.
          throw new AppError(
            'TRANSITION_NOT_ALLOWED',
            {
              zh: `建档资料不完善，不予验收，缺少：${gate.missing.map((m) => m.label.zh).join('、')}`,
              en: `acceptance refused, missing: ${gate.missing.map((m) => m.label.en).join('; ')}`,
            },
            { missing: gate.missing },
          );
        }
      }
      if (input.action === 'adjust' && input.fundSources) {
        const sources = input.fundSources;
        const problems = await inScope(deps.orm, scopeOf(caller), (em) =>
          adjustmentSourceProblems(em, p.id, sources),
        );
        if (problems.length)
          throw new AppError(
            'CONFLICT',
            {
              zh: `调项不予办理：${problems.map((x) => x.message.zh).join('；')}`,
              en: `the adjustment conflicts with money already paid or allocated: ${problems.map((x) => x.message.en).join('; ')}`,
            },
            problems,
          );
      }
      await assertStepArchives(deps.orm, caller, p.id, input.archiveIds);
      // A retried request: the key names one request only, and a step recorded under it (in this
      // run or an earlier one of the workflow) is answered, not taken again.
      const updateId = updateIdOf(idem);
      if (idem) {
        if (!(await claim(deps.orm, idem))) await earlier(deps.orm, idem);
        if (await repo.stepRecorded(caller, p.id, updateId)) return detail(caller, p.id);
      }
      // 报账: settlement = Σ disbursed ≤ budget, checked before the Update for the same reasons.
      if (input.action === 'reimburse' && isAllowed(p.stage, 'reimburse'))
        await assertSettlementMatches(deps.orm, caller, p.id, input.settledAmountFen);
      const handle = temporal.workflow.getHandle(p.workflowId);
      try {
        await boundedStep(temporal, deps.stepTimeoutMs ?? 30_000, () =>
          handle.executeUpdate(transitionUpdates[input.action], {
            updateId,
            args: [{ actor: caller.actor, requestId: updateId, input, ...(resolved ? { resolved } : {}) }],
          }),
        );
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) {
          throw new AppError('TRANSITION_NOT_ALLOWED', '项目流程已结束 (the project workflow is closed)');
        }
        const failure = stepFailure(err);
        // The stage moved on (most often: someone else took this step first): say who and to what.
        if (failure instanceof AppError && failure.code === 'TRANSITION_NOT_ALLOWED') {
          const now = await detail(caller, p.id);
          if (!isAllowed(now.stage, input.action)) throw stageMovedRefusal(now, input.action);
        }
        throw failure;
      }
      return detail(caller, p.id);
    },
  };
}

/** How many codes in a row a registration steps over before it gives up (a restore's gap). */
const MAX_CODES_SKIPPED = 1000;

const codeTaken = (code: string) =>
  new AppError('CONFLICT', { zh: `项目编号已存在: ${code}`, en: `the project code “${code}” is taken` });

const notAVillage = (path: string, code: string): FieldError => ({
  path,
  message: { zh: `不是村（社区）: ${code}`, en: `not a village: “${code}”` },
});

function hasCause(err: unknown, type: new (...args: never[]) => Error): boolean {
  let e: unknown = err;
  for (let i = 0; i < 5 && e instanceof Error; i++) {
    if (e instanceof type) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export type ProjectService = ReturnType<typeof createProjectService>;
