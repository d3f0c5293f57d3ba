/**
 * 月通报: the supervision office generates a month's draft from the stored ranking report and the
 * month's facts, edits it, and publishes it to every unit; a published edition never changes, and
 * generating again after publication starts the next edition. Every write is audited.
 */
import { randomUUID } from 'node:crypto';
import {
  canWriteCircular,
  type CircularDto,
  type CircularSummary,
  type EditCircularInput,
} from '#domain/circular/schemas.js';
import { draftCircular, SECTION_HEADINGS } from '#domain/circular/draft.js';
import { AppError } from '#domain/errors.js';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { scopedEm, scopeOf, type Tx } from '#db/scope.js';
import {
  circularDraftOf,
  circularEdit,
  circularInsert,
  circularMonthLock,
  circularPublish,
  circularReplaceDraft,
  type GeneratedFrom,
} from '#db/writes/circular.js';
import { mapDbError, type Caller } from '../../http.js';
import { writeOnce } from '../../idempotency.js';
import type { CircularRepository, CircularRow } from './repository.js';

const notFound = (id: string) =>
  new AppError('NOT_FOUND', `通报不存在或不在您的权限范围内 (circular ${id} not found)`);
const forbidden = () =>
  new AppError(
    'FORBIDDEN',
    '只有专项监督办可以生成、修改和发布通报 (only the supervision office writes circulars)',
  );
const iso = (d: string | Date | null) => (d === null ? null : new Date(d).toISOString());

function summary(r: CircularRow): CircularSummary {
  return {
    id: r.id,
    month: r.month,
    edition: r.edition,
    title: r.title,
    status: r.status,
    revision: r.revision,
    generatedAt: iso(r.generated_at)!,
    editedAt: iso(r.edited_at),
    publishedAt: iso(r.published_at),
  };
}

