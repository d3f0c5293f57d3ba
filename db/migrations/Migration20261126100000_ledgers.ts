import { Migration } from '@mikro-orm/migrations';

/**
 * The three ledgers (三账), fund documents, disbursements, settlement and archive documents.
 *
 * Every money invariant holds in the database as well as in the domain code, so a direct SQL
 * statement cannot store what the api would refuse:
 *  - Σ fund sources linked to a fund document ≤ the document's amount (deferred constraint trigger);
 *  - Σ disbursed ≤ allocated, per fund source (constraint trigger, source row locked so two
 *    concurrent payments cannot both pass);
 *  - a settlement equals Σ disbursed and does not exceed the budget (deferred constraint trigger);
 *  - amounts are bigint 分 with CHECKs; a contractor's unified social credit code carries a valid
 *    GB 32100-2015 check digit (uscc_valid()).
 * Disbursements, settlements and the ledger event log are append-only.
 */
export class Migration20261126100000_ledgers extends Migration {
  override async up(): Promise<void> {
    // GB 32100-2015: 18 characters over a 31-symbol alphabet (no I, O, Z, S, V); the last one is a
    // check character computed from the first 17 with fixed weights 3^i mod 31.
    this.addSql(`
      CREATE FUNCTION uscc_valid(code text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE STRICT AS $$
      DECLARE
        alphabet constant text := '0123456789ABCDEFGHJKLMNPQRTUWXY';
        weights constant int[] := ARRAY[1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28];
        total int := 0;
        c int;
      BEGIN
        IF code !~ '^[0-9A-HJ-NPQRTUWXY]{18}$' THEN RETURN false; END IF;
        FOR i IN 1..17 LOOP
          total := total + (strpos(alphabet, substr(code, i, 1)) - 1) * weights[i];
        END LOOP;
        c := (31 - total % 31) % 31;
        RETURN substr(code, 18, 1) = substr(alphabet, c + 1, 1);
      END $$;`);

    this.addSql(`
      CREATE TABLE fund_document (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        department_id uuid NOT NULL REFERENCES org_unit (id),
        document_no text NOT NULL UNIQUE CHECK (length(document_no) BETWEEN 1 AND 100),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        issuer text NOT NULL CHECK (length(issuer) BETWEEN 1 AND 100),
        issued_on date NOT NULL,
        amount_fen bigint NOT NULL CHECK (amount_fen > 0),
        created_by uuid REFERENCES app_user (id),
        created_at timestamptz NOT NULL DEFAULT now()
      );`);
    this.addSql(
      `ALTER TABLE project_fund_source ADD COLUMN fund_document_id uuid REFERENCES fund_document (id);`,
    );
    this.addSql(`CREATE INDEX project_fund_source_document_idx ON project_fund_source (fund_document_id);`);
    this.addSql(`
      CREATE FUNCTION check_fund_document_allocation() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        doc uuid;
        available bigint;
        allocated bigint;
      BEGIN
        IF TG_TABLE_NAME = 'fund_document' THEN doc := NEW.id; ELSE doc := NEW.fund_document_id; END IF;
        IF doc IS NULL THEN RETURN NULL; END IF;
        SELECT amount_fen INTO available FROM fund_document WHERE id = doc;
        SELECT COALESCE(sum(amount_fen), 0) INTO allocated FROM project_fund_source WHERE fund_document_id = doc;
        IF allocated > available THEN
          RAISE EXCEPTION 'fund document % allocates % fen, it provides % fen', doc, allocated, available
            USING ERRCODE = 'check_violation', CONSTRAINT = 'fund_document_not_overallocated';
        END IF;
        RETURN NULL;
      END $$;`);
    this.addSql(`
      CREATE CONSTRAINT TRIGGER fund_document_not_overallocated AFTER INSERT OR UPDATE OF amount_fen, fund_document_id
        ON project_fund_source DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_fund_document_allocation();`);
    this.addSql(`
      CREATE CONSTRAINT TRIGGER fund_document_amount_covers AFTER UPDATE OF amount_fen ON fund_document
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_fund_document_allocation();`);

    this.addSql(`
      CREATE TABLE disbursement (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL REFERENCES project (id),
        source_position integer NOT NULL,
        paid_on date NOT NULL,
        amount_fen bigint NOT NULL CHECK (amount_fen > 0),
        payee text NOT NULL CHECK (length(payee) BETWEEN 1 AND 200),
        voucher_no text NOT NULL CHECK (length(voucher_no) BETWEEN 1 AND 100),
        approver text NOT NULL CHECK (length(approver) BETWEEN 1 AND 100),
        note text,
        import_id uuid,
        created_by uuid REFERENCES app_user (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (project_id, source_position) REFERENCES project_fund_source (project_id, position),
        UNIQUE (project_id, voucher_no)
      );`);
    this.addSql(`CREATE INDEX disbursement_source_idx ON disbursement (project_id, source_position);`);
    this.addSql(`
      CREATE FUNCTION check_disbursed_within_source() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        allocated bigint;
        paid bigint;
        pos integer;
      BEGIN
        IF TG_TABLE_NAME = 'project_fund_source' THEN pos := NEW.position; ELSE pos := NEW.source_position; END IF;
        -- Lock the source row: concurrent payments from one source are checked one after the other.
        SELECT amount_fen INTO allocated FROM project_fund_source
          WHERE project_id = NEW.project_id AND position = pos FOR UPDATE;
        SELECT COALESCE(sum(amount_fen), 0) INTO paid FROM disbursement
          WHERE project_id = NEW.project_id AND source_position = pos;
        IF paid > allocated THEN
          RAISE EXCEPTION 'disbursed % fen from source % of project %, allocated % fen', paid, pos, NEW.project_id, allocated
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disbursed_within_source';
        END IF;
        RETURN NULL;
      END $$;`);
    this.addSql(`
      CREATE CONSTRAINT TRIGGER disbursed_within_source AFTER INSERT ON disbursement
        FOR EACH ROW EXECUTE FUNCTION check_disbursed_within_source();`);
    this.addSql(`
      CREATE CONSTRAINT TRIGGER source_covers_disbursed AFTER UPDATE OF amount_fen ON project_fund_source
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_disbursed_within_source();`);
    this.addSql(`
      CREATE TRIGGER disbursement_append_only BEFORE UPDATE OR DELETE ON disbursement
        FOR EACH ROW EXECUTE FUNCTION forbid_change();`);

    this.addSql(`
      CREATE TABLE settlement (
        project_id uuid PRIMARY KEY REFERENCES project (id),
        settled_on date NOT NULL,
        settled_amount_fen bigint NOT NULL CHECK (settled_amount_fen >= 0),
        voucher_no text,
        note text,
        created_by uuid REFERENCES app_user (id),
        created_at timestamptz NOT NULL DEFAULT now()
      );`);
    this.addSql(`
      CREATE FUNCTION check_settlement_reconciles() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        pid uuid;
        settled bigint;
        paid bigint;
        budget bigint;
      BEGIN
        IF TG_TABLE_NAME = 'project' THEN pid := NEW.id; ELSE pid := NEW.project_id; END IF;
        SELECT settled_amount_fen INTO settled FROM settlement WHERE project_id = pid;
        IF settled IS NULL THEN RETURN NULL; END IF;
        SELECT COALESCE(sum(amount_fen), 0) INTO paid FROM disbursement WHERE project_id = pid;
        SELECT budget_fen INTO budget FROM project WHERE id = pid;
        IF settled <> paid OR settled > budget THEN
          RAISE EXCEPTION 'settlement of project % is % fen: disbursed % fen, budget % fen', pid, settled, paid, budget
            USING ERRCODE = 'check_violation', CONSTRAINT = 'settlement_reconciles';
        END IF;
        RETURN NULL;
      END $$;`);
    for (const [name, on] of [
      ['settlement_reconciles', 'INSERT ON settlement'],
      ['settlement_reconciles_disbursed', 'INSERT ON disbursement'],
      ['settlement_reconciles_budget', 'UPDATE OF budget_fen ON project'],
    ] as const) {
      this.addSql(`CREATE CONSTRAINT TRIGGER ${name} AFTER ${on}
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_settlement_reconciles();`);
    }
    this.addSql(`
      CREATE TRIGGER settlement_append_only BEFORE UPDATE OR DELETE ON settlement
        FOR EACH ROW EXECUTE FUNCTION forbid_change();`);

    // Department ledger (主管部门项目台账): what only the department holds beyond the project row.
    this.addSql(`
      CREATE TABLE department_ledger (
        project_id uuid PRIMARY KEY REFERENCES project (id),
        approved_on date,
        approval_issuer text,
        construction_content text,
        updated_by uuid REFERENCES app_user (id),
        updated_at timestamptz NOT NULL DEFAULT now()
      );`);

    // Implementing-unit ledger (实施单位项目台账).
    this.addSql(`
      CREATE TABLE collective_decision (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL REFERENCES project (id),
        meeting text NOT NULL CHECK (length(meeting) BETWEEN 1 AND 200),
        held_on date NOT NULL,
        attendees text[] NOT NULL CHECK (cardinality(attendees) >= 1),
        resolution text NOT NULL CHECK (length(resolution) BETWEEN 1 AND 2000),
        created_by uuid REFERENCES app_user (id),
        created_at timestamptz NOT NULL DEFAULT now()
      );`);
    this.addSql(`CREATE INDEX collective_decision_project_idx ON collective_decision (project_id);`);
    this.addSql(`
      CREATE TABLE implementation_record (
        project_id uuid PRIMARY KEY REFERENCES project (id),
        method text NOT NULL CHECK (method IN ('openTender', 'invitedTender', 'negotiation', 'selfBuild', 'workForRelief')),
        record_no text,
        contractor_name text,
        contractor_uscc text CHECK (contractor_uscc IS NULL OR uscc_valid(contractor_uscc)),
        contract_no text,
        contract_amount_fen bigint CHECK (contract_amount_fen >= 0),
        contract_signed_on date,
        updated_by uuid REFERENCES app_user (id),
        updated_at timestamptz NOT NULL DEFAULT now()
      );`);
    this.addSql(`
      CREATE TABLE monthly_progress (
        project_id uuid NOT NULL REFERENCES project (id),
        month text NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
        percent integer NOT NULL CHECK (percent BETWEEN 0 AND 100),
        narrative text NOT NULL CHECK (length(narrative) BETWEEN 1 AND 2000),
        import_id uuid,
        created_by uuid REFERENCES app_user (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (project_id, month)
      );`);
    this.addSql(`
      CREATE TABLE adjustment_record (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL REFERENCES project (id),
        document_no text NOT NULL CHECK (length(document_no) BETWEEN 1 AND 100),
        adjusted_on date NOT NULL,
        content text NOT NULL CHECK (length(content) BETWEEN 1 AND 2000),
        reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
        created_by uuid REFERENCES app_user (id),
        created_at timestamptz NOT NULL DEFAULT now()
      );`);
    this.addSql(`CREATE INDEX adjustment_record_project_idx ON adjustment_record (project_id);`);

    // Site ledger (建设地点项目台账).
    this.addSql(`
      CREATE TABLE supervision_visit (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL REFERENCES project (id),
        village_id uuid NOT NULL REFERENCES org_unit (id),
        visited_on date NOT NULL,
        supervisor text NOT NULL CHECK (length(supervisor) BETWEEN 1 AND 100),
        findings text NOT NULL CHECK (length(findings) BETWEEN 1 AND 2000),
        import_id uuid,
        created_by uuid REFERENCES app_user (id),
        created_at timestamptz NOT NULL DEFAULT now()
      );`);
    this.addSql(`CREATE INDEX supervision_visit_project_idx ON supervision_visit (project_id);`);
    this.addSql(`
      CREATE TABLE public_notice (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL REFERENCES project (id),
        village_id uuid NOT NULL REFERENCES org_unit (id),
        place text NOT NULL CHECK (length(place) BETWEEN 1 AND 200),
        posted_from date NOT NULL,
        posted_to date NOT NULL,
        content text NOT NULL CHECK (length(content) BETWEEN 1 AND 2000),
        announced_amount_fen bigint CHECK (announced_amount_fen > 0),
        complaint_phone text,
        objection_count integer NOT NULL DEFAULT 0 CHECK (objection_count >= 0),
        objections text,
        created_by uuid REFERENCES app_user (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT public_notice_period CHECK (posted_from <= posted_to)
      );`);
    this.addSql(`CREATE INDEX public_notice_project_idx ON public_notice (project_id);`);
    this.addSql(`
      CREATE TABLE opinion_record (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL REFERENCES project (id),
        gathered_on date NOT NULL,
        method text NOT NULL CHECK (length(method) BETWEEN 1 AND 100),
        participants integer NOT NULL CHECK (participants > 0),
        summary text NOT NULL CHECK (length(summary) BETWEEN 1 AND 2000),
        created_by uuid REFERENCES app_user (id),
        created_at timestamptz NOT NULL DEFAULT now()
      );`);
    this.addSql(`CREATE INDEX opinion_record_project_idx ON opinion_record (project_id);`);
    this.addSql(`
      CREATE TABLE beneficiary (
        project_id uuid PRIMARY KEY REFERENCES project (id),
        households integer NOT NULL CHECK (households >= 0),
        poor_households integer NOT NULL CHECK (poor_households >= 0),
        people integer NOT NULL CHECK (people >= 0),
        updated_by uuid REFERENCES app_user (id),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT beneficiary_poor_within CHECK (poor_households <= households),
        CONSTRAINT beneficiary_people_cover CHECK (people >= households)
      );`);
    this.addSql(`
      CREATE TABLE after_care (
        project_id uuid PRIMARY KEY REFERENCES project (id),
        owner text NOT NULL CHECK (length(owner) BETWEEN 1 AND 200),
        duty text NOT NULL CHECK (length(duty) BETWEEN 1 AND 1000),
        updated_by uuid REFERENCES app_user (id),
        updated_at timestamptz NOT NULL DEFAULT now()
      );`);
    this.addSql(`
      CREATE TABLE after_care_check (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL REFERENCES project (id),
        checked_on date NOT NULL,
        checker text NOT NULL CHECK (length(checker) BETWEEN 1 AND 100),
        result text NOT NULL CHECK (length(result) BETWEEN 1 AND 1000),
        created_by uuid REFERENCES app_user (id),
        created_at timestamptz NOT NULL DEFAULT now()
      );`);
    this.addSql(`CREATE INDEX after_care_check_project_idx ON after_care_check (project_id);`);

    // Every ledger write leaves an event: who, when, what. Append-only like project_history.
    this.addSql(`
      CREATE TABLE ledger_event (
        id bigserial PRIMARY KEY,
        project_id uuid REFERENCES project (id),
        ledger text NOT NULL CHECK (ledger IN ('department', 'implementing', 'site', 'archive')),
        kind text NOT NULL,
        actor_id uuid REFERENCES app_user (id),
        actor_name text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        payload jsonb NOT NULL DEFAULT '{}'::jsonb
      );`);
    this.addSql(`CREATE INDEX ledger_event_project_idx ON ledger_event (project_id, id);`);
    this.addSql(`
      CREATE TRIGGER ledger_event_append_only BEFORE UPDATE OR DELETE ON ledger_event
        FOR EACH ROW EXECUTE FUNCTION forbid_change();`);

    // Archive documents (档案资料) and the configurable checklist of what each stage requires.
    this.addSql(`
      CREATE TABLE archive_requirement (
        stage text NOT NULL CHECK (stage IN ('approved', 'designApproved', 'methodFixed', 'underway', 'completed',
          'accepted', 'reimbursed', 'afterCare')),
        item text NOT NULL CHECK (item ~ '^[a-zA-Z][a-zA-Z0-9]{1,39}$'),
        ledger text NOT NULL CHECK (ledger IN ('department', 'implementing', 'site')),
        label text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
        required boolean NOT NULL DEFAULT true,
        PRIMARY KEY (stage, item)
      );`);
    this.addSql(`
      INSERT INTO archive_requirement (stage, item, ledger, label) VALUES
        ('approved', 'approvalDocument', 'department', '立项批复文件'),
        ('approved', 'fundDocument', 'department', '资金下达文件'),
        ('designApproved', 'designApproval', 'department', '设计及预算批复'),
        ('methodFixed', 'decisionMinutes', 'implementing', '集体决策会议纪要'),
        ('methodFixed', 'contract', 'implementing', '施工合同'),
        ('underway', 'startReport', 'implementing', '开工报告'),
        ('underway', 'publicNoticePhoto', 'site', '公示照片'),
        ('completed', 'completionReport', 'implementing', '竣工报告'),
        ('completed', 'supervisionPhoto', 'site', '监督检查照片');`);
    this.addSql(`
      CREATE TABLE archive_document (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL REFERENCES project (id),
        ledger text NOT NULL CHECK (ledger IN ('department', 'implementing', 'site')),
        stage text NOT NULL,
        item text,
        entry_id uuid,
        file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 200),
        content_type text NOT NULL,
        size_bytes bigint NOT NULL CHECK (size_bytes > 0),
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        storage_key text NOT NULL UNIQUE,
        uploaded_by uuid REFERENCES app_user (id),
        uploaded_at timestamptz NOT NULL DEFAULT now()
      );`);
    this.addSql(`CREATE INDEX archive_document_project_idx ON archive_document (project_id, stage);`);
    this.addSql(`
      CREATE TRIGGER archive_document_append_only BEFORE UPDATE OR DELETE ON archive_document
        FOR EACH ROW EXECUTE FUNCTION forbid_change();`);

    // Imports of existing ledgers: a row per file, with progress and the row-by-row report.
    this.addSql(`
      CREATE TABLE ledger_import (
        id uuid PRIMARY KEY,
        kind text NOT NULL,
        file_name text NOT NULL,
        status text NOT NULL CHECK (status IN ('running', 'succeeded', 'rejected', 'failed')),
        total_rows integer NOT NULL DEFAULT 0,
        processed_rows integer NOT NULL DEFAULT 0,
        imported_rows integer NOT NULL DEFAULT 0,
        errors jsonb NOT NULL DEFAULT '[]'::jsonb,
        message text,
        created_by uuid REFERENCES app_user (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );`);
  }

  override async down(): Promise<void> {
    this
      .addSql(`DROP TABLE ledger_import, archive_document, archive_requirement, ledger_event, after_care_check,
      after_care, beneficiary, opinion_record, public_notice, supervision_visit, adjustment_record, monthly_progress,
      implementation_record, collective_decision, department_ledger, settlement, disbursement CASCADE;`);
    this.addSql(`ALTER TABLE project_fund_source DROP COLUMN fund_document_id;`);
    this.addSql(`DROP TABLE fund_document CASCADE;`);
    this.addSql(`DROP FUNCTION check_settlement_reconciles(); DROP FUNCTION check_disbursed_within_source();
      DROP FUNCTION check_fund_document_allocation(); DROP FUNCTION uscc_valid(text);`);
  }
}
