import { Migration } from '@mikro-orm/migrations';

/**
 * Two writes the api refused but PostgreSQL alone allowed, now refused beneath it too:
 * - an upload claimed for a notice, policy or message by a colleague of its uploader (the api
 *   claims only one's own uploads; the policy asked only for the same unit);
 * - a ledger event written by an account that writes no ledger: a department's viewer writing a
 *   fund document's event, any reader of a project writing an archive event for it. A fund
 *   document's events are its department operator's; a project's archive events, those of an
 *   account that writes one of its ledgers (the upload itself is checked by archive_document).
 */
const CLAIM_USING = `num_nonnulls(notice_id, policy_id, message_id) = 0
  AND (app_scope_kind() = 'system' OR (unit_id = app_unit_id() AND uploaded_by = app_user_id()))`;
const OLD_CLAIM_USING = `num_nonnulls(notice_id, policy_id, message_id) = 0
  AND (app_scope_kind() = 'system' OR unit_id = app_unit_id())`;
const CLAIM_CHECK = `CASE WHEN notice_id IS NOT NULL THEN app_is_notice_author(notice_id)
  WHEN policy_id IS NOT NULL THEN app_may_publish()
  WHEN message_id IS NOT NULL THEN app_can_read_message(message_id) AND app_may_write_messages()
  ELSE false END`;
const EVENT_CHECK = `CASE WHEN project_id IS NULL THEN app_scope_kind() = 'system'
    OR (app_scope_kind() = 'department' AND app_is_operator_of(app_unit_id()))
  WHEN ledger = 'archive' THEN app_may_write_ledger(project_id, 'department')
    OR app_may_write_ledger(project_id, 'implementing') OR app_may_write_ledger(project_id, 'site')
  ELSE app_may_write_ledger(project_id, ledger) END`;
const OLD_EVENT_CHECK = `CASE WHEN project_id IS NULL THEN app_scope_kind() IN ('system', 'department')
  WHEN ledger = 'archive' THEN app_can_read_project(project_id)
  ELSE app_may_write_ledger(project_id, ledger) END`;

export class Migration20261228000000_writer_policies extends Migration {
  private policies(claimUsing: string, eventCheck: string): void {
    this.addSql(`DROP POLICY bulletin_attachment_claim ON bulletin_attachment;`);
    this.addSql(`CREATE POLICY bulletin_attachment_claim ON bulletin_attachment FOR UPDATE
      USING (${claimUsing}) WITH CHECK (${CLAIM_CHECK});`);
    this.addSql(`DROP POLICY ledger_event_insert ON ledger_event;`);
    this.addSql(`CREATE POLICY ledger_event_insert ON ledger_event FOR INSERT WITH CHECK (${eventCheck});`);
  }

  override async up(): Promise<void> {
    this.policies(CLAIM_USING, EVENT_CHECK);
  }

  override async down(): Promise<void> {
    this.policies(OLD_CLAIM_USING, OLD_EVENT_CHECK);
  }
}
