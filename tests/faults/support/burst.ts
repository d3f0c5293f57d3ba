/**
 * The fault cases' load and their verdict. Projects are walked to 实施 (underway), then hundreds
 * of steps go at once — monthly progress reports and 调项 of the location, each with a marker of
 * its own (the narrative or the reason) and an `Idempotency-Key` — while one part of the stack is
 * killed and started again. A failed request is retried with the same key a bounded number of
 * times, as a real client would. Afterwards each marker is counted in PostgreSQL: a request
 * answered 2xx must be there exactly once, one that failed at most once; and the reconciliation
 * of PostgreSQL with the workflow histories must find nothing.
 */
import { eachLimited } from '#scripts/lib/each-limited.js';
import type { Difference } from '#scripts/lib/reconcile/index.js';
import { FAULT_PASSWORD, type FaultStack, type Part } from './fault-stack.js';
import { FaultClient, type Outcome } from './http-client.js';

export interface CaseProjects {
  ids: string[];
  codes: string[];
}

/** Creates `n` projects (codes `<prefix>-<i>`) and walks them to 实施. */
export async function setUpProjects(stack: FaultStack, prefix: string, n: number): Promise<CaseProjects> {
  const dept = new FaultClient(stack.base);
  const owner = new FaultClient(stack.base);
  await dept.login('swj.op', FAULT_PASSWORD);
  await owner.login('xqz.op', FAULT_PASSWORD);
  const ids: string[] = [];
  const codes = Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
  const must = async (c: FaultClient, path: string, body: unknown, status: number) => {
    const res = await c.post(path, body, { timeoutMs: 120_000 });
    if (res.kind !== 'answer' || res.status !== status)
      throw new Error(
        `setup ${path} ${JSON.stringify(body).slice(0, 60)}: ${JSON.stringify(res).slice(0, 300)}`,
      );
    return res.body;
  };
  await eachLimited(codes, 8, async (code) => {
    const p = await must(
      dept,
      '/api/projects',
      {
        code,
        name: `故障演练项目 ${code}`,
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
      },
      201,
    );
    ids[codes.indexOf(code)] = p.id;
    const step = (c: FaultClient, body: unknown) => must(c, `/api/projects/${p.id}/transitions`, body, 200);
    await step(dept, { action: 'approveDesign', documentNo: '城水审〔2027〕8号', approvedOn: '2026-03-10' });
    await step(owner, { action: 'fixImplementation', method: 'selfBuild', recordNo: '村民大会纪要 3 号' });
    await step(owner, { action: 'start', startedOn: '2026-04-02' });
  });
  dept.close();
  owner.close();
  return { ids, codes };
}

export interface Fault {
  part: Part;
  signal: 'SIGKILL' | 'SIGTERM';
  /** Kill once this share of the steps has answered (during the burst, not before it). */
  afterShare: number;
  /** How long the part stays down before it is started again. */
  downMs: number;
}

export interface Figures {
  case: string;
  requests: number;
  ok: number;
  failed: number;
  retries: number;
  /** Final failures by kind (status code, network, timeout). */
  failures: Record<string, number>;
  /** Every failed attempt (retried or not) by kind. */
  attemptFailures: Record<string, number>;
  /** Answered 2xx, not in PostgreSQL. */
  lost: number;
  /** Answered 2xx, in PostgreSQL more than once. */
  duplicated: number;
  /** Failed, yet carried out (once): allowed, reported. */
  failedButDone: number;
  /** Failed, carried out more than once. */
  failedTwice: number;
  reconcileDifferences: number;
  differences: Difference[];
  /** From the kill until the part was ready again. */
  outageMs: number;
  burstMs: number;
  recoveryMs: number;
  totalMs: number;
}

const RETRYABLE = (o: Outcome) =>
  o.kind !== 'answer' || o.status >= 500 || o.status === 408 || o.status === 429;
const label = (o: Outcome) => (o.kind === 'answer' ? String(o.status) : o.kind);

