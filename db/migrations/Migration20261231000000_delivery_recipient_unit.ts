import { Migration } from '@mikro-orm/migrations';

/**
 * What the dispatcher needs to check a queued delivery against its recipient's present place
 * (db/queries/delivery-queue.ts):
 *
 * - `recipient_unit_id`, the unit an account's delivery (e-mail, SMS) was queued for: the
 *   recipients of a notification are chosen by the units it addresses, so an account moved to
 *   another unit before its delivery came due is no longer one it was meant for, and the row is
 *   cancelled (`OUT_OF_SCOPE`) instead of sent. Null for robots and the outbox (nobody's), and
 *   for a row queued by a worker that predates the column (not compared then);
 * - `notification_delivery_digest_idx`: the queued digest rows, which the dispatcher gathers by
 *   address, and which an account that turns the digest off lets go at once.
 *
 * New reasons in `last_error_code` (a free text column, no constraint): `OUT_OF_SCOPE`,
 * `NO_ADDRESS`.
 */
export class Migration20261231000000_delivery_recipient_unit extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `ALTER TABLE notification_delivery ADD COLUMN recipient_unit_id uuid REFERENCES org_unit (id);`,
    );
    // The rows that may still go out (queued, claimed, or open to an administrator's resend) take
    // their account's unit as it is now: the best there is to know of where they were queued.
    this.addSql(`
      UPDATE notification_delivery d SET recipient_unit_id = u.org_unit_id
        FROM app_user u
       WHERE u.id = d.user_id AND d.status IN ('queued', 'sending', 'failed', 'unknown');`);
    this.addSql(`
      CREATE INDEX notification_delivery_digest_idx ON notification_delivery (channel)
        WHERE status = 'queued' AND digest;`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP INDEX notification_delivery_digest_idx;`);
    this.addSql(`ALTER TABLE notification_delivery DROP COLUMN recipient_unit_id;`);
  }
}
