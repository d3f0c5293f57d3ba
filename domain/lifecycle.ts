/**
 * The project lifecycle (docs/domain.md §4): stages, actions and the one transition table that the
 * workflow's Update validators, the api and the console all read. Pure data and functions.
 */

export const STAGES = [
  'approved', // 立项
  'designApproved', // 设计审批
  'methodFixed', // 实施方式确定
  'underway', // 开工 → 实施中
  'completed', // 竣工
  'rectifying', // 验收未通过，整改中
  'accepted', // 验收通过
  'reimbursed', // 报账
  'afterCare', // 管护
  'closed', // 已关闭
  'cancelled', // 已终止
] as const;
export type Stage = (typeof STAGES)[number];

/**
 * A stage is a state reached, worded as one ("已通过设计审批"); an action is a step to take, worded
 * as one ("办理设计审批"): the two never share a label, so a tag on screen is never ambiguous.
 */
export const STAGE_LABELS: Record<Stage, { zh: string; en: string }> = {
  approved: { zh: '已立项', en: 'Registered' },
  designApproved: { zh: '已通过设计审批', en: 'Design approved' },
  methodFixed: { zh: '已确定实施方式', en: 'Method fixed' },
  underway: { zh: '实施中', en: 'Under way' },
  completed: { zh: '已竣工', en: 'Completed' },
  rectifying: { zh: '整改中', en: 'Rectifying' },
  accepted: { zh: '已验收', en: 'Accepted' },
  reimbursed: { zh: '已报账', en: 'Reimbursed' },
  afterCare: { zh: '管护中', en: 'In after-care' },
  closed: { zh: '已关闭', en: 'Closed' },
  cancelled: { zh: '已终止', en: 'Cancelled' },
};

export const TERMINAL_STAGES: readonly Stage[] = ['closed', 'cancelled'];

export const ACTIONS = [
  'approveDesign',
  'fixImplementation',
  'start',
  'reportProgress',
  'complete',
  'inspect',
  'reimburse',
  'handOver',
  'close',
  'adjust',
  'cancel',
] as const;
export type Action = (typeof ACTIONS)[number];

/** The stage steps in order, from 立项 to closed: every action but the side paths 调项 and 终止. */
export const MAIN_PATH: readonly Action[] = ACTIONS.filter((a) => a !== 'adjust' && a !== 'cancel');

export const ACTION_LABELS: Record<Action, { zh: string; en: string }> = {
  approveDesign: { zh: '办理设计审批', en: 'Approve the design' },
  fixImplementation: { zh: '确定实施方式', en: 'Fix the implementation method' },
  start: { zh: '开工', en: 'Start construction' },
  reportProgress: { zh: '录入月度进度', en: 'Report monthly progress' },
  complete: { zh: '办理竣工', en: 'Record completion' },
  inspect: { zh: '办理验收', en: 'Carry out acceptance' },
  reimburse: { zh: '办理报账', en: 'Settle the accounts' },
  handOver: { zh: '移交管护', en: 'Hand over to after-care' },
  close: { zh: '关闭项目', en: 'Close the project' },
  adjust: { zh: '调项', en: 'Adjust' },
  cancel: { zh: '终止项目', en: 'Cancel the project' },
};

/** Which stages each action may be taken from. Actions absent from a stage's row are refused. */
const FROM: Record<Action, readonly Stage[]> = {
  approveDesign: ['approved'],
  fixImplementation: ['designApproved'],
  start: ['methodFixed'],
  reportProgress: ['underway', 'rectifying'],
  complete: ['underway'],
  // A failed inspection sends the project to rectify; it is then inspected again.
  inspect: ['completed', 'rectifying'],
  reimburse: ['accepted'],
  handOver: ['reimbursed'],
  close: ['afterCare'],
  // 调项 only while the work is not yet finished.
  adjust: ['approved', 'designApproved', 'methodFixed', 'underway'],
  // 终止 before any money is settled.
  cancel: ['approved', 'designApproved', 'methodFixed', 'underway', 'completed', 'rectifying'],
};

export function allowedActions(stage: Stage): Action[] {
  return ACTIONS.filter((a) => FROM[a].includes(stage));
}

export function isAllowed(stage: Stage, action: Action): boolean {
  return FROM[action].includes(stage);
}

/**
 * The stage an allowed action leads to. `inspect` depends on its outcome; progress entries and
 * adjustments leave the stage where it is (they are recorded in the history all the same).
 */
export function nextStage(stage: Stage, action: Action, outcome?: { passed?: boolean }): Stage {
  switch (action) {
    case 'approveDesign':
      return 'designApproved';
    case 'fixImplementation':
      return 'methodFixed';
    case 'start':
      return 'underway';
    case 'complete':
      return 'completed';
    case 'inspect':
      return outcome?.passed ? 'accepted' : 'rectifying';
    case 'reimburse':
      return 'reimbursed';
    case 'handOver':
      return 'afterCare';
    case 'close':
      return 'closed';
    case 'cancel':
      return 'cancelled';
    case 'reportProgress':
    case 'adjust':
      return stage;
  }
}

export type TransitionCheck = { ok: true; to: Stage } | { ok: false; reason: string };

export function checkTransition(
  stage: Stage,
  action: Action,
  outcome?: { passed?: boolean },
): TransitionCheck {
  if (!isAllowed(stage, action)) {
    return {
      ok: false,
      reason: `当前阶段「${STAGE_LABELS[stage].zh}」不能执行「${ACTION_LABELS[action].zh}」 (action ${action} is not allowed in stage ${stage})`,
    };
  }
  return { ok: true, to: nextStage(stage, action, outcome) };
}

export const IMPLEMENTATION_METHODS = [
  'openTender', // 公开招标
  'invitedTender', // 邀请招标
  'negotiation', // 竞争性谈判/比选
  'selfBuild', // 村民自建
  'workForRelief', // 以工代赈
] as const;
export type ImplementationMethod = (typeof IMPLEMENTATION_METHODS)[number];

export const IMPLEMENTATION_METHOD_LABELS: Record<ImplementationMethod, string> = {
  openTender: '公开招标',
  invitedTender: '邀请招标',
  negotiation: '竞争性谈判/比选',
  selfBuild: '村民自建',
  workForRelief: '以工代赈',
};
export const IMPLEMENTATION_METHOD_LABELS_EN: Record<ImplementationMethod, string> = {
  openTender: 'Open tender',
  invitedTender: 'Invited tender',
  negotiation: 'Negotiation',
  selfBuild: 'Self-build by villagers',
  workForRelief: 'Work for relief',
};

/** Stages in order of progress; side stages count as the main stage they sit at. */
export const PROGRESS_ORDER: Stage[] = [
  'approved',
  'designApproved',
  'methodFixed',
  'underway',
  'completed',
  'accepted',
  'reimbursed',
  'afterCare',
  'closed',
];
export function stageRank(stage: Stage): number {
  if (stage === 'rectifying') return PROGRESS_ORDER.indexOf('completed');
  if (stage === 'cancelled') return 0;
  return PROGRESS_ORDER.indexOf(stage);
}
