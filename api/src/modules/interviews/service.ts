/**
 * 约谈 records: the supervision office records a talk (individual or collective) with whom, by
 * whom, when, where, why and what was agreed, and a follow-up deadline; a talk may deal with open
 * 约谈 flags, each closed by it in the same transaction (a flag stays open until a record closes
 * it). Records are never changed: a correction is a new record naming the one it corrects. A
 * record outside the caller's reach answers as one that does not exist.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '#domain/errors.js';
import {
  isSupervisionOffice,
  type CreateInterviewInput,
  type InterviewFlagListQuery,
  type InterviewListQuery,
} from '#domain/talks-schemas.js';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { executeAll, scopedEm, scopeOf, type Tx } from '#db/scope.js';
import { interviewFlagClose } from '#db/writes/interview-flag.js';
import { interviewRecordInsert, interviewSubjectsInsert } from '#db/writes/interview-record.js';
import { negativeEntryFromInterview } from '#db/writes/negative-list-entry.js';
import { supervisionAttachmentsLink } from '#db/writes/supervision-attachment.js';
import { invalid, mapDbError, type Caller } from '../../http.js';
import { writeOnce } from '../../idempotency.js';
import type { AttachmentService } from '../attachments/service.js';
import { flagDto, interviewSummary, type InterviewRepository } from './repository.js';

const notFound = (id: string) =>
  new AppError('NOT_FOUND', `约谈记录不存在或不在您的权限范围内 (interview record ${id} not found)`);

export const officeOnly = () =>
  new AppError('FORBIDDEN', '只有专项监督办的督查员或操作员可以操作 (the supervision office only)');

/** Links the caller's uploads; an id that is not one of them is a 422 naming the field. */
export async function linkAttachments(
  tx: Tx,
  caller: Caller,
  ids: readonly string[],
  owner: { record: string } | { entry: string | number },
): Promise<void> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return;
  const [rows] = await executeAll(tx, [supervisionAttachmentsLink(unique, caller.actor.id, owner)]);
  const linked = new Set((rows as { id: string }[]).map((r) => r.id));
  const missing = unique.find((id) => !linked.has(id));
  if (missing)
    throw invalid(
      'body.attachmentIds',
      `附件不存在、不是您上传的或已被使用 (attachment ${missing} is not an unused upload of yours)`,
    );
}

/** Beside the flags field: a flag another record has closed. */
const FLAG_CLOSED = { zh: '已办结', en: 'closed' };

/**
 * A flag closed without a talk because its notice was withdrawn: the office decided the notice was
 * wrong, so no talk is owed for it and no record closes it.
 */
const flagWithdrawn = (id: number | string) =>
  new AppError(
    'CONFLICT',
    {
      zh: `约谈标记 ${id} 所依据的整改通知书已撤回，该标记已关闭，无需约谈`,
      en: `flag ${id} was closed when its rectification notice was withdrawn: no talk is owed for it`,
    },
    [{ path: 'body.flagIds', message: { zh: '通知书已撤回', en: 'notice withdrawn' } }],
  );

/**
 * A record has one correction: a second of the same record would be a second talk in the month's
 * ranking and the unit's year (each counts a record no later one corrects). The console offers to
 * correct the latest record only; this holds for two offices' tabs or a repeated request too.
 */
const correctedAlready = (by: string) =>
  new AppError(
    'CONFLICT',
    {
      zh: `被更正的约谈记录已由记录 ${by} 更正，请更正最新的记录`,
      en: `the record was corrected already, by record ${by}: correct the latest record`,
    },
    [{ path: 'body.correctsId', message: { zh: '已被更正', en: 'corrected already' } }],
  );

