/**
 * One workflow per complaint (`complaint-<receipt>`), started by the submission itself
 * (Update-with-Start, so a retried submission joins it instead of making a second complaint):
 * submitted → acknowledged → assigned → handled → answered → closed, or reopened back to the unit.
 * Each step is an Update with a synchronous validator; activities write it. While a time limit
 * runs (acknowledge, assign, answer) it climbs overdue → escalated to county level, as the other
 * ladders do. A closed complaint may still be reopened for a while; then the workflow ends.
 * Deterministic: imports only @temporalio/workflow, domain/ and activity types.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Notification } from '#activities/notify.activities.js';
import {
  STEP_FROM,
  STEP_TO,
  complaintSubjectLabel,
  slaPhaseOf,
  type ComplaintState,
  type ComplaintStepRequest,
  type SlaPhase,
  type SlaStep,
  type SlaTerm,
} from '#domain/complaint-records.js';
import { clockDate } from '#domain/deadlines.js';
import { TRANSITION_NOT_ALLOWED } from '#domain/errors.js';
import { STEP_REJECTED } from '#domain/project-records.js';
import {
  complaintStepUpdate,
  getComplaintStateQuery,
  submittedUpdate,
  type ComplaintRunState,
  type ComplaintWorkflowInput,
} from './complaint.messages.js';
import { COMPLAINT_TERMS_COUNTED_PATCH } from './complaint.patches.js';
import { complain, notifyComplaint } from './complaint.proxies.js';
import { StepLock } from './project.run.js';

const PHASE_LABEL = { acknowledge: '受理', assign: '交办', answer: '办理答复' } as const;

export async function complaintWorkflow(input: ComplaintWorkflowInput): Promise<ComplaintState | null> {
  let state: ComplaintRunState | undefined = input.state;
  if (state) state.armed ??= state.term ? { [state.term.phase]: state.term.arm } : {};
  let refusal: ApplicationFailure | undefined;
  const lock = new StepLock(true, true);
  const deliveries = new Set<Promise<unknown>>();
  let dirty = false;

  setHandler(submittedUpdate, async () => {
    await condition(() => state !== undefined || refusal !== undefined);
    if (refusal) throw refusal;
    return { id: state!.complaint.id, receipt: state!.complaint.receipt };
  });
  setHandler(getComplaintStateQuery, () => state!);

  setHandler(
    complaintStepUpdate,
    async (req) => {
      await lock.acquire();
      try {
        const s = stepAllowed(state, req);
        const to = STEP_TO[req.step];
        const phase = slaPhaseOf(to);
        const now = Date.now();
        const from = clockDate(s.complaint.clock, now);
        // A new phase arms a new clock; staying in the answer phase (handle) keeps the running one.
        const keep = phase === 'answer' && s.term?.phase === 'answer' && req.step === 'handle';
        const term =
          phase && !keep
            ? await refusedAsUpdate(() =>
                complain.planComplaintSla({
                  phase,
                  arm: nextArm(s, phase),
                  from,
                  clock: s.complaint.clock,
                }),
              )
            : keep
              ? s.term
              : null;
        const reopenUntilMs =
          to === 'closed'
            ? await refusedAsUpdate(() => complain.planComplaintReopen({ clock: s.complaint.clock }))
            : null;
        await refusedAsUpdate(() =>
          complain.recordComplaintStep({
            ...req,
            complaintId: s.complaint.id,
            to,
            term,
            at: new Date(now).toISOString(),
          }),
        );
        // Recorded now or by an earlier attempt of the same activity: the state follows either way.
        s.status = to;
        if (req.step === 'assign') s.unitId = req.unitId ?? null;
        if (term !== s.term) s.fired = 0;
        s.term = term;
        if (term) counted(s, term);
        s.reopenUntilMs = reopenUntilMs;
        dirty = true;
        return { status: s.status };
      } finally {
        lock.release();
      }
    },
    { validator: (req) => void stepAllowed(state, req) },
  );

  if (!state) {
    try {
      const complaint = await complain.recordComplaint(input.submission);
      const term = complaint.slaOn
        ? await complain.planComplaintSla({
            phase: 'acknowledge',
            arm: 1,
            from: complaint.submittedOn,
            clock: complaint.clock,
          })
        : null;
      state = {
        complaint,
        status: 'submitted',
        unitId: null,
        term,
        fired: 0,
        slaOn: complaint.slaOn,
        reopenUntilMs: null,
        armed: {},
      };
      if (term) counted(state, term);
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : err;
      refusal = ApplicationFailure.nonRetryable(String((cause as Error)?.message ?? cause), STEP_REJECTED);
      await condition(allHandlersFinished);
      throw refusal;
    }
  }
  const s = state;

  for (;;) {
    if (workflowInfo().continueAsNewSuggested) break;
    if (s.status === 'closed' && s.reopenUntilMs !== null && Date.now() >= s.reopenUntilMs) break;
    await lock.locked(() => fireDue(s, deliveries));
    const step = s.slaOn && s.term ? s.term.steps[s.fired] : undefined;
    const wake = s.status === 'closed' ? (s.reopenUntilMs ?? undefined) : step?.atMs;
    dirty = false;
    const stop = () => dirty || workflowInfo().continueAsNewSuggested;
    if (wake === undefined) await condition(stop);
    else if (wake > Date.now()) await condition(stop, wake - Date.now());
  }
  await condition(allHandlersFinished);
  await Promise.all([...deliveries]);
  if (s.status !== 'closed' || (s.reopenUntilMs !== null && Date.now() < s.reopenUntilMs))
    return continueAsNew<typeof complaintWorkflow>({ ...input, state: s });
  return s;
}

/**
 * The number of a new term of `phase`: one past the last the complaint armed. Runs recorded
 * before the count took one past the running term (1 when none ran, as after an answer); they
 * replay so, and the marker is asked for only where the two differ.
 */
