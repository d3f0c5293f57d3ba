/**
 * A 调项 that changes the fund sources, checked before its Update: no source may end below what
 * was paid from it (a source paid from cannot be removed), and no fund document may end up
 * allocating more than it provides. The database refuses both at commit as well (deferred
 * triggers); asking first names the source and the amounts, and leaves no trace in the workflow.
 */
import type { Bilingual } from '#domain/errors.js';
import { FUND_SOURCE_LABELS, type FundSourceKind } from '#domain/schemas.js';
import { fenFromDb, formatYuan } from '#domain/money.js';
import type { Sql } from '../tx.js';

export interface SourceProblem {
  path: string;
  message: Bilingual;
}

interface SourceRow {
  position: number;
  kind: FundSourceKind;
  amount_fen: string;
  paid_fen: string;
  document_no: string | null;
  document_fen: string | null;
  document_allocated_fen: string | null;
}

export async function adjustmentSourceProblems(
  tx: Sql,
  projectId: string,
  next: { kind: FundSourceKind; amountFen: number }[],
): Promise<SourceProblem[]> {
  const rows = await tx.execute<SourceRow[]>(
    `SELECT s.position, s.kind, s.amount_fen::text,
            (SELECT COALESCE(sum(d.amount_fen), 0) FROM disbursement d
              WHERE d.project_id = s.project_id AND d.source_position = s.position)::text AS paid_fen,
            f.document_no, f.amount_fen::text AS document_fen,
            (SELECT sum(o.amount_fen) FROM project_fund_source o WHERE o.fund_document_id = f.id)::text AS document_allocated_fen
       FROM project_fund_source s LEFT JOIN fund_document f ON f.id = s.fund_document_id
      WHERE s.project_id = ? ORDER BY s.position`,
    [projectId],
    'all',
  );
  const problems: SourceProblem[] = [];
  for (const r of rows) {
    const paid = fenFromDb(r.paid_fen);
    const { label, source } = namesOf(r);
    const path = `body.fundSources.${r.position}`;
    const n = next[r.position];
    if (!n) {
      if (paid > 0)
        problems.push({
          path,
          message: {
            zh: `${label}已拨付 ${formatYuan(paid)} 元，不能删除`,
            en: `${source} has paid out ${formatYuan(paid)} yuan and cannot be removed`,
          },
        });
      continue;
    }
    if (n.amountFen < paid)
      problems.push({
        path: `${path}.amountFen`,
        message: {
          zh: `${label}调整为 ${formatYuan(n.amountFen)} 元，低于已拨付的 ${formatYuan(paid)} 元`,
          en: `${source} would be ${formatYuan(n.amountFen)} yuan, less than the ${formatYuan(paid)} yuan paid from it`,
        },
      });
  }
  return [...problems, ...documentProblems(rows, next)];
}

/**
 * Per fund document, what it would allocate after the change: the project's sources linked to it
 * are counted together (a source keeps its link with its position; a removed one lets its money
 * go), so moving money between two sources of one document is no over-allocation.
 */
function documentProblems(rows: SourceRow[], next: { amountFen: number }[]): SourceProblem[] {
  const documents = new Map<string, { after: number; available: number; first: SourceRow }>();
  for (const r of rows) {
    if (!r.document_no || !r.document_fen || !r.document_allocated_fen) continue;
    const d = documents.get(r.document_no) ?? {
      after: fenFromDb(r.document_allocated_fen),
      available: fenFromDb(r.document_fen),
      first: r,
    };
    d.after += (next[r.position]?.amountFen ?? 0) - fenFromDb(r.amount_fen);
    documents.set(r.document_no, d);
  }
  const problems: SourceProblem[] = [];
  for (const [documentNo, { after, available, first: r }] of documents) {
    if (after <= available) continue;
    const { label, source } = namesOf(r);
    // The document number is the issuer's own (often Chinese, 城水审〔2026〕8号): quoted in English.
    problems.push({
      path: `body.fundSources.${r.position}.amountFen`,
      message: {
        zh: `${label}关联的资金文件 ${documentNo} 共 ${formatYuan(available)} 元，调整后将分配 ${formatYuan(after)} 元`,
        en: `the fund document 「${documentNo}」 of ${source} provides ${formatYuan(available)} yuan; after the change it would allocate ${formatYuan(after)} yuan`,
      },
    });
  }
  return problems;
}

const namesOf = (r: SourceRow) => ({
  label: `资金来源 ${r.position + 1}（${FUND_SOURCE_LABELS[r.kind]}）`,
  source: `fund source ${r.position + 1} (${r.kind})`,
});
