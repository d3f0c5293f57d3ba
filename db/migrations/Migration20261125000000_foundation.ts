import { Migration } from '@mikro-orm/migrations';

/**
 * Foundation schema. Invariants live in the database as well as in the domain code, so a bug or a
 * hand-written SQL statement cannot store a state the application would refuse:
 * money is bigint 分 with CHECKs, Σ fund sources = budget (deferred constraint trigger), stages are
 * a closed set, and project history is append-only (UPDATE/DELETE raise).
 */
export class Migration20261125000000_foundation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE org_unit (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,39}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        kind text NOT NULL CHECK (kind IN ('county', 'office', 'department', 'township', 'village')),
        parent_id uuid REFERENCES org_unit (id),
        created_at timestamptz NOT NULL DEFAULT now()
      );`);
    this.addSql(`CREATE INDEX org_unit_parent_idx ON org_unit (parent_id);`);

    this.addSql(`
      CREATE TABLE app_user (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
        display_name text NOT NULL,
        org_unit_id uuid NOT NULL REFERENCES org_unit (id),
        password_hash text NOT NULL,
        must_change_password boolean NOT NULL DEFAULT false,
        disabled boolean NOT NULL DEFAULT false,
        failed_logins integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );`);
    this.addSql(`
      CREATE TABLE user_role (
        user_id uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('admin', 'leader', 'supervisor', 'operator', 'viewer')),
        PRIMARY KEY (user_id, role)
      );`);
    this.addSql(`
      CREATE TABLE user_session (
        id text PRIMARY KEY, -- SHA-256 of the cookie token: a leaked table yields no usable session
        user_id uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        ip text,
        user_agent text
      );`);
    this.addSql(`CREATE INDEX user_session_user_idx ON user_session (user_id);`);

    this.addSql(`
      CREATE TABLE project (
        id uuid PRIMARY KEY,
        code text NOT NULL UNIQUE,
        workflow_id text NOT NULL UNIQUE,
        name text NOT NULL,
        year integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
        type text NOT NULL,
        nature text NOT NULL CHECK (nature IN ('new', 'continued', 'rebuilt')),
        department_id uuid NOT NULL REFERENCES org_unit (id),
        owner_unit_id uuid NOT NULL REFERENCES org_unit (id),
        location text,
        approval_document_no text NOT NULL,
        budget_fen bigint NOT NULL CHECK (budget_fen > 0),
        stage text NOT NULL CHECK (stage IN ('approved', 'designApproved', 'methodFixed', 'underway', 'completed',
          'rectifying', 'accepted', 'reimbursed', 'afterCare', 'closed', 'cancelled')),
        stage_seq integer NOT NULL DEFAULT 0 CHECK (stage_seq >= 0),
        progress_percent integer NOT NULL DEFAULT 0 CHECK (progress_percent BETWEEN 0 AND 100),
        planned_start date NOT NULL,
        planned_completion date NOT NULL,
        planned_acceptance date NOT NULL,
        planned_reimbursement date NOT NULL,
        created_by uuid REFERENCES app_user (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT project_planned_order CHECK (planned_start <= planned_completion
          AND planned_completion <= planned_acceptance AND planned_acceptance <= planned_reimbursement)
      );`);
    this.addSql(`CREATE SEQUENCE project_code_seq;`);
    this.addSql(`CREATE INDEX project_department_idx ON project (department_id);`);
    this.addSql(`CREATE INDEX project_owner_idx ON project (owner_unit_id);`);
    this.addSql(`CREATE INDEX project_year_stage_idx ON project (year, stage);`);

    this.addSql(`
      CREATE TABLE project_village (
        project_id uuid NOT NULL REFERENCES project (id) ON DELETE CASCADE,
        village_id uuid NOT NULL REFERENCES org_unit (id),
        PRIMARY KEY (project_id, village_id)
      );`);
    this.addSql(`CREATE INDEX project_village_village_idx ON project_village (village_id);`);

    this.addSql(`
      CREATE TABLE project_fund_source (
        project_id uuid NOT NULL REFERENCES project (id) ON DELETE CASCADE,
        position integer NOT NULL CHECK (position >= 0),
        kind text NOT NULL CHECK (kind IN ('centralSpecial', 'municipalSpecial', 'countySpecial', 'sector', 'social', 'integratedAgri')),
        amount_fen bigint NOT NULL CHECK (amount_fen > 0),
        document_no text,
        PRIMARY KEY (project_id, position)
      );`);

    // Σ fund sources = budget, checked at commit so a project and its sources can be written in
    // any order inside one transaction.
    this.addSql(`
      CREATE FUNCTION check_project_funding() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        pid uuid;
        budget bigint;
        total bigint;
      BEGIN
        IF TG_TABLE_NAME = 'project' THEN
          pid := NEW.id;
        ELSIF TG_OP = 'DELETE' THEN
          pid := OLD.project_id;
        ELSE
          pid := NEW.project_id;
        END IF;
        SELECT budget_fen INTO budget FROM project WHERE id = pid;
        IF budget IS NULL THEN RETURN NULL; END IF;
        SELECT COALESCE(sum(amount_fen), 0) INTO total FROM project_fund_source WHERE project_id = pid;
        IF total <> budget THEN
          RAISE EXCEPTION 'fund sources of project % sum to % fen, budget is % fen', pid, total, budget
            USING ERRCODE = 'check_violation', CONSTRAINT = 'project_funding_balanced';
        END IF;
        RETURN NULL;
      END $$;`);
    this.addSql(`
      CREATE CONSTRAINT TRIGGER project_funding_balanced AFTER INSERT OR UPDATE OF budget_fen ON project
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_project_funding();`);
    this.addSql(`
      CREATE CONSTRAINT TRIGGER fund_source_balanced AFTER INSERT OR UPDATE OR DELETE ON project_fund_source
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_project_funding();`);

    this.addSql(`
      CREATE TABLE project_history (
        id bigserial PRIMARY KEY,
        project_id uuid NOT NULL REFERENCES project (id),
        seq integer NOT NULL CHECK (seq >= 0),
        action text NOT NULL,
        from_stage text,
        to_stage text NOT NULL,
        actor_id uuid REFERENCES app_user (id),
        actor_name text NOT NULL,
        at timestamptz NOT NULL,
        payload jsonb NOT NULL DEFAULT '{}'::jsonb,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (project_id, seq)
      );`);
    this.addSql(`
      CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
      END $$;`);
    this.addSql(`
      CREATE TRIGGER project_history_append_only BEFORE UPDATE OR DELETE ON project_history
        FOR EACH ROW EXECUTE FUNCTION forbid_change();`);
    this.addSql(`CREATE TRIGGER project_history_no_truncate BEFORE TRUNCATE ON project_history
        FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();`);

    this.addSql(`
      CREATE TABLE app_meta (
        key text PRIMARY KEY,
        value jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );`);
  }

  override async down(): Promise<void> {
    this.addSql(
      'DROP TABLE app_meta, project_history, project_fund_source, project_village, project, user_session, user_role, app_user, org_unit CASCADE;',
    );
    this.addSql(
      'DROP FUNCTION forbid_change(); DROP FUNCTION check_project_funding(); DROP SEQUENCE project_code_seq;',
    );
  }
}
