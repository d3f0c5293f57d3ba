/**
 * The activities of complaints: the only writers of their rows (system scope), each idempotent by
 * the request it carries out — the submission by its request (and receipt), each step by its
 * Update id (`complaint_event.request_id`), each time-limit step by (complaint, phase, arm, step).
 * Planning a time limit lives here, not in workflow code, because it reads the configuration and
 * the holiday calendar; a recorded result keeps replays deterministic.
 * Audit rows never carry the reporter's name or phone: who reported is in complaint_reporter only.
 * What no retry can cure fails at once, non-retryable: a request that is malformed (validation),
 * names a row that does not exist, or asks for a step the complaint's recorded status does not
 * allow (the workflow and the table disagree: a retry would find the same). Retried are only
 * failures of the moment (connections, deadlocks), and the writes are idempotent for them.
 */
import crypto from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { SYSTEM_SCOPE, executeAll, inScope, type Tx } from '#db/scope.js';
import {
  complaintEventInsert,
  complaintEvidenceClaim,
  complaintInsert,
  complaintSlaStepInsert,
  complaintStepUpdate,
  photoInsert,
  reporterInsert,
} from '#db/writes/complaint.js';
import {
  DEFAULT_COMPLAINT_SLA,
  SLA_PHASES,
  STEP_FROM,
  STEP_TO,
  complaintSubjectLabel,
  complaintTerm,
  type ComplaintSlaConfig,
  type ComplaintStatus,
  type ComplaintStepRequest,
  type ComplaintSubmission,
  type SlaPhase,
  type SlaTerm,
  type SubmittedComplaint,
} from '#domain/complaint-records.js';
import {
  clockDate,
  shiftDays,
  type DeadlineConfig,
  type IsWorkday,
  type LadderClock,
} from '#domain/deadlines.js';
import { TRANSITION_NOT_ALLOWED } from '#domain/errors.js';
import { STEP_REJECTED } from '#domain/project-records.js';
import { chineseWorkday } from './deadline.activities.js';
import { permanentFailuresFinal } from './write-errors.js';

export interface ComplaintActivityDeps {
  orm: Orm;
  audit: AuditLog;
  /** The day's length and whether ladders run (the DEADLINE_* settings). */
  deadlines: DeadlineConfig;
  /** COMPLAINT_* time limits. */
  sla?: ComplaintSlaConfig;
  isWorkday?: IsWorkday;
}

/** The kinds of unit a complaint is assigned to (the api checks the same first). */
const ASSIGNABLE_KINDS = ['department', 'township', 'village'];

/** The SHA-256 of a receipt, in hex: what the lookup finds a complaint by. */
export const receiptHash = (receipt: string) => crypto.createHash('sha256').update(receipt).digest('hex');

const system = { id: null, username: 'system' };

/** A request no retry can make good: the data is refused (the api answers 422). */
function rejected(message: string): never {
  throw ApplicationFailure.nonRetryable(message, STEP_REJECTED);
}

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** The time-limit plan's inputs, checked: planning is pure, so a bad input fails the same every time. */
function checkPlanInput(a: { phase: string; arm: number; from: string; clock: LadderClock }): void {
  if (!(SLA_PHASES as readonly string[]).includes(a.phase))
    rejected(`未知的办理时限 (unknown time limit ${a.phase})`);
  if (!Number.isSafeInteger(a.arm) || a.arm < 1) rejected(`时限轮次不合法 (arm ${a.arm})`);
  if (!DATE.test(a.from) || Number.isNaN(Date.parse(a.from))) rejected(`日期不合法 (date ${a.from})`);
  if (!(a.clock?.dayMs > 0) || !Number.isFinite(a.clock.originMs)) rejected('时钟不合法 (invalid clock)');
}

/** The clock of a complaint submitted at `ms`: the shortened day of tests counts from it. */
const clockOf = (cfg: DeadlineConfig, ms: number): LadderClock => ({
  dayMs: cfg.dayMs,
  originMs: cfg.sharedOriginMs ?? ms,
});

/**
 * A written complaint as its workflow carries it (what the submission's activity answers, and
 * what a workflow started again from PostgreSQL starts from), or undefined when there is none.
 */
export async function submittedComplaint(
  tx: Tx,
  receipt: string,
  cfg: DeadlineConfig,
): Promise<SubmittedComplaint | undefined> {
  const [rows, offices] = await tx.batch([
    {
      sql: `SELECT c.id, c.receipt, c.subject_unit_id, c.subject_kind, c.subject_code, c.submitted_at,
              to_char(c.submitted_on, 'YYYY-MM-DD') AS submitted_on,
              COALESCE(p.name, v.name) AS subject_name
            FROM complaint c LEFT JOIN project p ON p.id = c.project_id
            LEFT JOIN org_unit v ON v.id = c.village_id WHERE c.receipt = ?`,
      params: [receipt],
    },
    { sql: `SELECT id FROM org_unit WHERE kind = 'office' ORDER BY code`, params: [] },
  ]);
  const c = (rows as Record<string, string>[])[0];
  if (!c) return undefined;
  return {
    id: c.id!,
    receipt: c.receipt!,
    subjectUnitId: c.subject_unit_id ?? null,
    subjectLabel: complaintSubjectLabel({
      kind: c.subject_kind as 'project' | 'village',
      code: c.subject_code!,
      name: c.subject_name ?? null,
    }),
    officeUnitIds: (offices as { id: string }[]).map((o) => o.id),
    clock: clockOf(cfg, new Date(c.submitted_at!).getTime()),
    submittedOn: c.submitted_on!,
    slaOn: cfg.enabled,
  };
}

