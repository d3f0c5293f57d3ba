/**
 * The rollups (the rollups migration) against the detail, written independently of the migration's
 * own functions: every group's and every figure row's values recomputed here from the raw tables,
 * as the database owner, and compared both ways with what the triggers kept. A group is compared
 * by its dimensions, not by its key; rows whose figures are all zero (groups every project has
 * left) must be exactly those the detail no longer has.
 */
import type pg from 'pg';

/** Each project with its group's dimensions and its own figures, from the detail. */
const PROJECTS = `
  SELECT p.id, p.year, p.department_id, p.owner_unit_id, p.type, p.stage,
         COALESCE((SELECT array_agg(DISTINCT pv.village_id ORDER BY pv.village_id) FROM project_village pv
                    WHERE pv.project_id = p.id), '{}') AS villages,
         COALESCE((SELECT array_agg(DISTINCT s.kind ORDER BY s.kind) FROM project_fund_source s
                    WHERE s.project_id = p.id), '{}') AS kinds,
         EXISTS (SELECT 1 FROM alert a WHERE a.project_id = p.id AND a.status = 'active'
                  AND a.step IN ('overdue', 'escalated', 'interview')) AS overdue,
         p.stage = 'cancelled' AS cancelled
    FROM project p`;

/** Group rows: dimensions and figures, as text for an exact comparison. */
const GROUPS_FROM_DETAIL = `
  WITH p AS (${PROJECTS})
  SELECT p.year, p.department_id, p.owner_unit_id, p.type, p.stage, p.villages, p.kinds,
         count(*)::int AS projects, count(*) FILTER (WHERE p.overdue)::int AS overdue,
         COALESCE(sum((SELECT sum(s.amount_fen) FROM project_fund_source s WHERE s.project_id = p.id))
                  FILTER (WHERE NOT p.cancelled), 0)::text AS budget,
         COALESCE(sum((SELECT sum(s.amount_fen) FROM project_fund_source s WHERE s.project_id = p.id
                        AND s.fund_document_id IS NOT NULL)) FILTER (WHERE NOT p.cancelled), 0)::text AS allocated,
         COALESCE(sum((SELECT sum(b.amount_fen) FROM disbursement b WHERE b.project_id = p.id))
                  FILTER (WHERE NOT p.cancelled), 0)::text AS disbursed
    FROM p GROUP BY 1, 2, 3, 4, 5, 6, 7`;

const GROUPS_KEPT = `
  SELECT year, department_id, owner_unit_id, type, stage, village_ids, source_kinds, projects,
         overdue_projects, budget_fen::text, allocated_fen::text, disbursed_fen::text
    FROM project_rollup
   WHERE (projects, overdue_projects, budget_fen, allocated_fen, disbursed_fen) <> (0, 0, 0, 0, 0)`;

