/**
 * The negative list (负面清单): entries come from the ladders' 约谈 flags, 约谈 records and the
 * supervision office's own decisions; the office lifts an entry once, saying why, with evidence;
 * and publishes a month's list, which is then never changed (the database refuses it).
 */
import { cstMinute, cstMonth } from '#domain/deadlines.js';
import { AppError } from '#domain/errors.js';
import { isSupervisionOffice, type NegativeListQuery } from '#domain/talks-schemas.js';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { executeAll, scopedEm, scopeOf } from '#db/scope.js';
import {
  negativeEntryLift,
  negativeEntryManual,
  negativeListPublish,
} from '#db/writes/negative-list-entry.js';
import { invalid, mapDbError, type Caller } from '../../http.js';
import { writeOnce } from '../../idempotency.js';
import type { AttachmentService } from '../attachments/service.js';
import { linkAttachments, officeOnly } from '../interviews/service.js';
import { entryDto, type NegativeListRepository } from './repository.js';

const notFound = (id: string) =>
  new AppError('NOT_FOUND', `负面清单条目不存在或不在您的权限范围内 (entry ${id} not found)`);
/** When it was lifted, on the county's clock (the instant's own text is UTC's, a day early before 08:00). */
export const liftedAlready = (at: string | Date) => {
  const when = cstMinute(new Date(at).getTime());
  return new AppError('CONFLICT', { zh: `该条目已于 ${when} 移出`, en: `the entry was lifted on ${when}` });
};

/**
 * An entry dated in a month whose list is published: that list would never show it, though its
 * date says it belonged there. What is published stays as published; a listing decided now is
 * dated now (or in a month whose list is not yet published).
 */
const monthPublished = (listedOn: string) => {
  const month = listedOn.slice(0, 7);
  return new AppError(
    'CONFLICT',
    {
      zh: `${month} 的负面清单已发布，不能再列入日期在该月的条目；请改用未发布月份的日期（如今天）`,
      en: `the negative list of ${month} is published already: an entry can no longer be dated in that month; date it in a month not yet published (today, say)`,
    },
    [{ path: 'body.listedOn', message: { zh: `${month} 已发布`, en: `${month} is published` } }],
  );
};

