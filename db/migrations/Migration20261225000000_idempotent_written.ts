import { Migration } from '@mikro-orm/migrations';

/**
 * `idempotent_request.entry_id` names what a keyed write created, recorded in the write's own
 * transaction: a ledger entry (a uuid), and now also a route's write claimed before its handler
 * (a negative-list entry is a bigserial, an archive document or a 约谈 record a uuid). Text holds
 * both. For those routes it is also the mark that the write committed: a retry whose first answer
 * was lost answers from it instead of writing again.
 */
export class Migration20261225000000_idempotent_written extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE idempotent_request ALTER COLUMN entry_id TYPE text USING entry_id::text;`);
    this.addSql(`ALTER TABLE idempotent_request ADD CONSTRAINT idempotent_request_entry_id_length
                   CHECK (length(entry_id) BETWEEN 1 AND 100);`);
  }

  override async down(): Promise<void> {
    this.addSql(`ALTER TABLE idempotent_request DROP CONSTRAINT idempotent_request_entry_id_length;`);
    // Fails while a key names a negative-list entry: drop such keys first if going back is meant.
    this.addSql(`ALTER TABLE idempotent_request ALTER COLUMN entry_id TYPE uuid USING entry_id::uuid;`);
  }
}