function nextArm(s: ComplaintRunState, phase: SlaPhase): number {
  const running = s.term?.phase === phase ? s.term.arm : 0;
  const last = s.armed?.[phase] ?? 0;
  return (last > running && patched(COMPLAINT_TERMS_COUNTED_PATCH) ? last : running) + 1;
}

/**
 * Counts an armed term. Kept by every run, the patch's or not (it is state, no command), so that
 * a run replayed from before the patch has its whole count when its next term takes it.
 */
function counted(s: ComplaintRunState, term: SlaTerm): void {
  s.armed = { ...s.armed, [term.phase]: Math.max(s.armed?.[term.phase] ?? 0, term.arm) };
}

function refuse(message: string): never {
  throw ApplicationFailure.nonRetryable(message, TRANSITION_NOT_ALLOWED);
}

function stepAllowed(
  state: ComplaintRunState | undefined,
  req: ComplaintStepRequest | undefined,
): ComplaintRunState {
  if (!state) refuse('举报尚未登记完成 (the complaint is not recorded yet)');
  if (!req || !STEP_FROM[req.step]) refuse('未知的办理步骤 (unknown step)');
  if (!STEP_FROM[req.step].includes(state.status))
    refuse(
      `当前状态（${state.status}）不能执行此步骤 (step ${req.step} is not allowed from ${state.status})`,
    );
  if (req.step === 'assign' && !req.unitId) refuse('请指定承办单位 (a unit is required)');
  return state;
}

/** Fires every time-limit step whose instant has come, each written before its message. */
async function fireDue(s: ComplaintState, deliveries: Set<Promise<unknown>>): Promise<void> {
  if (!s.slaOn) return;
  for (;;) {
    const term = s.term;
    const step = term?.steps[s.fired];
    if (!term || !step || step.atMs > Date.now()) return;
    const record = {
      complaintId: s.complaint.id,
      phase: term.phase,
      arm: term.arm,
      step: step.step,
      dueDate: term.dueDate,
      stepDate: step.date,
      daysLate: step.daysLate,
      unitId: term.phase === 'answer' ? s.unitId : null,
      at: new Date().toISOString(),
    };
    try {
      await complain.recordComplaintSlaStep(record);
    } catch (err) {
      // A step the database refuses is a fault of ours: the ladder moves on, the log names it.
      log.error('complaint time-limit step not recorded', { ...record, error: String(err) });
    }
    s.fired += 1;
    const n = slaNotification(s, record);
    const tracked: Promise<unknown> = notifyComplaint(n)
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => deliveries.delete(tracked));
    deliveries.add(tracked);
  }
}

/**
 * Overdue: the supervision office, and the unit when the answer is waiting for it; escalated:
 * county level too. The message names the subject and the time limit, never the reporter.
 */
function slaNotification(
  s: ComplaintState,
  r: { phase: keyof typeof PHASE_LABEL; arm: number; step: SlaStep; dueDate: string; daysLate: number },
): Notification {
  const c = s.complaint;
  const unitWaits = r.phase === 'answer' && s.unitId && (s.status === 'assigned' || s.status === 'reopened');
  return {
    key: `complaint:${c.id}:${r.phase}:${r.arm}:${r.step}`,
    projectId: null,
    category: 'complaint',
    severity: r.step === 'overdue' ? 'warning' : 'critical',
    title: `【举报${PHASE_LABEL[r.phase]}${r.step === 'overdue' ? '逾期' : '逾期上报县级'}】${c.subjectLabel}`,
    body:
      `关于${c.subjectLabel}的举报，${PHASE_LABEL[r.phase]}期限 ${r.dueDate}，已逾期 ${r.daysLate} 天。` +
      (r.step === 'escalated' ? '已上报县级督办。' : '请尽快办理。'),
    // The same, as data: outside channels render it in each recipient's language (an activity
    // input only, the commands the workflow issues are unchanged).
    facts: {
      kind: 'complaint',
      complaintId: c.id,
      subject: subjectOf(c.subjectLabel),
      phase: r.phase,
      step: r.step,
      dueDate: r.dueDate,
      daysLate: r.daysLate,
    },
    audience: {
      unitIds: [...c.officeUnitIds, ...(unitWaits ? [s.unitId!] : [])],
      operatorsOnly: false,
      admins: false,
      countyLevel: r.step === 'escalated',
    },
  };
}

/**
 * The subject of a label the complaint carries (`项目 CK2026-001 村道硬化`, `村 罗江村`, as
 * `complaintSubjectLabel` writes it in Chinese): what it is, and its code and name as they are.
 */
function subjectOf(label: string): { kind: 'project' | 'village' | null; text: string } {
  for (const kind of ['project', 'village'] as const) {
    const prefix = complaintSubjectLabel({ kind, code: '', name: null });
    if (label.startsWith(prefix)) return { kind, text: label.slice(prefix.length) };
  }
  return { kind: null, text: label };
}

/**
 * An activity's refusal (data refused by PostgreSQL, the claim or the activity's checks, a status
 * the table does not allow) as the Update's, with its type kept, never a failed task.
 */
async function refusedAsUpdate<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    if (cause instanceof ApplicationFailure)
      throw ApplicationFailure.nonRetryable(cause.message, cause.type ?? STEP_REJECTED);
    throw ApplicationFailure.nonRetryable(String((cause as Error)?.message ?? cause), STEP_REJECTED);
  }
}
