import { Migration } from '@mikro-orm/migrations';

/**
 * The list's default order (newest year first, then code) as plain columns, so a keyset page is an
 * index range under row-level security too. The key was the expression `(-year)`, and unary minus
 * is not leakproof (it can raise on overflow): beneath a policy PostgreSQL may not test a
 * non-leakproof condition before the policy's, so the cursor condition could not become an index
 * condition, and the page after row 10,000 of a million was a sequential scan and a sort (30 s).
 * A stored generated column holds the same value; comparisons of plain int and text columns are
 * leakproof.
 */
export class Migration20261206000000_list_key extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE project ADD COLUMN list_year_key integer GENERATED ALWAYS AS (-year) STORED;`);
    this.addSql(`CREATE INDEX project_list_key_idx ON project (list_year_key, code);`);
    this.addSql(`DROP INDEX project_list_order_idx;`);
  }

  override async down(): Promise<void> {
    this.addSql(`CREATE INDEX project_list_order_idx ON project ((-year), code);`);
    this.addSql(`ALTER TABLE project DROP COLUMN list_year_key;`);
  }
}
