import { Migration } from '@mikro-orm/migrations';

/**
 * The fund document behind each of a project's fund sources, for whoever reads the project. The
 * department ledger (主管部门台账) names it per source, and every reader of the project reads that
 * ledger; but `fund_document` itself is read by county-wide accounts and its department only (its
 * title and what it allocates to other projects stay theirs). Joined directly, the township, the
 * villages and an owning department saw each source without its document, and the ledger's
 * completeness item 资金来源对应资金文件 as missing where the department saw it complete.
 * SECURITY DEFINER: it answers the number, issuer, date and amount of the documents linked to a
 * project the caller may read, nothing else.
 */
export class Migration20261223000000_project_fund_documents extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE FUNCTION project_fund_documents(p_id uuid)
        RETURNS TABLE (source_position integer, document_no text, issuer text, issued_on date, amount_fen bigint)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT s.position, f.document_no, f.issuer, f.issued_on, f.amount_fen
          FROM project_fund_source s JOIN fund_document f ON f.id = s.fund_document_id
         WHERE s.project_id = p_id AND app_can_read_project(p_id)
      $$;`);
    this.addSql(`REVOKE ALL ON FUNCTION project_fund_documents(uuid) FROM PUBLIC;`);
    this.addSql(`GRANT EXECUTE ON FUNCTION project_fund_documents(uuid) TO sanzhang_app;`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP FUNCTION project_fund_documents(uuid);`);
  }
}
