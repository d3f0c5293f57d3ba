/**
 * Complaints (监督举报): the receipt code, the states and steps, and what a complaint's workflow
 * carries. Pure: no Node, Temporal or database imports (the workflow imports this module).
 */
import { daysBetween, instantOf, shiftDays, type IsWorkday, type LadderClock } from './deadlines.js';

/**
 * The receipt alphabet: Crockford's base 32 (no I, L, O, U), so a receipt read aloud or copied
 * by hand survives; reading normalizes O→0 and I/L→1 and drops spaces and dashes.
 */
export const RECEIPT_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 11 random symbols (55 bits) and a check symbol: `XXXX-XXXX-XXXX` when shown. */
export const RECEIPT_DATA_LENGTH = 11;
export const RECEIPT_LENGTH = RECEIPT_DATA_LENGTH + 1;

/**
 * The check symbol: a weighted sum modulo 29 (a prime above the 11 weights, so any one wrong
 * symbol and any swap of two neighbours changes it), written in the same alphabet.
 */
export function receiptCheck(data: string): string {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += (i + 1) * RECEIPT_ALPHABET.indexOf(data[i]!);
  return RECEIPT_ALPHABET[sum % 29]!;
}

/** A receipt from 11 values in 0..31 (taken from random or keyed bytes by the caller). */
export function receiptFromValues(values: number[]): string {
  const data = values
    .slice(0, RECEIPT_DATA_LENGTH)
    .map((v) => RECEIPT_ALPHABET[v & 31])
    .join('');
  return data + receiptCheck(data);
}