export function createCircularService(deps: { orm: Orm; repo: CircularRepository; audit: AuditLog }) {
  const { orm, repo } = deps;

  async function get(caller: Caller, id: string): Promise<CircularDto> {
    const r = await repo.get(caller, id);
    if (!r) throw notFound(id);
    const who = (u?: string | null, n?: string | null) => (u ? { username: u, name: n ?? u } : null);
    return {
      ...summary(r),
      sections: r.sections!.map((s) => ({
        key: s.key as CircularDto['sections'][number]['key'],
        heading: s.heading,
        body: s.body,
      })),
      generatedFrom: r.generated_from as CircularDto['generatedFrom'],
      generatedBy: who(r.generated_by_username, r.generated_by_name),
      editedBy: who(r.edited_by_username, r.edited_by_name),
      publishedBy: who(r.published_by_username, r.published_by_name),
      issuer: r.issuer ?? '',
      canWrite: canWriteCircular(caller) && r.status === 'draft',
    };
  }

  /** Runs a write in the office's scope with its audit row; database refusals become api errors. */
  async function write<T>(caller: Caller, fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (!canWriteCircular(caller)) throw forbidden();
    try {
      return await scopedEm(orm, scopeOf(caller)).transactional(fn);
    } catch (err) {
      if (err instanceof AppError) throw err;
      return mapDbError(err);
    }
  }
  const audit = (tx: Tx, caller: Caller, action: string, id: string, before: unknown, after: unknown) =>
    deps.audit.append(tx, {
      actor: { id: caller.actor.id, username: caller.actor.username },
      via: 'api',
      action,
      entity: 'circular',
      entityId: id,
      before,
      after,
    });

  /** Why a guarded write changed nothing: gone, published, or edited by someone else since. */
  async function refusal(caller: Caller, id: string, revision: number): Promise<AppError> {
    const r = await repo.get(caller, id);
    if (!r) return notFound(id);
    if (r.status === 'published')
      return new AppError('CONFLICT', '通报已发布，不能再修改 (a published circular cannot change)', {
        status: r.status,
      });
    return new AppError(
      'CONFLICT',
      `通报已被他人修改，请刷新后再编辑 (the draft changed since revision ${revision}; it is now ${r.revision})`,
      { revision: r.revision },
    );
  }

  return {
    get,

    async list(caller: Caller) {
      const { rows, rankingMonths } = await repo.list(caller);
      const writer = canWriteCircular(caller);
      return { items: rows.map(summary), rankingMonths: writer ? rankingMonths : [], canWrite: writer };
    },

    /** Generates (or regenerates) the month's draft; 409 while the month's ranking is not stored. */
    async generate(caller: Caller, month: string): Promise<CircularDto> {
      // Once per Idempotency-Key: a retry whose answer was lost after the commit answers the draft
      // it made, not a regeneration over what was edited since.
      const id = await writeOnce(orm, async (record) => {
        if (!canWriteCircular(caller)) throw forbidden();
        const report = await repo.rankingReport(caller, month);
        if (!report)
          throw new AppError(
            'CONFLICT',
            `${month} 的月度考核排名尚未生成，不能起草通报 (no ranking is stored for ${month} yet)`,
            [{ path: 'body.month', message: { zh: '该月尚无考核排名', en: 'no ranking report' } }],
          );
        const facts = await repo.facts(caller, report);
        const text = draftCircular({ report, ...facts });
        const from: GeneratedFrom = {
          rankingMonth: report.month,
          configVersion: report.config.version,
          computedAt: report.computedAt,
          overdueProjects: new Set(facts.overdue.map((a) => a.projectCode)).size,
          noticesIssued: facts.notices.filter((n) => n.issuedInMonth).length,
          noticesClosed: facts.notices.filter((n) => n.closedInMonth && n.status === 'closed').length,
          interviews: facts.talks.length,
        };
        return write(caller, async (tx) => {
          const lock = circularMonthLock(month);
          await tx.execute(lock.sql, lock.params);
          const q = circularDraftOf(month);
          const [at] = await tx.execute<{ draft_id: string | null; next_edition: number }[]>(q.sql, q.params);
          const userId = caller.actor.id ?? null;
          const draftId = at!.draft_id;
          const target = draftId ?? randomUUID();
          const st = draftId
            ? circularReplaceDraft({ id: draftId, text, from, userId })
            : circularInsert({ id: target, month, edition: Number(at!.next_edition), text, from, userId });
          await tx.execute(st.sql, st.params, 'run');
          await record(tx, target);
          await audit(tx, caller, draftId ? 'circular.regenerate' : 'circular.generate', target, null, {
            month,
            title: text.title,
            generatedFrom: from,
          });
          return target;
        });
      });
      return get(caller, id);
    },

    async edit(caller: Caller, id: string, input: EditCircularInput): Promise<CircularDto> {
      const text = {
        title: input.title,
        sections: input.sections.map((s) => ({ key: s.key, heading: SECTION_HEADINGS[s.key], body: s.body })),
      };
      const changed = await write(caller, async (tx) => {
        const [before] = await tx.execute<{ title: string; revision: number }[]>(
          `SELECT title, revision FROM circular WHERE id = ?`,
          [id],
        );
        const st = circularEdit({ id, revision: input.revision, text, userId: caller.actor.id ?? null });
        const res = await tx.execute(st.sql, st.params, 'run');
        if (res.affectedRows === 0) return false;
        await audit(tx, caller, 'circular.edit', id, before ?? null, {
          title: text.title,
          revision: input.revision + 1,
          sectionLengths: text.sections.map((s) => s.body.length),
        });
        return true;
      });
      if (!changed) throw await refusal(caller, id, input.revision);
      return get(caller, id);
    },

    async publish(caller: Caller, id: string, revision: number): Promise<CircularDto> {
      const published = await write(caller, async (tx) => {
        const st = circularPublish({ id, revision, userId: caller.actor.id ?? null });
        const res = await tx.execute(st.sql, st.params, 'run');
        if (res.affectedRows === 0) return false;
        await audit(
          tx,
          caller,
          'circular.publish',
          id,
          { status: 'draft', revision },
          { status: 'published' },
        );
        return true;
      });
      if (!published) throw await refusal(caller, id, revision);
      return get(caller, id);
    },
  };
}

export type CircularService = ReturnType<typeof createCircularService>;
