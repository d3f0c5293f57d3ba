import { Migration } from '@mikro-orm/migrations';

/**
 * The places of an account's password checks in flight, each with the time it was taken, instead
 * of a count and the time of the last. With one time for all, places lost to an api that died
 * lapsed only once no place had been taken for 15 seconds: on a shared account logged into more
 * often than that, they never did, and its logins went one at a time (or, with a failure beside
 * them, none) for as long as the traffic lasted. Each place now lapses 15 seconds after it was
 * taken, and a check gives back its own place, not another's.
 */
export class Migration20261218000000_login_places extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE app_user ADD COLUMN login_places timestamptz[] NOT NULL DEFAULT '{}';`);
    // Checks in flight while this runs end against the new column and find no place to give back,
    // which leaves nothing behind.
    this.addSql(`ALTER TABLE app_user DROP COLUMN login_checks, DROP COLUMN login_checks_at;`);
  }

  override async down(): Promise<void> {
    this.addSql(`ALTER TABLE app_user ADD COLUMN login_checks integer NOT NULL DEFAULT 0
                   CHECK (login_checks >= 0), ADD COLUMN login_checks_at timestamptz;`);
    this.addSql(`ALTER TABLE app_user DROP COLUMN login_places;`);
  }
}
