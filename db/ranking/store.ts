/**
 * The one writer of ranking_report and ranking_entry: a month's report and its per-unit rows, in
 * the system scope, once. The month is the key: a second store of the same month inserts nothing
 * and says so, whatever its figures (the stored report is the month's report).
 */
import type { AuditLog } from '../audit.js';
import { SYSTEM_ACTOR } from '#domain/project-records.js';
import type { RankingReport } from '#domain/ranking/report.js';
import { RANKING_GROUPS } from '#domain/ranking/report.js';
import type { Tx } from '../tx.js';

export type RankingTrigger = 'schedule' | 'manual' | 'backfill';

export async function storeRankingReport(
  tx: Tx,
  audit: AuditLog,
  report: RankingReport,
  trigger: RankingTrigger,
  workflowId: string,
): Promise<{ created: boolean }> {
  const inserted = await tx.execute(
    `INSERT INTO ranking_report (month, config_version, computed_at, trigger, workflow_id, report)
     VALUES (?, ?, ?, ?, ?, ?::jsonb) ON CONFLICT (month) DO NOTHING`,
    [report.month, report.config.version, report.computedAt, trigger, workflowId, JSON.stringify(report)],
    'run',
  );
  if (inserted.affectedRows === 0) return { created: false };
  for (const g of RANKING_GROUPS) {
    const rows = report.groups[g];
    if (rows.length === 0) continue;
    const values = rows.map(() => '(?, ?, ?, ?, ?, ?, ?::jsonb)').join(', ');
    await tx.execute(
      `INSERT INTO ranking_entry (month, grp, org_unit_id, rank, total_centi, movement, row) VALUES ${values}`,
      rows.flatMap((r) => [report.month, g, r.unitId, r.rank, r.totalCenti, r.movement, JSON.stringify(r)]),
      'run',
    );
  }
  await audit.append(tx, {
    actor: { id: SYSTEM_ACTOR.id, username: SYSTEM_ACTOR.username },
    via: 'activity',
    action: 'ranking.store',
    entity: 'ranking_report',
    entityId: report.month,
    after: { month: report.month, configVersion: report.config.version, trigger, workflowId },
    at: report.computedAt,
  });
  return { created: true };
}
