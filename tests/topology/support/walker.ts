/**
 * Projects walking the main path through two api replicas, as users behind a load balancer: each
 * request goes to the next replica; one that fails (a dropped connection, a 5xx, a timeout) is
 * sent again with the same Idempotency-Key to the other replica, after a short backoff.
 */
import { ACTION_LEVEL } from '#domain/access.js';
import type { Action } from '#domain/lifecycle.js';
import { FaultClient, type Outcome } from '../../faults/support/http-client.js';
import { TOPOLOGY_PASSWORD } from './topology-stack.js';

/** A valid body for each main-path step of a project built by `newProject` and filed up to 竣工. */
export function stepBody(action: Action): Record<string, unknown> {
  switch (action) {
    case 'approveDesign':
      return {
        action,
        documentNo: '城水审〔2027〕8号',
        approvedOn: '2026-03-10',
        documents: [{ title: '设计批复' }],
      };
    case 'fixImplementation':
      return { action, method: 'selfBuild', recordNo: '村民大会纪要 3 号' };
    case 'start':
      return { action, startedOn: '2026-04-02', documents: [{ title: '开工报告' }] };
    case 'reportProgress':
      return { action, month: '2026-05', percent: 60, narrative: '管网铺设过半' };
    case 'complete':
      return { action, completedOn: '2026-08-01', documents: [{ title: '竣工报告' }] };
    case 'inspect':
      return { action, passed: true, inspectedOn: '2026-09-01', findings: '验收合格' };
    case 'reimburse':
      // The file completer disburses half the budget up to 竣工: 报账 settles exactly that.
      return { action, settledOn: '2026-10-01', settledAmountFen: 500_000 };
    case 'handOver':
      return { action, caretaker: '白台村村委会', duty: '每月巡查管网', handedOverOn: '2026-10-10' };
    case 'close':
      return { action, note: '管护移交完成' };
    default:
      throw new Error(`not on the main path: ${action}`);
  }
}

export function newProject(code: string): Record<string, unknown> {
  return {
    code,
    name: `拓扑演练项目 ${code}`,
    year: 2027,
    type: '饮水安全',
    nature: 'new',
    departmentCode: 'swj',
    ownerUnitCode: 'xqz',
    villageCodes: ['xqz-btc'],
    approvalDocumentNo: '城扶发〔2027〕1号',
    budgetFen: 1_000_000,
    fundSources: [{ kind: 'countySpecial', amountFen: 1_000_000 }],
    plannedDates: {
      start: '2027-04-01',
      completion: '2027-08-31',
      acceptance: '2027-09-30',
      reimbursement: '2027-11-30',
    },
  };
}

const RETRYABLE = (o: Outcome) =>
  o.kind !== 'answer' || o.status >= 500 || o.status === 408 || o.status === 429;
const label = (o: Outcome) => (o.kind === 'answer' ? String(o.status) : o.kind);

export class Replicas {
  private next = 0;
  /** Failed attempts (each sent again elsewhere) by kind, and by replica. */
  readonly failedAttempts: Record<string, number> = {};
  readonly failedOn: Record<string, number> = {};
  readonly answeredBy: number[];

  private constructor(
    private readonly bases: string[],
    private readonly sessions: Record<'department' | 'ownerUnit', FaultClient[]>,
  ) {
    this.answeredBy = bases.map(() => 0);
  }

  /** The department's and the owner unit's operators, logged in on every replica. */
  static async login(bases: string[]): Promise<Replicas> {
    const on = async (username: string) =>
      Promise.all(
        bases.map(async (b) => {
          const c = new FaultClient(b);
          await c.login(username, TOPOLOGY_PASSWORD);
          return c;
        }),
      );
    return new Replicas(bases, { department: await on('swj.op'), ownerUnit: await on('xqz.op') });
  }

  /**
   * POSTs until an answer that is not worth retrying, or until `giveUpAfterMs` (the last outcome
   * then). A retry goes to the other replica: a load balancer takes a dead backend out this way.
   */
  async post(
    level: 'department' | 'ownerUnit',
    path: string,
    body: unknown,
    key: string,
    giveUpAfterMs = 240_000,
  ): Promise<Outcome> {
    const until = Date.now() + giveUpAfterMs;
    let replica = this.next++ % this.bases.length;
    for (let attempt = 0; ; attempt++) {
      const o = await this.sessions[level][replica]!.post(path, body, {
        idempotencyKey: key,
        timeoutMs: 60_000,
        resendOnReset: false,
      });
      if (!RETRYABLE(o)) {
        this.answeredBy[replica]! += 1;
        return o;
      }
      this.failedAttempts[label(o)] = (this.failedAttempts[label(o)] ?? 0) + 1;
      this.failedOn[`api-${replica + 1}`] = (this.failedOn[`api-${replica + 1}`] ?? 0) + 1;
      if (Date.now() > until) return o;
      await new Promise((r) => setTimeout(r, Math.min(4000, 250 * 2 ** attempt)));
      replica = (replica + 1) % this.bases.length;
    }
  }

  step(projectId: string, action: Action, key: string): Promise<Outcome> {
    return this.post(ACTION_LEVEL[action], `/api/projects/${projectId}/transitions`, stepBody(action), key);
  }

  close(): void {
    for (const list of Object.values(this.sessions)) for (const c of list) c.close();
  }
}
