/**
 * The demo walk of each project: the inputs of its steps, in order, with the stages between them,
 * and the planned dates it is registered with.
 */
import {
  DEFAULT_DEADLINE_CONFIG,
  PLANNED_DEADLINES,
  addDays,
  daysBetween,
  deadlineMet,
} from '#domain/deadlines.js';
import { MAIN_PATH, type Action } from '#domain/lifecycle.js';
import type { PlannedDates, TransitionInput } from '#domain/schemas.js';
import type { DemoProject } from '#db/seed/demo-county.js';
import { planStages, type PlannedStep } from './seed-plan.js';

/** Every step the demo says the project takes, from 立项 on. */
export function demoPlan(p: DemoProject): PlannedStep[] {
  const inputs: TransitionInput[] = MAIN_PATH.slice(0, p.steps).map((a) => stepInput(a, p));
  if (p.then === 'failInspection') inputs.push(stepInput('inspect', p, false));
  if (p.then === 'cancel') inputs.push(stepInput('cancel', p));
  if (p.then === 'close') inputs.push(stepInput('close', p));
  return planStages(inputs);
}

/** The county's plan for its 2026 projects: the dates every demo step is measured against. */
export const DEMO_PLAN: PlannedDates = {
  start: '2026-04-01',
  completion: '2026-08-31',
  acceptance: '2026-09-30',
  reimbursement: '2026-11-30',
};

/**
 * The planned dates a demo project is registered with, on `today` (the county's date when the seed
 * registers it). The project's workflow arms a ladder for each date when it is registered, and a
 * ladder whose dates have passed fires them at once (correct for a project registered late): its
 * steps, replayed afterwards, would come too late for it. So a project whose walk takes a step that
 * meets a deadline (开工 meets the planned start, …) is planned with that deadline still ahead of it,
 * beyond the reminder, its dates moved on together: its steps are on time and raise nothing.
 * A project the demo leaves short of a deadline keeps the county's plan, whose dates have passed:
 * those are the demo's late projects (逾期未开工 and the rest), flagged as the ladder says.
 */
export function demoPlannedDates(
  plan: readonly PlannedStep[],
  today: string,
  reminderDays = DEFAULT_DEADLINE_CONFIG.reminderDays,
): PlannedDates {
  // The deadlines the walk meets by a step of its own (a cancellation meets none, it ends them).
  const met = PLANNED_DEADLINES.filter((k) =>
    plan.some((s) => s.input.action !== 'cancel' && deadlineMet(k, s.to) && !deadlineMet(k, s.from)),
  );
  // The first due date whose ladder has not begun today: its reminder is tomorrow.
  const ahead = addDays(today, reminderDays + 1);
  const shift = Math.max(0, ...met.map((k) => daysBetween(DEMO_PLAN[k], ahead)));
  if (shift === 0) return { ...DEMO_PLAN };
  return {
    start: addDays(DEMO_PLAN.start, shift),
    completion: addDays(DEMO_PLAN.completion, shift),
    acceptance: addDays(DEMO_PLAN.acceptance, shift),
    reimbursement: addDays(DEMO_PLAN.reimbursement, shift),
  };
}

function stepInput(action: Action, p: DemoProject, passed = true): TransitionInput {
  const d = '2026-';
  switch (action) {
    case 'approveDesign':
      return {
        action,
        documentNo: `城${p.department}审〔2026〕${p.code.slice(-3)}号`,
        approvedOn: `${d}03-10`,
        documents: [{ title: '设计及预算批复' }],
      };
    case 'fixImplementation':
      return {
        action,
        method: p.budgetFen > 100_000_000 ? 'openTender' : 'selfBuild',
        recordNo: `会议纪要〔2026〕${p.code.slice(-3)}号`,
        documents: [],
      };
    case 'start':
      return { action, startedOn: `${d}04-01`, documents: [{ title: '开工报告' }] };
    case 'reportProgress':
      return {
        action,
        month: '2026-05',
        // The same month and figures as the ledger's May entry (scripts/lib/typical-ledgers.ts):
        // the step writes that row too, so the two agree.
        percent: 50,
        narrative: '完成主体工程约50%，施工质量和安全正常。',
        documents: [],
      };
    case 'complete':
      return { action, completedOn: `${d}07-20`, documents: [{ title: '竣工报告' }] };
    case 'inspect':
      return passed
        ? {
            action,
            passed: true,
            inspectedOn: `${d}08-05`,
            findings: '工程质量合格，资料齐全。',
            documents: [{ title: '验收报告' }],
          }
        : {
            action,
            passed: false,
            inspectedOn: `${d}08-05`,
            findings: '管网末端水压不足，需整改。',
            documents: [],
          };
    case 'reimburse':
      return {
        action,
        settledOn: `${d}09-01`,
        settledAmountFen: p.budgetFen,
        documents: [{ title: '报账凭证' }],
      };
    case 'handOver':
      return {
        action,
        caretaker: '村民委员会',
        duty: '日常巡查与维修',
        handedOverOn: `${d}09-15`,
        documents: [],
      };
    case 'close':
      return { action, note: '管护移交完成，项目关闭。', documents: [] };
    case 'cancel':
      return {
        action,
        documentNo: `城${p.department}发〔2026〕${p.code.slice(-3)}号`,
        reason: '选址与规划冲突，项目终止。',
        documents: [],
      };
    default:
      throw new Error(`no demo input for ${action}`);
  }
}
