import { Migration } from '@mikro-orm/migrations';

const WIDE = `(SELECT app_scope_kind() IN ('system', 'county'))`;

/**
 * A unit reads its own negative-list entries, whatever project they name. The read policy (and the
 * check its lift attachments use) let the unit listed read only entries without a project; one
 * about a project it cannot read (another department's, or a talk's subject beside the project's
 * units) was hidden from the unit itself — its list, its annual assessment — while the ranking
 * deducted for it and the monthly publication showed it. The api's own condition already reads
 * "county-wide, the unit listed, or readers of its project"; the database now says the same.
 */
export class Migration20261222000000_negative_entry_unit extends Migration {
  override async up(): Promise<void> {
    this.addSql(`DROP POLICY negative_list_entry_read ON negative_list_entry;`);
    this.addSql(`CREATE POLICY negative_list_entry_read ON negative_list_entry FOR SELECT
      USING (${WIDE} OR org_unit_id = (SELECT app_unit_id())
        OR (project_id IS NOT NULL AND EXISTS (SELECT 1 FROM project p WHERE p.id = project_id)));`);
    this.addSql(`
      CREATE OR REPLACE FUNCTION app_can_read_negative_entry(e_id bigint) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT EXISTS (SELECT 1 FROM negative_list_entry e WHERE e.id = e_id AND (
          app_scope_kind() IN ('system', 'county') OR e.org_unit_id = app_unit_id()
          OR (e.project_id IS NOT NULL AND app_can_read_project(e.project_id))))
      $$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP POLICY negative_list_entry_read ON negative_list_entry;`);
    this.addSql(`CREATE POLICY negative_list_entry_read ON negative_list_entry FOR SELECT
      USING (${WIDE} OR (project_id IS NOT NULL AND EXISTS (SELECT 1 FROM project p WHERE p.id = project_id))
        OR (project_id IS NULL AND org_unit_id = (SELECT app_unit_id())));`);
    this.addSql(`
      CREATE OR REPLACE FUNCTION app_can_read_negative_entry(e_id bigint) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT EXISTS (SELECT 1 FROM negative_list_entry e WHERE e.id = e_id AND CASE
          WHEN e.project_id IS NOT NULL THEN app_can_read_project(e.project_id)
          ELSE app_scope_kind() IN ('system', 'county') OR e.org_unit_id = app_unit_id() END)
      $$;`);
  }
}
