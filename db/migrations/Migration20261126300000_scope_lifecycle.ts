import { Migration } from '@mikro-orm/migrations';

/**
 * Row-level security for the lifecycle's tables (alerts and the negative list): readable within
 * the project's scope, written only by the system scope (the deadline activities). The same
 * shape as the project tables in the accounts migration.
 */
export class Migration20261126300000_scope_lifecycle extends Migration {
  override async up(): Promise<void> {
    for (const table of ['alert', 'negative_list_entry']) {
      this.addSql(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;`);
      this.addSql(
        `CREATE POLICY ${table}_read ON ${table} FOR SELECT USING (app_can_read_project(project_id));`,
      );
      this.addSql(
        `CREATE POLICY ${table}_system_insert ON ${table} FOR INSERT WITH CHECK (app_scope_kind() = 'system');`,
      );
      this.addSql(
        `CREATE POLICY ${table}_system_update ON ${table} FOR UPDATE USING (app_scope_kind() = 'system');`,
      );
    }
    // 调项 replaces a project's fund sources and villages: the system scope may delete those rows
    // (the accounts migration gave RLS no DELETE policy, so such a delete silently matched nothing).
    for (const table of ['project_fund_source', 'project_village']) {
      this.addSql(
        `CREATE POLICY ${table}_system_delete ON ${table} FOR DELETE USING (app_scope_kind() = 'system');`,
      );
    }
    // Tables created before the accounts migration in an older database got no grant from its
    // default privileges; grant explicitly (idempotent).
    this.addSql(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON alert, negative_list_entry, inbox_message TO sanzhang_app;`,
    );
    this.addSql(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO sanzhang_app;`);
  }

  override async down(): Promise<void> {
    for (const table of ['project_fund_source', 'project_village'])
      this.addSql(`DROP POLICY ${table}_system_delete ON ${table};`);
    for (const table of ['alert', 'negative_list_entry']) {
      this.addSql(`DROP POLICY ${table}_read ON ${table}; DROP POLICY ${table}_system_insert ON ${table};
        DROP POLICY ${table}_system_update ON ${table}; ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY;`);
    }
  }
}
