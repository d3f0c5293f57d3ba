import { Migration } from '@mikro-orm/migrations';

/**
 * 约谈 records made immutable, and the negative list (负面清单) given a lifecycle (docs/supervision.md):
 *
 * - A 约谈 record is a document: once written it is never changed or deleted. A correction is a new
 *   record naming the one it corrects (`corrects_id`); both stay.
 * - A negative-list entry names its source: a project ladder's 约谈 alert, a rectification notice's
 *   约谈 flag, a 约谈 record, or the office's own decision (manual); its unit's leader at the time;
 *   the date it was listed; and, once lifted, when, by whom, why and with what evidence. `org_unit_id`
 *   and `listed_at` keep their meaning (the monthly ranking counts them).
 * - A month's list is published once by the supervision office: a snapshot of the entries in force
 *   during that month, append-only like project_history (a trigger refuses UPDATE and DELETE).
 * - Attachments of a record or of a lift are bulletin uploads linked here, once; the link makes
 *   them readable by whoever may read what they belong to, and no notice or message may claim them.
 */
export class Migration20261203200000_talks_negative_list extends Migration {
  override async up(): Promise<void> {
    // ── 约谈 records: immutable, corrections are new records ──────────────────────────────────
    this.addSql(`ALTER TABLE interview_record
      ADD COLUMN corrects_id uuid REFERENCES interview_record (id),
      ADD COLUMN project_id uuid REFERENCES project (id);`);
    for (const table of ['interview_record', 'interview_subject']) {
      this.addSql(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION forbid_change();`);
      this.addSql(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();`);
    }

    // ── the negative list's lifecycle ─────────────────────────────────────────────────────────
    this.addSql(`ALTER TABLE negative_list_entry
      ALTER COLUMN project_id DROP NOT NULL,
      ALTER COLUMN alert_id DROP NOT NULL,
      ADD COLUMN source text NOT NULL DEFAULT 'projectLadder'
        CHECK (source IN ('projectLadder', 'rectification', 'interview', 'manual')),
      ADD COLUMN notice_id uuid REFERENCES rectification_notice (id),
      ADD COLUMN notice_arm text,
      ADD COLUMN interview_record_id uuid REFERENCES interview_record (id),
      ADD COLUMN leader_name text NOT NULL DEFAULT '' CHECK (length(leader_name) <= 50),
      ADD COLUMN listed_on date,
      ADD COLUMN listed_by uuid REFERENCES app_user (id),
      ADD COLUMN lifted_at timestamptz,
      ADD COLUMN lifted_by uuid REFERENCES app_user (id),
      ADD COLUMN lift_reason text CHECK (length(lift_reason) BETWEEN 1 AND 2000);`);
    // Entries listed before: their date in the county, and the unit's head account as its leader.
    this
      .addSql(`UPDATE negative_list_entry e SET listed_on = (e.listed_at AT TIME ZONE 'Asia/Shanghai')::date,
      leader_name = COALESCE((SELECT left(h.display_name, 50) FROM app_user h WHERE h.org_unit_id = e.org_unit_id
        AND h.unit_head AND NOT h.disabled ORDER BY h.created_at, h.id LIMIT 1), '');`);
    this.addSql(`ALTER TABLE negative_list_entry ALTER COLUMN listed_on SET NOT NULL,
      ADD CONSTRAINT negative_list_entry_alert_source CHECK ((source = 'projectLadder') = (alert_id IS NOT NULL)),
      ADD CONSTRAINT negative_list_entry_notice_source
        CHECK ((source = 'rectification') = (notice_id IS NOT NULL AND notice_arm IS NOT NULL)),
      ADD CONSTRAINT negative_list_entry_interview_source
        CHECK ((source = 'interview') = (interview_record_id IS NOT NULL)),
      ADD CONSTRAINT negative_list_entry_ladder_project CHECK (source <> 'projectLadder' OR project_id IS NOT NULL),
      ADD CONSTRAINT negative_list_entry_lift CHECK ((lifted_at IS NULL) = (lift_reason IS NULL)),
      ADD CONSTRAINT negative_list_entry_notice_once UNIQUE (notice_id, notice_arm),
      ADD CONSTRAINT negative_list_entry_interview_once UNIQUE (interview_record_id, org_unit_id);`);
    this.addSql(`CREATE INDEX negative_list_listed_idx ON negative_list_entry (listed_on, org_unit_id);`);
    // Listed facts never change; an entry is lifted once, and a lifted entry stays as it was lifted.
    this.addSql(`
      CREATE FUNCTION negative_list_entry_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.lifted_at IS NOT NULL THEN
          RAISE EXCEPTION 'negative_list_entry % is lifted already', OLD.id USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF (NEW.org_unit_id, NEW.project_id, NEW.alert_id, NEW.reason, NEW.listed_at, NEW.source, NEW.notice_id,
            NEW.notice_arm, NEW.interview_record_id, NEW.leader_name, NEW.listed_on, NEW.listed_by)
           IS DISTINCT FROM
           (OLD.org_unit_id, OLD.project_id, OLD.alert_id, OLD.reason, OLD.listed_at, OLD.source, OLD.notice_id,
            OLD.notice_arm, OLD.interview_record_id, OLD.leader_name, OLD.listed_on, OLD.listed_by) THEN
          RAISE EXCEPTION 'negative_list_entry % changes only by being lifted', OLD.id USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$;`);
    // A writer that names only the original columns (a ladder's entry, as before) still gets its
    // county date; the source defaults to the project ladder for the same reason.
    this.addSql(`
      CREATE FUNCTION negative_list_entry_listed_on() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.listed_on := COALESCE(NEW.listed_on, (NEW.listed_at AT TIME ZONE 'Asia/Shanghai')::date);
        RETURN NEW;
      END $$;`);
    this.addSql(`CREATE TRIGGER negative_list_entry_listed_on BEFORE INSERT ON negative_list_entry
      FOR EACH ROW EXECUTE FUNCTION negative_list_entry_listed_on();`);
    this.addSql(`CREATE TRIGGER negative_list_entry_guard BEFORE UPDATE ON negative_list_entry
      FOR EACH ROW EXECUTE FUNCTION negative_list_entry_guard();`);
    this.addSql(`CREATE TRIGGER negative_list_entry_no_delete BEFORE DELETE ON negative_list_entry
      FOR EACH ROW EXECUTE FUNCTION forbid_change();`);
    // Readable as before for a project's entries; an entry without a project by county-wide
    // accounts and by the unit listed. The office adds (manual, from a talk) and lifts entries.
    this.addSql(`DROP POLICY negative_list_entry_read ON negative_list_entry;`);
    this.addSql(`
      CREATE FUNCTION app_can_read_negative_entry(e_id bigint) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT EXISTS (SELECT 1 FROM negative_list_entry e WHERE e.id = e_id AND CASE
          WHEN e.project_id IS NOT NULL THEN app_can_read_project(e.project_id)
          ELSE app_scope_kind() IN ('system', 'county') OR e.org_unit_id = app_unit_id() END)
      $$;`);
    this.addSql(`CREATE POLICY negative_list_entry_read ON negative_list_entry FOR SELECT USING (CASE
      WHEN project_id IS NOT NULL THEN app_can_read_project(project_id)
      ELSE app_scope_kind() IN ('system', 'county') OR org_unit_id = app_unit_id() END);`);
    this.addSql(`CREATE POLICY negative_list_entry_office_insert ON negative_list_entry FOR INSERT
      WITH CHECK (app_is_supervision_office() AND source IN ('manual', 'interview'));`);
    this.addSql(`CREATE POLICY negative_list_entry_office_update ON negative_list_entry FOR UPDATE
      USING (app_is_supervision_office()) WITH CHECK (app_is_supervision_office());`);
    this.addSql(`REVOKE DELETE, TRUNCATE ON negative_list_entry FROM sanzhang_app;`);

    // ── monthly publication: a snapshot, append-only ──────────────────────────────────────────
    this.addSql(`
      CREATE TABLE negative_list_publication (
        month text PRIMARY KEY CHECK (month ~ '^\\d{4}-(0[1-9]|1[0-2])$'),
        published_at timestamptz NOT NULL DEFAULT now(),
        published_by uuid REFERENCES app_user (id),
        publisher_unit_id uuid NOT NULL REFERENCES org_unit (id),
        entry_count integer NOT NULL CHECK (entry_count >= 0)
      );`);
    // The entries in force at some time in the month (listed by its end, not lifted before its
    // start), as they stood when published: names are copied, so a renamed unit changes nothing.
    this.addSql(`
      CREATE TABLE negative_list_publication_entry (
        month text NOT NULL REFERENCES negative_list_publication (month),
        entry_id bigint NOT NULL REFERENCES negative_list_entry (id),
        seq integer NOT NULL CHECK (seq >= 1),
        org_unit_id uuid NOT NULL REFERENCES org_unit (id),
        unit_name text NOT NULL,
        leader_name text NOT NULL,
        project_id uuid REFERENCES project (id),
        project_name text,
        source text NOT NULL,
        reason text NOT NULL,
        listed_on date NOT NULL,
        lifted_on date,
        lift_reason text,
        PRIMARY KEY (month, entry_id),
        UNIQUE (month, seq)
      );`);
    this.addSql(
      `CREATE INDEX negative_list_publication_entry_unit_idx ON negative_list_publication_entry (org_unit_id);`,
    );
    for (const table of ['negative_list_publication', 'negative_list_publication_entry']) {
      this.addSql(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION forbid_change();`);
      this.addSql(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();`);
    }

    // ── attachments of records and lifts ──────────────────────────────────────────────────────
    this.addSql(`
      CREATE TABLE supervision_attachment (
        attachment_id uuid PRIMARY KEY REFERENCES bulletin_attachment (id),
        interview_record_id uuid REFERENCES interview_record (id),
        negative_entry_id bigint REFERENCES negative_list_entry (id),
        linked_at timestamptz NOT NULL DEFAULT now(),
        CHECK (num_nonnulls(interview_record_id, negative_entry_id) = 1)
      );`);
    this
      .addSql(`CREATE INDEX supervision_attachment_record_idx ON supervision_attachment (interview_record_id)
      WHERE interview_record_id IS NOT NULL;`);
    this.addSql(`CREATE INDEX supervision_attachment_entry_idx ON supervision_attachment (negative_entry_id)
      WHERE negative_entry_id IS NOT NULL;`);
    this.addSql(`
      CREATE FUNCTION app_can_read_supervision_attachment(a_id uuid) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT EXISTS (SELECT 1 FROM supervision_attachment l WHERE l.attachment_id = a_id AND CASE
          WHEN l.interview_record_id IS NOT NULL THEN app_can_read_interview(l.interview_record_id)
          ELSE app_can_read_negative_entry(l.negative_entry_id) END)
      $$;`);
    this.addSql(`
      CREATE FUNCTION app_is_supervision_attachment(a_id uuid) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT EXISTS (SELECT 1 FROM supervision_attachment l WHERE l.attachment_id = a_id)
      $$;`);
    // Added beside the bulletin's own policies: a linked upload is read as what it belongs to, and
    // is nobody's to claim again (a restrictive policy holds whatever the permissive ones allow).
    this.addSql(`CREATE POLICY bulletin_attachment_supervision_read ON bulletin_attachment FOR SELECT
      USING (app_can_read_supervision_attachment(id));`);
    this.addSql(`CREATE POLICY bulletin_attachment_supervision_kept ON bulletin_attachment AS RESTRICTIVE
      FOR UPDATE USING (NOT app_is_supervision_attachment(id));`);

    // ── row-level security and grants ─────────────────────────────────────────────────────────
    const rls = (table: string, policies: Record<string, string>) => {
      this.addSql(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;`);
      for (const [name, clause] of Object.entries(policies))
        this.addSql(`CREATE POLICY ${table}_${name} ON ${table} ${clause};`);
    };
    rls('negative_list_publication', {
      read: `FOR SELECT USING (app_scope_kind() = 'system' OR app_unit_id() IS NOT NULL)`,
      insert: 'FOR INSERT WITH CHECK (app_is_supervision_office())',
    });
    rls('negative_list_publication_entry', {
      read: `FOR SELECT USING (app_scope_kind() IN ('system', 'county') OR org_unit_id = app_unit_id())`,
      insert: 'FOR INSERT WITH CHECK (app_is_supervision_office())',
    });
    rls('supervision_attachment', {
      read: `FOR SELECT USING (CASE WHEN interview_record_id IS NOT NULL
        THEN app_can_read_interview(interview_record_id) ELSE app_can_read_negative_entry(negative_entry_id) END)`,
      insert: 'FOR INSERT WITH CHECK (app_is_supervision_office())',
    });
    this.addSql(`GRANT SELECT, INSERT ON negative_list_publication, negative_list_publication_entry,
      supervision_attachment TO sanzhang_app;`);
    this
      .addSql(`REVOKE UPDATE, DELETE, TRUNCATE ON negative_list_publication, negative_list_publication_entry,
      supervision_attachment FROM sanzhang_app;`);
    this.addSql(`REVOKE DELETE, TRUNCATE ON interview_record, interview_subject FROM sanzhang_app;`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP POLICY bulletin_attachment_supervision_kept ON bulletin_attachment;
      DROP POLICY bulletin_attachment_supervision_read ON bulletin_attachment;`);
    this.addSql(
      `DROP TABLE supervision_attachment, negative_list_publication_entry, negative_list_publication;`,
    );
    this.addSql(
      `DROP FUNCTION app_is_supervision_attachment(uuid), app_can_read_supervision_attachment(uuid);`,
    );
    this.addSql(`DROP TRIGGER negative_list_entry_listed_on ON negative_list_entry;
      DROP FUNCTION negative_list_entry_listed_on();`);
    this.addSql(`DROP TRIGGER negative_list_entry_no_delete ON negative_list_entry;
      DROP TRIGGER negative_list_entry_guard ON negative_list_entry; DROP FUNCTION negative_list_entry_guard();`);
    this.addSql(`DROP POLICY negative_list_entry_office_update ON negative_list_entry;
      DROP POLICY negative_list_entry_office_insert ON negative_list_entry;
      DROP POLICY negative_list_entry_read ON negative_list_entry;`);
    this.addSql(`CREATE POLICY negative_list_entry_read ON negative_list_entry FOR SELECT
      USING (app_can_read_project(project_id));`);
    this.addSql(`DROP FUNCTION app_can_read_negative_entry(bigint);`);
    this.addSql(`DELETE FROM negative_list_entry WHERE source <> 'projectLadder';`);
    this
      .addSql(`ALTER TABLE negative_list_entry DROP COLUMN source, DROP COLUMN notice_id, DROP COLUMN notice_arm,
      DROP COLUMN interview_record_id, DROP COLUMN leader_name, DROP COLUMN listed_on, DROP COLUMN listed_by,
      DROP COLUMN lifted_at, DROP COLUMN lifted_by, DROP COLUMN lift_reason,
      ALTER COLUMN project_id SET NOT NULL, ALTER COLUMN alert_id SET NOT NULL;`);
    for (const table of ['interview_record', 'interview_subject'])
      this.addSql(
        `DROP TRIGGER ${table}_append_only ON ${table}; DROP TRIGGER ${table}_no_truncate ON ${table};`,
      );
    this.addSql(`ALTER TABLE interview_record DROP COLUMN corrects_id, DROP COLUMN project_id;`);
  }
}
