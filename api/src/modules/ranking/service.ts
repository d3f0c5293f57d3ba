/**
 * The monthly ranking for the api: stored reports read in the caller's scope (row-level security
 * beneath the rule here), a unit's drill-down to its projects, and the supervision office's
 * trigger and backfill. Reports are read county-wide; a unit reads its own rows.
 */
import type { Client } from '@temporalio/client';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { monthBounds } from '#db/ranking/compute.js';
import { projectFacts } from '#db/queries/ranking-inputs.js';
import { inScope, scopeOf, scopedEm } from '#db/scope.js';
import { isCountyWide, type Principal } from '#domain/access.js';
import { AppError } from '#domain/errors.js';
import { isSupervisionOffice } from '#domain/rectification-schemas.js';
import {
  monthCutoffInstant,
  rankingMonthFor,
  type RankingGroup,
  type RankingMonthSummary,
  type RankingReport,
  type RankingRow,
} from '#domain/ranking/report.js';
import type { Caller } from '../../http.js';
import { runRankingMonth } from './run.js';

export type RankingService = ReturnType<typeof createRankingService>;

function countyOnly(p: Principal): void {
  if (!isCountyWide(p))
    throw new AppError('FORBIDDEN', '月度考核排名全表仅限县级账号查看 (county-wide accounts only)');
}

function ownUnitOrCounty(p: Principal, unitId: string): void {
  if (!isCountyWide(p) && p.orgUnitId !== unitId)
    throw new AppError('FORBIDDEN', '只能查看本单位的考核排名 (your own unit only)');
}

export function createRankingService(deps: {
  orm: Orm;
  audit: AuditLog;
  temporal: Client;
  taskQueue: string;
}) {
  const read = (p: Principal) => scopedEm(deps.orm, scopeOf(p));

  async function report(p: Principal, month: string): Promise<RankingReport> {
    countyOnly(p);
    const rows = await read(p).execute<{ report: RankingReport }[]>(
      'SELECT report FROM ranking_report WHERE month = ?',
      [month],
    );
    if (!rows[0]) throw new AppError('NOT_FOUND', `${month} 的考核排名尚未生成 (no report for ${month})`);
    return rows[0].report;
  }

  return {
    report,

    async months(p: Principal): Promise<{ items: RankingMonthSummary[] }> {
      countyOnly(p);
      const rows = await read(p).execute<
        {
          month: string;
          config_version: string;
          computed_at: Date;
          trigger: RankingMonthSummary['trigger'];
        }[]
      >('SELECT month, config_version, computed_at, trigger FROM ranking_report ORDER BY month DESC');
      return {
        items: rows.map((r) => ({
          month: r.month,
          configVersion: r.config_version,
          computedAt: new Date(r.computed_at).toISOString(),
          trigger: r.trigger,
        })),
      };
    },

    async unit(p: Principal, month: string, unitId: string) {
      ownUnitOrCounty(p, unitId);
      const rows = await read(p).execute<{ grp: RankingGroup; row: RankingRow }[]>(
        'SELECT grp, row FROM ranking_entry WHERE month = ? AND org_unit_id = ?',
        [month, unitId],
      );
      const entry = rows[0];
      if (!entry)
        throw new AppError('NOT_FOUND', `${month} 没有该单位的考核排名 (no row for this unit in ${month})`);
      // The projects behind the figures, in the caller's scope, as of the month's cutoff.
      const projects = await projectFacts(read(p), entry.grp, monthBounds(month), unitId);
      return { month, group: entry.grp, row: entry.row, projects };
    },

    async unitHistory(p: Principal, unitId: string) {
      ownUnitOrCounty(p, unitId);
      const rows = await read(p).execute<{ month: string; grp: RankingGroup; row: RankingRow }[]>(
        'SELECT month, grp, row FROM ranking_entry WHERE org_unit_id = ? ORDER BY month',
        [unitId],
      );
      return { items: rows.map((r) => ({ month: r.month, group: r.grp, row: r.row })) };
    },

    async run(caller: Caller, body: { month?: string | undefined }) {
      if (!isSupervisionOffice(caller))
        throw new AppError('FORBIDDEN', '仅专项监督办可生成考核排名 (the supervision office only)');
      const now = Date.now();
      const latest = rankingMonthFor(now);
      const month = body.month ?? latest;
      if (monthCutoffInstant(month) > now)
        throw new AppError(
          'VALIDATION_FAILED',
          `${month} 尚未结束，不能生成考核排名 (the month is not over)`,
          [{ path: 'body.month', message: { zh: '须为已结束的月份', en: 'a month that is over' } }],
        );
      const trigger = month === latest ? 'manual' : 'backfill';
      const result = await runRankingMonth(deps.temporal, deps.taskQueue, month, trigger);
      await inScope(deps.orm, scopeOf(caller), (tx) =>
        deps.audit.append(tx, {
          actor: { id: caller.actor.id, username: caller.actor.username },
          via: 'api',
          action: `ranking.${trigger}`,
          entity: 'ranking_report',
          entityId: month,
          after: result,
        }),
      );
      return result;
    },
  };
}