/** What a person typed, as the canonical 12 symbols; the shape alone, the check is `receiptValid`. */
export function normalizeReceipt(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

export function receiptValid(receipt: string): boolean {
  if (receipt.length !== RECEIPT_LENGTH) return false;
  for (const c of receipt) if (!RECEIPT_ALPHABET.includes(c)) return false;
  return receiptCheck(receipt.slice(0, RECEIPT_DATA_LENGTH)) === receipt[RECEIPT_DATA_LENGTH];
}

export function formatReceipt(receipt: string): string {
  return `${receipt.slice(0, 4)}-${receipt.slice(4, 8)}-${receipt.slice(8)}`;
}

export const complaintWorkflowId = (receipt: string) => `complaint-${receipt}`;

/**
 * submitted → acknowledged → assigned → handled → answered → closed; the office may reopen a
 * handled, answered or closed complaint: it goes back to the unit (reopened) to be handled again.
 */
export const COMPLAINT_STATUSES = [
  'submitted',
  'acknowledged',
  'assigned',
  'handled',
  'answered',
  'closed',
  'reopened',
] as const;
export type ComplaintStatus = (typeof COMPLAINT_STATUSES)[number];

export const COMPLAINT_STEPS = ['acknowledge', 'assign', 'handle', 'answer', 'close', 'reopen'] as const;
export type ComplaintStep = (typeof COMPLAINT_STEPS)[number];

/** Which statuses each step may be taken from. */
export const STEP_FROM: Record<ComplaintStep, readonly ComplaintStatus[]> = {
  acknowledge: ['submitted'],
  assign: ['acknowledged'],
  handle: ['assigned', 'reopened'],
  answer: ['handled'],
  close: ['answered'],
  reopen: ['handled', 'answered', 'closed'],
};
export const STEP_TO: Record<ComplaintStep, ComplaintStatus> = {
  acknowledge: 'acknowledged',
  assign: 'assigned',
  handle: 'handled',
  answer: 'answered',
  close: 'closed',
  reopen: 'reopened',
};

/** The time limits (SLA): acknowledge after submission, assign after acknowledging, answer after assigning. */
export const SLA_PHASES = ['acknowledge', 'assign', 'answer'] as const;
export type SlaPhase = (typeof SLA_PHASES)[number];

/** Which phase's clock runs in each status (none once answered or closed). */
export function slaPhaseOf(status: ComplaintStatus): SlaPhase | null {
  if (status === 'submitted') return 'acknowledge';
  if (status === 'acknowledged') return 'assign';
  if (status === 'assigned' || status === 'handled' || status === 'reopened') return 'answer';
  return null;
}

export interface ComplaintSlaConfig {
  acknowledgeDays: number;
  assignDays: number;
  answerDays: number;
  /** Overdue → escalated to county level after this many more days. */
  escalateDays: number;
  dayCount: 'calendar' | 'working';
  /** How long a closed complaint may still be reopened before its workflow ends. */
  reopenDays: number;
}

export const DEFAULT_COMPLAINT_SLA: ComplaintSlaConfig = {
  acknowledgeDays: 2,
  assignDays: 3,
  answerDays: 15,
  escalateDays: 3,
  dayCount: 'working',
  reopenDays: 30,
};

export type SlaStep = 'overdue' | 'escalated';

/** One phase's clock: its due date and the instants of its two escalation steps. */
export interface SlaTerm {
  phase: SlaPhase;
  /** Counts the phase's clocks (a reopening arms the answer phase again). */
  arm: number;
  dueDate: string;
  steps: { step: SlaStep; date: string; atMs: number; daysLate: number }[];
}

/**
 * A phase's clock from its due date: overdue on the first (working) day after it, escalated to
 * county level `escalateDays` later. The submission and each step plan it from the day the phase
 * began; a workflow started again from PostgreSQL plans it from the due date on record.
 */
export function complaintTerm(
  t: { phase: SlaPhase; arm: number; dueDate: string },
  sla: ComplaintSlaConfig,
  clock: LadderClock,
  isWorkday: IsWorkday,
): SlaTerm {
  const overdue = shiftDays(t.dueDate, 1, sla.dayCount, isWorkday);
  const escalated = shiftDays(overdue, sla.escalateDays, sla.dayCount, isWorkday);
  return {
    ...t,
    steps: [
      {
        step: 'overdue',
        date: overdue,
        atMs: instantOf(overdue, clock),
        daysLate: daysBetween(t.dueDate, overdue),
      },
      {
        step: 'escalated',
        date: escalated,
        atMs: instantOf(escalated, clock),
        daysLate: daysBetween(t.dueDate, escalated),
      },
    ],
  };
}

/** What a complaint is about, as the platform reads it back (the name: none once it is gone). */
export interface ComplaintSubject {
  kind: 'project' | 'village';
  code: string;
  name: string | null;
}

/**
 * A subject as people name it: a project by its code and name, a village by its name alone (its
 * org code is the platform's key, not a word anyone there uses).
 */
export function complaintSubjectText(s: ComplaintSubject): string {
  return s.kind === 'project' ? `${s.code} ${s.name ?? ''}`.trim() : (s.name ?? s.code);
}

/** The same with what it is in front, as messages and the form say it: `项目 CK2026-001 村道硬化`, `村 罗江村`. */
export function complaintSubjectLabel(s: ComplaintSubject, lang: 'zh-CN' | 'en' = 'zh-CN'): string {
  const what = { project: { 'zh-CN': '项目', en: 'project' }, village: { 'zh-CN': '村', en: 'village' } };
  return `${what[s.kind][lang]} ${complaintSubjectText(s)}`;
}

/** What the submission hands the workflow; the reporter's identity is not in it (only in its table). */
export interface ComplaintSubmission {
  receipt: string;
  /** The request that submitted it (its Idempotency-Key, or a fresh id). */
  requestId: string;
  /** SHA-256 of what the request asked: a key sent again with another complaint is refused. */
  requestHash: string;
  subject: { kind: 'project' | 'village'; code: string };
  category: string;
  description: string;
  reporter: { anonymous: boolean; name: string | null; phone: string | null };
  photos: { key: string; sha256: string; mime: string; bytes: number }[];
  at: string;
}

export interface SubmittedComplaint {
  id: string;
  receipt: string;
  /** The unit the subject belongs to (the project's owner or the village): the office's hint. */
  subjectUnitId: string | null;
  /** e.g. `项目 CK2026-001 村道硬化`, `村 罗江村`: what messages name (never the reporter). */
  subjectLabel: string;
  /** The supervision offices' units: who answers for acknowledging, assigning and answering. */
  officeUnitIds: string[];
  clock: LadderClock;
  submittedOn: string;
  /** Time limits armed (DEADLINE_ENABLED). */
  slaOn: boolean;
}

export interface ComplaintState {
  complaint: SubmittedComplaint;
  status: ComplaintStatus;
  unitId: string | null;
  term: SlaTerm | null;
  /** How many steps of the current term have fired. */
  fired: number;
  slaOn: boolean;
  /** When a closed complaint stops accepting a reopening (instant, ms). */
  reopenUntilMs: number | null;
}

/** One step request as the api hands it to the workflow. */
export interface ComplaintStepRequest {
  requestId: string;
  step: ComplaintStep;
  actor: { id: string | null; username: string; name?: string };
  /** assign: the unit. */
  unitId?: string;
  /** handle: what was done; answer: the public answer; reopen: why. */
  text?: string;
  /** handle: uploads claimed as evidence. */
  evidenceIds?: string[];
}
