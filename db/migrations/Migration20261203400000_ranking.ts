import { Migration } from '@mikro-orm/migrations';

/**
 * The monthly ranking (月度考核排名, docs/supervision.md): one report per month, stored once and
 * never changed (domain/ranking/report.ts is its shape), and one row per ranked unit so a unit can
 * read its own figures without the whole county's.
 *
 * - Written only by the system scope (the `monthlyRanking` workflow's activity); `month` is the
 *   key, so a second run of the same month inserts nothing (ON CONFLICT DO NOTHING).
 * - Append-only: UPDATE, DELETE and TRUNCATE are refused by trigger (forbid_change) and revoked.
 * - The report is read county-wide; a unit's row by county-wide accounts and by that unit.
 */
export class Migration20261203400000_ranking extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE ranking_report (
        month text PRIMARY KEY CHECK (month ~ '^20[0-9]{2}-(0[1-9]|1[0-2])$'),
        config_version text NOT NULL CHECK (length(config_version) BETWEEN 1 AND 40),
        computed_at timestamptz NOT NULL,
        trigger text NOT NULL CHECK (trigger IN ('schedule', 'manual', 'backfill')),
        workflow_id text NOT NULL,
        report jsonb NOT NULL,
        CHECK (report->>'month' = month),
        CHECK (report->'config'->>'version' = config_version)
      );`);
    this.addSql(`
      CREATE TABLE ranking_entry (
        month text NOT NULL REFERENCES ranking_report (month),
        grp text NOT NULL CHECK (grp IN ('department', 'township')),
        org_unit_id uuid NOT NULL REFERENCES org_unit (id),
        rank integer CHECK (rank >= 1),
        total_centi integer NOT NULL CHECK (total_centi BETWEEN 0 AND 10000),
        movement integer,
        row jsonb NOT NULL,
        PRIMARY KEY (month, grp, org_unit_id)
      );`);
    this.addSql(`CREATE INDEX ranking_entry_unit_idx ON ranking_entry (org_unit_id, month);`);

    for (const table of ['ranking_report', 'ranking_entry']) {
      this.addSql(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION forbid_change();`);
      this.addSql(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();`);
      this.addSql(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;`);
      this.addSql(`CREATE POLICY ${table}_insert ON ${table} FOR INSERT WITH CHECK (app_scope_kind() = 'system');`);
      this.addSql(`GRANT SELECT, INSERT ON ${table} TO sanzhang_app;`);
      this.addSql(`REVOKE UPDATE, DELETE, TRUNCATE ON ${table} FROM sanzhang_app;`);
    }
    this.addSql(`CREATE POLICY ranking_report_read ON ranking_report FOR SELECT
      USING (app_scope_kind() IN ('system', 'county'));`);
    this.addSql(`CREATE POLICY ranking_entry_read ON ranking_entry FOR SELECT
      USING (app_scope_kind() IN ('system', 'county') OR org_unit_id = app_unit_id());`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE ranking_entry, ranking_report;`);
  }
}
