/**
 * The project detail table (项目明细表): generated, never typed. One pure function joins the
 * project, its stage history and its three ledgers; JSON, xlsx and PDF all render this one value.
 */
import { z } from 'zod';
import { cstDate } from './deadlines.js';
import { openAlerts } from './detail-alerts.js';
import { IMPLEMENTATION_METHOD_LABELS, STAGE_LABELS } from './lifecycle.js';
import { completenessSchema, reconciliationFlagSchema, type LedgersDto } from './ledgers/outputs.js';
import { sumFen } from './money.js';
import {
  FUND_SOURCE_KINDS,
  FUND_SOURCE_LABELS,
  PROJECT_NATURE_LABELS,
  fen,
  type AlertDto,
  type HistoryEntry,
  type ProjectDetailDto,
} from './schemas.js';

export const detailTableSchema = z.object({
  generatedAt: z.string(),
  project: z.object({
    id: z.uuid(),
    code: z.string(),
    name: z.string(),
    year: z.number().int(),
    type: z.string(),
    nature: z.string(),
    department: z.string(),
    ownerUnit: z.string(),
    villages: z.array(z.string()),
    location: z.string().nullable(),
    approvalDocumentNo: z.string(),
    stage: z.string(),
    stageLabel: z.string(),
    progressPercent: z.number().int(),
    plannedDates: z.object({
      start: z.string(),
      completion: z.string(),
      acceptance: z.string(),
      reimbursement: z.string(),
    }),
  }),
  funds: z.object({
    budgetFen: fen,
    byKind: z.record(z.enum(FUND_SOURCE_KINDS), fen),
    sources: z.array(
      z.object({
        kind: z.enum(FUND_SOURCE_KINDS),
        label: z.string(),
        amountFen: fen,
        documentNo: z.string().nullable(),
        disbursedFen: fen,
        balanceFen: fen,
      }),
    ),
    disbursedFen: fen,
    balanceFen: fen,
    /** The amount the 报账 step recorded (the latest one), if the project has been reimbursed. */
    reimbursedFen: fen.nullable(),
    /** The settlement entered in the department ledger, if any. */
    settledFen: fen.nullable(),
  }),
  disbursements: z.array(
    z.object({
      paidOn: z.string(),
      amountFen: fen,
      payee: z.string(),
      voucherNo: z.string(),
      approver: z.string(),
      source: z.string(),
    }),
  ),
  implementation: z.object({
    method: z.string().nullable(),
    contractor: z.string().nullable(),
    contractorUscc: z.string().nullable(),
    contractAmountFen: fen.nullable(),
    decisions: z.number().int(),
    adjustments: z.number().int(),
  }),
  progress: z.array(z.object({ month: z.string(), percent: z.number().int(), narrative: z.string() })),
  beneficiaries: z
    .object({ households: z.number().int(), poorHouseholds: z.number().int(), people: z.number().int() })
    .nullable(),
  site: z.object({
    visits: z.number().int(),
    lastVisit: z.string().nullable(),
    notices: z.array(z.object({ place: z.string(), period: z.string(), objections: z.number().int() })),
    opinions: z.number().int(),
    afterCare: z.string().nullable(),
  }),
  inspections: z.array(z.object({ on: z.string(), passed: z.boolean(), findings: z.string() })),
  /** The open alerts' due dates, or the failed inspection's date; `label` says both in Chinese. */
  alerts: z.array(z.object({ code: z.string(), label: z.string(), on: z.string() })),
  completeness: z.array(completenessSchema),
  reconciliation: z.array(reconciliationFlagSchema),
});
export type DetailTable = z.infer<typeof detailTableSchema>;

/**
 * The settled amount of the latest 报账 step. Read defensively: a history row is what the step
 * recorded, and an amount no ledger could hold is shown as none rather than breaking the table.
 */
function reimbursedFen(history: readonly HistoryEntry[]): number | null {
  const v = history.filter((h) => h.action === 'reimburse').at(-1)?.payload.settledAmountFen;
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : null;
  if (typeof v === 'string' && /^\d{1,15}$/.test(v)) return Number(v);
  return null;
}

