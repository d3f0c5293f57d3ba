import { describe, expect, it } from 'vitest';
import { ledgerCompleteness } from './completeness.js';
import type { LedgerData } from './outputs.js';
import { reconcileLedgers } from './reconciliation.js';

function empty(overrides: Partial<LedgerData['project']> = {}): LedgerData {
  return {
    project: {
      id: '00000000-0000-4000-8000-000000000000',
      code: 'T-1',
      name: 't',
      stage: 'approved',
      budgetFen: 1000,
      ...overrides,
    },
    department: {
      approvalDocumentNo: '城扶发〔2026〕1号',
      approvedOn: null,
      approvalIssuer: null,
      constructionContent: null,
      fundSources: [],
      disbursements: [],
      disbursedFen: 0,
      settlement: null,
    },
    implementing: { decisions: [], implementation: null, progress: [], adjustments: [] },
    site: {
      visits: [],
      notices: [],
      opinions: [],
      beneficiaries: null,
      afterCare: null,
      afterCareChecks: [],
    },
  };
}

describe('ledger completeness', () => {
  it('asks for more as the project advances, per ledger', () => {
    const atApproval = ledgerCompleteness(empty());
    expect(atApproval.find((c) => c.ledger === 'implementing')).toMatchObject({
      required: 0,
      complete: true,
      percent: 100,
    });
    const dep = atApproval.find((c) => c.ledger === 'department')!;
    expect(dep.missing.map((m) => m.item)).toEqual(['approvedOn', 'constructionContent']);
    expect(dep.percent).toBe(50);

    const underway = ledgerCompleteness(empty({ stage: 'underway' }));
    expect(underway.find((c) => c.ledger === 'implementing')!.missing.map((m) => m.item)).toEqual([
      'collectiveDecision',
      'implementationMethod',
      'monthlyProgress',
    ]);
    // As the acceptance gate sees it: everything due by completion.
    const gate = ledgerCompleteness(empty(), 'completed');
    expect(gate.find((c) => c.ledger === 'implementing')!.missing.map((m) => m.item)).toContain(
      'finalProgress',
    );
  });

  it('requires a contractor only for contracted methods', () => {
    const d = empty({ stage: 'methodFixed' });
    d.implementing.implementation = {
      method: 'selfBuild',
      recordNo: null,
      contractorName: null,
      contractorUscc: null,
      contractNo: null,
      contractAmountFen: null,
      contractSignedOn: null,
    };
    const items = (x: LedgerData) =>
      ledgerCompleteness(x)
        .find((c) => c.ledger === 'implementing')!
        .missing.map((m) => m.item);
    expect(items(d)).toEqual(['collectiveDecision']);
    d.implementing.implementation.method = 'openTender';
    expect(items(d)).toEqual(['collectiveDecision', 'contractor', 'contractAmount']);
  });
});

describe('reconciliation', () => {
  it('flags a settlement that differs from the workflow’s 报账 record', () => {
    const d = empty();
    d.department.settlement = { settledOn: '2026-09-01', settledAmountFen: 900, voucherNo: null, note: null };
    expect(reconcileLedgers(d, 900)).toEqual([]);
    expect(reconcileLedgers(d, 1000).map((f) => f.code)).toEqual(['settlementMismatch']);
  });
});
