/**
 * Reads of the three ledgers of one project. Scope is not applied here: the service first finds
 * the project through the project repository (the one place that applies read scope) and only
 * then loads its ledgers by id.
 */
import { fenFromDb, sumFen, type Fen } from '#domain/money.js';
import type { FundSourceKind, ProjectDto } from '#domain/schemas.js';
import type { LedgerData } from '#domain/ledgers/outputs.js';
import type { ImplementationMethod, Stage } from '#domain/lifecycle.js';
import type { Statement } from '../tx.js';

const d = (col: string, as = col) => `to_char(${col}, 'YYYY-MM-DD') AS ${as}`;
const iso = (v: Date | string) => new Date(v).toISOString();

/** One statement of a batch, with the shape of its rows. */
type Read<T> = Statement & { readonly rowShape?: T };
/** The rows of a batch of reads, each read's as its own shape. */
type RowsOf<R extends readonly Read<unknown>[]> = {
  -readonly [K in keyof R]: R[K] extends Read<infer T> ? T[] : never;
};

/**
 * The reads of one project's three ledgers, sent as one batch: one round trip, and prepared, so a
 * connection plans each once (under row-level security their planning cost more than their run).
 */
export function ledgerReads(pid: string) {
  const read = <T>(sql: string): Read<T> => ({ sql, params: [pid], prepare: true });
  return [
    read<{ approved_on: string | null; approval_issuer: string | null; construction_content: string | null }>(
      `SELECT ${d('approved_on')}, approval_issuer, construction_content FROM department_ledger WHERE project_id = ?`,
    ),
    // Each source's fund document as every reader of the project reads it in this ledger (the
    // document itself is its department's: project_fund_documents).
    {
      ...read<{
        position: number;
        kind: FundSourceKind;
        amount_fen: string;
        document_no: string | null;
        fd_no: string | null;
        fd_issuer: string | null;
        fd_issued_on: string | null;
        fd_amount: string | null;
      }>(
        `SELECT s.position, s.kind, s.amount_fen, s.document_no, f.document_no AS fd_no, f.issuer AS fd_issuer,
                ${d('f.issued_on', 'fd_issued_on')}, f.amount_fen AS fd_amount
           FROM project_fund_source s LEFT JOIN project_fund_documents(?) f ON f.source_position = s.position
          WHERE s.project_id = ? ORDER BY s.position`,
      ),
      params: [pid, pid],
    },
    read<{
      id: string;
      source_position: number;
      paid_on: string;
      amount_fen: string;
      payee: string;
      voucher_no: string;
      approver: string;
      note: string | null;
      created_at: string;
    }>(
      `SELECT id, source_position, ${d('paid_on')}, amount_fen, payee, voucher_no, approver, note, created_at
         FROM disbursement WHERE project_id = ? ORDER BY paid_on, created_at, voucher_no`,
    ),
    read<{ settled_on: string; settled_amount_fen: string; voucher_no: string | null; note: string | null }>(
      `SELECT ${d('settled_on')}, settled_amount_fen, voucher_no, note FROM settlement WHERE project_id = ?`,
    ),
    read<{
      id: string;
      meeting: string;
      held_on: string;
      attendees: string[];
      resolution: string;
      created_at: string;
    }>(
      `SELECT id, meeting, ${d('held_on')}, attendees, resolution, created_at FROM collective_decision
        WHERE project_id = ? ORDER BY held_on, created_at`,
    ),
    read<{
      method: ImplementationMethod;
      record_no: string | null;
      contractor_name: string | null;
      contractor_uscc: string | null;
      contract_no: string | null;
      contract_amount_fen: string | null;
      contract_signed_on: string | null;
    }>(
      `SELECT method, record_no, contractor_name, contractor_uscc, contract_no, contract_amount_fen,
              ${d('contract_signed_on')} FROM implementation_record WHERE project_id = ?`,
    ),
    read<{ month: string; percent: number; narrative: string }>(
      `SELECT month, percent, narrative FROM monthly_progress WHERE project_id = ? ORDER BY month`,
    ),
    read<{
      id: string;
      document_no: string;
      adjusted_on: string;
      content: string;
      reason: string;
      created_at: string;
    }>(
      `SELECT id, document_no, ${d('adjusted_on')}, content, reason, created_at FROM adjustment_record
        WHERE project_id = ? ORDER BY adjusted_on, created_at`,
    ),
    read<{
      id: string;
      v_code: string;
      v_name: string;
      visited_on: string;
      supervisor: string;
      findings: string;
      created_at: string;
    }>(
      `SELECT s.id, v.code AS v_code, v.name AS v_name, ${d('s.visited_on', 'visited_on')}, s.supervisor, s.findings,
              s.created_at FROM supervision_visit s JOIN org_unit v ON v.id = s.village_id
        WHERE s.project_id = ? ORDER BY s.visited_on, s.created_at`,
    ),
    read<{
      id: string;
      v_code: string;
      v_name: string;
      place: string;
      posted_from: string;
      posted_to: string;
      content: string;
      announced_amount_fen: string | null;
      complaint_phone: string | null;
      objection_count: number;
      objections: string | null;
      created_at: string;
    }>(
      `SELECT n.id, v.code AS v_code, v.name AS v_name, n.place, ${d('n.posted_from', 'posted_from')},
              ${d('n.posted_to', 'posted_to')}, n.content, n.announced_amount_fen, n.complaint_phone,
              n.objection_count, n.objections, n.created_at
         FROM public_notice n JOIN org_unit v ON v.id = n.village_id
        WHERE n.project_id = ? ORDER BY n.posted_from, n.created_at`,
    ),
    read<{
      id: string;
      gathered_on: string;
      method: string;
      participants: number;
      summary: string;
      created_at: string;
    }>(
      `SELECT id, ${d('gathered_on')}, method, participants, summary, created_at FROM opinion_record
        WHERE project_id = ? ORDER BY gathered_on, created_at`,
    ),
    read<{ households: number; poor_households: number; people: number }>(
      `SELECT households, poor_households, people FROM beneficiary WHERE project_id = ?`,
    ),
    read<{ owner: string; duty: string }>(`SELECT owner, duty FROM after_care WHERE project_id = ?`),
    read<{ id: string; checked_on: string; checker: string; result: string; created_at: string }>(
      `SELECT id, ${d('checked_on')}, checker, result, created_at FROM after_care_check
        WHERE project_id = ? ORDER BY checked_on, created_at`,
    ),
    read<{ id: string; entry_id: string }>(
      `SELECT id, entry_id FROM archive_document WHERE project_id = ? AND entry_id IS NOT NULL ORDER BY uploaded_at`,
    ),
  ] as const;
}

