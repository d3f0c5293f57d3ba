import type { Action } from '@domain/lifecycle';

/**
 * How each step's form is laid out: which input shows each field of the action's body. What is
 * required, and every limit, comes from the shared transitionSchema (domain/schemas.ts) that the
 * form validates with before it sends; this table only chooses widgets and labels.
 */
/** 'day': the day a step was done, never after today; 'date': a planned date. */
export type FieldKind =
  'text' | 'textarea' | 'date' | 'day' | 'month' | 'percent' | 'yuan' | 'method' | 'passed';
export interface FieldSpec {
  key: string;
  kind: FieldKind;
  /** i18n key under form.fields */
  label: string;
}

const f = (key: string, kind: FieldKind, label = key): FieldSpec => ({ key, kind, label });

export const ACTION_FIELDS: Record<Action, FieldSpec[]> = {
  approveDesign: [f('documentNo', 'text'), f('approvedOn', 'day'), f('note', 'textarea')],
  fixImplementation: [
    f('method', 'method'),
    f('recordNo', 'text'),
    f('contractor', 'text'),
    f('contractAmountFen', 'yuan', 'contractAmount'),
    f('note', 'textarea'),
  ],
  start: [f('startedOn', 'day'), f('note', 'textarea')],
  reportProgress: [f('month', 'month'), f('percent', 'percent'), f('narrative', 'textarea')],
  complete: [f('completedOn', 'day'), f('note', 'textarea')],
  inspect: [f('passed', 'passed'), f('inspectedOn', 'day'), f('findings', 'textarea')],
  reimburse: [f('settledOn', 'day'), f('settledAmountFen', 'yuan', 'settledAmount'), f('note', 'textarea')],
  handOver: [f('caretaker', 'text'), f('duty', 'textarea'), f('handedOverOn', 'day')],
  close: [f('note', 'textarea')],
  adjust: [f('documentNo', 'text'), f('reason', 'textarea')],
  cancel: [f('documentNo', 'text'), f('reason', 'textarea')],
};

/** 调项 may also move the planned dates (all four together). */
export const PLANNED_DATE_FIELDS: FieldSpec[] = [
  f('plannedDates.start', 'date', 'plannedStart'),
  f('plannedDates.completion', 'date', 'plannedCompletion'),
  f('plannedDates.acceptance', 'date', 'plannedAcceptance'),
  f('plannedDates.reimbursement', 'date', 'plannedReimbursement'),
];
