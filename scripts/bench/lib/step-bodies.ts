/**
 * A valid body for each step of the main path, for a benchmark project of 2027 with a budget of
 * 1,000,000 分 whose file the file completer filled up to 竣工: 报账 settles exactly what that
 * disbursed (half the budget). Each step is dated in 2026: a step's day is never after today.
 */
import type { Action } from '#domain/lifecycle.js';

export function stepBody(action: Action): Record<string, unknown> {
  switch (action) {
    case 'approveDesign':
      return { action, documentNo: 'B-1', approvedOn: '2026-03-10', documents: [{ title: '设计批复' }] };
    case 'fixImplementation':
      return { action, method: 'selfBuild', recordNo: '纪要 1 号' };
    case 'start':
      return { action, startedOn: '2026-04-02', documents: [{ title: '开工报告' }] };
    case 'reportProgress':
      return { action, month: '2026-05', percent: 50, narrative: '过半' };
    case 'complete':
      return { action, completedOn: '2026-08-01', documents: [{ title: '竣工报告' }] };
    case 'inspect':
      return { action, passed: true, inspectedOn: '2026-09-01' };
    case 'reimburse':
      // Σ disbursed by the file completer up to 竣工 (half the budget): 报账 settles exactly that.
      return { action, settledOn: '2026-10-01', settledAmountFen: 500_000 };
    case 'handOver':
      return { action, caretaker: '村委会', duty: '巡查', handedOverOn: '2026-10-10' };
    case 'close':
      return { action };
    default:
      throw new Error(action);
  }
}
