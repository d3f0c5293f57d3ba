import { Migration } from '@mikro-orm/migrations';

/**
 * A 约谈 flag raised by a rectification notice's ladder is closed, without a talk, when the notice
 * is withdrawn: the withdrawal is the office's decision that the notice was wrong, so there is
 * nothing left to talk about. Until now a flag closed only with a record (`record_id`), and a
 * withdrawn notice's flag stayed open for good.
 *
 * - `close_reason`: why a flag closed without a record; only `noticeWithdrawn`, and only for a
 *   notice's flag. A flag is closed (`closed_at`) by exactly one of a record or a reason.
 * - Open now means `closed_at IS NULL` (the open flags' index follows).
 * - Flags of notices withdrawn before this migration are closed at the withdrawal's time.
 */
const OLD_CHECK = `CHECK ((record_id IS NULL) = (closed_at IS NULL))`;

export class Migration20261233000000_interview_flag_withdrawn extends Migration {
  override async up(): Promise<void> {
    // The old check was left unnamed: find it by what it says.
    this.addSql(`
      DO $$ DECLARE c text; BEGIN
        SELECT conname INTO STRICT c FROM pg_constraint
         WHERE conrelid = 'interview_flag'::regclass AND contype = 'c'
           AND replace(replace(pg_get_constraintdef(oid), '(', ''), ')', '') = 'CHECK record_id IS NULL = closed_at IS NULL';
        EXECUTE format('ALTER TABLE interview_flag DROP CONSTRAINT %I', c);
      END $$;`);
    this.addSql(`
      ALTER TABLE interview_flag
        ADD COLUMN close_reason text,
        ADD CONSTRAINT interview_flag_close_reason_check
          CHECK (close_reason IS NULL OR (close_reason = 'noticeWithdrawn' AND source = 'rectification')),
        ADD CONSTRAINT interview_flag_closed_check
          CHECK ((closed_at IS NULL) = (record_id IS NULL AND close_reason IS NULL)),
        ADD CONSTRAINT interview_flag_closed_once_check CHECK (record_id IS NULL OR close_reason IS NULL);`);
    this.addSql(`DROP INDEX interview_flag_open_idx;`);
    this.addSql(
      `CREATE INDEX interview_flag_open_idx ON interview_flag (org_unit_id) WHERE closed_at IS NULL;`,
    );
    this.addSql(`
      UPDATE interview_flag f SET closed_at = n.closed_at, close_reason = 'noticeWithdrawn'
        FROM rectification_notice n
       WHERE n.id = f.notice_id AND n.status = 'withdrawn' AND f.closed_at IS NULL;`);
  }

  override async down(): Promise<void> {
    // The old rule knows no close without a record: such flags are open again.
    this.addSql(
      `UPDATE interview_flag SET closed_at = NULL, close_reason = NULL WHERE close_reason IS NOT NULL;`,
    );
    this.addSql(`DROP INDEX interview_flag_open_idx;`);
    this.addSql(
      `CREATE INDEX interview_flag_open_idx ON interview_flag (org_unit_id) WHERE record_id IS NULL;`,
    );
    this.addSql(`
      ALTER TABLE interview_flag
        DROP CONSTRAINT interview_flag_closed_once_check,
        DROP CONSTRAINT interview_flag_closed_check,
        DROP CONSTRAINT interview_flag_close_reason_check,
        DROP COLUMN close_reason,
        ADD ${OLD_CHECK};`);
  }
}
