import { Migration } from '@mikro-orm/migrations';

/**
 * The password checks of an account in flight, apart from its failures. Counted as failures before
 * their outcome was known, five logins at once with the right password locked the account for a
 * moment and the sixth was told it was locked for 15 minutes. Now a check holds a place until it
 * ends (a failure then, or nothing), failures and places together stay under the limit, and only
 * failures lock. `login_checks_at` is when the last place was taken: places older than 15 seconds
 * are taken for lost (an api that died during a check), since a check takes well under a second.
 */
export class Migration20261217000000_login_checks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE app_user ADD COLUMN login_checks integer NOT NULL DEFAULT 0
                   CHECK (login_checks >= 0);`);
    this.addSql(`ALTER TABLE app_user ADD COLUMN login_checks_at timestamptz;`);
  }

  override async down(): Promise<void> {
    this.addSql(`ALTER TABLE app_user DROP COLUMN login_checks_at;`);
    this.addSql(`ALTER TABLE app_user DROP COLUMN login_checks;`);
  }
}
