import { describe, expect, it } from 'vitest';
import { ledgerCompleteness, reconcileLedgers, type LedgerData } from './ledgers.js';
import { parseYuan, sumFen, formatYuan } from './money.js';
import { isValidUscc, usccCheckChar } from './uscc.js';

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

describe('unified social credit code (GB 32100-2015)', () => {
  it('accepts a code whose check character matches and refuses any other', () => {
    const sut = isValidUscc;
    expect(sut('91350100M000100Y43')).toBe(true);
    expect(sut('91350100M000100Y44')).toBe(false);
    expect(sut('91350100M000100Y4')).toBe(false);
    expect(sut('91350100M0001O0Y43')).toBe(false); // O is not in the alphabet
    const first17 = '91500229MA5U7K3Q1';
    expect(sut(first17 + usccCheckChar(first17))).toBe(true);
  });
});

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

describe('money from text', () => {
  it('sums 0.10 元 + 0.20 元 to exactly 0.30 元', () => {
    const total = sumFen([parseYuan('0.10')!, parseYuan('0.20')!]);
    expect(total).toBe(30);
    expect(formatYuan(total)).toBe('0.30');
    expect(0.1 + 0.2).not.toBe(0.3); // what floating point would have given
  });
});
