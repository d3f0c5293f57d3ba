/**
 * red_flag: its writes. A scan upserts each rule's findings by (rule, subject) and marks what it
 * no longer finds as cleared, in one statement per rule; a dismissal sets the dismissal columns
 * once (the table's trigger keeps them).
 */
import type { RedFlagRule } from '#domain/red-flags.js';
import type { Statement } from '../scope.js';

/**
 * The units a flag concerns: its addressee and, for each of its projects, the department, the owner
 * unit, the villages and their townships — who may read it (row-level security reads `unit_ids`).
 */
const UNIT_IDS = `ARRAY(SELECT DISTINCT u FROM (
    SELECT f.unit_id
    UNION ALL SELECT x FROM project p CROSS JOIN LATERAL (VALUES (p.department_id), (p.owner_unit_id)) v(x)
               WHERE p.id = ANY (f.project_ids)
    UNION ALL SELECT x FROM project_village pv JOIN org_unit o ON o.id = pv.village_id
               CROSS JOIN LATERAL (VALUES (pv.village_id), (o.parent_id)) v(x) WHERE pv.project_id = ANY (f.project_ids)
  ) t(u) WHERE u IS NOT NULL ORDER BY u)`;

/**
 * One rule's scan: what `found` selects is raised (new), refreshed (changed evidence; a cleared flag
 * found again is open again) or left alone (unchanged); what it no longer selects is cleared. A
 * dismissed flag keeps its dismissal whatever is found. Answers found, raised and cleared counts.
 */
export function redFlagScanStatement(rule: RedFlagRule, found: string): Statement {
  return {
    sql: `
      WITH found AS MATERIALIZED (${found}),
      up AS (
        INSERT INTO red_flag AS r (rule, subject, year, unit_id, unit_ids, project_ids, evidence)
        SELECT '${rule}', f.subject, f.year, f.unit_id, ${UNIT_IDS}, f.project_ids,
               jsonb_build_object('facts', f.facts, 'rows', COALESCE(f.rows, '[]'::jsonb))
          FROM found f
        ON CONFLICT (rule, subject) DO UPDATE
           SET year = EXCLUDED.year, unit_id = EXCLUDED.unit_id, unit_ids = EXCLUDED.unit_ids,
               project_ids = EXCLUDED.project_ids, evidence = EXCLUDED.evidence, updated_at = now(), cleared_at = NULL
         WHERE r.cleared_at IS NOT NULL
            OR (r.year, r.unit_id, r.unit_ids, r.project_ids, r.evidence)
               IS DISTINCT FROM (EXCLUDED.year, EXCLUDED.unit_id, EXCLUDED.unit_ids, EXCLUDED.project_ids, EXCLUDED.evidence)
        RETURNING r.id, (r.xmax = 0) AS inserted),
      gone AS (
        UPDATE red_flag r SET cleared_at = now()
         WHERE r.rule = '${rule}' AND r.cleared_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM found f WHERE f.subject = r.subject)
        RETURNING r.id)
      SELECT (SELECT count(*)::int FROM found) AS found,
             (SELECT count(*)::int FROM up WHERE inserted) AS raised,
             (SELECT count(*)::int FROM gone) AS cleared,
             (SELECT COALESCE(array_agg(id ORDER BY id), '{}') FROM up WHERE inserted)::text[] AS raised_ids`,
  };
}

/** Scans take turns: a periodic scan and one asked for by the office never interleave. */
export const SCAN_LOCK: Statement = { sql: `SELECT pg_advisory_xact_lock(hashtext('red_flag_scan'))` };

export function redFlagDismiss(d: {
  id: number;
  userId: string | null;
  userName: string;
  reason: string;
}): Statement {
  return {
    sql: `UPDATE red_flag SET dismissed_at = now(), dismissed_by = ?, dismissed_by_name = ?, dismiss_reason = ?
           WHERE id = ? AND dismissed_at IS NULL AND NOT red_flag_converted(id)
          RETURNING id, dismissed_at`,
    params: [d.userId, d.userName, d.reason, d.id],
  };
}
