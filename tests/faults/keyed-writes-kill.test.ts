/**
 * Keyed creations when the api dies under them: a burst of project registrations and negative-list
 * entries, each with its own Idempotency-Key, while the api is killed (SIGKILL) and started again.
 * The client retries each with its key until it is answered, as the console does when the answer
 * was lost; a claim whose request died before its write is taken over after two minutes, so the
 * retries go on past that. Afterwards each request's marker is counted: answered 2xx, exactly once;
 * failed, at most once. A write that committed (a project whose workflow started) is never done a
 * second time by its retry.
 *
 *   npm run test:faults -- keyed-writes
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aProject } from '../support/builders.js';
import { tally } from './support/burst.js';
import { FAULT_PASSWORD, startFaultStack, type FaultStack } from './support/fault-stack.js';
import { FaultClient, type Outcome } from './support/http-client.js';

const EACH = Number(process.env.KEYED_KILL_REQUESTS ?? 60);
/** Past the two minutes after which a dead request's claim is taken over. */
const RETRY_FOR_MS = 240_000;

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack();
});
afterAll(async () => {
  await stack?.stop();
});

const retryable = (o: Outcome) =>
  o.kind !== 'answer' ||
  o.status >= 500 ||
  o.status === 408 ||
  o.status === 429 ||
  (o.status === 409 && o.body?.error?.code === 'IN_PROGRESS');

/** A project of the fault runs' year, with no code of its own. */
function numbered(name: string) {
  const { code: _code, ...body } = aProject({ name, year: 2027, budgetFen: 1_000_000 });
  return { ...body, fundSources: [{ kind: 'countySpecial' as const, amountFen: 1_000_000 }] };
}

interface Request {
  marker: string;
  client: FaultClient;
  path: string;
  body: unknown;
  outcome?: Outcome;
  attempts: number;
}

describe('keyed creations when the api is killed under them', () => {
  it('registers each project and lists each entry once, answered or not', async () => {
    const dept = new FaultClient(stack.base);
    const office = new FaultClient(stack.base);
    await dept.login('swj.op', FAULT_PASSWORD);
    await office.login('supervisor', FAULT_PASSWORD);
    const run = Date.now().toString(36);
    const requests: Request[] = [];
    for (let i = 0; i < EACH; i++) {
      const name = `杀进程立项 ${run}-${i}`;
      requests.push({
        marker: name,
        client: dept,
        path: '/api/projects',
        attempts: 0,
        // No code: the platform numbers it, so a second registration would take the next number.
        body: numbered(name),
      });
      const reason = `杀进程负面清单 ${run}-${i}`;
      requests.push({
        marker: reason,
        client: office,
        path: '/api/negative-list',
        attempts: 0,
        body: { unitCode: 'xqz', leaderName: '张乡长', reason, listedOn: '2026-11-02' },
      });
    }

    let answered = 0;
    let killNow: () => void = () => undefined;
    const killed = new Promise<void>((r) => (killNow = r));
    const threshold = Math.floor(requests.length / 4);
    const send = async (r: Request, i: number) => {
      const giveUpAt = Date.now() + RETRY_FOR_MS;
      for (let attempt = 0; attempt === 0 || Date.now() < giveUpAt; attempt++) {
        if (attempt > 0) await new Promise((res) => setTimeout(res, Math.min(5000, 500 * 2 ** attempt)));
        r.attempts = attempt + 1;
        r.outcome = await r.client.post(r.path, r.body, {
          idempotencyKey: `keyed-kill-${run}-${i}`,
          timeoutMs: 60_000,
          resendOnReset: false,
        });
        if (attempt === 0 && ++answered === threshold) killNow();
        if (!retryable(r.outcome)) break;
      }
    };
    const fault = (async () => {
      await killed;
      await stack.kill('api', 'SIGKILL');
      await new Promise((res) => setTimeout(res, 1000));
      await stack.restart('api');
    })();
    await Promise.all([...requests.map((r, i) => send(r, i)), fault]);
    dept.close();
    office.close();

    const counts = new Map<string, number>();
    for (const row of await stack.query<{ marker: string; n: string }>(
      `SELECT name AS marker, count(*) AS n FROM project WHERE name LIKE ? GROUP BY 1
       UNION ALL
       SELECT reason, count(*) FROM negative_list_entry WHERE reason LIKE ? GROUP BY 1`,
      [`杀进程立项 ${run}-%`, `杀进程负面清单 ${run}-%`],
    ))
      counts.set(row.marker, Number(row.n));

    const f = { ok: 0, failed: 0, failures: {}, lost: 0, duplicated: 0, failedButDone: 0, failedTwice: 0 };
    for (const r of requests) tally(f, r.outcome!, counts.get(r.marker) ?? 0);
    const retries = requests.reduce((n, r) => n + r.attempts - 1, 0);
    console.log(
      `── keyed creations, api killed after ${threshold} of ${requests.length} answered: ` +
        `2xx ${f.ok}, failed ${f.failed} ${JSON.stringify(f.failures)}, retries ${retries}; ` +
        `lost ${f.lost}, duplicated ${f.duplicated}, failed-but-done ${f.failedButDone}, failed-twice ${f.failedTwice}`,
    );
    expect(f.ok).toBeGreaterThan(threshold);
    expect({ lost: f.lost, duplicated: f.duplicated, failedTwice: f.failedTwice }).toEqual({
      lost: 0,
      duplicated: 0,
      failedTwice: 0,
    });
  });
});
