import { Migration } from '@mikro-orm/migrations';

/** Every table whose read policy was `app_can_read_project(project_id)` and nothing else. */
const PROJECT_CHILD_TABLES = [
  'project_village',
  'project_fund_source',
  'project_history',
  'alert',
  'department_ledger',
  'disbursement',
  'settlement',
  'collective_decision',
  'implementation_record',
  'monthly_progress',
  'adjustment_record',
  'supervision_visit',
  'public_notice',
  'opinion_record',
  'beneficiary',
  'after_care',
  'after_care_check',
  'archive_document',
];

/** County-wide scopes, as an initplan: evaluated once per statement; each row tests a boolean. */
const WIDE = `(SELECT app_scope_kind() IN ('system', 'county'))`;

/**
 * Row-level security the planner can use (docs/security.md, "Row-level security at scale").
 *
 * The read rule is unchanged — county-wide scopes read every project; a department the projects it
 * governs or owns; a township those it owns or with a village under it; a village those naming it —
 * but it is no longer a PL/pgSQL call per row, which cost ~6 µs a row and hid every index:
 *
 * - `project.readers` holds the project's reader tokens: one per (scope kind, unit) that may read it,
 *   `app_reader_token(kind, unit)`, and the county-wide token. A transaction's scope has one token
 *   (`app_readers()`); a project is visible when the two overlap, a GIN-indexed condition whose
 *   selectivity the planner can estimate from the column's statistics. The kind
 *   is inside the token, so a township unit named as a project's department gains nothing, exactly
 *   as before.
 * - The tokens are written by triggers on the writes that decide them: the project's department and
 *   owner unit, its villages (调项 replaces them) and a village's township (org_unit.parent_id). No
 *   writer can set them: any UPDATE naming `readers` gets them recomputed.
 * - County-wide transactions run as the role `sanzhang_wide` (a member of `sanzhang_app`, so the same
 *   grants), which alone gets `project_read_wide`: a constant check, so a county-wide read plans
 *   like the owner's. The unit roles get only the token overlap, which the planner turns into an
 *   index condition. A county-wide scope set without the role still reads everything, by token.
 * - A project's own rows (history, ledgers, alerts, …) are visible when their project is:
 *   `EXISTS (SELECT 1 FROM project p WHERE p.id = project_id)` under project's policies, after the
 *   county-wide check (which short-circuits it). Correlated on purpose: the planner may hash it or
 *   probe the primary key per row; the uncorrelated `IN (SELECT id FROM project)` was costed as a
 *   whole-scope hash for every rescan and turned an anti-join on monthly_progress into 78 million
 *   comparisons (22 s against the owner's 0.6 s at 100,000 projects).
 */
