import { Migration } from '@mikro-orm/migrations';
import { policySearchReindex } from '../writes/policy-document.js';

/**
 * Policy documents' search vectors cut again from the NFKC form of their text. The tokenizer used
 * to keep only ASCII letters and digits, so a document stored before it read full-width ones
 * (城财农〔２０２４〕１２号, as an input method in full-width mode types it) kept them as no token,
 * and its number found nothing until the document was next saved. Only the documents whose text
 * NFKC changes are cut again; the rest hold what the new tokenizer would write.
 */
export class Migration20261220000000_policy_search_nfkc extends Migration {
  override async up(): Promise<void> {
    const rows = (await this.execute(
      `SELECT id, title, document_no, issuer, body FROM policy_document
        WHERE concat_ws(' ', title, document_no, issuer, body)
              IS DISTINCT FROM normalize(concat_ws(' ', title, document_no, issuer, body), NFKC)`,
    )) as { id: string; title: string; document_no: string; issuer: string; body: string }[];
    for (const r of rows) {
      const st = policySearchReindex(r.id, {
        title: r.title,
        documentNo: r.document_no,
        issuer: r.issuer,
        body: r.body,
      });
      await this.execute(st.sql, [...(st.params ?? [])]);
    }
  }

  // The vectors it wrote are what any later write writes: nothing to undo.
  override async down(): Promise<void> {}
}
