/** Walking a project to a stage over HTTP, with a valid body for every action. */
import { ACTION_LEVEL } from '#domain/access.js';
import type { Action, Stage } from '#domain/lifecycle.js';
import { Session, type TestStack } from './stack.js';

export function stepBody(
  action: Action,
  opts: { passed?: boolean; month?: string } = {},
): Record<string, unknown> {
  switch (action) {
    case 'approveDesign':
      return {
        action,
        documentNo: '城水审〔2026〕8号',
        approvedOn: '2026-03-10',
        documents: [{ title: '设计批复' }],
      };
    case 'fixImplementation':
      return { action, method: 'selfBuild', recordNo: '村民大会纪要 3 号' };
    case 'start':
      return { action, startedOn: '2026-04-02', documents: [{ title: '开工报告' }] };
    case 'reportProgress':
      return { action, month: opts.month ?? '2026-05', percent: 55, narrative: '管网铺设过半' };
    case 'complete':
      return { action, completedOn: '2026-09-10', documents: [{ title: '竣工报告' }] };
    case 'inspect':
      return { action, passed: opts.passed ?? true, inspectedOn: '2026-09-20', findings: '检查记录' };
    case 'reimburse':
      return { action, settledOn: '2026-11-01', settledAmountFen: 30_000_000 };
    case 'handOver':
      return { action, caretaker: '白台村村委会', duty: '每月巡查管网', handedOverOn: '2026-11-10' };
    case 'close':
      return { action, note: '管护移交完成' };
    case 'adjust':
      return { action, documentNo: '城水调〔2026〕2号', reason: '调整建设内容', name: '调整后的项目名称' };
    case 'cancel':
      return { action, documentNo: '城水终〔2026〕1号', reason: '选址冲突' };
  }
}

/** The steps (action, inspect outcome) that bring a new project to each stage. */
export const PATH_TO: Record<Stage, [Action, boolean?][]> = (() => {
  const design: [Action, boolean?][] = [['approveDesign']];
  const method: [Action, boolean?][] = [...design, ['fixImplementation']];
  const underway: [Action, boolean?][] = [...method, ['start']];
  const completed: [Action, boolean?][] = [...underway, ['reportProgress'], ['complete']];
  const accepted: [Action, boolean?][] = [...completed, ['inspect', true]];
  const reimbursed: [Action, boolean?][] = [...accepted, ['reimburse']];
  const afterCare: [Action, boolean?][] = [...reimbursed, ['handOver']];
  return {
    approved: [],
    designApproved: design,
    methodFixed: method,
    underway,
    completed,
    rectifying: [...completed, ['inspect', false]],
    accepted,
    reimbursed,
    afterCare,
    closed: [...afterCare, ['close']],
    cancelled: [['cancel']],
  };
})();

export interface Actors {
  dept: Session;
  owner: Session;
  /**
   * Makes the project's file complete up to 竣工 (ledgers and required archive documents), which
   * the acceptance gate asks for before 验收; walkTo calls it before the first inspection.
   */
  completeFile?: (id: string) => Promise<void>;
}

/**
 * The operators who take the steps of a project built by `aProject()` (its department 县水务局 and
 * its owner 修齐镇), logged in, with the stack's file completer for the acceptance gate.
 */
export async function loginActors(stack: TestStack): Promise<Actors> {
  return {
    dept: await Session.login(stack.baseUrl, 'swj.op'),
    owner: await Session.login(stack.baseUrl, 'xqz.op'),
    completeFile: (id) => stack.completeFile(id),
  };
}

export function actorFor(actors: Actors, action: Action): Session {
  return ACTION_LEVEL[action] === 'department' ? actors.dept : actors.owner;
}

/**
 * The body of a step on project `id`: `stepBody`, except that 报账 settles exactly what the
 * project's ledgers have disbursed (settlement = Σ disbursed ≤ budget, checked by the api).
 */
export async function liveStepBody(
  actors: Actors,
  id: string,
  action: Action,
  opts: { passed?: boolean; month?: string } = {},
): Promise<Record<string, unknown>> {
  const body = stepBody(action, opts);
  if (action !== 'reimburse') return body;
  const ledgers = await actors.dept.get(`/api/projects/${id}/ledgers`);
  if (ledgers.status !== 200) throw new Error(`ledgers of ${id} → ${ledgers.status}`);
  return { ...body, settledAmountFen: ledgers.body.department.disbursedFen };
}

export async function take(
  actors: Actors,
  id: string,
  action: Action,
  opts: {
    passed?: boolean;
    month?: string;
    body?: Record<string, unknown>;
    headers?: Record<string, string>;
  } = {},
) {
  return actorFor(actors, action).post(
    `/api/projects/${id}/transitions`,
    opts.body ?? (await liveStepBody(actors, id, action, opts)),
    opts.headers,
  );
}

export async function walkTo(actors: Actors, id: string, stage: Stage): Promise<void> {
  let filed = false;
  for (const [action, passed] of PATH_TO[stage]) {
    if (action === 'inspect' && !filed) {
      if (!actors.completeFile) throw new Error(`walkTo ${stage} inspects: give the actors a completeFile`);
      await actors.completeFile(id);
      filed = true;
    }
    const res = await take(actors, id, action, passed === undefined ? {} : { passed });
    if (res.status !== 200) throw new Error(`${action} → ${res.status} ${JSON.stringify(res.body)}`);
  }
}
