/**
 * Risk red flags: read by county-wide accounts and by the units a flag concerns; scanned and
 * dismissed by the supervision office. A flag outside the caller's reach answers as one that does
 * not exist.
 */
import { AppError } from '#domain/errors.js';
import {
  canReviewRedFlags,
  explain,
  suggestNotice,
  type RedFlagConfig,
  type RedFlagDetail,
  type RedFlagListQuery,
  type RedFlagRule,
  type RedFlagStatus,
} from '#domain/red-flags.js';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { scanRedFlags } from '#db/queries/red-flag-scan.js';
import { scopedEm, scopeOf } from '#db/scope.js';
import { redFlagDismiss } from '#db/writes/red-flag.js';
import { invalid, type Caller } from '../../http.js';
import type { RedFlagRepository, RedFlagRow } from './repository.js';

const notFound = (id: number | string) =>
  new AppError('NOT_FOUND', `风险红旗不存在或不在您的权限范围内 (red flag ${id} not found)`);
const officeOnly = () =>
  new AppError(
    'FORBIDDEN',
    '只有专项监督办（监督办公室的督查员、操作员）可以执行此操作 (supervision office only)',
  );
const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function summary(r: RedFlagRow) {
  const rule = r.rule as RedFlagRule;
  return {
    id: Number(r.id),
    rule,
    status: r.status as RedFlagStatus,
    year: r.year,
    unit: { code: r.unit_code, name: r.unit_name },
    projects: r.projects,
    explanation: explain(rule, r.evidence.facts),
    detectedAt: iso(r.detected_at)!,
    updatedAt: iso(r.updated_at)!,
    clearedAt: iso(r.cleared_at),
  };
}

export function createRedFlagService(deps: {
  orm: Orm;
  repo: RedFlagRepository;
  audit: AuditLog;
  config: RedFlagConfig;
}) {
  const { repo } = deps;

  async function get(caller: Caller, id: number): Promise<RedFlagDetail> {
    const found = await repo.get(caller, id);
    if (!found) throw notFound(id);
    const { row, notices } = found;
    const s = summary(row);
    // A flag concerns every unit of its projects, but a unit reads only the projects in its scope
    // (`projects` comes through row-level security): the rows of the others stay with them.
    const readable = new Set(s.projects.map((p) => p.code));
    return {
      ...s,
      facts: row.evidence.facts,
      rows: row.evidence.rows.filter((r) => readable.has(r.project as string)),
      dismissal: row.dismissed_at
        ? { at: iso(row.dismissed_at)!, by: row.dismissed_by_name!, reason: row.dismiss_reason! }
        : null,
      notices,
      suggestion: suggestNotice(
        s.rule,
        s.unit.code,
        s.explanation['zh-CN'],
        s.projects.map((p) => p.code),
      ),
    };
  }

  return {
    get,

    async list(caller: Caller, q: RedFlagListQuery) {
      if (q.unitCode && !(await repo.unitExists(caller, q.unitCode)))
        throw invalid('query.unitCode', `单位不存在 (no unit “${q.unitCode}”)`);
      const { rows, total } = await repo.list(caller, q);
      return { items: rows.map(summary), total, page: q.page, pageSize: q.pageSize };
    },

    async dismiss(caller: Caller, id: number, reason: string): Promise<RedFlagDetail> {
      if (!canReviewRedFlags(caller)) throw officeOnly();
      const before = await get(caller, id);
      if (before.status === 'dismissed')
        throw new AppError('CONFLICT', '该风险红旗已被排除 (the red flag is already dismissed)', {
          dismissal: before.dismissal,
        });
      if (before.status === 'converted')
        throw new AppError('CONFLICT', '该风险红旗已转为整改通知，不能排除 (a notice was raised from it)');
      const done = await scopedEm(deps.orm, scopeOf(caller)).transactional(async (tx) => {
        const st = redFlagDismiss({
          id,
          userId: caller.actor.id,
          userName: caller.actor.name,
          reason,
        });
        const rows = await tx.execute(st.sql, st.params);
        if (rows.length === 0) return false; // dismissed or converted meanwhile
        await deps.audit.append(tx, {
          actor: { id: caller.actor.id, username: caller.actor.username },
          via: 'api',
          action: 'redFlag.dismiss',
          entity: 'red_flag',
          entityId: String(id),
          before: { status: before.status },
          after: { status: 'dismissed', reason },
        });
        return true;
      });
      if (!done) throw new AppError('CONFLICT', '该风险红旗已被排除或已转为整改通知 (no longer open)');
      return get(caller, id);
    },

    async scan(caller: Caller) {
      if (!canReviewRedFlags(caller)) throw officeOnly();
      return scanRedFlags({
        orm: deps.orm,
        audit: deps.audit,
        config: deps.config,
        actor: { id: caller.actor.id, username: caller.actor.username },
        via: 'api',
      });
    },
  };
}

export type RedFlagService = ReturnType<typeof createRedFlagService>;