export function createInterviewService(deps: {
  orm: Orm;
  repo: InterviewRepository;
  audit: AuditLog;
  attachments: AttachmentService;
}) {
  const { orm, repo } = deps;

  async function get(caller: Caller, id: string) {
    const found = await repo.get(caller, id);
    if (!found) throw notFound(id);
    const { row, flags, attachments } = found;
    return {
      ...interviewSummary(row),
      agreed: row.agreed!,
      recorder: { code: row.recorder_code!, name: row.recorder_name! },
      createdBy: row.created_by_name ?? null,
      flags,
      attachments,
    };
  }

  /** What a record is about, checked: units, flags, project and the record it corrects. */
  async function resolve(caller: Caller, input: CreateInterviewInput) {
    const codes = [...new Set(input.subjects.map((s) => s.unitCode))];
    const units = await repo.units(caller, codes);
    const unitOf = new Map(units.map((u) => [u.code, u.id]));
    input.subjects.forEach((s, k) => {
      if (!unitOf.has(s.unitCode))
        throw invalid(`body.subjects.${k}.unitCode`, `单位不存在 (no unit “${s.unitCode}”)`);
    });
    const flagIds = [...new Set(input.flagIds)];
    const flags = flagIds.length ? await repo.flags(caller, { status: 'all', ids: flagIds }) : [];
    for (const id of flagIds) {
      const f = flags.find((x) => Number(x.id) === id);
      if (!f) throw invalid('body.flagIds', `约谈标记不存在 (no interview flag “${id}”)`);
      if (f.close_reason === 'noticeWithdrawn') throw flagWithdrawn(id);
      if (f.record_id)
        throw new AppError(
          'CONFLICT',
          `约谈标记 ${id} 已由另一份约谈记录办结 (flag ${id} is closed already)`,
          [{ path: 'body.flagIds', message: FLAG_CLOSED }],
        );
      if (![...unitOf.values()].includes(f.org_unit_id))
        throw invalid(
          'body.flagIds',
          `约谈标记 ${id} 所涉单位（${f.unit_name}）不在被约谈人中 (the flag's unit is not among the subjects)`,
        );
    }
    let projectId = flags.find((f) => f.project_id)?.project_id ?? null;
    if (input.project) {
      const p = await repo.project(caller, input.project);
      if (!p) throw invalid('body.project', `项目不存在 (no project “${input.project}”)`);
      projectId = p.id;
    }
    if (input.correctsId && !(await repo.exists(caller, input.correctsId)))
      throw invalid('body.correctsId', `被更正的约谈记录不存在 (no record “${input.correctsId}”)`);
    if (input.correctsId) {
      const by = await repo.correctedBy(caller, input.correctsId);
      if (by) throw correctedAlready(by);
    }
    return { unitOf, flagIds, projectId };
  }

  return {
    get,

    async list(caller: Caller, q: InterviewListQuery) {
      const { rows, total } = await repo.list(caller, q);
      return { items: rows.map(interviewSummary), total, page: q.page, pageSize: q.pageSize };
    },

    async flags(caller: Caller, q: InterviewFlagListQuery) {
      const { rows, total } = await repo.flagPage(caller, {
        status: q.status,
        unitCode: q.unitCode,
        ids: q.id ? [q.id] : undefined,
        page: q.page,
        pageSize: q.pageSize,
      });
      return { items: rows.map(flagDto), total, page: q.page, pageSize: q.pageSize };
    },

    async create(caller: Caller, input: CreateInterviewInput) {
      // Once per Idempotency-Key: a retry whose answer was lost after the commit answers the record.
      const id = await writeOnce(orm, async (record) => {
        if (!isSupervisionOffice(caller)) throw officeOnly();
        const { unitOf, flagIds, projectId } = await resolve(caller, input);
        const id = randomUUID();
        const at = new Date();
        try {
          await scopedEm(orm, scopeOf(caller)).transactional(async (tx) => {
            // Two corrections of one record at once: the second waits here and finds the first.
            if (input.correctsId) {
              const by = await repo.lockCorrection(tx, input.correctsId);
              if (by) throw correctedAlready(by);
            }
            // A correction's listing: the units its earlier records listed stay listed by them
            // (one talk, one entry per unit, as the ranking counts the talk once).
            const listedBefore =
              input.addToNegativeList && input.correctsId
                ? await repo.listedByChain(tx, input.correctsId)
                : new Set<string>();
            await executeAll(tx, [
              interviewRecordInsert({
                id,
                kind: input.kind,
                heldAt: input.heldAt,
                location: input.location,
                interviewers: input.interviewers,
                reason: input.reason,
                agreed: input.agreed,
                followUpDue: input.followUpDue ?? null,
                recorderUnitId: caller.orgUnitId,
                createdBy: caller.actor.id,
                projectId,
                correctsId: input.correctsId ?? null,
              }),
              interviewSubjectsInsert(
                id,
                input.subjects.map((s) => ({
                  unitId: unitOf.get(s.unitCode)!,
                  name: s.name,
                  title: s.title,
                })),
              ),
            ]);
            await record(tx, id);
            // Each flag closes once: a concurrent record that closed it first wins, this one fails;
            // so does a withdrawal of its notice that closed it meanwhile (locked, then looked at).
            for (const f of await repo.lockFlags(tx, flagIds))
              if (f.close_reason === 'noticeWithdrawn') throw flagWithdrawn(f.id);
            for (const flagId of flagIds) {
              const [closed] = await executeAll(tx, [interviewFlagClose({ flagId, recordId: id, at })]);
              if ((closed as unknown[]).length === 0)
                throw new AppError(
                  'CONFLICT',
                  `约谈标记 ${flagId} 已由另一份约谈记录办结 (flag closed already)`,
                  [{ path: 'body.flagIds', message: FLAG_CLOSED }],
                );
              await deps.audit.append(tx, {
                actor: { id: caller.actor.id, username: caller.actor.username },
                via: 'api',
                action: 'interview.flag.close',
                entity: 'interview_flag',
                entityId: String(flagId),
                after: { recordId: id },
              });
            }
            await linkAttachments(tx, caller, input.attachmentIds, { record: id });
            const listed: string[] = [];
            if (input.addToNegativeList) {
              // One entry per unit talked to, the first person named for it standing as its leader.
              for (const code of unitOf.keys()) {
                if (listedBefore.has(unitOf.get(code)!)) continue;
                const who = input.subjects.find((s) => s.unitCode === code)!;
                const [rows] = await executeAll(tx, [
                  negativeEntryFromInterview({
                    recordId: id,
                    unitId: unitOf.get(code)!,
                    projectId,
                    leaderName: who.name,
                    reason: input.reason,
                    listedAt: at,
                    listedBy: caller.actor.id,
                  }),
                ]);
                for (const r of rows as { id: string }[]) {
                  listed.push(String(r.id));
                  await deps.audit.append(tx, {
                    actor: { id: caller.actor.id, username: caller.actor.username },
                    via: 'api',
                    action: 'negative_list.add',
                    entity: 'negative_list_entry',
                    entityId: String(r.id),
                    after: { source: 'interview', recordId: id, unit: code, leaderName: who.name },
                  });
                }
              }
            }
            await deps.audit.append(tx, {
              actor: { id: caller.actor.id, username: caller.actor.username },
              via: 'api',
              action: 'interview.record',
              entity: 'interview_record',
              entityId: id,
              after: {
                ...input,
                agreed: undefined,
                agreedLength: input.agreed.length,
                projectId,
                negativeEntries: listed,
              },
            });
          });
        } catch (err) {
          if (err instanceof AppError) throw err;
          mapDbError(err);
        }
        return id;
      });
      return get(caller, id);
    },

    async attachment(caller: Caller, id: string, attachmentId: string) {
      const found = await repo.get(caller, id);
      if (!found) throw notFound(id);
      const mine = found.attachments.some((a) => a.id === attachmentId);
      return deps.attachments.download(caller, attachmentId, () => mine);
    },
  };
}

export type InterviewService = ReturnType<typeof createInterviewService>;
