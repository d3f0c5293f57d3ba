import { Migration } from '@mikro-orm/migrations';

/**
 * An account's temporary password is shown once and kept only as a hash; but the answer stored for
 * a retry of the same request (the console sends an Idempotency-Key with every write) kept it in
 * clear, in the database and its backups. Answers are now stored without it; this scrubs those
 * stored before. Not undone by `down`: the passwords are gone.
 */
export class Migration20261227000000_stored_answer_secrets extends Migration {
  override async up(): Promise<void> {
    this.addSql(`UPDATE idempotent_request SET response = jsonb_set(response, '{temporaryPassword}', 'null')
      WHERE route IN ('post /api/admin/users', 'post /api/admin/users/:id/reset-password')
        AND jsonb_typeof(response) = 'object' AND response ? 'temporaryPassword';`);
  }

  override async down(): Promise<void> {
    // Nothing to restore.
  }
}
