/**
 * Rectification notices: issuing starts a durable issuing workflow (Update-with-Start) whose
 * activity takes the serial number and writes the notice; each exchange (answer, verdict,
 * withdrawal) is an Update of the notice's workflow, checked here first for who may and what is
 * possible now, so a refusal is a 403/409/422 that leaves no trace. Reads come from PostgreSQL.
 */
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import type { z } from 'zod';
import type { AttachmentService } from '../attachments/service.js';
import { AppError } from '#domain/errors.js';
import {
  canAnswerRectification,
  isSupervisionOffice,
  type answerProblemSchema,
  type rectificationDetailSchema,
  type verifyProblemSchema,
  type IssueRectificationInput,
} from '#domain/rectification-schemas.js';
import { rectificationIssueWorkflowId } from '#domain/rectification-records.js';
import type { Orm } from '#db/orm.js';
import {
  answerUpdate,
  issuedUpdate,
  verdictUpdate,
  withdrawUpdate,
} from '#workflows/rectification.messages.js';
import { rectificationIssueWorkflow } from '#workflows/rectification-issue.workflow.js';
import { claim, earlier, updateIdOf, type IdempotentRequest } from '../../idempotency.js';
import { invalid, type Caller } from '../../http.js';
import { boundedStep, stepFailure } from '../projects/step-call.js';
import type { RectificationListQuery, RectificationRepository } from './repository.js';

type Detail = z.infer<typeof rectificationDetailSchema>;
const ADDRESSEE_KINDS = ['department', 'township', 'village'];

