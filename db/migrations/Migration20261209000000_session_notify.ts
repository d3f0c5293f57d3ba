import { Migration } from '@mikro-orm/migrations';

/**
 * Tells every api process when what a session's lookup answers may have changed, so each can keep
 * sessions in memory (api/src/modules/auth/session-cache.ts) and still drop them at once: a
 * notification on channel `app_session` at commit, its payload the account's id, or `*` for every
 * account (an org unit renamed or re-kinded). Whoever writes — the api, a script, psql — the
 * triggers speak. Touching a session (`last_seen_at`) says nothing: that is not a revocation.
 */
export class Migration20261209000000_session_notify extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE FUNCTION app_session_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- PostgreSQL folds identical notifications of one transaction into one.
        IF TG_TABLE_NAME = 'org_unit' THEN
          PERFORM pg_notify('app_session', '*');
        ELSIF TG_TABLE_NAME = 'app_user' THEN
          PERFORM pg_notify('app_session', COALESCE(NEW.id, OLD.id)::text);
        ELSE -- user_session, user_role: both name the account as user_id
          IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('app_session', OLD.user_id::text); END IF;
          IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('app_session', NEW.user_id::text); END IF;
        END IF;
        RETURN NULL;
      END $$;`);
    this.addSql(`
      CREATE TRIGGER user_session_changed AFTER DELETE OR UPDATE OF user_id, expires_at ON user_session
        FOR EACH ROW EXECUTE FUNCTION app_session_changed();`);
    this.addSql(`
      CREATE TRIGGER user_role_changed AFTER INSERT OR UPDATE OR DELETE ON user_role
        FOR EACH ROW EXECUTE FUNCTION app_session_changed();`);
    this.addSql(`
      CREATE TRIGGER app_user_deleted AFTER DELETE ON app_user
        FOR EACH ROW EXECUTE FUNCTION app_session_changed();`);
    // Only what the lookup reads or what ends a right to the session (failed logins and the like
    // are neither).
    this.addSql(`
      CREATE TRIGGER app_user_changed AFTER UPDATE ON app_user FOR EACH ROW
        WHEN (OLD.disabled IS DISTINCT FROM NEW.disabled
           OR OLD.must_change_password IS DISTINCT FROM NEW.must_change_password
           OR OLD.totp_enabled IS DISTINCT FROM NEW.totp_enabled
           OR OLD.org_unit_id IS DISTINCT FROM NEW.org_unit_id
           OR OLD.username IS DISTINCT FROM NEW.username
           OR OLD.display_name IS DISTINCT FROM NEW.display_name
           OR OLD.password_hash IS DISTINCT FROM NEW.password_hash)
        EXECUTE FUNCTION app_session_changed();`);
    this.addSql(`
      CREATE TRIGGER org_unit_changed AFTER UPDATE ON org_unit FOR EACH ROW
        WHEN (OLD.code IS DISTINCT FROM NEW.code OR OLD.name IS DISTINCT FROM NEW.name
           OR OLD.kind IS DISTINCT FROM NEW.kind)
        EXECUTE FUNCTION app_session_changed();`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TRIGGER org_unit_changed ON org_unit;`);
    this.addSql(`DROP TRIGGER app_user_changed ON app_user;`);
    this.addSql(`DROP TRIGGER app_user_deleted ON app_user;`);
    this.addSql(`DROP TRIGGER user_role_changed ON user_role;`);
    this.addSql(`DROP TRIGGER user_session_changed ON user_session;`);
    this.addSql(`DROP FUNCTION app_session_changed();`);
  }
}
