import { Migration } from '@mikro-orm/migrations';

/**
 * Accounts, scopes and the audit trail.
 *
 * - The application connects with its own role, `sanzhang_app` (the pool does `SET ROLE` on each
 *   new connection). It is neither owner nor superuser, so row-level security applies to it.
 *   Migrations run as the owner.
 * - Row-level security on the project tables, keyed on per-transaction settings
 *   (`app.scope_kind`, `app.unit_id`, `app.roles`) that the repository layer sets with
 *   `set_config(…, true)`. No setting → no rows. Only the `system` scope (activities) writes them.
 * - `audit_log` is append-only for the application: no UPDATE/DELETE grant, and a trigger for
 *   everyone else; rows are chained by an HMAC computed in the application (see db/audit.ts).
 */
export class Migration20261126200000_accounts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sanzhang_app') THEN
          CREATE ROLE sanzhang_app NOLOGIN;
        END IF;
      END $$;`);
    this.addSql(`GRANT sanzhang_app TO CURRENT_USER;`);

    // ── accounts ─────────────────────────────────────────────────────────────────────────
    this.addSql(`
      ALTER TABLE app_user
        ADD COLUMN totp_secret text,
        ADD COLUMN totp_enabled boolean NOT NULL DEFAULT false,
        ADD COLUMN password_changed_at timestamptz NOT NULL DEFAULT now();`);
    this.addSql(`
      CREATE TABLE password_history (
        id bigserial PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );`);
    this.addSql(`CREATE INDEX password_history_user_idx ON password_history (user_id, created_at DESC);`);
    this.addSql(`
      CREATE TABLE login_attempt (
        id bigserial PRIMARY KEY,
        username text NOT NULL,
        ip text,
        at timestamptz NOT NULL DEFAULT now(),
        success boolean NOT NULL
      );`);
    this.addSql(`CREATE INDEX login_attempt_ip_idx ON login_attempt (ip, at DESC);`);
    this.addSql(`CREATE INDEX login_attempt_user_idx ON login_attempt (username, at DESC);`);

    // ── audit trail ──────────────────────────────────────────────────────────────────────
    this.addSql(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL,
        actor_id uuid,
        actor_username text NOT NULL,
        actor_unit text,
        via text NOT NULL CHECK (via IN ('api', 'activity', 'cli')),
        action text NOT NULL,
        entity text NOT NULL,
        entity_id text,
        before jsonb,
        after jsonb,
        ip text,
        prev_hash text NOT NULL,
        hash text NOT NULL UNIQUE
      );`);
    this.addSql(`CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);`);
    this.addSql(`
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION forbid_change();`);
    this.addSql(`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();`);

    // ── scope functions (SECURITY DEFINER: they read the tables without recursing into RLS) ─
    this.addSql(`
      CREATE FUNCTION app_scope_kind() RETURNS text LANGUAGE sql STABLE AS $$
        SELECT COALESCE(NULLIF(current_setting('app.scope_kind', true), ''), 'none')
      $$;`);
    this.addSql(`
      CREATE FUNCTION app_unit_id() RETURNS uuid LANGUAGE sql STABLE AS $$
        SELECT NULLIF(current_setting('app.unit_id', true), '')::uuid
      $$;`);
    this.addSql(`
      CREATE FUNCTION app_can_read_project(p_id uuid) RETURNS boolean
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
    // The second check for a workflow step: the caller's unit must be the level that takes it.
    this.addSql(`
      CREATE FUNCTION app_may_take_step(p_id uuid, p_level text) RETURNS boolean
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        unit uuid := app_unit_id();
        p record;
      BEGIN
        IF NOT app_can_read_project(p_id) THEN RETURN false; END IF;
        IF NOT ('operator' = ANY (string_to_array(current_setting('app.roles', true), ','))) THEN RETURN false; END IF;
        SELECT department_id, owner_unit_id INTO p FROM project WHERE id = p_id;
        RETURN CASE p_level WHEN 'department' THEN p.department_id = unit
                            WHEN 'ownerUnit' THEN p.owner_unit_id = unit
                            ELSE false END;
      END $$;`);

    this.addSql(`
      CREATE FUNCTION app_is_operator_of(p_unit uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
        SELECT app_unit_id() IS NOT NULL AND app_unit_id() = p_unit
           AND 'operator' = ANY (string_to_array(current_setting('app.roles', true), ','))
      $$;`);

    // ── row-level security on the project tables ────────────────────────────────────────────
    for (const [table, key] of [
      ['project', 'id'],
      ['project_village', 'project_id'],
      ['project_fund_source', 'project_id'],
      ['project_history', 'project_id'],
    ] as const) {
      this.addSql(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;`);
      this.addSql(`CREATE POLICY ${table}_read ON ${table} FOR SELECT USING (app_can_read_project(${key}));`);
      this.addSql(
        `CREATE POLICY ${table}_system_insert ON ${table} FOR INSERT WITH CHECK (app_scope_kind() = 'system');`,
      );
      this.addSql(
        `CREATE POLICY ${table}_system_update ON ${table} FOR UPDATE USING (app_scope_kind() = 'system');`,
      );
    }

    // ── privileges of the application role ──────────────────────────────────────────────────
    this.addSql(`GRANT USAGE ON SCHEMA public TO sanzhang_app;`);
    this.addSql(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO sanzhang_app;`);
    this.addSql(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO sanzhang_app;`);
    this.addSql(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO sanzhang_app;`,
    );
    this.addSql(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO sanzhang_app;`,
    );
    this.addSql(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, project_history FROM sanzhang_app;`);
    this.addSql(`REVOKE ALL ON mikro_orm_migrations FROM sanzhang_app;`);
  }

  override async down(): Promise<void> {
    for (const table of ['project', 'project_village', 'project_fund_source', 'project_history']) {
      this
        .addSql(`DROP POLICY IF EXISTS ${table}_read ON ${table}; DROP POLICY IF EXISTS ${table}_system_insert ON ${table};
        DROP POLICY IF EXISTS ${table}_system_update ON ${table}; ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY;`);
    }
    this.addSql(
      'DROP FUNCTION app_is_operator_of(uuid); DROP FUNCTION app_may_take_step(uuid, text); DROP FUNCTION app_can_read_project(uuid);',
    );
    this.addSql('DROP FUNCTION app_unit_id(); DROP FUNCTION app_scope_kind();');
    this.addSql('DROP TABLE audit_log, login_attempt, password_history;');
    this.addSql(
      'ALTER TABLE app_user DROP COLUMN totp_secret, DROP COLUMN totp_enabled, DROP COLUMN password_changed_at;',
    );
  }
}
