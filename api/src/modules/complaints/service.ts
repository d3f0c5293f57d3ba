/**
 * Complaints. A submission is checked here (honeypot, form token, subject, photos by their first
 * bytes), its photos stored, and its workflow started with the receipt as id by Update-with-Start:
 * the receipt is derived from the request's key (the Idempotency-Key, or the form's token) with a
 * keyed hash, so a client's retry lands on the same workflow and the same row. Each later step is
 * an Update of that workflow, checked here first for who may and what is possible now.
 * The receipt lookup answers a wrong receipt exactly as an unknown one: one query by the receipt's
 * hash whatever the input, a constant-time comparison, one error.
 */
import crypto from 'node:crypto';
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import type { z } from 'zod';
import {
  STEP_FROM,
  complaintSubjectLabel,
  complaintWorkflowId,
  formatReceipt,
  normalizeReceipt,
  receiptFromValues,
  receiptValid,
  type ComplaintStep,
  type ComplaintStepRequest,
} from '#domain/complaint-records.js';
import {
  canHandleComplaint,
  isSupervisionOffice,
  type ComplaintLimits,
  type ComplaintListQuery,
  type SubmitComplaintInput,
  type complaintDetailSchema,
  type complaintLookupSchema,
} from '#domain/complaint-schemas.js';
import { AppError } from '#domain/errors.js';
import type { Orm } from '#db/orm.js';
import { complaintStepUpdate, submittedUpdate } from '#workflows/complaint.messages.js';
import { complaintWorkflow } from '#workflows/complaint.workflow.js';
import { claim, earlier, updateIdOf, type IdempotentRequest } from '../../idempotency.js';
import { invalid, type Caller } from '../../http.js';
import type { ArchiveStorage } from '../archives/storage.js';
import type { AttachmentService } from '../attachments/service.js';
import { boundedStep, stepFailure } from '../projects/step-call.js';
import { formTokens } from './form-token.js';
import { imageTypeOf } from './images.js';
import type { ComplaintRepository } from './repository.js';

type Detail = z.infer<typeof complaintDetailSchema>;
type Lookup = z.infer<typeof complaintLookupSchema>;
export interface UploadedPhoto {
  field: string;
  data: Buffer;
}

/** Where the reporters' photos are kept in the file store (keys are `<this>/<uuid>`). */
const PHOTO_PREFIX = '00000000-0000-4000-8000-0000c0319a17';
const ASSIGNABLE = ['department', 'township', 'village'];
const DUMMY_RECEIPT = Buffer.alloc(12, 0x30);

/**
 * The key of receipts and form tokens. Receipts must stay the same across restarts (a retried
 * submission finds its complaint), so it is derived from the audit key, which every deployment keeps.
 */
export function complaintSecret(auditKey: Buffer): Buffer {
  return crypto.createHmac('sha256', auditKey).update('complaint-receipts').digest();
}

/** The request a submission is recorded under: its Idempotency-Key, else its form token. */
export function complaintRequestId(requestKey: string): string {
  return `c:${crypto.createHash('sha256').update(requestKey).digest('hex')}`;
}

