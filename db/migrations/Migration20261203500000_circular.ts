import { Migration } from '@mikro-orm/migrations';

/**
 * The monthly circular (月通报, docs/supervision.md): a draft generated from a month's stored
 * ranking report, the overdue list, the rectification notices and the 约谈 of the month, edited by
 * the supervision office and published to every unit.
 *
 * - One row per edition of a month; at most one draft per month. Regenerating replaces the draft's
 *   text; after publication a new generation starts the next edition (a correction is a new
 *   circular, never a changed one).
 * - A published row is immutable: UPDATE and DELETE are refused by trigger, whoever asks; DELETE
 *   and TRUNCATE are not granted to the application at all.
 * - Read county-wide; a published circular by every unit (it is circulated to all of them).
 *   Written only by the supervision office (app_is_supervision_office()).
 */
export class Migration20261203500000_circular extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE circular (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        month text NOT NULL CHECK (month ~ '^20[0-9]{2}-(0[1-9]|1[0-2])$'),
        edition integer NOT NULL DEFAULT 1 CHECK (edition >= 1),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        -- [{key, heading, body}], in order: domain/circular/schemas.ts
        sections jsonb NOT NULL CHECK (jsonb_typeof(sections) = 'array' AND octet_length(sections::text) <= 400000),
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
        -- the stored ranking report the draft was generated from, and the other facts' counts
        ranking_month text NOT NULL REFERENCES ranking_report (month),
        ranking_config_version text NOT NULL,
        generated_from jsonb NOT NULL,
        -- bumped by every write, so an editor's save over someone else's is refused (409)
        revision integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
        generated_by uuid REFERENCES app_user (id),
        generated_at timestamptz NOT NULL,
        edited_by uuid REFERENCES app_user (id),
        edited_at timestamptz,
        published_by uuid REFERENCES app_user (id),
        published_at timestamptz,
        UNIQUE (month, edition),
        CHECK ((status = 'published') = (published_at IS NOT NULL)),
        CHECK ((edited_by IS NULL) = (edited_at IS NULL))
      );`);
    this.addSql(`CREATE UNIQUE INDEX circular_one_draft_idx ON circular (month) WHERE status = 'draft';`);
    this.addSql(`CREATE INDEX circular_month_idx ON circular (month DESC, edition DESC);`);

    this.addSql(`
      CREATE FUNCTION circular_keep_published() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.status = 'published' THEN
          RAISE EXCEPTION 'circular % is published and cannot change', OLD.id
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END $$;`);
    this.addSql(`CREATE TRIGGER circular_published_immutable BEFORE UPDATE OR DELETE ON circular
      FOR EACH ROW EXECUTE FUNCTION circular_keep_published();`);
    this.addSql(`CREATE TRIGGER circular_no_truncate BEFORE TRUNCATE ON circular
      FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();`);

    this.addSql(`ALTER TABLE circular ENABLE ROW LEVEL SECURITY;`);
    this.addSql(`CREATE POLICY circular_read ON circular FOR SELECT
      USING (app_scope_kind() IN ('system', 'county') OR (status = 'published' AND app_unit_id() IS NOT NULL));`);
    this.addSql(`CREATE POLICY circular_insert ON circular FOR INSERT
      WITH CHECK (app_is_supervision_office() AND status = 'draft');`);
    this.addSql(`CREATE POLICY circular_update ON circular FOR UPDATE
      USING (app_is_supervision_office() AND status = 'draft') WITH CHECK (app_is_supervision_office());`);
    this.addSql(`GRANT SELECT, INSERT, UPDATE ON circular TO sanzhang_app;`);
    this.addSql(`REVOKE DELETE, TRUNCATE ON circular FROM sanzhang_app;`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE circular;`);
    this.addSql(`DROP FUNCTION circular_keep_published();`);
  }
}
