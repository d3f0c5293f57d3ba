/**
 * The risk red flag rules as SQL: one set-based SELECT per rule over the whole county, each row a
 * flag with its stable subject, year, addressee unit, projects, the facts its explanation quotes
 * (domain/red-flags.ts `explain`) and the rows behind it. Amounts stay integer 分; shares are
 * compared as integers (basis points). Configuration values are integers checked before they are
 * written into the text, so the statements plan the same every scan.
 */
import { basisPoints, tenderFloorFen, type RedFlagConfig, type RedFlagRule } from '#domain/red-flags.js';

const int = (v: number | bigint): string => {
  if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new Error(`not an integer: ${v}`);
  return String(v);
};
const date = (d: string): string => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) throw new Error(`not a date: ${d}`);
  return `'${d}'::date`;
};
/** The date of the start step (开工): the day the unit reported, else the day it was recorded. */
const STARTED_ON = `COALESCE((h.payload->>'startedOn')::date, (h.at AT TIME ZONE 'Asia/Shanghai')::date)`;

/** Each SELECT answers: subject, year, unit_id, project_ids, facts, rows. */
export function ruleQueries(c: RedFlagConfig, today: string): Record<RedFlagRule, string> {
  const floor = int(tenderFloorFen(c));
  const threshold = int(c.tenderThresholdFen);
  const minSplit = int(c.splitMinProjects);
  return {
    // Several projects of one department and one village (or one contractor) in a year, each just
    // under the tender threshold, none of them tendered.
    splitTender: `
      WITH cand AS (
        SELECT p.id, p.year, p.department_id, pv.village_id, i.contractor_name,
               COALESCE(i.contractor_uscc, lower(btrim(i.contractor_name))) AS contractor_key
          FROM project p
          JOIN project_village pv ON pv.project_id = p.id
          LEFT JOIN implementation_record i ON i.project_id = p.id
         WHERE p.budget_fen >= ${floor} AND p.budget_fen < ${threshold} AND p.stage <> 'cancelled'
           AND (i.method IS NULL OR i.method NOT IN ('openTender', 'invitedTender'))),
      groups AS (
        SELECT department_id, year, 'village' AS by, village_id::text AS key, NULL::text AS label,
               array_agg(DISTINCT id ORDER BY id) AS ids
          FROM cand GROUP BY department_id, year, village_id HAVING count(DISTINCT id) >= ${minSplit}
        UNION ALL
        SELECT department_id, year, 'contractor', contractor_key, min(contractor_name), array_agg(DISTINCT id ORDER BY id)
          FROM cand WHERE contractor_key IS NOT NULL
         GROUP BY department_id, year, contractor_key HAVING count(DISTINCT id) >= ${minSplit})
      SELECT 'dept:' || g.department_id || '|' || g.by || ':' || g.key || '|' || g.year AS subject, g.year,
             g.department_id AS unit_id, g.ids AS project_ids,
             jsonb_build_object('year', g.year, 'count', cardinality(g.ids), 'departmentName', d.name, 'by', g.by,
               'groupName', COALESCE(v.name, g.label), 'floorFen', ${floor}, 'thresholdFen', ${threshold}) AS facts,
             (SELECT jsonb_agg(jsonb_build_object('project', p.code, 'name', p.name, 'budgetFen', p.budget_fen,
                       'stage', p.stage, 'method', i.method, 'contractor', i.contractor_name) ORDER BY p.code)
                FROM project p LEFT JOIN implementation_record i ON i.project_id = p.id
               WHERE p.id = ANY (g.ids)) AS rows
        FROM groups g JOIN org_unit d ON d.id = g.department_id
        LEFT JOIN org_unit v ON g.by = 'village' AND v.id::text = g.key`,

    // Money paid before the contract was signed, or before 开工 (or while the project has not started).
    payBeforeContract: `
      WITH starts AS (
        SELECT h.project_id, min(${STARTED_ON}) AS started_on
          FROM project_history h WHERE h.action = 'start' GROUP BY h.project_id),
      bad AS (
        SELECT d.project_id, d.paid_on, d.amount_fen, d.voucher_no, d.payee, i.contract_signed_on, s.started_on,
               COALESCE(d.paid_on < i.contract_signed_on, false) AS before_contract,
               CASE WHEN s.started_on IS NULL THEN p.stage IN ('approved', 'designApproved', 'methodFixed')
                    ELSE d.paid_on < s.started_on END AS before_start
          FROM disbursement d JOIN project p ON p.id = d.project_id
          LEFT JOIN implementation_record i ON i.project_id = d.project_id
          LEFT JOIN starts s ON s.project_id = d.project_id
         WHERE p.stage <> 'cancelled')
      SELECT 'project:' || p.id AS subject, p.year, p.department_id AS unit_id, ARRAY[p.id] AS project_ids,
             jsonb_build_object('project', p.code, 'count', count(*), 'amountFen', sum(b.amount_fen),
               'beforeContract', bool_or(b.before_contract), 'beforeStart', bool_or(b.before_start),
               'contractSignedOn', min(b.contract_signed_on), 'startedOn', min(b.started_on)) AS facts,
             jsonb_agg(jsonb_build_object('project', p.code, 'paidOn', b.paid_on, 'amountFen', b.amount_fen,
               'voucherNo', b.voucher_no, 'payee', b.payee, 'contractSignedOn', b.contract_signed_on,
               'startedOn', b.started_on) ORDER BY b.paid_on, b.voucher_no) AS rows
        FROM bad b JOIN project p ON p.id = b.project_id
       WHERE b.before_contract OR b.before_start
       GROUP BY p.id`,

    settlementOverContract: `
      SELECT 'project:' || p.id AS subject, p.year, p.department_id AS unit_id, ARRAY[p.id] AS project_ids,
             jsonb_build_object('project', p.code, 'settledFen', s.settled_amount_fen,
               'contractFen', i.contract_amount_fen, 'excessFen', s.settled_amount_fen - i.contract_amount_fen) AS facts,
             jsonb_build_array(jsonb_build_object('project', p.code, 'name', p.name, 'contractNo', i.contract_no,
               'contractor', i.contractor_name, 'contractSignedOn', i.contract_signed_on,
               'contractAmountFen', i.contract_amount_fen, 'settledOn', s.settled_on,
               'settledAmountFen', s.settled_amount_fen, 'voucherNo', s.voucher_no)) AS rows
        FROM settlement s
        JOIN implementation_record i ON i.project_id = s.project_id
        JOIN project p ON p.id = s.project_id
       WHERE s.settled_amount_fen > i.contract_amount_fen AND p.stage <> 'cancelled'`,

    // One photo (by its SHA-256) filed for two projects, or for two supervision visits.
    duplicatePhoto: `
      WITH dup AS (
        SELECT a.sha256, count(*) AS n, count(DISTINCT a.project_id) AS projects, count(DISTINCT v.id) AS visits,
               array_agg(DISTINCT a.project_id ORDER BY a.project_id) AS ids
          FROM archive_document a LEFT JOIN supervision_visit v ON v.id = a.entry_id
         WHERE a.content_type LIKE 'image/%'
         GROUP BY a.sha256
        HAVING count(DISTINCT a.project_id) > 1 OR count(DISTINCT v.id) > 1)
      SELECT 'sha256:' || d.sha256 AS subject, last.year, last.owner_unit_id AS unit_id, d.ids AS project_ids,
             jsonb_build_object('sha256', d.sha256, 'count', d.n, 'projects', d.projects, 'visits', d.visits) AS facts,
             (SELECT jsonb_agg(jsonb_build_object('project', p.code, 'fileName', a.file_name, 'item', a.item,
                       'visitedOn', v.visited_on, 'supervisor', v.supervisor, 'uploadedAt', a.uploaded_at,
                       'documentId', a.id) ORDER BY a.uploaded_at, a.id)
                FROM archive_document a JOIN project p ON p.id = a.project_id
                LEFT JOIN supervision_visit v ON v.id = a.entry_id
               WHERE a.sha256 = d.sha256 AND a.content_type LIKE 'image/%') AS rows
        FROM dup d
        CROSS JOIN LATERAL (
          SELECT p.year, p.owner_unit_id FROM archive_document a JOIN project p ON p.id = a.project_id
           WHERE a.sha256 = d.sha256 AND a.content_type LIKE 'image/%'
           ORDER BY a.uploaded_at DESC, a.id DESC LIMIT 1) last`,

    // One contractor holding a large share of a township's contracted projects in a year.
    contractorConcentration: `
      WITH tp AS (
        SELECT DISTINCT o.parent_id AS township_id, p.id, p.year,
               COALESCE(i.contractor_uscc, lower(btrim(i.contractor_name))) AS ckey
          FROM implementation_record i JOIN project p ON p.id = i.project_id
          JOIN project_village pv ON pv.project_id = p.id JOIN org_unit o ON o.id = pv.village_id
         WHERE p.stage <> 'cancelled' AND o.parent_id IS NOT NULL
           AND COALESCE(i.contractor_uscc, NULLIF(btrim(i.contractor_name), '')) IS NOT NULL),
      tot AS (SELECT township_id, year, count(*) AS n FROM tp GROUP BY township_id, year),
      per AS (SELECT township_id, year, ckey, count(*) AS k, array_agg(id ORDER BY id) AS ids
                FROM tp GROUP BY township_id, year, ckey)
      SELECT 'township:' || per.township_id || '|contractor:' || per.ckey || '|' || per.year AS subject, per.year,
             per.township_id AS unit_id, per.ids AS project_ids,
             jsonb_build_object('year', per.year, 'count', per.k, 'total', tot.n, 'shareBp', per.k * 10000 / tot.n,
               'townshipName', t.name, 'contractorName', c.contractor_name, 'contractorUscc', c.contractor_uscc) AS facts,
             (SELECT jsonb_agg(jsonb_build_object('project', p.code, 'name', p.name, 'contractor', i.contractor_name,
                       'contractNo', i.contract_no, 'contractAmountFen', i.contract_amount_fen, 'method', i.method)
                       ORDER BY p.code)
                FROM project p JOIN implementation_record i ON i.project_id = p.id WHERE p.id = ANY (per.ids)) AS rows
        FROM per JOIN tot USING (township_id, year) JOIN org_unit t ON t.id = per.township_id
        CROSS JOIN LATERAL (SELECT i.contractor_name, i.contractor_uscc FROM implementation_record i
                             WHERE i.project_id = per.ids[1]) c
       WHERE per.k >= ${int(c.contractorMinProjects)} AND per.k * 10000 >= tot.n * ${int(basisPoints(c.contractorShare))}`,

    // 实施中 with no supervision visit for N months (since the last visit, or since 开工). A new gap
    // after a new visit is a new flag: the subject carries the day the gap began.
    noSiteVisit: `
      SELECT 'project:' || p.id || '|since:' || g.since AS subject, p.year, p.owner_unit_id AS unit_id,
             ARRAY[p.id] AS project_ids,
             jsonb_build_object('project', p.code, 'since', g.since, 'lastVisit', g.last_visit,
               'startedOn', g.started_on, 'months', ${int(c.visitGapMonths)}, 'asOf', ${date(today)}) AS facts,
             jsonb_build_array(jsonb_build_object('project', p.code, 'name', p.name, 'stage', p.stage,
               'startedOn', g.started_on, 'lastVisit', g.last_visit, 'visits', g.visits)) AS rows
        FROM project p
        CROSS JOIN LATERAL (
          SELECT (SELECT max(v.visited_on) FROM supervision_visit v WHERE v.project_id = p.id) AS last_visit,
                 (SELECT count(*) FROM supervision_visit v WHERE v.project_id = p.id) AS visits,
                 (SELECT min(${STARTED_ON}) FROM project_history h
                   WHERE h.project_id = p.id AND h.action = 'start') AS started_on) s
        CROSS JOIN LATERAL (SELECT COALESCE(s.last_visit, s.started_on) AS since, s.last_visit, s.visits,
                                   s.started_on) g
       WHERE p.stage = 'underway'
         AND g.since <= (${date(today)} - make_interval(months => ${int(c.visitGapMonths)}))::date`,
  };
}