export function createComplaintService(deps: {
  repo: ComplaintRepository;
  temporal: Client;
  taskQueue: string;
  orm: Orm;
  storage: ArchiveStorage;
  attachments: AttachmentService;
  limits: ComplaintLimits;
  /** Keys the receipts and the form tokens (derived from the audit key in production). */
  secret: Buffer;
  stepTimeoutMs?: number;
}) {
  const { repo, temporal, limits } = deps;
  const tokens = formTokens(deps.secret);
  const bound = <T>(call: () => Promise<T>) => boundedStep(temporal, deps.stepTimeoutMs ?? 30_000, call);
  const keyed = (what: string) => crypto.createHmac('sha256', deps.secret).update(what).digest();

  async function found(who: Caller, id: string) {
    const c = await repo.detail(who, id, isSupervisionOffice(who));
    if (!c) throw new AppError('NOT_FOUND', `举报不存在或不在您的权限范围内 (complaint ${id} not found)`);
    return c;
  }
  /** The receipt and who reported: the supervision office's alone. */
  async function detail(who: Caller, id: string): Promise<Detail> {
    const { receipt, reporter, ...rest } = await found(who, id);
    return isSupervisionOffice(who) ? { ...rest, receipt, ...(reporter ? { reporter } : {}) } : rest;
  }
  function officeOnly(caller: Caller): void {
    if (!isSupervisionOffice(caller))
      throw new AppError('FORBIDDEN', '只有专项监督办的督查员或操作员可以办理举报 (supervision office only)');
  }

  /** The evidence named by a handling: each an unused upload of the caller's own (else 422). */
  async function checkEvidence(caller: Caller, evidenceIds: string[]) {
    const ids = [...new Set(evidenceIds)];
    const unused = await repo.unusedUploads({ ...caller, userId: caller.actor.id! }, ids);
    const bad = ids.findIndex((x) => !unused.has(x));
    if (bad >= 0)
      throw invalid(
        `body.evidenceIds.${evidenceIds.indexOf(ids[bad]!)}`,
        `附件不存在、不是您上传的或已被使用 (attachment ${ids[bad]} is not an unused upload of yours)`,
      );
  }

  async function step(
    caller: Caller,
    id: string,
    name: ComplaintStep,
    extra: Omit<ComplaintStepRequest, 'requestId' | 'step' | 'actor'>,
    idem?: IdempotentRequest,
    check?: (c: Awaited<ReturnType<typeof found>>) => void,
    /** Checks that only a new request needs (a retry's evidence is claimed already). */
    fresh?: () => Promise<void>,
  ): Promise<Detail> {
    const c = await found(caller, id);
    check?.(c);
    if (idem) {
      if (!(await claim(deps.orm, idem))) await earlier(deps.orm, idem);
      if (await repo.recorded(caller, id, updateIdOf(idem))) return detail(caller, id);
    }
    if (!STEP_FROM[name].includes(c.status))
      throw new AppError(
        'TRANSITION_NOT_ALLOWED',
        `举报当前状态（${c.status}）不能执行此步骤 (step ${name} is not allowed from ${c.status})`,
      );
    await fresh?.();
    const requestId = updateIdOf(idem);
    try {
      await bound(() =>
        temporal.workflow.getHandle(complaintWorkflowId(c.receipt)).executeUpdate(complaintStepUpdate, {
          updateId: requestId,
          args: [{ requestId, step: name, actor: caller.actor, ...extra }],
        }),
      );
    } catch (err) {
      if (err instanceof WorkflowNotFoundError)
        throw new AppError(
          'TRANSITION_NOT_ALLOWED',
          '举报办理流程已结束 (the complaint’s workflow has ended)',
        );
      throw stepFailure(err);
    }
    return detail(caller, id);
  }

  return {
    formToken: () => tokens.issue(),
    limits,
    /**
     * What the form names as the subject and whether it is a cancelled project (the form says so,
     * and takes the report all the same), or undefined when there is no such subject.
     */
    async subject(kind: 'project' | 'village', code: string, lang: 'zh-CN' | 'en') {
      const found = await repo.subject(kind, code);
      return (
        found && {
          label: complaintSubjectLabel({ kind, code, name: found.name }, lang),
          cancelled: found.cancelled,
        }
      );
    },

    /**
     * A submission: refused before anything is stored when a robot filled the honeypot, the form
     * token is missing, forged, too fresh or stale, the subject is unknown, or a photo is too
     * large or not an image. `key` names the request (Idempotency-Key, else the form token).
     */
    async submit(input: SubmitComplaintInput, photos: UploadedPhoto[], key: string | undefined) {
      if (input.website)
        throw invalid(
          'body.website',
          '此项应留空 (this field must stay empty: it is filled in only by robots)',
        );
      const token = tokens.check(input.formToken, limits.minFillMs);
      if (token !== 'ok')
        throw invalid(
          'body.formToken',
          token === 'tooSoon'
            ? '提交过快，请稍候再提交 (sent too soon after the form was opened)'
            : '表单已失效，请重新打开举报页面 (the form is invalid or expired; open it again)',
        );
      if (!input.project === !input.village)
        throw invalid('body.project', '请指明举报的项目或村（二选一） (name either a project or a village)');
      if (!input.anonymous && !input.name)
        throw invalid('body.name', '实名举报请填写姓名 (a named report needs a name)');
      if (photos.length > limits.maxPhotos)
        throw invalid(
          `body.photos`,
          `最多上传 ${limits.maxPhotos} 张照片 (at most ${limits.maxPhotos} photos)`,
        );
      const checked = photos.map((p, i) => {
        const path = `body.photos.${i}`;
        if (p.data.length > limits.maxPhotoBytes)
          throw new AppError(
            'PAYLOAD_TOO_LARGE',
            `第 ${i + 1} 张照片超过 ${Math.floor(limits.maxPhotoBytes / 1048576)} MB (photo ${i + 1} is larger than ${Math.floor(limits.maxPhotoBytes / 1048576)} MB)`,
            [
              {
                path,
                message: {
                  zh: `超过 ${limits.maxPhotoBytes} 字节`,
                  en: `larger than ${limits.maxPhotoBytes} bytes`,
                },
              },
            ],
          );
        const mime = imageTypeOf(p.data);
        if (!mime) throw invalid(path, '只能上传 JPEG、PNG 或 WebP 照片 (only JPEG, PNG or WebP images)');
        return { data: p.data, mime, sha256: crypto.createHash('sha256').update(p.data).digest('hex') };
      });
      const subject = input.project
        ? { kind: 'project' as const, code: input.project }
        : { kind: 'village' as const, code: input.village! };
      if ((await repo.subject(subject.kind, subject.code)) === undefined)
        throw invalid(
          `body.${subject.kind}`,
          `${subject.kind === 'project' ? '项目' : '村'}不存在: ${subject.code} (no such ${subject.kind})`,
        );
      const reporter = input.anonymous
        ? { anonymous: true, name: null, phone: null }
        : { anonymous: false, name: input.name ?? null, phone: input.phone ?? null };
      const requestHash = crypto
        .createHash('sha256')
        .update(
          JSON.stringify([
            subject,
            input.category,
            input.description,
            reporter,
            checked.map((p) => p.sha256),
          ]),
        )
        .digest('hex');
      const requestKey = key ?? input.formToken;
      const requestId = complaintRequestId(requestKey);
      const receipt = receiptFromValues([...keyed(`receipt:${requestKey}`).subarray(0, 11)]);
      const answer = (r: { receipt: string; status: string; request_hash: string }) => {
        if (r.request_hash !== requestHash)
          throw new AppError(
            'IDEMPOTENCY_KEY_REUSED',
            '该请求键已用于另一份举报 (this Idempotency-Key or form was used for another complaint)',
            [
              {
                path: 'headers.idempotency-key',
                message: { zh: '已用于另一份举报', en: 'used for another complaint' },
              },
            ],
          );
        return { receipt: r.receipt, receiptDisplay: formatReceipt(r.receipt), status: r.status as never };
      };
      const before = await repo.byRequest(requestId);
      if (before) return answer(before);

      const stored = [];
      for (const p of checked) {
        const storageKey = `${PHOTO_PREFIX}/${crypto.randomUUID()}`;
        await deps.storage.put(storageKey, p.data);
        stored.push({ key: storageKey, sha256: p.sha256, mime: p.mime, bytes: p.data.length });
      }
      const start = new WithStartWorkflowOperation(complaintWorkflow, {
        workflowId: complaintWorkflowId(receipt),
        taskQueue: deps.taskQueue,
        args: [
          {
            submission: {
              receipt,
              requestId,
              requestHash,
              subject,
              category: input.category,
              description: input.description,
              reporter,
              photos: stored,
              at: new Date().toISOString(),
            },
          },
        ],
        // A retry of the same request joins the workflow still running, or finds its row below.
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
      try {
        await bound(() =>
          temporal.workflow.executeUpdateWithStart(submittedUpdate, { startWorkflowOperation: start }),
        );
      } catch (err) {
        if (!causedBy(err, WorkflowExecutionAlreadyStartedError)) throw stepFailure(err);
      }
      const after = await repo.byRequest(requestId);
      if (!after)
        throw new AppError('UNAVAILABLE', '举报未能登记，请稍后再试 (the complaint was not recorded)');
      return answer(after);
    },

    /**
     * The public's view of one receipt; a wrong or unknown receipt is one and the same 404. Every
     * input takes the same steps whatever an earlier one found: the check symbol, the query by the
     * hash, the constant-time comparison (with a dummy when no row came back), then one decision.
     * Nothing returns early, so the time taken says nothing about which check failed.
     */
    async lookup(input: string): Promise<Lookup> {
      const receipt = normalizeReceipt(input);
      const valid = receiptValid(receipt);
      const hash = crypto.createHash('sha256').update(receipt).digest('hex');
      const row = await repo.lookup(hash);
      const given = Buffer.alloc(12, 0x30);
      given.write(receipt.slice(0, 12), 'latin1');
      const same = crypto.timingSafeEqual(row ? Buffer.from(row.receipt, 'latin1') : DUMMY_RECEIPT, given);
      if (!(row && same && valid))
        throw new AppError('NOT_FOUND', '未找到该回执号对应的举报 (no complaint with this receipt)');
      const { receipt: r, ...rest } = row;
      return { receiptDisplay: formatReceipt(r), ...rest };
    },

    list: (who: Caller, q: ComplaintListQuery) => repo.list(who, q),
    detail,

    acknowledge: (c: Caller, id: string, note: string | undefined, idem?: IdempotentRequest) =>
      step(c, id, 'acknowledge', { ...(note ? { text: note } : {}) }, idem, () => officeOnly(c)),

    async assign(
      caller: Caller,
      id: string,
      unitCode: string,
      note: string | undefined,
      idem?: IdempotentRequest,
    ) {
      await found(caller, id);
      officeOnly(caller);
      const unit = await repo.orgByCode(caller, unitCode);
      if (!unit || !ASSIGNABLE.includes(unit.kind))
        throw invalid(
          'body.unitCode',
          `不是部门、乡镇或村（社区）: ${unitCode} (not a unit a complaint can be assigned to)`,
        );
      return step(caller, id, 'assign', { unitId: unit.id, ...(note ? { text: note } : {}) }, idem);
    },

    async handle(
      caller: Caller,
      id: string,
      action: string,
      evidenceIds: string[],
      idem?: IdempotentRequest,
    ) {
      const ids = [...new Set(evidenceIds)];
      return step(
        caller,
        id,
        'handle',
        { text: action, evidenceIds: ids },
        idem,
        (c) => {
          if (!canHandleComplaint(caller, { unitId: c.unit?.id ?? null }))
            throw new AppError(
              'FORBIDDEN',
              '只有承办单位的操作员可以办理 (only an operator of the unit assigned may handle it)',
            );
        },
        () => checkEvidence(caller, evidenceIds),
      );
    },

    answer: (c: Caller, id: string, text: string, idem?: IdempotentRequest) =>
      step(c, id, 'answer', { text }, idem, () => officeOnly(c)),
    close: (c: Caller, id: string, note: string | undefined, idem?: IdempotentRequest) =>
      step(c, id, 'close', { ...(note ? { text: note } : {}) }, idem, () => officeOnly(c)),
    reopen: (c: Caller, id: string, reason: string, idem?: IdempotentRequest) =>
      step(c, id, 'reopen', { text: reason }, idem, () => officeOnly(c)),

    /** A reporter's photo, its SHA-256 checked again on the way out. */
    async photo(who: Caller, id: string, photoId: string) {
      const p = await repo.photo(who, id, photoId);
      if (!p) throw new AppError('NOT_FOUND', `照片不存在 (photo ${photoId} not found)`);
      const bytes = await deps.storage.get(p.storage_key);
      if (!bytes || crypto.createHash('sha256').update(bytes).digest('hex') !== p.sha256)
        throw new AppError('ARCHIVE_INTEGRITY_FAILED', '照片校验失败 (photo integrity check failed)');
      return { contentType: p.content_type, bytes };
    },

    async evidence(who: Caller, id: string, evidenceId: string) {
      if (!(await repo.evidenceOf(who, id, evidenceId)))
        throw new AppError('NOT_FOUND', `佐证材料不存在 (evidence ${evidenceId} not found)`);
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

export type ComplaintService = ReturnType<typeof createComplaintService>;
