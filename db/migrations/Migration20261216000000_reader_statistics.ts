import { Migration } from '@mikro-orm/migrations';

/**
 * The planner's statistics of `project.readers` from a sample of 300,000 projects instead of
 * 30,000, so that a village of a few hundred projects among a million is among its most common
 * tokens, and any token not among them is estimated rarer still (half the rarest one's share).
 * With the default sample the list kept only tokens of 5 % and more, and estimated any other at
 * 0.5 %: for a village of 286 projects it expected 4,990, walked the budget order's index to
 * find its first page, and read 72,888 projects (303 ms) where its own 286 take 0.7 ms.
 * `ANALYZE project` samples more rows for it: 14 s at a million projects against 1.4 s.
 */
export class Migration20261216000000_reader_statistics extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE project ALTER COLUMN readers SET STATISTICS 1000;`);
    this.addSql(`ANALYZE project (readers);`);
  }

  override async down(): Promise<void> {
    this.addSql(`ALTER TABLE project ALTER COLUMN readers SET STATISTICS -1;`);
  }
}
