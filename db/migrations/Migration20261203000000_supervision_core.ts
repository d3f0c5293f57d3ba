import { Migration } from '@mikro-orm/migrations';

/**
 * The supervision office's shared facts (docs/supervision.md): rectification notices (整改通知书)
 * and their problems, the 约谈 flags raised by project ladders and notice ladders, and the 约谈
 * records that close them. Each area adds its own tables in later migrations; these are the ones
 * more than one area reads (the monthly ranking counts notices, problems, talks and flags).
 *
 * - A notice and its problems are written only by the system scope: the notice's workflow
 *   (`rectification-<serial>`) owns them, as a project's workflow owns its read model.
 * - A notice is read county-wide and by the unit it is addressed to.
 * - A 约谈 record is written by the supervision office (an office unit's supervisor or operator)
 *   and read county-wide and by the units talked to.
 */
export class Migration20261203000000_supervision_core extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE FUNCTION app_is_supervision_office() RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT app_scope_kind() = 'system' OR (app_scope_kind() = 'county'
          AND (app_has_role('supervisor') OR app_has_role('operator'))
          AND EXISTS (SELECT 1 FROM org_unit o WHERE o.id = app_unit_id() AND o.kind = 'office'))
      $$;`);

    // ── 整改通知书 ───────────────────────────────────────────────────────────────────────────
    this.addSql(`
      CREATE TABLE rectification_notice (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        year integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
        number integer NOT NULL CHECK (number >= 1),
        -- 城口监督整改〔2026〕7号: prefix, year and number, fixed at issue
        serial text NOT NULL UNIQUE,
        org_unit_id uuid NOT NULL REFERENCES org_unit (id),
        issuer_unit_id uuid NOT NULL REFERENCES org_unit (id),
        issued_by uuid REFERENCES app_user (id),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        day_count text NOT NULL CHECK (day_count IN ('calendar', 'working')),
        issued_at timestamptz NOT NULL,
        issued_on date NOT NULL,
        -- the latest problem's deadline, recorded at issue; a send-back re-arms a problem, not this
        due_date date NOT NULL CHECK (due_date >= issued_on),
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'withdrawn')),
        closed_at timestamptz,
        closed_on_time boolean,
        withdrawn_reason text CHECK (length(withdrawn_reason) BETWEEN 1 AND 2000),
        source_red_flag_id bigint,
        UNIQUE (year, number),
        CHECK ((status = 'open') = (closed_at IS NULL)),
        CHECK ((status = 'closed') = (closed_on_time IS NOT NULL)),
        CHECK ((status = 'withdrawn') = (withdrawn_reason IS NOT NULL))
      );`);
    this.addSql(
      `CREATE INDEX rectification_notice_unit_idx ON rectification_notice (org_unit_id, issued_at DESC);`,
    );
    this.addSql(
      `CREATE INDEX rectification_notice_open_idx ON rectification_notice (due_date) WHERE status = 'open';`,
    );
    this.addSql(`
      CREATE TABLE rectification_notice_project (
        notice_id uuid NOT NULL REFERENCES rectification_notice (id),
        project_id uuid NOT NULL REFERENCES project (id),
        PRIMARY KEY (notice_id, project_id)
      );`);
    this.addSql(
      `CREATE INDEX rectification_notice_project_idx ON rectification_notice_project (project_id);`,
    );
    this.addSql(`
      CREATE TABLE rectification_problem (
        id bigserial PRIMARY KEY,
        notice_id uuid NOT NULL REFERENCES rectification_notice (id),
        seq integer NOT NULL CHECK (seq >= 1),
        project_id uuid REFERENCES project (id),
        description text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
        -- the legal or policy basis (依据)
        basis text NOT NULL CHECK (length(basis) BETWEEN 1 AND 1000),
        deadline_days integer NOT NULL CHECK (deadline_days BETWEEN 1 AND 365),
        -- fixed at issue; a send-back sets a new one (and a new arm) without changing the first
        first_due_date date NOT NULL,
        due_date date NOT NULL,
        arm integer NOT NULL DEFAULT 1 CHECK (arm >= 1),
        status text NOT NULL DEFAULT 'open'
          CHECK (status IN ('open', 'answered', 'sentBack', 'accepted', 'withdrawn')),
        accepted_at timestamptz,
        UNIQUE (notice_id, seq),
        CHECK ((status = 'accepted') = (accepted_at IS NOT NULL))
      );`);

    // ── 约谈: flags and records ──────────────────────────────────────────────────────────────
    this.addSql(`
      CREATE TABLE interview_record (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('individual', 'collective')),
        held_at timestamptz NOT NULL,
        location text NOT NULL DEFAULT '' CHECK (length(location) <= 200),
        -- who talked (names and posts, as written in the record)
        interviewers text NOT NULL CHECK (length(interviewers) BETWEEN 1 AND 500),
        reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
        agreed text NOT NULL CHECK (length(agreed) BETWEEN 1 AND 5000),
        follow_up_due date,
        recorder_unit_id uuid NOT NULL REFERENCES org_unit (id),
        created_by uuid REFERENCES app_user (id),
        created_at timestamptz NOT NULL DEFAULT now()
      );`);
    this.addSql(`CREATE INDEX interview_record_held_idx ON interview_record (held_at DESC);`);
    // Who was talked to: one row per person (a collective talk has several, perhaps of several units).
    this.addSql(`
      CREATE TABLE interview_subject (
        record_id uuid NOT NULL REFERENCES interview_record (id),
        seq integer NOT NULL CHECK (seq >= 1),
        org_unit_id uuid NOT NULL REFERENCES org_unit (id),
        person_name text NOT NULL CHECK (length(person_name) BETWEEN 1 AND 50),
        person_title text NOT NULL DEFAULT '' CHECK (length(person_title) <= 100),
        PRIMARY KEY (record_id, seq)
      );`);
    this.addSql(`CREATE INDEX interview_subject_unit_idx ON interview_subject (org_unit_id);`);
    // A 约谈 flag: from a project ladder (its interview alert) or a notice ladder. It stays open
    // until a record closes it.
    this.addSql(`
      CREATE TABLE interview_flag (
        id bigserial PRIMARY KEY,
        source text NOT NULL CHECK (source IN ('projectLadder', 'rectification')),
        alert_id bigint UNIQUE REFERENCES alert (id),
        notice_id uuid REFERENCES rectification_notice (id),
        notice_arm text,
        org_unit_id uuid NOT NULL REFERENCES org_unit (id),
        project_id uuid REFERENCES project (id),
        reason text NOT NULL,
        raised_at timestamptz NOT NULL,
        record_id uuid REFERENCES interview_record (id),
        closed_at timestamptz,
        UNIQUE (notice_id, notice_arm),
        CHECK ((source = 'projectLadder') = (alert_id IS NOT NULL)),
        CHECK ((source = 'rectification') = (notice_id IS NOT NULL AND notice_arm IS NOT NULL)),
        CHECK ((record_id IS NULL) = (closed_at IS NULL))
      );`);
    this.addSql(
      `CREATE INDEX interview_flag_open_idx ON interview_flag (org_unit_id) WHERE record_id IS NULL;`,
    );
    // The project ladders' 约谈 alerts raised before this table: each becomes an open flag.
    this.addSql(`
      INSERT INTO interview_flag (source, alert_id, org_unit_id, project_id, reason, raised_at)
      SELECT 'projectLadder', a.id, a.responsible_unit_id, a.project_id,
             COALESCE(n.reason, a.kind || ' ' || a.step), a.raised_at
        FROM alert a LEFT JOIN negative_list_entry n ON n.alert_id = a.id
       WHERE a.step = 'interview';`);

    // ── row-level security ───────────────────────────────────────────────────────────────────
    this.addSql(`
      CREATE FUNCTION app_can_read_rectification(n_id uuid) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT app_scope_kind() IN ('system', 'county')
            OR EXISTS (SELECT 1 FROM rectification_notice n WHERE n.id = n_id AND n.org_unit_id = app_unit_id())
      $$;`);
    this.addSql(`
      CREATE FUNCTION app_can_read_interview(r_id uuid) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT app_scope_kind() IN ('system', 'county')
            OR EXISTS (SELECT 1 FROM interview_subject s WHERE s.record_id = r_id AND s.org_unit_id = app_unit_id())
      $$;`);
    const policies: [table: string, read: string, write: string][] = [
      ['rectification_notice', 'app_can_read_rectification(id)', `app_scope_kind() = 'system'`],
      [
        'rectification_notice_project',
        'app_can_read_rectification(notice_id)',
        `app_scope_kind() = 'system'`,
      ],
      ['rectification_problem', 'app_can_read_rectification(notice_id)', `app_scope_kind() = 'system'`],
      ['interview_record', 'app_can_read_interview(id)', 'app_is_supervision_office()'],
      ['interview_subject', 'app_can_read_interview(record_id)', 'app_is_supervision_office()'],
      [
        'interview_flag',
        `app_scope_kind() IN ('system', 'county') OR org_unit_id = app_unit_id()`,
        'app_is_supervision_office()',
      ],
    ];
    for (const [table, read, write] of policies) {
      this.addSql(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;`);
      this.addSql(`CREATE POLICY ${table}_read ON ${table} FOR SELECT USING (${read});`);
      this.addSql(`CREATE POLICY ${table}_insert ON ${table} FOR INSERT WITH CHECK (${write});`);
      this.addSql(`CREATE POLICY ${table}_update ON ${table} FOR UPDATE USING (${write});`);
    }
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE interview_flag, interview_subject, interview_record,
      rectification_problem, rectification_notice_project, rectification_notice CASCADE;`);
    this.addSql(`DROP FUNCTION app_can_read_interview(uuid); DROP FUNCTION app_can_read_rectification(uuid);
      DROP FUNCTION app_is_supervision_office();`);
  }
}
