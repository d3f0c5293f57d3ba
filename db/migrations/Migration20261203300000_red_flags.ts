import { Migration } from '@mikro-orm/migrations';

/**
 * Risk red flags (docs/supervision.md#risk-red-flags): what the ledgers and the history show that
 * deserves a look — detected by SQL, one set-based statement per rule (db/queries/red-flag-scan.ts),
 * and kept here by a stable key (rule + subject), so a dismissal sticks whatever later scans find.
 *
 * - Written by the system scope (scans) and by the supervision office (dismissals); the office's
 *   own updates may touch the dismissal alone, and a dismissal is never undone (trigger).
 * - Read county-wide and by every unit the flag concerns (`unit_ids`: the departments, owner
 *   units, villages and townships of its projects, and the unit it is addressed to).
 * - Whether a rectification notice was raised from a flag is not stored here: it is
 *   `rectification_notice.source_red_flag_id`, joined when read.
 */
export class Migration20261203300000_red_flags extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE red_flag (
        id bigserial PRIMARY KEY,
        rule text NOT NULL CHECK (rule IN ('splitTender', 'payBeforeContract', 'settlementOverContract',
          'duplicatePhoto', 'contractorConcentration', 'noSiteVisit')),
        -- what the flag is about, stable across scans (e.g. project:<id>, sha256:<hash>)
        subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 500),
        year integer CHECK (year BETWEEN 2000 AND 2100),
        -- the unit a rectification notice would be addressed to
        unit_id uuid NOT NULL REFERENCES org_unit (id),
        unit_ids uuid[] NOT NULL,
        project_ids uuid[] NOT NULL DEFAULT '{}',
        -- { facts: {...}, rows: [...] }: the figures the explanation quotes and the rows behind it
        evidence jsonb NOT NULL,
        detected_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        -- set when a scan no longer finds it; a later finding clears it again
        cleared_at timestamptz,
        dismissed_at timestamptz,
        dismissed_by uuid REFERENCES app_user (id),
        dismissed_by_name text,
        dismiss_reason text CHECK (length(dismiss_reason) BETWEEN 1 AND 2000),
        UNIQUE (rule, subject),
        CHECK ((dismissed_at IS NULL) = (dismiss_reason IS NULL)),
        CHECK ((dismissed_at IS NULL) = (dismissed_by_name IS NULL))
      );`);
    this.addSql(`CREATE INDEX red_flag_units_idx ON red_flag USING gin (unit_ids);`);
    this.addSql(`CREATE INDEX red_flag_list_idx ON red_flag (detected_at DESC, id DESC);`);

    // A dismissal is kept: never undone nor rewritten. Outside the system scope (the office) only
    // the dismissal columns change.
    this.addSql(`
      CREATE FUNCTION red_flag_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.rule <> OLD.rule OR NEW.subject <> OLD.subject OR NEW.detected_at <> OLD.detected_at THEN
          RAISE EXCEPTION 'a red flag keeps its rule, subject and detection time' USING ERRCODE = 'check_violation',
            CONSTRAINT = 'red_flag_identity';
        END IF;
        IF OLD.dismissed_at IS NOT NULL AND (NEW.dismissed_at, NEW.dismissed_by, NEW.dismissed_by_name, NEW.dismiss_reason)
            IS DISTINCT FROM (OLD.dismissed_at, OLD.dismissed_by, OLD.dismissed_by_name, OLD.dismiss_reason) THEN
          RAISE EXCEPTION 'red flag % was dismissed; the dismissal is kept', OLD.id USING ERRCODE = 'check_violation',
            CONSTRAINT = 'red_flag_dismissal_kept';
        END IF;
        IF app_scope_kind() <> 'system' AND (NEW.year, NEW.unit_id, NEW.unit_ids, NEW.project_ids, NEW.evidence,
            NEW.updated_at, NEW.cleared_at) IS DISTINCT FROM (OLD.year, OLD.unit_id, OLD.unit_ids, OLD.project_ids,
            OLD.evidence, OLD.updated_at, OLD.cleared_at) THEN
          RAISE EXCEPTION 'only a scan changes what a red flag found' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$;`);
    this.addSql(`CREATE TRIGGER red_flag_guard BEFORE UPDATE ON red_flag
      FOR EACH ROW EXECUTE FUNCTION red_flag_guard();`);

    this.addSql(`ALTER TABLE red_flag ENABLE ROW LEVEL SECURITY;`);
    this.addSql(`CREATE POLICY red_flag_read ON red_flag FOR SELECT
      USING (app_scope_kind() IN ('system', 'county') OR app_unit_id() = ANY (unit_ids));`);
    this.addSql(
      `CREATE POLICY red_flag_insert ON red_flag FOR INSERT WITH CHECK (app_scope_kind() = 'system');`,
    );
    this.addSql(`CREATE POLICY red_flag_update ON red_flag FOR UPDATE
      USING (app_is_supervision_office()) WITH CHECK (app_is_supervision_office());`);
    this.addSql(`REVOKE DELETE, TRUNCATE ON red_flag FROM sanzhang_app;`);

    // Whether a notice was raised from a flag, for every reader of the flag (the notice itself
    // stays readable only by its own readers).
    this.addSql(`
      CREATE FUNCTION red_flag_converted(f_id bigint) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT EXISTS (SELECT 1 FROM rectification_notice n WHERE n.source_red_flag_id = f_id AND n.status <> 'withdrawn')
      $$;`);

    // What the rules' statements look up (their plans: docs/supervision.md#risk-red-flags).
    this.addSql(`CREATE INDEX rectification_notice_red_flag_idx ON rectification_notice (source_red_flag_id)
      WHERE source_red_flag_id IS NOT NULL;`);
    this.addSql(`CREATE INDEX project_budget_idx ON project (budget_fen);`);
    this.addSql(`CREATE INDEX project_underway_idx ON project (id) WHERE stage = 'underway';`);
    this.addSql(
      `CREATE INDEX project_history_start_idx ON project_history (project_id) WHERE action = 'start';`,
    );
    this.addSql(`CREATE INDEX archive_document_sha256_idx ON archive_document (sha256, project_id, entry_id)
      WHERE content_type LIKE 'image/%';`);
    this.addSql(
      `CREATE INDEX supervision_visit_last_idx ON supervision_visit (project_id, visited_on DESC);`,
    );
    this.addSql(`CREATE INDEX disbursement_paid_idx ON disbursement (project_id, paid_on);`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP INDEX disbursement_paid_idx, supervision_visit_last_idx, archive_document_sha256_idx,
      project_history_start_idx, project_underway_idx, project_budget_idx, rectification_notice_red_flag_idx;`);
    this.addSql(`DROP TABLE red_flag;`);
    this.addSql(`DROP FUNCTION red_flag_converted(bigint); DROP FUNCTION red_flag_guard();`);
  }
}
