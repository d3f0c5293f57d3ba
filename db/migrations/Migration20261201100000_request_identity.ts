import { Migration } from '@mikro-orm/migrations';

/**
 * Every recorded step names the request it carries out, so a retried write is recognised by who
 * asked, not by a sequence number a replayed workflow could hand to someone else.
 *  - `project_history.request_id`: the Update id of a step (`<user id>/<Idempotency-Key>`, or a
 *    random id), `create` for the creation row, `alert:<kind>:<period>:<arm>:<step>` for a ladder
 *    step. Rows written before this migration have none.
 *  - `idempotent_request`: an `Idempotency-Key` a caller sent with a ledger write (claimed inside
 *    the write's own transaction, so the key exists exactly when the write does) or with another
 *    state-changing route (claimed before, answered from `response` afterwards).
 */
export class Migration20261201100000_request_identity extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE project_history ADD COLUMN request_id text CHECK (length(request_id) <= 300);`);
    this.addSql(
      `CREATE UNIQUE INDEX project_history_request_idx ON project_history (project_id, request_id) WHERE request_id IS NOT NULL;`,
    );
    this.addSql(`
      CREATE TABLE idempotent_request (
        user_id uuid NOT NULL REFERENCES app_user (id),
        key text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
        route text NOT NULL,
        request_hash text NOT NULL,
        status integer,
        response jsonb,
        entry_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, key)
      );`);
    this.addSql(`CREATE INDEX idempotent_request_created_idx ON idempotent_request (created_at);`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE idempotent_request;');
    this.addSql('DROP INDEX project_history_request_idx;');
    this.addSql('ALTER TABLE project_history DROP COLUMN request_id;');
  }
}
