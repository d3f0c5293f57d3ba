/**
 * A ledger import whose api is killed (SIGKILL) while the import runs: its rows go in one
 * transaction, so none of them may be left behind; the job, left `running` by the dead process,
 * is settled as failed once its beat has been silent past IMPORT_STALE_SECONDS; and the same file
 * then imports whole.
 *
 *   npm run test:faults -- import-kill
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMPORT_STALE_SECONDS } from '#api/modules/imports/repository.js';
import { setUpProjects } from './support/burst.js';
import { FAULT_PASSWORD, startFaultStack, type FaultStack } from './support/fault-stack.js';

const ROWS = Number(process.env.IMPORT_KILL_ROWS ?? 30_000);
let stack: FaultStack;

beforeAll(async () => {
  stack = await startFaultStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function login(username: string): Promise<string> {
  const res = await fetch(`${stack.base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: FAULT_PASSWORD }),
  });
  expect(res.status).toBe(200);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

describe('an import when the api dies under it', () => {
  it('leaves none of its rows, is settled as failed, and the same file then imports whole', async () => {
    const { codes } = await setUpProjects(stack, 'IMPKILL', 10);
    // One fen a row from the county fund (each project's budget is 10,000 元): many rows, little money.
    const sheet = Buffer.from(
      '项目编号,资金来源,拨付日期,金额（元）,收款单位,凭证号,审批人\n' +
        Array.from(
          { length: ROWS },
          (_, i) => `${codes[i % codes.length]},1,2026-05-06,0.01,重庆某建设有限公司,IMPKILL-${i},局长\n`,
        ).join(''),
    );
    const cookie = await login('swj.op');
    const start = async () => {
      const res = await fetch(`${stack.base}/api/ledger-imports?kind=disbursements`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'text/csv', 'x-file-name': 'kill.csv' },
        body: sheet,
      });
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: string }).id;
    };
    const written = async () =>
      Number(
        (
          await stack.query<{ n: string }>(
            `SELECT count(*) AS n FROM disbursement WHERE voucher_no LIKE 'IMPKILL-%'`,
          )
        )[0]!.n,
      );
    const job = async (id: string) =>
      (
        await stack.query<{ status: string; imported_rows: number; message: string }>(
          `SELECT status, imported_rows, message FROM ledger_import WHERE id = ?`,
          [id],
        )
      )[0]!;

    const id = await start();
    // Killed once the job is well in: past its first rows checked.
    for (;;) {
      const j = (
        await stack.query<{ processed_rows: number }>(
          `SELECT processed_rows FROM ledger_import WHERE id = ?`,
          [id],
        )
      )[0]!;
      if (j.processed_rows > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await stack.kill('api', 'SIGKILL');
    const killedAt = Date.now();
    expect((await job(id)).status).toBe('running');
    await stack.restart('api');
    expect(await written()).toBe(0);

    // The job's author polls it as the console does, until it is settled.
    const again = await login('swj.op');
    let status = '';
    while (Date.now() - killedAt < (IMPORT_STALE_SECONDS + 60) * 1000) {
      const res = await fetch(`${stack.base}/api/ledger-imports/${id}`, { headers: { cookie: again } });
      status = ((await res.json()) as { status: string }).status;
      if (status !== 'running') break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    const settledAfter = (Date.now() - killedAt) / 1000;
    console.log(
      `import of ${ROWS} rows killed; settled as ${status} ${settledAfter.toFixed(0)} s after the kill`,
    );
    expect(status).toBe('failed');
    expect(await job(id)).toMatchObject({ status: 'failed', imported_rows: 0 });
    expect(await written()).toBe(0);

    // Nothing of it stands in the way: the same file imports whole.
    const second = await start();
    for (;;) {
      const j = await job(second);
      if (j.status !== 'running') {
        expect(j).toMatchObject({ status: 'succeeded', imported_rows: ROWS });
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(await written()).toBe(ROWS);
  });
});
