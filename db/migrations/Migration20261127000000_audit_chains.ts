import { Migration } from '@mikro-orm/migrations';

/**
 * The audit trail as several chains instead of one. A single chain serialised every write in the
 * county on one lock, held from reading the chain's head until COMMIT; under load each step
 * waited tens of milliseconds for it. A row now belongs to the chain of its entity
 * (`chainOf` in db/audit.ts), each chain with its own lock and head, so writes to different
 * projects no longer queue behind each other, and one project's rows still form one chain.
 * Rows written before keep chain 0, where they already form a valid chain.
 */
export class Migration20261127000000_audit_chains extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE audit_log ADD COLUMN chain smallint NOT NULL DEFAULT 0 CHECK (chain >= 0);`);
    this.addSql(`CREATE INDEX audit_log_chain_idx ON audit_log (chain, id);`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP INDEX audit_log_chain_idx;');
    this.addSql('ALTER TABLE audit_log DROP COLUMN chain;');
  }
}
