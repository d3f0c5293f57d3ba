import { Migration } from '@mikro-orm/migrations';

/**
 * A supervision visit and a 公示 notice are their village's: on a project of several villages, one
 * village may not record them for another, nor attach files to another's. The api said so; the
 * database let any village of the project do both (the site ledger's rule names the project, not
 * the entry's village). Now the second layer says it too. The project-wide site records (opinions,
 * beneficiaries, after-care) stay writable by every village of the project.
 */
const OWN_VILLAGE = `(app_scope_kind() = 'system' OR village_id = app_unit_id())`;
const SITE = `app_may_write_ledger(project_id, 'site')`;
/** A file on a site entry: the entry, when it is a village's, is the writer's village's. */
const ARCHIVE = `app_may_write_ledger(project_id, ledger) AND (entry_id IS NULL OR ledger <> 'site'
  OR app_scope_kind() = 'system' OR NOT EXISTS (
    SELECT 1 FROM supervision_visit v WHERE v.id = entry_id AND v.village_id <> app_unit_id()
    UNION ALL SELECT 1 FROM public_notice n WHERE n.id = entry_id AND n.village_id <> app_unit_id()))`;

export class Migration20261226000000_site_entry_village extends Migration {
  private policies(table: string, check: string): void {
    this.addSql(`DROP POLICY ${table}_insert ON ${table};`);
    this.addSql(`DROP POLICY ${table}_update ON ${table};`);
    this.addSql(`CREATE POLICY ${table}_insert ON ${table} FOR INSERT WITH CHECK (${check});`);
    this.addSql(
      `CREATE POLICY ${table}_update ON ${table} FOR UPDATE USING (${check}) WITH CHECK (${check});`,
    );
  }

  override async up(): Promise<void> {
    for (const table of ['supervision_visit', 'public_notice'])
      this.policies(table, `${SITE} AND ${OWN_VILLAGE}`);
    this.policies('archive_document', ARCHIVE);
  }

  override async down(): Promise<void> {
    for (const table of ['supervision_visit', 'public_notice']) this.policies(table, SITE);
    this.policies('archive_document', 'app_may_write_ledger(project_id, ledger)');
  }
}