export type LedgerRows = RowsOf<ReturnType<typeof ledgerReads>>;

/** The ledgers from the rows of `ledgerReads`. */
export function ledgerDataOf(
  project: Pick<ProjectDto, 'id' | 'code' | 'name' | 'stage' | 'budgetFen' | 'approvalDocumentNo'>,
  rows: LedgerRows,
): LedgerData {
  const [
    dept,
    sources,
    disb,
    settlement,
    decisions,
    impl,
    progress,
    adjustments,
    visits,
    notices,
    opinions,
    benef,
    care,
    checks,
    photos,
  ] = rows;

  const disbursements = disb.map((r) => ({
    id: r.id,
    createdAt: iso(r.created_at),
    sourcePosition: r.source_position,
    paidOn: r.paid_on,
    amountFen: fenFromDb(r.amount_fen),
    payee: r.payee,
    voucherNo: r.voucher_no,
    approver: r.approver,
    note: r.note,
  }));
  const paidBySource = new Map<number, Fen>();
  for (const x of disbursements)
    paidBySource.set(x.sourcePosition, sumFen([paidBySource.get(x.sourcePosition) ?? 0, x.amountFen]));
  const dl = dept[0];
  const im = impl[0];
  const st = settlement[0];
  return {
    project: {
      id: project.id,
      code: project.code,
      name: project.name,
      stage: project.stage as Stage,
      budgetFen: project.budgetFen,
    },
    department: {
      approvalDocumentNo: project.approvalDocumentNo,
      approvedOn: dl?.approved_on ?? null,
      approvalIssuer: dl?.approval_issuer ?? null,
      constructionContent: dl?.construction_content ?? null,
      fundSources: sources.map((s) => {
        const amountFen = fenFromDb(s.amount_fen);
        const disbursedFen = paidBySource.get(s.position) ?? 0;
        return {
          position: s.position,
          kind: s.kind,
          amountFen,
          documentNo: s.document_no,
          fundDocument: s.fd_no
            ? {
                documentNo: s.fd_no,
                issuer: s.fd_issuer!,
                issuedOn: s.fd_issued_on!,
                amountFen: fenFromDb(s.fd_amount!),
              }
            : null,
          disbursedFen,
          balanceFen: amountFen - disbursedFen, // both exact safe integers; the DB keeps it ≥ 0
        };
      }),
      disbursements,
      disbursedFen: sumFen(disbursements.map((x) => x.amountFen)),
      settlement: st
        ? {
            settledOn: st.settled_on,
            settledAmountFen: fenFromDb(st.settled_amount_fen),
            voucherNo: st.voucher_no,
            note: st.note,
          }
        : null,
    },
    implementing: {
      decisions: decisions.map((r) => ({
        id: r.id,
        createdAt: iso(r.created_at),
        meeting: r.meeting,
        heldOn: r.held_on,
        attendees: r.attendees,
        resolution: r.resolution,
      })),
      implementation: im
        ? {
            method: im.method,
            recordNo: im.record_no,
            contractorName: im.contractor_name,
            contractorUscc: im.contractor_uscc,
            contractNo: im.contract_no,
            contractAmountFen: im.contract_amount_fen === null ? null : fenFromDb(im.contract_amount_fen),
            contractSignedOn: im.contract_signed_on,
          }
        : null,
      progress: progress.map((r) => ({ month: r.month, percent: r.percent, narrative: r.narrative })),
      adjustments: adjustments.map((r) => ({
        id: r.id,
        createdAt: iso(r.created_at),
        documentNo: r.document_no,
        adjustedOn: r.adjusted_on,
        content: r.content,
        reason: r.reason,
      })),
    },
    site: {
      visits: visits.map((r) => ({
        id: r.id,
        createdAt: iso(r.created_at),
        village: { code: r.v_code, name: r.v_name },
        visitedOn: r.visited_on,
        supervisor: r.supervisor,
        findings: r.findings,
        photos: photos.filter((p) => p.entry_id === r.id).map((p) => p.id),
      })),
      notices: notices.map((r) => ({
        id: r.id,
        createdAt: iso(r.created_at),
        village: { code: r.v_code, name: r.v_name },
        place: r.place,
        postedFrom: r.posted_from,
        postedTo: r.posted_to,
        content: r.content,
        announcedAmountFen: r.announced_amount_fen === null ? null : fenFromDb(r.announced_amount_fen),
        complaintPhone: r.complaint_phone,
        objectionCount: r.objection_count,
        objections: r.objections,
      })),
      opinions: opinions.map((r) => ({
        id: r.id,
        createdAt: iso(r.created_at),
        gatheredOn: r.gathered_on,
        method: r.method,
        participants: r.participants,
        summary: r.summary,
      })),
      beneficiaries: benef[0]
        ? {
            households: benef[0].households,
            poorHouseholds: benef[0].poor_households,
            people: benef[0].people,
          }
        : null,
      afterCare: care[0] ? { owner: care[0].owner, duty: care[0].duty } : null,
      afterCareChecks: checks.map((r) => ({
        id: r.id,
        createdAt: iso(r.created_at),
        checkedOn: r.checked_on,
        checker: r.checker,
        result: r.result,
      })),
    },
  };
}

/** The settled amount the workflow recorded with its 报账 step, if any (the latest one). */
export function workflowSettledRead(projectId: string): Read<{ v: string | null }> {
  return {
    sql: `SELECT payload->>'settledAmountFen' AS v FROM project_history
           WHERE project_id = ? AND action = 'reimburse' ORDER BY seq DESC LIMIT 1`,
    params: [projectId],
    prepare: true,
  };
}

export function workflowSettledFenOf(rows: { v: string | null }[]): Fen | null {
  const v = rows[0]?.v;
  return v && /^\d+$/.test(v) ? fenFromDb(v) : null;
}