export class Migration20261204000000_readers extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sanzhang_wide') THEN
          CREATE ROLE sanzhang_wide NOLOGIN;
        END IF;
      END $$;`);
    this.addSql(`GRANT sanzhang_app TO sanzhang_wide;`);
    this.addSql(`GRANT sanzhang_wide TO CURRENT_USER;`);

    this.addSql(`
      CREATE FUNCTION app_reader_token(p_kind text, p_unit uuid) RETURNS uuid
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT md5(p_kind || ':' || COALESCE(p_unit::text, ''))::uuid
      $$;`);
    // The transaction's scope as its one token ('{}' for none: no project).
    this.addSql(`
      CREATE FUNCTION app_readers() RETURNS uuid[] LANGUAGE sql STABLE AS $$
        SELECT CASE
          WHEN app_scope_kind() IN ('system', 'county') THEN ARRAY[app_reader_token('wide', NULL)]
          WHEN app_scope_kind() IN ('department', 'township', 'village') AND app_unit_id() IS NOT NULL
            THEN ARRAY[app_reader_token(app_scope_kind(), app_unit_id())]
          ELSE '{}'::uuid[] END
      $$;`);
    // The old app_can_read_project's branches, one token each (sorted, without repeats).
    this.addSql(`
      CREATE FUNCTION app_project_readers(p_id uuid, p_department uuid, p_owner uuid) RETURNS uuid[]
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT array_agg(DISTINCT t ORDER BY t) FROM (
          SELECT app_reader_token('wide', NULL)
          UNION ALL SELECT app_reader_token('department', p_department)
          UNION ALL SELECT app_reader_token('department', p_owner)
          UNION ALL SELECT app_reader_token('township', p_owner)
          UNION ALL SELECT app_reader_token('village', pv.village_id) FROM project_village pv WHERE pv.project_id = p_id
          UNION ALL SELECT app_reader_token('township', v.parent_id)
            FROM project_village pv JOIN org_unit v ON v.id = pv.village_id
           WHERE pv.project_id = p_id AND v.parent_id IS NOT NULL
        ) x (t)
      $$;`);

    this.addSql(`ALTER TABLE project ADD COLUMN readers uuid[] NOT NULL DEFAULT '{}';`);
    this.addSql(`
      CREATE FUNCTION project_set_readers() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        NEW.readers := app_project_readers(NEW.id, NEW.department_id, NEW.owner_unit_id);
        RETURN NEW;
      END $$;`);
    this
      .addSql(`CREATE TRIGGER project_readers BEFORE INSERT OR UPDATE OF department_id, owner_unit_id, readers
      ON project FOR EACH ROW EXECUTE FUNCTION project_set_readers();`);
    // A project's villages changed (created, 调项): naming the column recomputes it (trigger above).
    for (const [op, table] of [
      ['INSERT', 'NEW TABLE AS changed'],
      ['UPDATE', 'NEW TABLE AS changed'],
      ['DELETE', 'OLD TABLE AS changed'],
    ] as const) {
      this.addSql(`
        CREATE FUNCTION project_village_${op.toLowerCase()}_readers() RETURNS trigger
          LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
          UPDATE project p SET readers = '{}' WHERE p.id IN (SELECT DISTINCT c.project_id FROM changed c);
          RETURN NULL;
        END $$;`);
      this.addSql(`CREATE TRIGGER project_village_${op.toLowerCase()}_readers AFTER ${op} ON project_village
        REFERENCING ${table} FOR EACH STATEMENT EXECUTE FUNCTION project_village_${op.toLowerCase()}_readers();`);
    }
    // A village moved to another township: its projects' township tokens follow.
    this.addSql(`
      CREATE FUNCTION org_unit_parent_readers() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        UPDATE project p SET readers = '{}'
         WHERE p.id IN (SELECT pv.project_id FROM project_village pv WHERE pv.village_id = NEW.id);
        RETURN NULL;
      END $$;`);
    this.addSql(`CREATE TRIGGER org_unit_parent_readers AFTER UPDATE OF parent_id ON org_unit
      FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id) EXECUTE FUNCTION org_unit_parent_readers();`);
    this.addSql(`UPDATE project SET readers = '{}';`);
    this.addSql(`CREATE INDEX project_readers_idx ON project USING gin (readers);`);
    // The list's default order and its budget sort, so a page is an index range, not a sort of the scope.
    this.addSql(`CREATE INDEX project_year_code_idx ON project (year DESC, code);`);
    this.addSql(`CREATE INDEX project_budget_code_idx ON project (budget_fen, code);`);

    // ── the policies ─────────────────────────────────────────────────────────────────────────
    this.addSql(`DROP POLICY project_read ON project;`);
    // Named to sort after project_read_unit: PostgreSQL ORs permissive policies in reverse name order
    // (seen in the plans), so the constant is tested first and the token overlap never runs for a
    // county-wide read.
    this.addSql(`CREATE POLICY project_read_wide ON project FOR SELECT TO sanzhang_wide USING (${WIDE});`);
    // No initplan here: the planner folds a stable call to estimate, so it sees how many projects the
    // token matches (a village's few: the GIN index; a large township's: the order's index); as an
    // index condition it is computed once per scan.
    this.addSql(`CREATE POLICY project_read_unit ON project FOR SELECT USING (readers && app_readers());`);
    for (const table of PROJECT_CHILD_TABLES) {
      this.addSql(`DROP POLICY ${table}_read ON ${table};`);
      this.addSql(`CREATE POLICY ${table}_read ON ${table} FOR SELECT
        USING (${WIDE} OR EXISTS (SELECT 1 FROM project p WHERE p.id = project_id));`);
    }
    this.addSql(`DROP POLICY negative_list_entry_read ON negative_list_entry;`);
    this.addSql(`CREATE POLICY negative_list_entry_read ON negative_list_entry FOR SELECT
      USING (${WIDE} OR (project_id IS NOT NULL AND EXISTS (SELECT 1 FROM project p WHERE p.id = project_id))
        OR (project_id IS NULL AND org_unit_id = (SELECT app_unit_id())));`);
    this.addSql(`DROP POLICY ledger_event_read ON ledger_event;`);
    this.addSql(`CREATE POLICY ledger_event_read ON ledger_event FOR SELECT
      USING (${WIDE} OR (project_id IS NULL AND (SELECT app_scope_kind()) = 'department')
        OR EXISTS (SELECT 1 FROM project p WHERE p.id = project_id));`);
    // Still called by the step and archive checks (and the negative list's attachments): the same
    // rule by token, one index probe instead of a PL/pgSQL body.
    this.addSql(`
      CREATE OR REPLACE FUNCTION app_can_read_project(p_id uuid) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT app_scope_kind() IN ('system', 'county')
            OR EXISTS (SELECT 1 FROM project p WHERE p.id = p_id AND p.readers && app_readers())
      $$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`
      CREATE OR REPLACE FUNCTION app_can_read_project(p_id uuid) RETURNS boolean
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        kind text := app_scope_kind();
        unit uuid := app_unit_id();
        p record;
      BEGIN
        IF kind IN ('system', 'county') THEN RETURN true; END IF;
        IF unit IS NULL THEN RETURN false; END IF;
        SELECT department_id, owner_unit_id INTO p FROM project WHERE id = p_id;
        IF NOT FOUND THEN RETURN false; END IF;
        IF kind = 'department' THEN
          RETURN p.department_id = unit OR p.owner_unit_id = unit;
        ELSIF kind = 'township' THEN
          RETURN p.owner_unit_id = unit OR EXISTS (
            SELECT 1 FROM project_village pv JOIN org_unit v ON v.id = pv.village_id
             WHERE pv.project_id = p_id AND v.parent_id = unit);
        ELSIF kind = 'village' THEN
          RETURN EXISTS (SELECT 1 FROM project_village pv WHERE pv.project_id = p_id AND pv.village_id = unit);
        END IF;
        RETURN false;
      END $$;`);
    this.addSql(`DROP POLICY ledger_event_read ON ledger_event;`);
    this.addSql(`CREATE POLICY ledger_event_read ON ledger_event FOR SELECT
      USING (CASE WHEN project_id IS NULL THEN app_scope_kind() IN ('system', 'county', 'department') ELSE app_can_read_project(project_id) END);`);
    this.addSql(`DROP POLICY negative_list_entry_read ON negative_list_entry;`);
    this.addSql(`CREATE POLICY negative_list_entry_read ON negative_list_entry FOR SELECT USING (CASE
      WHEN project_id IS NOT NULL THEN app_can_read_project(project_id)
      ELSE app_scope_kind() IN ('system', 'county') OR org_unit_id = app_unit_id() END);`);
    for (const table of PROJECT_CHILD_TABLES) {
      this.addSql(`DROP POLICY ${table}_read ON ${table};`);
      this.addSql(
        `CREATE POLICY ${table}_read ON ${table} FOR SELECT USING (app_can_read_project(project_id));`,
      );
    }
    this.addSql(`DROP POLICY project_read_unit ON project; DROP POLICY project_read_wide ON project;`);
    this.addSql(`CREATE POLICY project_read ON project FOR SELECT USING (app_can_read_project(id));`);
    this.addSql(`DROP TRIGGER org_unit_parent_readers ON org_unit; DROP FUNCTION org_unit_parent_readers();`);
    for (const op of ['insert', 'update', 'delete'])
      this.addSql(`DROP TRIGGER project_village_${op}_readers ON project_village;
        DROP FUNCTION project_village_${op}_readers();`);
    this.addSql(`DROP TRIGGER project_readers ON project; DROP FUNCTION project_set_readers();`);
    this.addSql(`DROP INDEX project_budget_code_idx, project_year_code_idx;`);
    this.addSql(`ALTER TABLE project DROP COLUMN readers;`);
    this.addSql(
      `DROP FUNCTION app_project_readers(uuid, uuid, uuid), app_readers(), app_reader_token(text, uuid);`,
    );
  }
}
