import { Migration } from '@mikro-orm/migrations';

/**
 * Notifications leave the system: an account's e-mail address, mobile number and whether it is its
 * unit's main leader (单位主要负责人, who also receives overdue alerts); what each account wants;
 * and the delivery queue the dispatcher works through with its log of attempts.
 *
 * `notification_delivery` is keyed on (notification key, recipient, channel): the notify activity
 * may run again after a worker restart or a retry and inserts with ON CONFLICT DO NOTHING, so one
 * alert is one row per address whatever happens. An attempt row is written before the vendor call
 * and completed after it: a row left `sending` whose last attempt never finished is the trace of a
 * process that died during the call, which the dispatcher marks `unknown` instead of sending again.
 *
 * Administrators read these tables; only the system scope (the activity, the dispatcher, the
 * settings service acting for the signed-in account) writes them.
 */
export class Migration20261202000000_notification_delivery extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      ALTER TABLE app_user
        ADD COLUMN email text CONSTRAINT app_user_email_format
          CHECK (email IS NULL OR (length(email) <= 254 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$')),
        ADD COLUMN phone text CONSTRAINT app_user_phone_format CHECK (phone IS NULL OR phone ~ '^(\\+86)?1[0-9]{10}$'),
        ADD COLUMN unit_head boolean NOT NULL DEFAULT false;`);

    this.addSql(`
      CREATE TABLE notification_preference (
        user_id uuid PRIMARY KEY REFERENCES app_user (id) ON DELETE CASCADE,
        email_on boolean NOT NULL DEFAULT true,
        sms_on boolean NOT NULL DEFAULT true,
        digest boolean NOT NULL DEFAULT false,
        -- The language the account's messages are rendered in.
        locale text NOT NULL DEFAULT 'zh-CN' CHECK (locale IN ('zh-CN', 'en')),
        updated_at timestamptz NOT NULL DEFAULT now()
      );`);

    this.addSql(`
      CREATE TABLE notification_delivery (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        notification_key text NOT NULL,
        -- The account's id, the robot's name, or '*' (the outbox: one row per notification).
        recipient text NOT NULL,
        channel text NOT NULL CHECK (channel IN ('email', 'sms', 'dingtalk', 'wecom', 'outbox')),
        user_id uuid REFERENCES app_user (id) ON DELETE SET NULL,
        address text NOT NULL,
        project_id uuid REFERENCES project (id),
        severity text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        locale text NOT NULL CHECK (locale IN ('zh-CN', 'en')),
        title text NOT NULL,
        -- The rendered OutboundMessage minus its delivery id and address (activities/notify/channel.ts).
        message jsonb NOT NULL,
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'unknown')),
        not_before timestamptz NOT NULL,
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        lease_until timestamptz,
        leased_by text,
        vendor_id text,
        last_error_code text,
        last_error text,
        digest boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        CONSTRAINT notification_delivery_dedup UNIQUE (notification_key, recipient, channel),
        CHECK ((status = 'sending') = (lease_until IS NOT NULL)),
        CHECK ((status = 'sent') = (sent_at IS NOT NULL))
      );`);
    // What each channel's loop asks for: its due rows, and its expired leases.
    this.addSql(`
      CREATE INDEX notification_delivery_due_idx ON notification_delivery (channel, not_before)
        WHERE status = 'queued';`);
    this.addSql(`
      CREATE INDEX notification_delivery_lease_idx ON notification_delivery (channel, lease_until)
        WHERE status = 'sending';`);
    this.addSql(`CREATE INDEX notification_delivery_created_idx ON notification_delivery (created_at DESC);`);

    this.addSql(`
      CREATE TABLE notification_attempt (
        delivery_id uuid NOT NULL REFERENCES notification_delivery (id) ON DELETE CASCADE,
        no integer NOT NULL CHECK (no >= 1),
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        outcome text CHECK (outcome IN ('sent', 'retry', 'failed', 'unknown')),
        vendor_id text,
        error_code text,
        error_message text,
        PRIMARY KEY (delivery_id, no)
      );`);

    for (const table of ['notification_preference', 'notification_delivery', 'notification_attempt']) {
      this.addSql(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;`);
      this.addSql(`
        CREATE POLICY ${table}_read ON ${table} FOR SELECT USING (
          app_scope_kind() = 'system'
          OR 'admin' = ANY (string_to_array(current_setting('app.roles', true), ',')));`);
      this.addSql(
        `CREATE POLICY ${table}_system_insert ON ${table} FOR INSERT WITH CHECK (app_scope_kind() = 'system');`,
      );
      this.addSql(
        `CREATE POLICY ${table}_system_update ON ${table} FOR UPDATE USING (app_scope_kind() = 'system');`,
      );
      this.addSql(`GRANT SELECT, INSERT, UPDATE ON ${table} TO sanzhang_app;`);
      // The log keeps every row; an account's deletion cascades as the owner, not the app role.
      this.addSql(`REVOKE DELETE, TRUNCATE ON ${table} FROM sanzhang_app;`);
    }
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE notification_attempt, notification_delivery, notification_preference;');
    this.addSql('ALTER TABLE app_user DROP COLUMN email, DROP COLUMN phone, DROP COLUMN unit_head;');
  }
}
