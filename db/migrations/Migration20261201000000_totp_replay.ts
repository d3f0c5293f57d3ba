import { Migration } from '@mikro-orm/migrations';

/**
 * A TOTP code is accepted once (RFC 6238 §5.2). `totp_last_step` is the time step (Unix time ÷ 30 s)
 * of the last code accepted for the account; a code of that step or an earlier one is refused. The
 * api records it with a conditional UPDATE (`… WHERE totp_last_step IS NULL OR totp_last_step < step`),
 * so of two concurrent logins with one code only one can win. NULL: no code accepted since the secret
 * was (re)issued. The application role's table-wide grants (accounts migration) cover the column.
 */
export class Migration20261201000000_totp_replay extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE app_user ADD COLUMN totp_last_step bigint CHECK (totp_last_step >= 0);`);
  }

  override async down(): Promise<void> {
    this.addSql('ALTER TABLE app_user DROP COLUMN totp_last_step;');
  }
}
