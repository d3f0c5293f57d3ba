import { Migration } from '@mikro-orm/migrations';

/**
 * Row-level security for the in-app inbox. A message belongs to a person, not to a unit's scope:
 * whoever is signed in reads and marks only their own (`app.user_id`, set by `db/scope.ts` with
 * the other settings), whatever their unit — a county-wide account sees no one else's inbox. Only
 * the system scope (the notify activity) writes messages. Marking read or unread is the one change
 * a user makes, so the application role may update no column but `read_at`.
 */
export class Migration20261202100000_inbox_scope extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE FUNCTION app_user_id() RETURNS uuid LANGUAGE sql STABLE AS $$
        SELECT NULLIF(current_setting('app.user_id', true), '')::uuid
      $$;`);
    this.addSql(`ALTER TABLE inbox_message ENABLE ROW LEVEL SECURITY;`);
    // The system scope reads too: the notify activity's INSERT … RETURNING needs it.
    this.addSql(`CREATE POLICY inbox_message_read ON inbox_message FOR SELECT
      USING (user_id = app_user_id() OR app_scope_kind() = 'system');`);
    this.addSql(`CREATE POLICY inbox_message_own_update ON inbox_message FOR UPDATE
      USING (user_id = app_user_id()) WITH CHECK (user_id = app_user_id());`);
    this.addSql(`CREATE POLICY inbox_message_system_insert ON inbox_message FOR INSERT
      WITH CHECK (app_scope_kind() = 'system');`);
    this.addSql(`REVOKE UPDATE, DELETE, TRUNCATE ON inbox_message FROM sanzhang_app;`);
    this.addSql(`GRANT SELECT, INSERT ON inbox_message TO sanzhang_app;`);
    this.addSql(`GRANT UPDATE (read_at) ON inbox_message TO sanzhang_app;`);
    // The inbox page lists a person's messages newest first, read or not.
    this.addSql(`CREATE INDEX inbox_user_created_idx ON inbox_message (user_id, created_at DESC, id DESC);`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP INDEX inbox_user_created_idx;`);
    this.addSql(`REVOKE UPDATE (read_at) ON inbox_message FROM sanzhang_app;`);
    this.addSql(`GRANT SELECT, INSERT, UPDATE, DELETE ON inbox_message TO sanzhang_app;`);
    this.addSql(`DROP POLICY inbox_message_read ON inbox_message;
      DROP POLICY inbox_message_own_update ON inbox_message;
      DROP POLICY inbox_message_system_insert ON inbox_message;
      ALTER TABLE inbox_message DISABLE ROW LEVEL SECURITY;`);
    this.addSql(`DROP FUNCTION app_user_id();`);
  }
}