/** Figure rows: a group's dimensions, the facet and its key, the figures. */
const FIGURES_FROM_DETAIL = `
  WITH p AS (${PROJECTS}),
  source AS (
    SELECT p.*, s.kind AS key, s.amount_fen AS budget,
           CASE WHEN s.fund_document_id IS NULL THEN 0 ELSE s.amount_fen END AS allocated,
           (SELECT COALESCE(sum(b.amount_fen), 0) FROM disbursement b
             WHERE b.project_id = p.id AND b.source_position = s.position) AS disbursed
      FROM p JOIN project_fund_source s ON s.project_id = p.id
  ),
  ladder AS (
    SELECT DISTINCT p.*, a.kind AS ladder_kind, a.period, a.responsible_unit_id
      FROM p JOIN alert a ON a.project_id = p.id
     WHERE a.status = 'active' AND a.step IN ('overdue', 'escalated', 'interview')
  ),
  month AS (
    SELECT DISTINCT p.*, x.month FROM p JOIN (
      SELECT project_id, month FROM monthly_progress
      UNION SELECT project_id, payload->>'month' FROM project_history
       WHERE action = 'reportProgress' AND payload->>'month' IS NOT NULL) x ON x.project_id = p.id
  )
  SELECT year, department_id, owner_unit_id, type, stage, villages, kinds, 'source' AS facet, key,
         count(DISTINCT id)::int AS projects, count(DISTINCT id) FILTER (WHERE overdue)::int AS overdue, 0 AS ladders,
         COALESCE(sum(budget) FILTER (WHERE NOT cancelled), 0)::text AS budget,
         COALESCE(sum(allocated) FILTER (WHERE NOT cancelled), 0)::text AS allocated,
         COALESCE(sum(disbursed) FILTER (WHERE NOT cancelled), 0)::text AS disbursed
    FROM source GROUP BY 1, 2, 3, 4, 5, 6, 7, 9
  UNION ALL
  SELECT year, department_id, owner_unit_id, type, stage, villages, kinds, 'overdueKind', ladder_kind,
         count(DISTINCT id)::int, 0, count(DISTINCT (id, period))::int, '0', '0', '0'
    FROM ladder GROUP BY 1, 2, 3, 4, 5, 6, 7, 9
  UNION ALL
  SELECT year, department_id, owner_unit_id, type, stage, villages, kinds, 'overdueUnit', responsible_unit_id::text,
         count(DISTINCT id)::int, 0, count(DISTINCT (id, ladder_kind, period))::int, '0', '0', '0'
    FROM ladder GROUP BY 1, 2, 3, 4, 5, 6, 7, 9
  UNION ALL
  SELECT year, department_id, owner_unit_id, type, stage, villages, kinds, 'month', month,
         count(DISTINCT id)::int, 0, 0, '0', '0', '0'
    FROM month GROUP BY 1, 2, 3, 4, 5, 6, 7, 9`;

const FIGURES_KEPT = `
  SELECT r.year, r.department_id, r.owner_unit_id, r.type, r.stage, r.village_ids, r.source_kinds, f.facet, f.key,
         f.projects, f.overdue, f.ladders, f.budget_fen::text, f.allocated_fen::text, f.disbursed_fen::text
    FROM project_rollup_figure f JOIN project_rollup r ON r.sig = f.sig
   WHERE (f.projects, f.overdue, f.ladders, f.budget_fen, f.allocated_fen, f.disbursed_fen) <> (0, 0, 0, 0, 0, 0)`;

/**
 * Every difference between the rollups and the detail, as readable lines (none: equal). Also each
 * group's reader tokens against its projects' own, and no transaction's bookkeeping left behind.
 */
export async function rollupDifferences(db: pg.Pool): Promise<string[]> {
  const out: string[] = [];
  const both = async (label: string, detail: string, kept: string) => {
    for (const [side, a, b] of [
      ['only in the detail', detail, kept],
      ['only in the rollups', kept, detail],
    ] as const) {
      const { rows } = await db.query(`(${a}) EXCEPT (${b})`);
      for (const r of rows) out.push(`${label} ${side}: ${JSON.stringify(r)}`);
    }
  };
  await both('group', GROUPS_FROM_DETAIL, GROUPS_KEPT);
  await both('figure', FIGURES_FROM_DETAIL, FIGURES_KEPT);
  const tokens = await db.query(
    `SELECT p.code FROM project p JOIN project_rollup_member m ON m.project_id = p.id
       JOIN project_rollup r ON r.sig = m.sig WHERE r.readers <> p.readers`,
  );
  for (const r of tokens.rows) out.push(`reader tokens of ${r.code}'s group differ from the project's`);
  const unmembered = await db.query(
    `SELECT p.code FROM project p WHERE NOT EXISTS (SELECT 1 FROM project_rollup_member m WHERE m.project_id = p.id)`,
  );
  for (const r of unmembered.rows) out.push(`${r.code} has no rollup entry`);
  const left = await db.query(
    `SELECT (SELECT count(*) FROM project_rollup_dirty)::int AS dirty, (SELECT count(*) FROM project_rollup_pending)::int AS pending`,
  );
  if (left.rows[0].dirty || left.rows[0].pending)
    out.push(`bookkeeping left behind: ${JSON.stringify(left.rows[0])}`);
  return out;
}
