import { Migration } from '@mikro-orm/migrations';

/**
 * A fund document's number is unique within its department, not across the county: a finance
 * bureau's document allocating to several departments is registered by each, and a department
 * told "this number exists" learned the numbers of documents it may not read.
 */
export class Migration20261229000000_fund_document_number_per_department extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE fund_document DROP CONSTRAINT fund_document_document_no_key,
      ADD CONSTRAINT fund_document_department_number_key UNIQUE (department_id, document_no);`);
  }

  /** Fails once two departments hold a document of the same number: undo those first. */
  override async down(): Promise<void> {
    this.addSql(`ALTER TABLE fund_document DROP CONSTRAINT fund_document_department_number_key,
      ADD CONSTRAINT fund_document_document_no_key UNIQUE (document_no);`);
  }
}
