import { Migration } from '@mikro-orm/migrations';

/**
 * Deadline ladders (docs/domain.md §5): one `alert` row per step fired, an in-app inbox for the
 * notification interface, and the negative list (负面清单) that a 约谈 flag feeds.
 * Idempotency lives here: an alert is unique on (project, kind, period, arm, step), an inbox
 * message on (key, user), a negative-list entry on its alert — a retried activity writes nothing twice.
 */
export class Migration20261126000000_lifecycle extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE alert (
        id bigserial PRIMARY KEY,
        project_id uuid NOT NULL REFERENCES project (id),
        kind text NOT NULL CHECK (kind IN ('start', 'completion', 'acceptance', 'reimbursement', 'progress')),
        -- the month a progress entry is missing for (YYYY-MM); '' for planned-date ladders
        period text NOT NULL DEFAULT '' CHECK ((kind = 'progress') = (period ~ '^\\d{4}-(0[1-9]|1[0-2])$')),
        -- which arming of this deadline (re-armed after 调项); part of the idempotency key
        arm integer NOT NULL CHECK (arm >= 1),
        step text NOT NULL CHECK (step IN ('reminder', 'overdue', 'escalated', 'interview')),
        due_date date NOT NULL,
        step_date date NOT NULL,
        days_late integer NOT NULL CHECK (days_late >= 0),
        responsible_unit_id uuid NOT NULL REFERENCES org_unit (id),
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'resolved', 'superseded', 'cancelled')),
        history_seq integer NOT NULL,
        raised_at timestamptz NOT NULL,
        closed_at timestamptz,
        CHECK ((status = 'active') = (closed_at IS NULL)),
        CHECK (step = 'reminder' OR days_late >= 1),
        UNIQUE (project_id, kind, period, arm, step)
      );`);
    this.addSql(`CREATE INDEX alert_active_idx ON alert (project_id) WHERE status = 'active';`);
    this.addSql(`CREATE INDEX alert_unit_idx ON alert (responsible_unit_id, status);`);

    this.addSql(`
      CREATE TABLE negative_list_entry (
        id bigserial PRIMARY KEY,
        org_unit_id uuid NOT NULL REFERENCES org_unit (id),
        project_id uuid NOT NULL REFERENCES project (id),
        alert_id bigint NOT NULL UNIQUE REFERENCES alert (id),
        reason text NOT NULL,
        listed_at timestamptz NOT NULL
      );`);
    this.addSql(`CREATE INDEX negative_list_unit_idx ON negative_list_entry (org_unit_id);`);

    // The in-app channel of the notification interface: one row per recipient.
    this.addSql(`
      CREATE TABLE inbox_message (
        id bigserial PRIMARY KEY,
        key text NOT NULL,
        user_id uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        project_id uuid REFERENCES project (id),
        category text NOT NULL,
        severity text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        title text NOT NULL,
        body text NOT NULL,
        created_at timestamptz NOT NULL,
        read_at timestamptz,
        UNIQUE (key, user_id)
      );`);
    this.addSql(
      `CREATE INDEX inbox_user_unread_idx ON inbox_message (user_id, created_at DESC) WHERE read_at IS NULL;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE inbox_message, negative_list_entry, alert CASCADE;');
  }
}