/**
 * The detail table of a project: its ledgers, history and `alerts`, the alerts its deadline
 * ladders have raised (its 预警 column shows those still open: detail-alerts.ts).
 */
export function buildDetailTable(
  project: ProjectDetailDto,
  ledgers: LedgersDto,
  alerts: readonly AlertDto[],
  now: Date,
): DetailTable {
  const sources = ledgers.department.fundSources.map((s) => ({
    kind: s.kind,
    label: FUND_SOURCE_LABELS[s.kind],
    amountFen: s.amountFen,
    documentNo: s.fundDocument?.documentNo ?? s.documentNo,
    disbursedFen: s.disbursedFen,
    balanceFen: s.balanceFen,
  }));
  const byKind = Object.fromEntries(
    FUND_SOURCE_KINDS.map((k) => [k, sumFen(sources.filter((s) => s.kind === k).map((s) => s.amountFen))]),
  ) as Record<(typeof FUND_SOURCE_KINDS)[number], number>;
  const sourceLabel = new Map(sources.map((s, i) => [i, s.label]));
  const impl = ledgers.implementing.implementation;
  const inspections = project.history
    .filter((h: HistoryEntry) => h.action === 'inspect')
    .map((h) => ({
      on: String(h.payload.inspectedOn ?? cstDate(Date.parse(h.at))),
      passed: h.payload.passed === true,
      findings: String(h.payload.findings ?? ''),
    }));
  const disbursed = ledgers.department.disbursedFen;
  const site = ledgers.site;
  return {
    generatedAt: now.toISOString(),
    project: {
      id: project.id,
      code: project.code,
      name: project.name,
      year: project.year,
      type: project.type,
      nature: PROJECT_NATURE_LABELS[project.nature],
      department: project.department.name,
      ownerUnit: project.ownerUnit.name,
      villages: project.villages.map((v) => v.name),
      location: project.location,
      approvalDocumentNo: project.approvalDocumentNo,
      stage: project.stage,
      stageLabel: STAGE_LABELS[project.stage].zh,
      // The implementing unit's latest monthly entry, else what the workflow's last progress step said.
      progressPercent: ledgers.implementing.progress.at(-1)?.percent ?? project.progressPercent,
      plannedDates: project.plannedDates,
    },
    funds: {
      budgetFen: project.budgetFen,
      byKind,
      sources,
      disbursedFen: disbursed,
      balanceFen: project.budgetFen - disbursed, // exact integers; Σ disbursed ≤ Σ sources = budget
      reimbursedFen: reimbursedFen(project.history),
      settledFen: ledgers.department.settlement?.settledAmountFen ?? null,
    },
    disbursements: ledgers.department.disbursements.map((d) => ({
      paidOn: d.paidOn,
      amountFen: d.amountFen,
      payee: d.payee,
      voucherNo: d.voucherNo,
      approver: d.approver,
      source: sourceLabel.get(d.sourcePosition) ?? String(d.sourcePosition),
    })),
    implementation: {
      method: impl ? IMPLEMENTATION_METHOD_LABELS[impl.method] : null,
      contractor: impl?.contractorName ?? null,
      contractorUscc: impl?.contractorUscc ?? null,
      contractAmountFen: impl?.contractAmountFen ?? null,
      decisions: ledgers.implementing.decisions.length,
      adjustments: ledgers.implementing.adjustments.length,
    },
    progress: ledgers.implementing.progress,
    beneficiaries: site.beneficiaries,
    site: {
      visits: site.visits.length,
      lastVisit: site.visits.at(-1)?.visitedOn ?? null,
      notices: site.notices.map((n) => ({
        place: n.place,
        period: `${n.postedFrom} 至 ${n.postedTo}`,
        objections: n.objectionCount,
      })),
      opinions: site.opinions.length,
      afterCare: site.afterCare ? `${site.afterCare.owner}：${site.afterCare.duty}` : null,
    },
    inspections,
    alerts: openAlerts(project.stage, alerts, inspections),
    completeness: ledgers.completeness,
    reconciliation: ledgers.reconciliation,
  };
}
