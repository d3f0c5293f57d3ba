/**
 * The three ledgers (三账, docs/domain.md §3). The files beside this one hold their input and output
 * schemas, the write contract, completeness per ledger and cross-ledger reconciliation. Pure: the
 * api loads the facts, these modules judge them, so the console, the detail table and the
 * acceptance gate agree.
 */
import type { ImplementationMethod } from '../lifecycle.js';

export const LEDGERS = ['department', 'implementing', 'site'] as const;
export type LedgerKind = (typeof LEDGERS)[number];
export const LEDGER_LABELS: Record<LedgerKind, string> = {
  department: '主管部门项目台账',
  implementing: '实施单位项目台账',
  site: '建设地点项目台账',
};
export const LEDGER_LABELS_EN: Record<LedgerKind, string> = {
  department: 'Department ledger',
  implementing: 'Implementing-unit ledger',
  site: 'Site ledger',
};

/** Methods let out to a contractor; self-build and work-for-relief have none. */
export const CONTRACTED_METHODS: readonly ImplementationMethod[] = [
  'openTender',
  'invitedTender',
  'negotiation',
];
