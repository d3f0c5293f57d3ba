import { Migration } from '@mikro-orm/migrations';

/**
 * Every amount of 分 the platform stores is at most 10^12 (100 亿元, `MAX_FEN` in domain/money.ts),
 * far above any real project, fund document or payment. The api refuses more with a 422; these
 * CHECKs hold the bound for every other writer too. Below it every per-project sum (a budget's
 * fund sources, the disbursements they bound) is a safe integer in JavaScript, and the sums over
 * many projects are taken in numeric and sent as decimal strings.
 */
const BOUNDED: readonly [table: string, column: string][] = [
  ['project', 'budget_fen'],
  ['project_fund_source', 'amount_fen'],
  ['fund_document', 'amount_fen'],
  ['disbursement', 'amount_fen'],
  ['settlement', 'settled_amount_fen'],
  ['implementation_record', 'contract_amount_fen'],
  ['public_notice', 'announced_amount_fen'],
];

export class Migration20261201130000_money_ceiling extends Migration {
  override async up(): Promise<void> {
    for (const [table, column] of BOUNDED)
      this.addSql(
        `ALTER TABLE ${table} ADD CONSTRAINT ${table}_${column}_ceiling CHECK (${column} <= 1000000000000);`,
      );
  }

  override async down(): Promise<void> {
    for (const [table, column] of BOUNDED)
      this.addSql(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_${column}_ceiling;`);
  }
}
