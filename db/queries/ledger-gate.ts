/**
 * The acceptance gate (docs/domain.md §4, stage 7): 建档资料不完善不予竣工验收. Acceptance is refused
 * while any ledger lacks an item due by completion, or a required archive document of a stage up
 * to completion is missing. Pure reads, in the caller's scope; the project service asks it before
 * the `inspect` Update, and the refusal lists every gap.
 */
import { PROGRESS_ORDER, STAGE_LABELS, stageRank, type Stage } from '#domain/lifecycle.js';
import type { Bilingual } from '#domain/errors.js';
import { LEDGER_ITEMS, ledgerCompleteness } from '#domain/ledgers/completeness.js';
import { LEDGER_LABELS_EN } from '#domain/ledgers/kinds.js';
import { fenFromDb } from '#domain/money.js';
import { executeAll, type Tx } from '../tx.js';
import { ledgerDataOf, ledgerReads, type LedgerRows } from './ledger-data.js';

export interface GateMissing {
  /** 'department' | 'implementing' | 'site' for a ledger item, 'archive' for a checklist document. */
  ledger: string;
  item: string;
  /** Said in the caller's language (AppError.detailsIn): an archive item's own label is the county's wording, quoted in English. */
  label: Bilingual;
}

export async function ledgerAcceptanceGate(
  tx: Tx,
  projectId: string,
): Promise<{ ok: boolean; missing: GateMissing[] }> {
  // The project, its ledgers and its archive checklist in one round trip, each statement prepared.
  const reads = ledgerReads(projectId);
  const [rows, ...rest] = await executeAll(tx, [
    {
      sql: `SELECT id, code, name, stage, budget_fen, approval_document_no FROM project WHERE id = ?`,
      params: [projectId],
      prepare: true,
    },
    ...reads,
    {
      sql: `SELECT r.stage, r.item, r.label,
                   EXISTS (SELECT 1 FROM archive_document a WHERE a.project_id = ? AND a.stage = r.stage AND a.item = r.item) AS present
              FROM archive_requirement r WHERE r.required
             ORDER BY array_position(?::text[], r.stage), r.item`,
      params: [projectId, `{${PROGRESS_ORDER.join(',')}}`],
      prepare: true,
    },
  ]);
  const p = rows![0] as
    | {
        id: string;
        code: string;
        name: string;
        stage: Stage;
        budget_fen: string;
        approval_document_no: string;
      }
    | undefined;
  if (!p)
    return {
      ok: false,
      missing: [{ ledger: 'project', item: 'project', label: { zh: '项目不存在', en: 'no such project' } }],
    };
  const data = ledgerDataOf(
    {
      id: p.id,
      code: p.code,
      name: p.name,
      stage: p.stage,
      budgetFen: fenFromDb(p.budget_fen),
      approvalDocumentNo: p.approval_document_no,
    },
    rest.slice(0, reads.length) as LedgerRows,
  );
  const missing: GateMissing[] = ledgerCompleteness(data, 'completed').flatMap((c) =>
    c.missing.map((m) => ({
      ledger: c.ledger,
      item: m.item,
      label: {
        zh: `${c.label}：${m.label}`,
        en: `${LEDGER_LABELS_EN[c.ledger]}: ${LEDGER_ITEMS.find((r) => r.item === m.item)?.en ?? m.item}`,
      },
    })),
  );
  const docs = rest[reads.length] as { stage: Stage; item: string; label: string; present: boolean }[];
  for (const d of docs) {
    if (stageRank(d.stage) <= stageRank('completed') && !d.present)
      missing.push({
        ledger: 'archive',
        item: `${d.stage}.${d.item}`,
        label: {
          zh: `档案资料（${STAGE_LABELS[d.stage].zh}）：${d.label}`,
          en: `Archive documents (${STAGE_LABELS[d.stage].en}): 「${d.label}」`,
        },
      });
  }
  return { ok: missing.length === 0, missing };
}