export async function runFaultCase(opts: {
  stack: FaultStack;
  name: string;
  projects: CaseProjects;
  steps: number;
  fault: Fault;
  /**
   * Attempts after the first, with the same Idempotency-Key, 1, 2, 4 then 5 s apart: the default
   * (about 90 s) spans a restarted api's start, which takes tens of seconds on a busy machine.
   */
  retries?: number;
  /** No retry starts later than this after the first attempt (a client gives up some time). */
  retryForMs?: number;
  requestTimeoutMs?: number;
  /** How long to wait for the workflows to finish every accepted step after the fault. */
  settleMs?: number;
}): Promise<Figures> {
  const { stack, projects, fault } = opts;
  const t0 = performance.now();
  const dept = new FaultClient(stack.base);
  const owner = new FaultClient(stack.base);
  await dept.login('swj.op', FAULT_PASSWORD);
  await owner.login('xqz.op', FAULT_PASSWORD);
  const retries = opts.retries ?? 20;
  const timeoutMs = opts.requestTimeoutMs ?? 60_000;

  const markers = Array.from({ length: opts.steps }, (_, i) => `fault:${opts.name}:${i}`);
  const results: { outcome?: Outcome; attempts: number }[] = markers.map(() => ({ attempts: 0 }));
  const attemptFailures: Record<string, number> = {};
  let answered = 0;
  let killed: () => void = () => undefined;
  const killNow = new Promise<void>((r) => (killed = r));
  const threshold = Math.max(1, Math.floor(opts.steps * fault.afterShare));

  const send = async (i: number) => {
    const id = projects.ids[i % projects.ids.length]!;
    // One step in five is a 调项 of the location (the department's), the rest monthly progress.
    const adjust = i % 5 === 4;
    const body = adjust
      ? {
          action: 'adjust',
          documentNo: `城水调〔2027〕${i}号`,
          reason: markers[i],
          location: `白台村 ${i} 组`,
        }
      : { action: 'reportProgress', month: '2026-05', percent: i % 101, narrative: markers[i] };
    const client = adjust ? dept : owner;
    let o: Outcome | undefined;
    const giveUpAt = Date.now() + (opts.retryForMs ?? 180_000);
    for (let attempt = 0; attempt <= retries && (attempt === 0 || Date.now() < giveUpAt); attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(5000, 1000 * 2 ** (attempt - 1))));
      results[i]!.attempts = attempt + 1;
      o = await client.post(`/api/projects/${id}/transitions`, body, {
        idempotencyKey: `${opts.name}-${i}`,
        timeoutMs,
        resendOnReset: false,
      });
      if (attempt === 0 && ++answered === threshold) killed();
      if (!RETRYABLE(o)) break;
      attemptFailures[label(o)] = (attemptFailures[label(o)] ?? 0) + 1;
    }
    results[i]!.outcome = o;
  };

  let outageMs = 0;
  const faultDone = (async () => {
    await killNow;
    const k0 = performance.now();
    await stack.kill(fault.part, fault.signal);
    await new Promise((r) => setTimeout(r, fault.downMs));
    await stack.restart(fault.part);
    outageMs = performance.now() - k0;
  })();
  const burst = Promise.all(markers.map((_, i) => send(i)));
  await Promise.all([burst, faultDone]);
  const burstMs = performance.now() - t0;
  dept.close();
  owner.close();

  // Recovery: the workflows finish what they accepted (no step pending in any history).
  const r0 = performance.now();
  let rec = await stack.reconcile(projects.codes);
  const settleBy = Date.now() + (opts.settleMs ?? 90_000);
  while (rec.differences.some((d) => d.kind === 'pending-step') && Date.now() < settleBy) {
    await new Promise((r) => setTimeout(r, 2000));
    rec = await stack.reconcile(projects.codes);
  }
  const recoveryMs = performance.now() - r0;

  const counts = new Map<string, number>();
  const rows = await stack.query<{ marker: string; n: string }>(
    `SELECT coalesce(h.payload->>'narrative', h.payload->>'reason') AS marker, count(*) AS n
       FROM project_history h JOIN project p ON p.id = h.project_id
      WHERE p.code = ANY(?::text[]) AND h.action IN ('reportProgress', 'adjust')
      GROUP BY 1`,
    [`{${projects.codes.join(',')}}`],
  );
  for (const r of rows) counts.set(r.marker, Number(r.n));
  const f: Figures = {
    case: opts.name,
    requests: opts.steps,
    ok: 0,
    failed: 0,
    retries: results.reduce((n, r) => n + r.attempts - 1, 0),
    failures: {},
    attemptFailures,
    lost: 0,
    duplicated: 0,
    failedButDone: 0,
    failedTwice: 0,
    reconcileDifferences: rec.differences.length,
    differences: rec.differences,
    outageMs: Math.round(outageMs),
    burstMs: Math.round(burstMs),
    recoveryMs: Math.round(recoveryMs),
    totalMs: Math.round(performance.now() - t0),
  };
  for (const [i, r] of results.entries()) tally(f, r.outcome!, counts.get(markers[i]!) ?? 0);
  return f;
}

/** The verdict on one request: its final outcome, and how many times what it asks was carried out. */
export function tally(
  f: Pick<Figures, 'ok' | 'failed' | 'failures' | 'lost' | 'duplicated' | 'failedButDone' | 'failedTwice'>,
  o: Outcome,
  done: number,
): void {
  if (o.kind === 'answer' && o.status >= 200 && o.status < 300) {
    f.ok += 1;
    if (done === 0) f.lost += 1;
    if (done > 1) f.duplicated += 1;
  } else {
    f.failed += 1;
    f.failures[label(o)] = (f.failures[label(o)] ?? 0) + 1;
    if (done === 1) f.failedButDone += 1;
    if (done > 1) f.failedTwice += 1;
  }
}

/** The figures as a few lines for the test's output (and the README). */
export function printFigures(f: Figures): void {
  const kinds = (r: Record<string, number>) =>
    Object.entries(r)
      .map(([k, n]) => `${k}×${n}`)
      .join(' ');
  const fails = kinds(f.failures);
  const attempts = kinds(f.attemptFailures);
  const lines = [
    `── fault case ${f.case}`,
    `   requests ${f.requests}, 2xx ${f.ok}, failed ${f.failed}${fails ? ` (${fails})` : ''}, retries ${f.retries}${attempts ? ` (failed attempts: ${attempts})` : ''}`,
    `   lost ${f.lost}, duplicated ${f.duplicated}, failed-but-done ${f.failedButDone}, failed-twice ${f.failedTwice}`,
    `   reconcile differences ${f.reconcileDifferences}`,
    `   time: killed part down ${(f.outageMs / 1000).toFixed(1)} s, burst ${(f.burstMs / 1000).toFixed(1)} s, recovery ${(f.recoveryMs / 1000).toFixed(1)} s, total ${(f.totalMs / 1000).toFixed(1)} s`,
    ...f.differences.slice(0, 12).map((d) => `     ${d.code} ${d.kind}: ${d.details}`),
    ...(f.differences.length > 12 ? [`     … ${f.differences.length - 12} more`] : []),
  ];
  console.log(lines.join('\n'));
}
