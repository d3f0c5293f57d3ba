import { Migration } from '@mikro-orm/migrations';

/**
 * Complaints (监督举报, docs/complaints.md). Anyone submits one about a project or a village; the
 * supervision office acknowledges, assigns it to a unit, answers the reporter and closes or
 * reopens it; the unit handles it. Every row is written by the system scope (the complaint's
 * workflow activities). Who reads what:
 * - `complaint`, its events, photos, evidence and time-limit steps: county-wide accounts, and the
 *   unit it is assigned to;
 * - `complaint_reporter` (name, phone): the supervision office only — never the handling unit;
 * - the public: nothing directly; the receipt lookup reads as the system, by the receipt's hash.
 */
export class Migration20261204200000_complaints extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE complaint (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        receipt text NOT NULL UNIQUE CHECK (receipt ~ '^[0-9A-HJKMNP-TV-Z]{12}$'),
        -- SHA-256 of the receipt: the lookup finds a row by it, so no index walk compares receipts
        receipt_hash bytea NOT NULL UNIQUE,
        -- the request that submitted it: a retried submission writes nothing twice
        request_id text NOT NULL UNIQUE,
        -- what that request asked (SHA-256): the same key sent with another complaint is refused
        request_hash text NOT NULL CHECK (request_hash ~ '^[0-9a-f]{64}$'),
        subject_kind text NOT NULL CHECK (subject_kind IN ('project', 'village')),
        subject_code text NOT NULL,
        project_id uuid REFERENCES project (id),
        village_id uuid REFERENCES org_unit (id),
        -- the unit the subject belongs to (the project's owner, or the village): a hint to the office
        subject_unit_id uuid REFERENCES org_unit (id),
        category text NOT NULL CHECK (category IN ('funds', 'quality', 'progress', 'conduct', 'other')),
        description text NOT NULL CHECK (length(description) BETWEEN 1 AND 5000),
        status text NOT NULL CHECK (status IN
          ('submitted', 'acknowledged', 'assigned', 'handled', 'answered', 'closed', 'reopened')),
        unit_id uuid REFERENCES org_unit (id),
        public_answer text CHECK (length(public_answer) <= 5000),
        reopen_count integer NOT NULL DEFAULT 0 CHECK (reopen_count >= 0),
        submitted_at timestamptz NOT NULL,
        submitted_on date NOT NULL,
        acknowledged_at timestamptz,
        assigned_at timestamptz,
        handled_at timestamptz,
        answered_at timestamptz,
        closed_at timestamptz,
        -- the running time limit (none once answered or closed) and the furthest step it reached
        sla_phase text CHECK (sla_phase IN ('acknowledge', 'assign', 'answer')),
        sla_due_date date,
        sla_step text CHECK (sla_step IN ('overdue', 'escalated')),
        CHECK ((subject_kind = 'project') = (project_id IS NOT NULL)),
        CHECK (status IN ('submitted', 'acknowledged') OR unit_id IS NOT NULL)
      );`);
    this.addSql(`CREATE INDEX complaint_unit_idx ON complaint (unit_id, submitted_at DESC);`);
    this.addSql(`CREATE INDEX complaint_status_idx ON complaint (status, submitted_at DESC);`);

    // Who reported: kept apart so that no query of the handling unit can reach it.
    this.addSql(`
      CREATE TABLE complaint_reporter (
        complaint_id uuid PRIMARY KEY REFERENCES complaint (id),
        anonymous boolean NOT NULL,
        name text CHECK (length(name) <= 50),
        phone text CHECK (phone ~ '^[0-9+ -]{5,20}$'),
        CHECK (NOT anonymous OR (name IS NULL AND phone IS NULL))
      );`);

    this.addSql(`
      CREATE TABLE complaint_event (
        id bigserial PRIMARY KEY,
        complaint_id uuid NOT NULL REFERENCES complaint (id),
        step text NOT NULL CHECK (step IN
          ('submit', 'acknowledge', 'assign', 'handle', 'answer', 'close', 'reopen')),
        -- the Workflow Update that carried it out: a retried activity writes nothing twice
        request_id text NOT NULL UNIQUE,
        -- null for the submission (the public) and system steps
        actor_id uuid REFERENCES app_user (id),
        actor_name text NOT NULL,
        unit_id uuid REFERENCES org_unit (id),
        text text CHECK (length(text) <= 5000),
        at timestamptz NOT NULL
      );`);
    this.addSql(`CREATE INDEX complaint_event_complaint_idx ON complaint_event (complaint_id, id);`);

    // The reporter's photos (checked images, stored under an opaque key).
    this.addSql(`
      CREATE TABLE complaint_photo (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        complaint_id uuid NOT NULL REFERENCES complaint (id),
        seq integer NOT NULL CHECK (seq BETWEEN 1 AND 10),
        storage_key text NOT NULL UNIQUE,
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
        size_bytes integer NOT NULL CHECK (size_bytes > 0),
        UNIQUE (complaint_id, seq)
      );`);

    // The unit's evidence: its own uploads (bulletin attachments), claimed once by a handling.
    this.addSql(`
      CREATE TABLE complaint_evidence (
        attachment_id uuid PRIMARY KEY REFERENCES bulletin_attachment (id),
        event_id bigint NOT NULL REFERENCES complaint_event (id),
        complaint_id uuid NOT NULL REFERENCES complaint (id)
      );`);
    this.addSql(`CREATE INDEX complaint_evidence_complaint_idx ON complaint_evidence (complaint_id);`);

    // A step of a time limit's escalation, once per (complaint, phase, arm, step).
    this.addSql(`
      CREATE TABLE complaint_sla_step (
        complaint_id uuid NOT NULL REFERENCES complaint (id),
        phase text NOT NULL CHECK (phase IN ('acknowledge', 'assign', 'answer')),
        arm integer NOT NULL CHECK (arm >= 1),
        step text NOT NULL CHECK (step IN ('overdue', 'escalated')),
        due_date date NOT NULL,
        step_date date NOT NULL,
        days_late integer NOT NULL CHECK (days_late >= 0),
        unit_id uuid REFERENCES org_unit (id),
        raised_at timestamptz NOT NULL,
        PRIMARY KEY (complaint_id, phase, arm, step)
      );`);

    // ── row-level security ───────────────────────────────────────────────────────────────────
    this.addSql(`
      CREATE FUNCTION app_can_read_complaint(c_id uuid) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT app_scope_kind() IN ('system', 'county')
            OR EXISTS (SELECT 1 FROM complaint c WHERE c.id = c_id AND c.unit_id IS NOT NULL
                         AND c.unit_id = app_unit_id())
      $$;`);
    const system = `app_scope_kind() = 'system'`;
    const tables: [table: string, read: string][] = [
      ['complaint', 'app_can_read_complaint(id)'],
      ['complaint_reporter', 'app_is_supervision_office()'],
      ['complaint_event', 'app_can_read_complaint(complaint_id)'],
      ['complaint_photo', 'app_can_read_complaint(complaint_id)'],
      ['complaint_evidence', 'app_can_read_complaint(complaint_id)'],
      ['complaint_sla_step', 'app_can_read_complaint(complaint_id)'],
    ];
    for (const [table, read] of tables) {
      this.addSql(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;`);
      this.addSql(`CREATE POLICY ${table}_read ON ${table} FOR SELECT USING (${read});`);
      this.addSql(`CREATE POLICY ${table}_insert ON ${table} FOR INSERT WITH CHECK (${system});`);
    }
    this.addSql(`CREATE POLICY complaint_update ON complaint FOR UPDATE USING (${system});`);
    // Evidence is read as the complaint it belongs to, and is nobody's to claim again.
    this.addSql(`
      CREATE FUNCTION app_can_read_complaint_evidence(a_id uuid) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT EXISTS (SELECT 1 FROM complaint_evidence e WHERE e.attachment_id = a_id
                         AND app_can_read_complaint(e.complaint_id))
      $$;`);
    this.addSql(`CREATE POLICY bulletin_attachment_complaint_read ON bulletin_attachment FOR SELECT
      USING (app_can_read_complaint_evidence(id));`);

    // Records: the application never changes or deletes them once written.
    this.addSql(`REVOKE UPDATE, DELETE, TRUNCATE ON complaint_reporter, complaint_event, complaint_photo,
      complaint_evidence, complaint_sla_step FROM sanzhang_app;`);
    this.addSql(`REVOKE DELETE, TRUNCATE ON complaint FROM sanzhang_app;`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP POLICY bulletin_attachment_complaint_read ON bulletin_attachment;`);
    this.addSql(`DROP FUNCTION app_can_read_complaint_evidence(uuid);`);
    this.addSql(`DROP TABLE complaint_sla_step, complaint_evidence, complaint_photo, complaint_event,
      complaint_reporter, complaint CASCADE;`);
    this.addSql(`DROP FUNCTION app_can_read_complaint(uuid);`);
  }
}