export function createComplaintActivities(deps: ComplaintActivityDeps) {
  const { orm, audit, deadlines: cfg } = deps;
  const sla = deps.sla ?? DEFAULT_COMPLAINT_SLA;
  const isWorkday = deps.isWorkday ?? chineseWorkday;
  const clockAt = (ms: number) => clockOf(cfg, ms);
  const phaseDays: Record<SlaPhase, number> = {
    acknowledge: sla.acknowledgeDays,
    assign: sla.assignDays,
    answer: sla.answerDays,
  };

  function plan(phase: SlaPhase, arm: number, from: string, clock: LadderClock): SlaTerm {
    const dueDate = shiftDays(from, phaseDays[phase], sla.dayCount, isWorkday);
    return complaintTerm({ phase, arm, dueDate }, sla, clock, isWorkday);
  }

  const written = (tx: Tx, receipt: string) => submittedComplaint(tx, receipt, cfg);

  return {
    /**
     * Writes the complaint, who reported it (its own table), its photos, the submission event and
     * an audit row in one transaction; a second attempt finds the first's and writes nothing.
     */
    async recordComplaint(s: ComplaintSubmission): Promise<SubmittedComplaint> {
      return permanentFailuresFinal('举报未能登记 (the complaint could not be recorded)', () =>
        inScope(orm, SYSTEM_SCOPE, async (tx) => {
          const before = await written(tx, s.receipt);
          if (before) return before;
          // Any project, at any stage: a cancelled one (money allocated, work dropped half-done) is
          // among those most worth reporting, and its owner unit still answers for it.
          const [subject] = await executeAll(tx, [
            s.subject.kind === 'project'
              ? {
                  sql: `SELECT id, owner_unit_id AS unit_id FROM project WHERE code = ?`,
                  params: [s.subject.code],
                }
              : {
                  sql: `SELECT id, id AS unit_id FROM org_unit WHERE code = ? AND kind = 'village'`,
                  params: [s.subject.code],
                },
          ]);
          const found = (subject as { id: string; unit_id: string }[])[0];
          if (!found)
            throw ApplicationFailure.nonRetryable(
              `举报对象不存在 (no ${s.subject.kind} ${s.subject.code})`,
              STEP_REJECTED,
            );
          const nowMs = new Date(s.at).getTime();
          const on = clockDate(clockAt(nowMs), nowMs);
          const [inserted] = await executeAll(tx, [
            complaintInsert({
              receipt: s.receipt,
              receiptHash: receiptHash(s.receipt),
              requestId: s.requestId,
              requestHash: s.requestHash,
              subjectKind: s.subject.kind,
              subjectCode: s.subject.code,
              projectId: s.subject.kind === 'project' ? found.id : null,
              villageId: s.subject.kind === 'village' ? found.id : null,
              subjectUnitId: found.unit_id,
              category: s.category,
              description: s.description,
              at: s.at,
              on,
              slaDue: cfg.enabled ? plan('acknowledge', 1, on, clockAt(nowMs)).dueDate : null,
            }),
          ]);
          const id = (inserted as { id: string }[])[0]?.id;
          if (!id)
            // The same request or receipt was written by a concurrent attempt: answer with it.
            return (await written(tx, s.receipt)) ?? duplicateRefused();
          await executeAll(tx, [
            reporterInsert(id, s.reporter),
            ...s.photos.map((p, i) => photoInsert(id, i + 1, p)),
            complaintEventInsert({
              complaintId: id,
              step: 'submit',
              requestId: s.requestId,
              actorId: null,
              actorName: '举报人',
              unitId: null,
              text: null,
              at: s.at,
            }),
          ]);
          await audit.append(tx, {
            actor: system,
            via: 'activity',
            action: 'complaint.submit',
            entity: 'complaint',
            entityId: id,
            after: {
              subject: s.subject,
              category: s.category,
              photos: s.photos.length,
              // whether the reporter gave a name, never the name or phone themselves
              anonymous: s.reporter.anonymous,
            },
            at: s.at,
          });
          return (await written(tx, s.receipt))!;
        }),
      );
    },

    /** A phase's time limit from a date on the complaint's clock. */
    async planComplaintSla(a: { phase: SlaPhase; arm: number; from: string; clock: LadderClock }) {
      checkPlanInput(a);
      return plan(a.phase, a.arm, a.from, a.clock);
    },

    /** Until when a closed complaint may be reopened (an instant on its clock). */
    async planComplaintReopen(a: { clock: LadderClock }): Promise<number> {
      if (!(a.clock?.dayMs > 0)) rejected('时钟不合法 (invalid clock)');
      return Date.now() + sla.reopenDays * a.clock.dayMs;
    },

    /** One step: the event, the complaint's new status and time limit, evidence, an audit row. */
    async recordComplaintStep(
      r: ComplaintStepRequest & {
        complaintId: string;
        to: ComplaintStatus;
        term: SlaTerm | null;
        at: string;
      },
    ): Promise<{ status: 'recorded' | 'duplicate' }> {
      if (!STEP_FROM[r.step] || STEP_TO[r.step] !== r.to)
        rejected(`未知的办理步骤 (step ${r.step} to ${r.to})`);
      if (r.step === 'assign' && !r.unitId) rejected('请指定承办单位 (a unit is required)');
      return permanentFailuresFinal('办理步骤未能记录 (the step could not be recorded)', () =>
        inScope(orm, SYSTEM_SCOPE, async (tx) => {
          const [rows] = await executeAll(tx, [
            complaintEventInsert({
              complaintId: r.complaintId,
              step: r.step,
              requestId: r.requestId,
              actorId: r.actor.id,
              actorName: r.actor.name ?? r.actor.username,
              unitId: r.unitId ?? null,
              text: r.text ?? null,
              at: r.at,
            }),
          ]);
          const eventId = (rows as { id: string }[])[0]?.id;
          if (!eventId) return { status: 'duplicate' as const };
          if (r.step === 'assign') {
            const [unit] = await executeAll(tx, [
              { sql: `SELECT kind FROM org_unit WHERE id = ?`, params: [r.unitId] },
            ]);
            const kind = (unit as { kind: string }[])[0]?.kind;
            if (!kind || !ASSIGNABLE_KINDS.includes(kind))
              rejected(`不是部门、乡镇或村（社区） (unit ${r.unitId} cannot be assigned a complaint)`);
          }
          const [updated] = await executeAll(tx, [
            complaintStepUpdate({
              complaintId: r.complaintId,
              step: r.step,
              from: STEP_FROM[r.step],
              to: r.to,
              unitId: r.unitId ?? null,
              text: r.text ?? null,
              at: r.at,
              slaPhase: r.term?.phase ?? null,
              slaDue: r.term?.dueDate ?? null,
            }),
          ]);
          if ((updated as unknown[]).length === 0) {
            // The event's foreign key found the complaint: its recorded status refuses the step.
            const [now] = await executeAll(tx, [
              { sql: `SELECT status FROM complaint WHERE id = ?`, params: [r.complaintId] },
            ]);
            throw ApplicationFailure.nonRetryable(
              `举报当前状态（${(now as { status: string }[])[0]?.status}）不能执行此步骤 (step ${r.step} is not allowed from it)`,
              TRANSITION_NOT_ALLOWED,
            );
          }
          const ids = [...new Set(r.evidenceIds ?? [])];
          if (ids.length) {
            const [claimed] = await executeAll(tx, [
              complaintEvidenceClaim(r.complaintId, eventId, ids, r.actor.id),
            ]);
            if ((claimed as unknown[]).length !== ids.length)
              throw ApplicationFailure.nonRetryable(
                '附件不存在、不是您上传的或已被使用 (an evidence file is not an unused upload of yours)',
                STEP_REJECTED,
              );
          }
          await audit.append(tx, {
            actor: { id: r.actor.id, username: r.actor.username },
            via: 'activity',
            action: `complaint.${r.step}`,
            entity: 'complaint',
            entityId: r.complaintId,
            after: { status: r.to, unitId: r.unitId ?? null, evidence: ids, slaDue: r.term?.dueDate ?? null },
            at: r.at,
          });
          return { status: 'recorded' as const };
        }),
      );
    },

    /** A time limit's step, once per (complaint, phase, arm, step), with an audit row. */
    async recordComplaintSlaStep(s: Parameters<typeof complaintSlaStepInsert>[0]) {
      return permanentFailuresFinal('举报逾期步骤未能记录 (the time-limit step could not be recorded)', () =>
        inScope(orm, SYSTEM_SCOPE, async (tx) => {
          const [inserted] = await executeAll(tx, complaintSlaStepInsert(s));
          if ((inserted as unknown[]).length === 0) return { status: 'duplicate' as const };
          await audit.append(tx, {
            actor: system,
            via: 'activity',
            action: `complaint.sla.${s.step}`,
            entity: 'complaint',
            entityId: s.complaintId,
            after: { phase: s.phase, arm: s.arm, dueDate: s.dueDate, daysLate: s.daysLate },
            at: s.at,
          });
          return { status: 'recorded' as const };
        }),
      );
    },
  };
}

function duplicateRefused(): never {
  throw ApplicationFailure.nonRetryable('举报回执号冲突 (receipt already taken)', STEP_REJECTED);
}
