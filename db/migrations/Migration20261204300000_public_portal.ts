import { Migration } from '@mikro-orm/migrations';

/**
 * The public portal's one way into the data (docs/portal.md): three SECURITY DEFINER functions
 * that answer exactly the public fields, and nothing else.
 *
 * - The public has no session and no scope: its transactions set `app.scope_kind = 'public'`, which
 *   no row-level security policy admits, so a public transaction reads no table directly. Whatever
 *   it may see passes through these functions, each an explicit list of columns (never `*`, never a
 *   row of an internal table): payees, vouchers, approvers, supervisors, attendees, beneficiaries,
 *   objections, phone numbers and every account's name are simply not selected.
 * - Amounts leave as decimal strings (jsonb numbers would pass JavaScript's 2^53 on the way in).
 * - A contractor is named only when it is an organisation (it carries a unified social credit
 *   code); a villager building under 村民自建 is not.
 * - No table is added: the change feed is derived from the append-only rows that every public
 *   change already writes (project_history, ledger_event), so it has no write path of its own.
 */
export class Migration20261204300000_public_portal extends Migration {
  override async up(): Promise<void> {
    // One row per project: what the lists (county, township, village) show.
    this.addSql(`
      CREATE FUNCTION public_project_list(p_year integer, p_township text, p_village text, p_code text)
        RETURNS TABLE (code text, name text, year integer, type text, stage text, progress_percent integer,
          budget_fen text, disbursed_fen text, township_code text, township_name text, villages jsonb,
          planned_start text, planned_completion text, updated_at timestamptz)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT p.code, p.name, p.year, p.type, p.stage, p.progress_percent, p.budget_fen::text,
               (SELECT COALESCE(sum(d.amount_fen), 0) FROM disbursement d WHERE d.project_id = p.id)::text,
               t.code, t.name,
               (SELECT COALESCE(jsonb_agg(jsonb_build_object('code', v.code, 'name', v.name) ORDER BY v.code), '[]')
                  FROM project_village pv JOIN org_unit v ON v.id = pv.village_id WHERE pv.project_id = p.id),
               to_char(p.planned_start, 'YYYY-MM-DD'), to_char(p.planned_completion, 'YYYY-MM-DD'), p.updated_at
          FROM project p
          LEFT JOIN LATERAL (
            SELECT tw.code, tw.name FROM project_village pv JOIN org_unit v ON v.id = pv.village_id
              JOIN org_unit tw ON tw.id = v.parent_id WHERE pv.project_id = p.id ORDER BY tw.code LIMIT 1
          ) t ON true
         WHERE (p_year IS NULL OR p.year = p_year)
           AND (p_code IS NULL OR p.code = p_code)
           AND (p_village IS NULL OR EXISTS (SELECT 1 FROM project_village pv JOIN org_unit v ON v.id = pv.village_id
                 WHERE pv.project_id = p.id AND v.code = p_village))
           AND (p_township IS NULL OR EXISTS (SELECT 1 FROM project_village pv JOIN org_unit v ON v.id = pv.village_id
                 JOIN org_unit tw ON tw.id = v.parent_id WHERE pv.project_id = p.id AND tw.code = p_township))
         ORDER BY p.code
      $$;`);

    // One project's public record, field by field.
    this.addSql(`
      CREATE FUNCTION public_project_detail(p_code text) RETURNS jsonb
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT jsonb_build_object(
          'nature', p.nature,
          'location', p.location,
          'approvalDocumentNo', p.approval_document_no,
          'department', (SELECT jsonb_build_object('code', o.code, 'name', o.name) FROM org_unit o WHERE o.id = p.department_id),
          'ownerUnit', (SELECT jsonb_build_object('code', o.code, 'name', o.name) FROM org_unit o WHERE o.id = p.owner_unit_id),
          'plannedAcceptance', to_char(p.planned_acceptance, 'YYYY-MM-DD'),
          'plannedReimbursement', to_char(p.planned_reimbursement, 'YYYY-MM-DD'),
          'constructionContent', (SELECT dl.construction_content FROM department_ledger dl WHERE dl.project_id = p.id),
          'fundSources', (SELECT COALESCE(jsonb_agg(jsonb_build_object(
                'position', s.position, 'kind', s.kind, 'amountFen', s.amount_fen::text,
                'documentNo', COALESCE(f.document_no, s.document_no), 'issuer', f.issuer,
                'disbursedFen', (SELECT COALESCE(sum(d.amount_fen), 0) FROM disbursement d
                                  WHERE d.project_id = p.id AND d.source_position = s.position)::text
              ) ORDER BY s.position), '[]')
              FROM project_fund_source s LEFT JOIN fund_document f ON f.id = s.fund_document_id WHERE s.project_id = p.id),
          'disbursements', (SELECT COALESCE(jsonb_agg(jsonb_build_object(
                'id', d.id, 'paidOn', to_char(d.paid_on, 'YYYY-MM-DD'), 'amountFen', d.amount_fen::text,
                'sourcePosition', d.source_position) ORDER BY d.paid_on, d.created_at, d.id), '[]')
              FROM disbursement d WHERE d.project_id = p.id),
          'settlement', (SELECT jsonb_build_object('settledOn', to_char(st.settled_on, 'YYYY-MM-DD'),
                'settledAmountFen', st.settled_amount_fen::text) FROM settlement st WHERE st.project_id = p.id),
          'implementation', (SELECT jsonb_build_object('method', i.method,
                'contractorName', CASE WHEN i.contractor_uscc IS NOT NULL THEN i.contractor_name END,
                'contractAmountFen', i.contract_amount_fen::text,
                'contractSignedOn', to_char(i.contract_signed_on, 'YYYY-MM-DD'))
              FROM implementation_record i WHERE i.project_id = p.id),
          -- Without the ledger's record, the method the 实施方式 step fixed (its contractor is free
          -- text and may name a person: only the record's, with a credit code, is shown).
          'stepMethod', (SELECT h.payload->>'method' FROM project_history h
              WHERE h.project_id = p.id AND h.action = 'fixImplementation' ORDER BY h.at DESC LIMIT 1),
          -- The first time each stage was reached: the actual dates beside the planned ones. A step
          -- that carries its own date (started, completed, inspected on…) is dated by it, not by
          -- when it was recorded: a start entered a week late still started on its day.
          'reached', (SELECT COALESCE(jsonb_object_agg(h.to_stage, h.first_at), '{}') FROM (
                SELECT to_stage, to_char(min(COALESCE(
                         (payload->>'approvedOn')::date, (payload->>'startedOn')::date,
                         (payload->>'completedOn')::date, (payload->>'inspectedOn')::date,
                         (payload->>'settledOn')::date, (payload->>'handedOverOn')::date,
                         (at AT TIME ZONE 'Asia/Shanghai')::date)), 'YYYY-MM-DD') AS first_at
                  FROM project_history WHERE project_id = p.id AND (from_stage IS DISTINCT FROM to_stage)
                 GROUP BY to_stage) h),
          'notices', (SELECT COALESCE(jsonb_agg(jsonb_build_object(
                'id', n.id, 'village', v.name, 'place', n.place,
                'postedFrom', to_char(n.posted_from, 'YYYY-MM-DD'), 'postedTo', to_char(n.posted_to, 'YYYY-MM-DD'),
                'content', n.content, 'announcedAmountFen', n.announced_amount_fen::text
              ) ORDER BY n.posted_from, n.created_at), '[]')
              FROM public_notice n JOIN org_unit v ON v.id = n.village_id WHERE n.project_id = p.id),
          'afterCare', (SELECT jsonb_build_object('owner', a.owner, 'duty', a.duty) FROM after_care a WHERE a.project_id = p.id),
          'photos', (SELECT COALESCE(jsonb_agg(jsonb_build_object('id', ad.id, 'item', ad.item,
                'uploadedOn', to_char(ad.uploaded_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')) ORDER BY ad.uploaded_at), '[]')
              FROM archive_document ad WHERE ad.project_id = p.id AND ad.ledger = 'site'
               AND ad.item IN ('publicNoticePhoto', 'supervisionPhoto') AND ad.content_type IN ('image/jpeg', 'image/png'))
        )
        FROM project p WHERE p.code = p_code
      $$;`);

    // A public photo's stored file: only site photos, the same condition as the detail's list.
    this.addSql(`
      CREATE FUNCTION public_photo(p_id uuid) RETURNS TABLE (storage_key text, content_type text, size_bytes bigint)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT storage_key, content_type, size_bytes FROM archive_document
         WHERE id = p_id AND ledger = 'site' AND item IN ('publicNoticePhoto', 'supervisionPhoto')
           AND content_type IN ('image/jpeg', 'image/png')
      $$;`);

    /*
     * The change feed: every public change since a snapshot. The cursor holds two snapshots of
     * committed transactions (pg_current_snapshot()): rows visible in the newer and not in the older
     * are this window's changes, whatever order their ids were taken in, so a row whose transaction
     * took a lower id but committed later is never skipped (an id cursor would skip it). A row's
     * 32-bit xmin is widened to the current epoch (a row older than 2^31 transactions is long
     * visible in any cursor's snapshot).
     */
    this.addSql(`
      CREATE FUNCTION public_changes(p_from pg_snapshot, p_to pg_snapshot, p_after_at timestamptz, p_after_key text, p_limit integer)
        RETURNS TABLE (at timestamptz, key text, code text, kind text)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        WITH cur AS (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS x),
        rows AS (
          SELECT h.recorded_at AS at, 'h' || h.id AS key, h.project_id,
                 CASE h.action WHEN 'reportProgress' THEN 'progress' WHEN 'adjust' THEN 'adjustment' ELSE 'stage' END AS kind,
                 h.xmin::text::bigint AS lo
            FROM project_history h
          UNION ALL
          SELECT e.at, 'l' || e.id, e.project_id,
                 CASE e.kind WHEN 'disbursement' THEN 'disbursement' WHEN 'settlement' THEN 'settlement'
                   WHEN 'linkFundSource' THEN 'fundSource' WHEN 'implementation' THEN 'implementation'
                   WHEN 'monthlyProgress' THEN 'progress' WHEN 'publicNotice' THEN 'notice'
                   WHEN 'afterCare' THEN 'afterCare' WHEN 'departmentLedger' THEN 'project' END,
                 e.xmin::text::bigint
            FROM ledger_event e WHERE e.project_id IS NOT NULL
        ),
        widened AS (
          SELECT r.*, (((cur.x >> 32) << 32) + r.lo
                       - CASE WHEN ((cur.x >> 32) << 32) + r.lo > cur.x THEN 4294967296 ELSE 0 END) AS full_xid
            FROM rows r, cur WHERE r.kind IS NOT NULL
        )
        SELECT w.at, w.key, p.code, w.kind FROM widened w JOIN project p ON p.id = w.project_id
         WHERE w.full_xid >= 3
           AND NOT pg_visible_in_snapshot(w.full_xid::text::xid8, p_from)
           AND pg_visible_in_snapshot(w.full_xid::text::xid8, p_to)
           AND (p_after_at IS NULL OR (w.at, w.key) > (p_after_at, p_after_key))
         ORDER BY w.at, w.key
         LIMIT p_limit
      $$;`);

    for (const fn of [
      'public_project_list(integer, text, text, text)',
      'public_project_detail(text)',
      'public_photo(uuid)',
      'public_changes(pg_snapshot, pg_snapshot, timestamptz, text, integer)',
    ]) {
      this.addSql(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC;`);
      this.addSql(`GRANT EXECUTE ON FUNCTION ${fn} TO sanzhang_app;`);
    }
  }

  override async down(): Promise<void> {
    this.addSql(`DROP FUNCTION public_changes(pg_snapshot, pg_snapshot, timestamptz, text, integer);`);
    this.addSql(`DROP FUNCTION public_photo(uuid);`);
    this.addSql(`DROP FUNCTION public_project_detail(text);`);
    this.addSql(`DROP FUNCTION public_project_list(integer, text, text, text);`);
  }
}
