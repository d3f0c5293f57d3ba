import { Migration } from '@mikro-orm/migrations';

/**
 * Row-level security for ledger imports. A job (its file name, its row-by-row report naming
 * projects and amounts) belongs to the account that uploaded it, as an inbox message does: whoever
 * is signed in reads only their own jobs (`app_user_id()`), whatever their unit; a county-wide
 * account sees no one else's. Only the system scope writes them (the import records its progress
 * as the system, each update in its own transaction, so that pollers see it mid-run), and no one
 * deletes them: a job is the record of what an upload did.
 */
export class Migration20261212000000_import_scope extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE ledger_import ENABLE ROW LEVEL SECURITY;`);
    this.addSql(`CREATE POLICY ledger_import_read ON ledger_import FOR SELECT
      USING (created_by = app_user_id() OR app_scope_kind() = 'system');`);
    this.addSql(`CREATE POLICY ledger_import_system_insert ON ledger_import FOR INSERT
      WITH CHECK (app_scope_kind() = 'system');`);
    this.addSql(`CREATE POLICY ledger_import_system_update ON ledger_import FOR UPDATE
      USING (app_scope_kind() = 'system') WITH CHECK (app_scope_kind() = 'system');`);
    this.addSql(`REVOKE DELETE, TRUNCATE ON ledger_import FROM sanzhang_app;`);
  }

  override async down(): Promise<void> {
    this.addSql(`GRANT DELETE ON ledger_import TO sanzhang_app;`);
    this.addSql(`DROP POLICY ledger_import_read ON ledger_import;
      DROP POLICY ledger_import_system_insert ON ledger_import;
      DROP POLICY ledger_import_system_update ON ledger_import;
      ALTER TABLE ledger_import DISABLE ROW LEVEL SECURITY;`);
  }
}
