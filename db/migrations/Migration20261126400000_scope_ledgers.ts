import { Migration } from '@mikro-orm/migrations';

const LEDGER_TABLES: Record<string, 'department' | 'implementing' | 'site'> = {
  department_ledger: 'department',
  disbursement: 'department',
  settlement: 'department',
  collective_decision: 'implementing',
  implementation_record: 'implementing',
  monthly_progress: 'implementing',
  adjustment_record: 'implementing',
  supervision_visit: 'site',
  public_notice: 'site',
  opinion_record: 'site',
  beneficiary: 'site',
  after_care: 'site',
  after_care_check: 'site',
};

/**
 * Row-level security for the three ledgers: a ledger row is readable in
 * its project's scope and writable only by the level that keeps that ledger — checked by
 * PostgreSQL itself (`app_may_write_ledger`), beneath the service's `canWriteLedger`.
 *
 * The money-invariant trigger functions become SECURITY DEFINER: an integrity check must see every
 * row it sums (and lock the fund source it guards) whatever scope the writing transaction has.
 */
export class Migration20261126400000_scope_ledgers extends Migration {
  override async up(): Promise<void> {
    for (const fn of [
      'check_project_funding',
      'check_fund_document_allocation',
      'check_disbursed_within_source',
      'check_settlement_reconciles',
    ]) {
      this.addSql(`ALTER FUNCTION ${fn}() SECURITY DEFINER SET search_path = public, pg_temp;`);
    }
    this.addSql(`
      CREATE FUNCTION app_may_write_ledger(p_id uuid, p_ledger text) RETURNS boolean
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        unit uuid := app_unit_id();
        p record;
      BEGIN
        IF app_scope_kind() = 'system' THEN RETURN true; END IF;
        IF unit IS NULL OR NOT ('operator' = ANY (string_to_array(current_setting('app.roles', true), ','))) THEN
          RETURN false;
        END IF;
        SELECT department_id, owner_unit_id INTO p FROM project WHERE id = p_id;
        IF NOT FOUND THEN RETURN false; END IF;
        RETURN CASE p_ledger
          WHEN 'department' THEN p.department_id = unit
          WHEN 'implementing' THEN p.owner_unit_id = unit
          WHEN 'site' THEN app_scope_kind() = 'village'
            AND EXISTS (SELECT 1 FROM project_village pv WHERE pv.project_id = p_id AND pv.village_id = unit)
          ELSE false END;
      END $$;`);

    const policies = (table: string, writeCheck: string) => {
      this.addSql(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;`);
      this.addSql(
        `CREATE POLICY ${table}_read ON ${table} FOR SELECT USING (app_can_read_project(project_id));`,
      );
      this.addSql(`CREATE POLICY ${table}_insert ON ${table} FOR INSERT WITH CHECK (${writeCheck});`);
      // Upserts (ON CONFLICT DO UPDATE) need UPDATE as well; append-only tables refuse it by trigger.
      this.addSql(
        `CREATE POLICY ${table}_update ON ${table} FOR UPDATE USING (${writeCheck}) WITH CHECK (${writeCheck});`,
      );
    };
    for (const [table, ledger] of Object.entries(LEDGER_TABLES))
      policies(table, `app_may_write_ledger(project_id, '${ledger}')`);
    policies('archive_document', 'app_may_write_ledger(project_id, ledger)');

    // Ledger events: a project's with the write they record; a fund document's (no project) with its department.
    this.addSql(`ALTER TABLE ledger_event ENABLE ROW LEVEL SECURITY;`);
    this.addSql(`CREATE POLICY ledger_event_read ON ledger_event FOR SELECT
      USING (CASE WHEN project_id IS NULL THEN app_scope_kind() IN ('system', 'county', 'department') ELSE app_can_read_project(project_id) END);`);
    this.addSql(`CREATE POLICY ledger_event_insert ON ledger_event FOR INSERT
      WITH CHECK (CASE WHEN project_id IS NULL THEN app_scope_kind() IN ('system', 'department')
        -- an archive upload's event: the upload itself is checked by archive_document's policy
        WHEN ledger = 'archive' THEN app_can_read_project(project_id)
        ELSE app_may_write_ledger(project_id, ledger) END);`);

    // Fund documents belong to a department: its own, or all for county-wide readers.
    this.addSql(`ALTER TABLE fund_document ENABLE ROW LEVEL SECURITY;`);
    this.addSql(`CREATE POLICY fund_document_read ON fund_document FOR SELECT
      USING (app_scope_kind() IN ('system', 'county') OR department_id = app_unit_id());`);
    this.addSql(`CREATE POLICY fund_document_insert ON fund_document FOR INSERT
      WITH CHECK (app_scope_kind() = 'system' OR (app_scope_kind() = 'department' AND app_is_operator_of(department_id)));`);
    this.addSql(`CREATE POLICY fund_document_update ON fund_document FOR UPDATE
      USING (app_scope_kind() = 'system' OR (app_scope_kind() = 'department' AND app_is_operator_of(department_id)));`);

    // The department ledger links a fund source to its fund document.
    this.addSql(`CREATE POLICY project_fund_source_ledger_update ON project_fund_source FOR UPDATE
      USING (app_may_write_ledger(project_id, 'department')) WITH CHECK (app_may_write_ledger(project_id, 'department'));`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP POLICY project_fund_source_ledger_update ON project_fund_source;');
    for (const table of [
      ...Object.keys(LEDGER_TABLES),
      'archive_document',
      'ledger_event',
      'fund_document',
    ]) {
      this.addSql(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY;`);
    }
    this.addSql('DROP FUNCTION app_may_write_ledger(uuid, text);');
  }
}
