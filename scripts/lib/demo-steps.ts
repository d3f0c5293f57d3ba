/** The demo walk of each project: the inputs of its steps, in order, with the stages between them. */
import { MAIN_PATH, type Action } from '#domain/lifecycle.js';
import type { TransitionInput } from '#domain/schemas.js';
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