export function createNegativeListService(deps: {
  orm: Orm;
  repo: NegativeListRepository;
  audit: AuditLog;
  attachments: AttachmentService;
}) {
  const { orm, repo } = deps;
  const actorOf = (c: Caller) => ({ id: c.actor.id, username: c.actor.username });

  async function get(caller: Caller, id: string | number) {
    const found = await repo.get(caller, id);
    if (!found) throw notFound(String(id));
    return entryDto(found.row, found.evidence);
  }

  return {
    get,

    async list(caller: Caller, q: NegativeListQuery) {
      const { rows, total } = await repo.list(caller, q);
      return { items: rows.map((r) => entryDto(r)), total, page: q.page, pageSize: q.pageSize };
    },

    async add(
      caller: Caller,
      input: { unitCode: string; project?: string; leaderName?: string; reason: string; listedOn: string },
    ) {
      // Once per Idempotency-Key: a retry whose answer was lost after the commit answers the entry.
      const id = await writeOnce(orm, async (record) => {
        if (!isSupervisionOffice(caller)) throw officeOnly();
        const unit = await repo.unit(caller, input.unitCode);
        if (!unit) throw invalid('body.unitCode', `单位不存在 (no unit “${input.unitCode}”)`);
        let projectId: string | null = null;
        if (input.project) {
          const p = await repo.project(caller, input.project);
          if (!p) throw invalid('body.project', `项目不存在 (no project “${input.project}”)`);
          projectId = p.id;
        }
        let id = '';
        try {
          await scopedEm(orm, scopeOf(caller)).transactional(async (tx) => {
            if (await repo.lockMonth(tx, input.listedOn.slice(0, 7))) throw monthPublished(input.listedOn);
            const [rows] = await executeAll(tx, [
              negativeEntryManual({
                unitId: unit.id,
                projectId,
                leaderName: input.leaderName,
                reason: input.reason,
                listedOn: input.listedOn,
                listedBy: caller.actor.id,
              }),
            ]);
            id = String((rows as { id: string }[])[0]!.id);
            await record(tx, id);
            await deps.audit.append(tx, {
              actor: actorOf(caller),
              via: 'api',
              action: 'negative_list.add',
              entity: 'negative_list_entry',
              entityId: id,
              after: { source: 'manual', ...input },
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

    async lift(caller: Caller, id: string, input: { reason: string; attachmentIds: string[] }) {
      if (!isSupervisionOffice(caller)) throw officeOnly();
      const found = await repo.get(caller, id);
      if (!found) throw notFound(id);
      if (found.row.lifted_at) throw liftedAlready(found.row.lifted_at);
      try {
        await scopedEm(orm, scopeOf(caller)).transactional(async (tx) => {
          const [rows] = await executeAll(tx, [
            negativeEntryLift({ entryId: id, by: caller.actor.id, reason: input.reason }),
          ]);
          if ((rows as unknown[]).length === 0)
            throw new AppError('CONFLICT', '该条目已移出 (lifted already)');
          await linkAttachments(tx, caller, input.attachmentIds, { entry: id });
          await deps.audit.append(tx, {
            actor: actorOf(caller),
            via: 'api',
            action: 'negative_list.lift',
            entity: 'negative_list_entry',
            entityId: id,
            before: { liftedAt: null },
            after: input,
          });
        });
      } catch (err) {
        if (err instanceof AppError) throw err;
        mapDbError(err);
      }
      return get(caller, id);
    },

    /** Evidence of a lift: readable by whoever may read the entry. */
    async evidence(caller: Caller, id: string, attachmentId: string) {
      const entry = await get(caller, id);
      const mine = entry.evidence.some((a) => a.id === attachmentId);
      return deps.attachments.download(caller, attachmentId, () => mine);
    },

    async publications(caller: Caller) {
      const rows = await repo.publications(caller);
      return {
        items: rows.map((r) => ({
          month: r.month,
          publishedAt: new Date(r.published_at).toISOString(),
          publishedBy: r.published_by,
          entryCount: r.entry_count,
        })),
      };
    },

    async publication(caller: Caller, month: string) {
      const found = await repo.publication(caller, month);
      if (!found)
        throw new AppError('NOT_FOUND', `${month} 的负面清单尚未发布 (month ${month} not published)`);
      const { head, entries } = found;
      return {
        month: head.month,
        publishedAt: new Date(head.published_at).toISOString(),
        publishedBy: head.published_by,
        entryCount: head.entry_count,
        entries: entries.map((e) => ({
          seq: Number(e.seq),
          entryId: Number(e.entry_id),
          unit: { name: e.unit_name! },
          leaderName: e.leader_name!,
          project: e.project_name ? { name: e.project_name } : null,
          source: e.source!,
          reason: e.reason!,
          listedOn: e.listed_on!,
          liftedOn: e.lifted_on,
          liftReason: e.lift_reason,
        })),
      };
    },

    /** Publishes an ended month's list once; a second publication of it is a 409. */
    async publish(caller: Caller, month: string) {
      if (!isSupervisionOffice(caller)) throw officeOnly();
      if (month >= cstMonth(Date.now()))
        throw invalid('body.month', `只能发布已结束的月份 (month ${month} has not ended yet)`);
      try {
        await scopedEm(orm, scopeOf(caller)).transactional(async (tx) => {
          // After any entry being listed in the month commits, so the snapshot holds it.
          await repo.lockMonth(tx, month);
          const [rows] = await executeAll(tx, [
            negativeListPublish({ month, by: caller.actor.id, unitId: caller.orgUnitId }),
          ]);
          await deps.audit.append(tx, {
            actor: actorOf(caller),
            via: 'api',
            action: 'negative_list.publish',
            entity: 'negative_list_publication',
            entityId: month,
            after: { month, entryIds: (rows as { entry_id: string }[]).map((r) => Number(r.entry_id)) },
          });
        });
      } catch (err) {
        const e = err as { code?: string };
        if (e?.code === '23505')
          throw new AppError(
            'CONFLICT',
            `${month} 的负面清单已发布，不能更改 (month ${month} is published already)`,
            [{ path: 'body.month', message: { zh: '已发布', en: 'published' } }],
          );
        if (err instanceof AppError) throw err;
        mapDbError(err);
      }
      return this.publication(caller, month);
    },
  };
}

export type NegativeListService = ReturnType<typeof createNegativeListService>;