export function createRectificationService(deps: {
  repo: RectificationRepository;
  temporal: Client;
  taskQueue: string;
  orm: Orm;
  /** Evidence files are bulletin attachments claimed by an answer; downloads go through their checks. */
  attachments: AttachmentService;
  stepTimeoutMs?: number;
}) {
  const { repo, temporal } = deps;
  const bound = <T>(call: () => Promise<T>) => boundedStep(temporal, deps.stepTimeoutMs ?? 30_000, call);

  async function found(who: Caller, id: string) {
    const n = await repo.detail(who, id);
    if (!n)
      throw new AppError(
        'NOT_FOUND',
        `整改通知书不存在或不在您的权限范围内 (rectification notice ${id} not found)`,
      );
    return n;
  }
  async function detail(who: Caller, id: string): Promise<Detail> {
    const { unitId: _u, workflowId: _w, ...dto } = await found(who, id);
    return dto;
  }
  function officeOnly(caller: Caller): void {
    if (!isSupervisionOffice(caller))
      throw new AppError(
        'FORBIDDEN',
        '只有专项监督办（监督办、脱贫攻坚办）的督查员或操作员可以办理整改通知书 (supervision office only)',
      );
  }
  function stillOpen(n: Detail): void {
    if (n.status !== 'open')
      throw new AppError(
        'TRANSITION_NOT_ALLOWED',
        n.status === 'closed'
          ? '整改通知书已办结 (the notice is closed)'
          : '整改通知书已撤回 (the notice is withdrawn)',
      );
  }
  function problemOf(n: Detail, problemId: string) {
    const p = n.problems.find((x) => String(x.id) === problemId);
    if (!p)
      throw new AppError('NOT_FOUND', `整改通知书没有这个问题 (no problem ${problemId} in this notice)`);
    return p;
  }
  /**
   * A notice raised from a red flag names one the office may read that is still to be dealt with:
   * a dismissed flag was judged no problem, and a unit with a notice from the flag not withdrawn
   * has its notice (a second would rectify the same finding twice, each with its own ladder and
   * 约谈). A flag about several units' projects may give each of them a notice.
   */
  async function fromRedFlag(caller: Caller, redFlagId: number, unit: { id: string }): Promise<void> {
    const flag = await repo.redFlag(caller, redFlagId, unit.id);
    if (!flag) throw invalid('body.redFlagId', `风险红旗不存在 (no red flag ${redFlagId})`);
    if (flag.dismissed)
      throw new AppError(
        'CONFLICT',
        `风险红旗 ${redFlagId} 已被排除，不能转为整改通知 (red flag ${redFlagId} was dismissed)`,
        [{ path: 'body.redFlagId', message: { zh: '已被排除', en: 'dismissed' } }],
      );
    if (flag.notice)
      throw new AppError(
        'CONFLICT',
        {
          zh: `已就风险红旗 ${redFlagId} 向该单位发出整改通知书 ${flag.notice}`,
          en: `a notice was raised from red flag ${redFlagId} to this unit already: ${flag.notice}`,
        },
        [{ path: 'body.redFlagId', message: { zh: '已转为整改通知', en: 'converted already' } }],
      );
  }

  /** A retried exchange (same key) is answered with the notice as it is, not carried out again. */
  async function alreadyDone(caller: Caller, id: string, idem?: IdempotentRequest): Promise<boolean> {
    if (!idem) return false;
    if (!(await claim(deps.orm, idem))) await earlier(deps.orm, idem);
    return repo.recorded(caller, id, updateIdOf(idem));
  }
  async function update(
    workflowId: string,
    call: (h: ReturnType<Client['workflow']['getHandle']>) => Promise<unknown>,
  ) {
    try {
      await bound(() => call(temporal.workflow.getHandle(workflowId)));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError)
        throw new AppError('TRANSITION_NOT_ALLOWED', '整改流程已结束 (the notice workflow is closed)');
      throw stepFailure(err);
    }
  }

  return {
    list: (who: Caller, q: RectificationListQuery) => repo.list(who, q),
    detail,

    async issue(caller: Caller, input: IssueRectificationInput, idem?: IdempotentRequest): Promise<Detail> {
      officeOnly(caller);
      const unit = await repo.orgByCode(caller, input.unitCode);
      if (!unit || !ADDRESSEE_KINDS.includes(unit.kind))
        throw invalid(
          'body.unitCode',
          `不是部门、乡镇或村（社区）: ${input.unitCode} (not a unit a notice can be addressed to)`,
        );
      const refs = input.problems.flatMap((p) => (p.project ? [p.project] : []));
      const projects = await repo.projects(caller, refs);
      input.problems.forEach((p, i) => {
        if (p.project && !projects.has(p.project))
          throw invalid(`body.problems.${i}.project`, `项目不存在 (no project “${p.project}”)`);
      });
      // The unit answers for the projects it reads (its own, its villages', those it governs);
      // another unit's project would be named on its notice without it seeing the project.
      const theirs = await repo.projectsReadBy(unit, [...new Set(projects.values())]);
      input.problems.forEach((p, i) => {
        if (p.project && !theirs.has(projects.get(p.project)!))
          throw invalid(
            `body.problems.${i}.project`,
            `项目 ${p.project} 不属于${unit.name}的管辖范围 (the project is not one ${unit.code} answers for)`,
          );
      });
      const requestId = updateIdOf(idem);
      if (idem) {
        if (!(await claim(deps.orm, idem))) await earlier(deps.orm, idem);
        const done = await repo.issuedBy(caller, requestId);
        if (done) return detail(caller, done);
      }
      // After the retry's lookup: the notice a retried request issued names its flag already.
      if (input.redFlagId !== undefined) await fromRedFlag(caller, input.redFlagId, unit);
      const start = new WithStartWorkflowOperation(rectificationIssueWorkflow, {
        workflowId: rectificationIssueWorkflowId(requestId),
        taskQueue: deps.taskQueue,
        args: [
          {
            request: {
              requestId,
              actor: caller.actor,
              issuerUnitId: caller.orgUnitId,
              unitId: unit.id,
              title: input.title,
              dayCount: input.dayCount,
              redFlagId: input.redFlagId ?? null,
              problems: input.problems.map((p) => ({
                projectId: p.project ? projects.get(p.project)! : null,
                description: p.description,
                basis: p.basis,
                deadlineDays: p.deadlineDays,
              })),
            },
          },
        ],
        // A retry of the same request joins the issuer still running, or finds its notice below.
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
      let issued: { id: string };
      try {
        issued = await bound(() =>
          temporal.workflow.executeUpdateWithStart(issuedUpdate, { startWorkflowOperation: start }),
        );
      } catch (err) {
        if (
          err instanceof WorkflowExecutionAlreadyStartedError ||
          causedBy(err, WorkflowExecutionAlreadyStartedError)
        ) {
          const done = await repo.issuedBy(caller, requestId);
          if (done) return detail(caller, done);
          throw new AppError(
            'CONFLICT',
            '该请求已处理，未签发整改通知书 (this request was handled and issued nothing)',
          );
        }
        throw stepFailure(err);
      }
      return detail(caller, issued.id);
    },

    async answer(
      caller: Caller,
      id: string,
      problemId: string,
      input: z.infer<typeof answerProblemSchema>,
      idem?: IdempotentRequest,
    ): Promise<Detail> {
      const n = await found(caller, id);
      if (!canAnswerRectification(caller, { unitId: n.unitId }))
        throw new AppError(
          'FORBIDDEN',
          '只有被通知单位的操作员可以答复 (only an operator of the unit addressed may answer)',
        );
      const p = problemOf(n, problemId);
      if (await alreadyDone(caller, id, idem)) return detail(caller, id);
      stillOpen(n);
      if (p.status !== 'open' && p.status !== 'sentBack')
        throw new AppError(
          'TRANSITION_NOT_ALLOWED',
          '该问题当前不能答复 (the problem is not waiting for an answer)',
        );
      const ids = [...new Set(input.evidenceIds)];
      const unused = await repo.unusedUploads({ ...caller, userId: caller.actor.id! }, ids);
      const bad = ids.findIndex((x) => !unused.has(x));
      if (bad >= 0)
        throw invalid(
          `body.evidenceIds.${input.evidenceIds.indexOf(ids[bad]!)}`,
          `附件不存在、不是您上传的或已被使用 (attachment ${ids[bad]} is not an unused upload of yours)`,
        );
      const requestId = updateIdOf(idem);
      await update(n.workflowId, (h) =>
        h.executeUpdate(answerUpdate, {
          updateId: requestId,
          args: [{ requestId, actor: caller.actor, problemId: p.id, action: input.action, evidenceIds: ids }],
        }),
      );
      return detail(caller, id);
    },

    async verdict(
      caller: Caller,
      id: string,
      problemId: string,
      input: z.infer<typeof verifyProblemSchema>,
      idem?: IdempotentRequest,
    ): Promise<Detail> {
      const n = await found(caller, id);
      officeOnly(caller);
      const p = problemOf(n, problemId);
      if (await alreadyDone(caller, id, idem)) return detail(caller, id);
      stillOpen(n);
      if (p.status !== 'answered')
        throw new AppError(
          'TRANSITION_NOT_ALLOWED',
          '该问题尚未答复或已审核 (the problem is not awaiting a verdict)',
        );
      const requestId = updateIdOf(idem);
      const base = { requestId, actor: caller.actor, problemId: p.id };
      await update(n.workflowId, (h) =>
        h.executeUpdate(verdictUpdate, {
          updateId: requestId,
          args: [
            input.verdict === 'accept'
              ? { ...base, verdict: 'accept', comment: input.comment }
              : { ...base, verdict: 'sendBack', reasons: input.reasons, deadlineDays: input.deadlineDays },
          ],
        }),
      );
      return detail(caller, id);
    },

    async withdraw(caller: Caller, id: string, reason: string, idem?: IdempotentRequest): Promise<Detail> {
      const n = await found(caller, id);
      officeOnly(caller);
      if (await alreadyDone(caller, id, idem)) return detail(caller, id);
      stillOpen(n);
      const requestId = updateIdOf(idem);
      await update(n.workflowId, (h) =>
        h.executeUpdate(withdrawUpdate, {
          updateId: requestId,
          args: [{ requestId, actor: caller.actor, reason }],
        }),
      );
      return detail(caller, id);
    },

    /** One evidence file of the notice's exchange, its SHA-256 checked again on the way out. */
    async evidence(who: Caller, id: string, evidenceId: string) {
      const n = await found(who, id);
      const known = n.problems.some((p) => p.events.some((e) => e.evidence.some((x) => x.id === evidenceId)));
      if (!known) throw new AppError('NOT_FOUND', `佐证材料不存在 (evidence ${evidenceId} not found)`);
      return deps.attachments.download(who, evidenceId, () => true);
    },
  };
}

function causedBy(err: unknown, type: new (...args: never[]) => Error): boolean {
  let e: unknown = err;
  for (let i = 0; i < 5 && e instanceof Error; i++) {
    if (e instanceof type) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export type RectificationService = ReturnType<typeof createRectificationService>;
