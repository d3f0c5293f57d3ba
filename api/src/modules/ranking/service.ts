/**
 * The monthly ranking for the api: stored reports read in the caller's scope (row-level security
 * beneath the rule here), a unit's drill-down to its projects, and the supervision office's
 * trigger and backfill. Reports are read county-wide; a unit reads its own rows.
 */
import type { Client } from '@temporalio/client';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { computeReportFor, dayBounds, monthBounds } from '#db/ranking/compute.js';
import { projectFacts } from '#db/queries/ranking-inputs.js';
import { SYSTEM_SCOPE, inScope, scopeOf, scopedEm } from '#db/scope.js';
import { isCountyWide, type Principal } from '#domain/access.js';
import { cstDate } from '#domain/deadlines.js';
import { AppError } from '#domain/errors.js';
import { isSupervisionOffice } from '#domain/rectification-schemas.js';
import {
  MONTH_PATTERN,
  RANKING_GROUPS,
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

/**
 * How long a computed preview is answered again: the office's several readers and a drill-down
 * after the table share one computation (about 2 s over 100,000 projects of a year) instead of
 * one each; the report says when it was computed.
 */
const PREVIEW_TTL_MS = 5 * 60_000;
const PREVIEWS_KEPT = 32;

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

  const previews = new Map<string, { until: number; report: Promise<RankingReport> }>();
  /** The standings as of `day`'s end, computed as the activity computes a month (system scope). */
  function previewReport(day: string): Promise<RankingReport> {
    const now = Date.now();
    const kept = previews.get(day);
    if (kept && kept.until > now) return kept.report;
    for (const [k, v] of previews) if (v.until <= now || previews.size >= PREVIEWS_KEPT) previews.delete(k);
    const report = inScope(deps.orm, SYSTEM_SCOPE, (tx) =>
      computeReportFor(tx, dayBounds(day), new Date(now).toISOString()),
    );
    previews.set(day, { until: now + PREVIEW_TTL_MS, report });
    // A failed computation is not kept: the next request tries again.
    report.catch(() => previews.get(day)?.report === report && previews.delete(day));
    return report;
  }

  function previewDay(asOf: string | undefined): string {
    const today = cstDate(Date.now());
    const day = asOf ?? today;
    if (day > today)
      throw new AppError('VALIDATION_FAILED', '日期不能晚于今天 (not after today)', [
        { path: 'query.asOf', message: { zh: '不能晚于今天', en: 'not after today' } },
      ]);
    if (!MONTH_PATTERN.test(day.slice(0, 7)))
      throw new AppError('VALIDATION_FAILED', '日期须在 2000–2099 年之间 (a day from 2000 to 2099)', [
        { path: 'query.asOf', message: { zh: '须在 2000–2099 年之间', en: 'a day from 2000 to 2099' } },
      ]);
    return day;
  }

  return {
    report,

    async preview(p: Principal, asOf: string | undefined): Promise<{ asOf: string; report: RankingReport }> {
      countyOnly(p);
      const day = previewDay(asOf);
      return { asOf: day, report: await previewReport(day) };
    },

    async previewUnit(p: Principal, asOf: string | undefined, unitId: string) {
      countyOnly(p);
      const day = previewDay(asOf);
      const report = await previewReport(day);
      for (const group of RANKING_GROUPS) {
        const row = report.groups[group].find((r) => r.unitId === unitId);
        if (!row) continue;
        const projects = await projectFacts(read(p), group, dayBounds(day), unitId);
        return { month: report.month, group, row, projects };
      }
      throw new AppError('NOT_FOUND', '该单位不参与考核排名 (this unit is not ranked)');
    },

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
