import { Migration } from '@mikro-orm/migrations';

/**
 * An import job's heartbeat. A job runs in the api process that took the file; when that process
 * died, its job stayed `running` for good, and the console polling it waited for ever. The running
 * process now stamps `beat_at` every few seconds; a `running` job whose beat has stopped is settled
 * by whoever reads it next, from what its one transaction left: the ledger events that name the
 * import (the index below) say it committed; none, that nothing was written.
 */
export class Migration20261219000000_import_heartbeat extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE ledger_import ADD COLUMN beat_at timestamptz NOT NULL DEFAULT now();`);
    this.addSql(
      `CREATE INDEX ledger_event_import_idx ON ledger_event ((payload ->> 'importId')) WHERE kind = 'import';`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`DROP INDEX ledger_event_import_idx;`);
    this.addSql(`ALTER TABLE ledger_import DROP COLUMN beat_at;`);
  }
}
