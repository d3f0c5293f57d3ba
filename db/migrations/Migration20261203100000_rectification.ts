import { Migration } from '@mikro-orm/migrations';

/**
 * What a rectification notice's workflow records besides the notice and its problems
 * (docs/supervision.md): the per-year serial counter, the exchange on each problem (answers and
 * verdicts) and the withdrawal, the steps of each problem's deadline ladder, and which uploads
 * are evidence of an answer. Written only by the system scope (the notice's activities), read by
 * whoever may read the notice.
 */
export class Migration20261203100000_rectification extends Migration {
  override async up(): Promise<void> {
    // One row per year: the last number given out. The issuing transaction increments it and
    // inserts the notice; a rolled-back issue rolls the increment back with it (gap-free), and a
    // number once committed is never given again (never reused).
    this.addSql(`
      CREATE TABLE rectification_serial (
        year integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
        last_number integer NOT NULL CHECK (last_number >= 1)
      );`);
    // The request that issued a notice: a retried issue finds its notice instead of taking a number.
    this.addSql(`ALTER TABLE rectification_notice ADD COLUMN request_id text UNIQUE;`);

    this.addSql(`
      CREATE TABLE rectification_event (
        id bigserial PRIMARY KEY,
        notice_id uuid NOT NULL REFERENCES rectification_notice (id),
        -- null for the withdrawal of the whole notice
        problem_id bigint REFERENCES rectification_problem (id),
        arm integer CHECK (arm >= 1),
        kind text NOT NULL CHECK (kind IN ('answer', 'accept', 'sendBack', 'withdraw')),
        -- the Workflow Update that carried it out: a retried activity writes nothing twice
        request_id text NOT NULL UNIQUE,
        actor_id uuid REFERENCES app_user (id),
        actor_name text NOT NULL,
        text text NOT NULL CHECK (length(text) <= 5000),
        -- a send-back's new deadline
        due_date date,
        -- an answer: given on or before its arm's due date (on the ladder clock)
        on_time boolean,
        at timestamptz NOT NULL,
        CHECK ((kind = 'withdraw') = (problem_id IS NULL)),
        CHECK ((kind = 'sendBack') = (due_date IS NOT NULL)),
        CHECK ((kind = 'answer') = (on_time IS NOT NULL))
      );`);
    this.addSql(`CREATE INDEX rectification_event_notice_idx ON rectification_event (notice_id, id);`);

    // A step of a problem's ladder, once per (problem, arm, step).
    this.addSql(`
      CREATE TABLE rectification_ladder_step (
        notice_id uuid NOT NULL REFERENCES rectification_notice (id),
        problem_id bigint NOT NULL REFERENCES rectification_problem (id),
        arm integer NOT NULL CHECK (arm >= 1),
        step text NOT NULL CHECK (step IN ('reminder', 'overdue', 'escalated', 'interview')),
        due_date date NOT NULL,
        step_date date NOT NULL,
        days_late integer NOT NULL CHECK (days_late >= 0),
        raised_at timestamptz NOT NULL,
        interview_flag_id bigint REFERENCES interview_flag (id),
        PRIMARY KEY (problem_id, arm, step),
        CHECK ((step = 'interview') = (interview_flag_id IS NOT NULL))
      );`);
    this.addSql(
      `CREATE INDEX rectification_ladder_step_notice_idx ON rectification_ladder_step (notice_id);`,
    );

    // Evidence: an upload claimed by an answer. Claimed once, and then by nothing else.
    this.addSql(`ALTER TABLE bulletin_attachment
      ADD COLUMN rectification_event_id bigint REFERENCES rectification_event (id),
      ADD CONSTRAINT bulletin_attachment_evidence_check
        CHECK (rectification_event_id IS NULL OR num_nonnulls(notice_id, policy_id, message_id) = 0);`);
    this.addSql(`CREATE INDEX bulletin_attachment_evidence_idx ON bulletin_attachment (rectification_event_id)
      WHERE rectification_event_id IS NOT NULL;`);

    // ── row-level security ───────────────────────────────────────────────────────────────────
    this.addSql(`ALTER TABLE rectification_serial ENABLE ROW LEVEL SECURITY;`);
    for (const op of ['SELECT', 'INSERT', 'UPDATE'] as const) {
      const clause = op === 'INSERT' ? 'WITH CHECK' : 'USING';
      this.addSql(`CREATE POLICY rectification_serial_${op.toLowerCase()} ON rectification_serial
        FOR ${op} ${clause} (app_scope_kind() = 'system');`);
    }
    for (const table of ['rectification_event', 'rectification_ladder_step']) {
      this.addSql(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;`);
      this.addSql(`CREATE POLICY ${table}_read ON ${table} FOR SELECT USING (app_can_read_rectification(notice_id));`);
      this.addSql(
        `CREATE POLICY ${table}_insert ON ${table} FOR INSERT WITH CHECK (app_scope_kind() = 'system');`,
      );
    }
    // Evidence is read by whoever may read the notice (policies are permissive: OR'ed with the
    // bulletin's own), and claimed by the system scope only (the answer's activity).
    this.addSql(`
      CREATE FUNCTION app_can_read_evidence(e_id bigint) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT EXISTS (SELECT 1 FROM rectification_event e WHERE e.id = e_id AND app_can_read_rectification(e.notice_id))
      $$;`);
    this.addSql(`CREATE POLICY bulletin_attachment_evidence_read ON bulletin_attachment FOR SELECT
      USING (rectification_event_id IS NOT NULL AND app_can_read_evidence(rectification_event_id));`);
    this.addSql(`CREATE POLICY bulletin_attachment_evidence_claim ON bulletin_attachment FOR UPDATE
      USING (app_scope_kind() = 'system') WITH CHECK (app_scope_kind() = 'system');`);

    // Records: the application never changes or deletes them once written.
    this.addSql(`REVOKE UPDATE, DELETE, TRUNCATE ON rectification_event, rectification_ladder_step FROM sanzhang_app;`);
    this.addSql(`REVOKE DELETE, TRUNCATE ON rectification_serial FROM sanzhang_app;`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP POLICY bulletin_attachment_evidence_claim ON bulletin_attachment;
      DROP POLICY bulletin_attachment_evidence_read ON bulletin_attachment;`);
    this.addSql(`DROP FUNCTION app_can_read_evidence(bigint);`);
    this.addSql(`ALTER TABLE bulletin_attachment DROP COLUMN rectification_event_id;`);
    this.addSql(`DROP TABLE rectification_ladder_step, rectification_event, rectification_serial;`);
    this.addSql(`ALTER TABLE rectification_notice DROP COLUMN request_id;`);
  }
}
