/**
 * The route fuzzer: requests generated from the OpenAPI document to every operation of the route
 * table, as several kinds of account and as no one, many of them hostile (see tests/support/fuzz).
 * No answer may be ≥ 500, every refusal is a JSON error in the language the request asked for
 * (Accept-Language alternates between Chinese and English), and no refused request may add a row
 * to any table or move an audit chain's head. `npm test` sends a few hundred; `npm run test:fuzz`
 * sends 10,000 (FUZZ_RUNS, FUZZ_SEED to repeat a run).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { aProject } from '../support/builders.js';
import { formatReport, runFuzz } from '../support/fuzz/run.js';
import { operationsOf } from '../support/fuzz/requests.js';
import { rawLogin, rawRequest } from '../support/raw-http.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { freshTotp } from '../support/totp.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
/** A fixed seed in `npm test` (the same requests every run); a fresh one for a long run. */
const SEED = Number(process.env.FUZZ_SEED ?? (RUNS > 1000 ? Math.floor(Math.random() * 2 ** 31) : 20261201));
/** `admin` has set up 2FA (so the administration routes are reached); `fpb.op` must still change its password. */
const ACCOUNTS = [
  'anonymous',
  'leader',
  'supervisor',
  'swj.op',
  'xqz.op',
  'xqz-btc.op',
  'xqz.view',
  'admin',
  'fpb.op',
];

/** A session of `admin` past two-factor enrolment, as the cookie header to send. */
async function adminCookie(baseUrl: string): Promise<string> {
  const cookie = await rawLogin(baseUrl, 'admin');
  const post = (path: string, body: unknown) =>
    rawRequest(baseUrl, {
      method: 'POST',
      path,
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const setup = await post('/api/auth/totp/setup', {});
  expect(setup.status, setup.text).toBe(200);
  const enabled = await post('/api/auth/totp/enable', { code: await freshTotp(setup.json.secret) });
  expect(enabled.status, enabled.text).toBe(200);
  return cookie;
}

let stack: TestStack;
beforeAll(async () => {
  // Failed logins are part of the traffic: neither lockout nor the address limit may stop the run.
  stack = await startTestStack({ login: { maxFailures: 1_000_000, ipLimitPerMinute: 1_000_000 } });
});
afterAll(async () => {
  await stack?.stop();
});

it(
  `answers ${RUNS} generated requests to every route below 500, refusals in the language asked, and no refusal writes`,
  async () => {
    const dept = await Session.login(stack.baseUrl, 'swj.op');
    const projects = [];
    for (let i = 0; i < 2; i++) {
      const res = await dept.post('/api/projects', aProject());
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      projects.push(res.body as { id: string; code: string });
    }
    const orgs = (await dept.get('/api/orgs')).body.items as { code: string }[];
    const doc = (await dept.get('/api/openapi.json')).body;
    // Logging out would end the session the rest of the run uses; it is tried once, as no one.
    const ops = operationsOf(doc).filter((o) => o.path !== '/api/auth/logout');
    expect(ops.length).toBeGreaterThanOrEqual(40);

    // An account that must change its temporary password first: only the password route is open to it.
    await stack.db.query(`UPDATE app_user SET must_change_password = true WHERE username = 'fpb.op'`);
    const report = await runFuzz(stack, {
      ops,
      sessions: { admin: await adminCookie(stack.baseUrl) },
      accounts: ACCOUNTS,
      known: {
        orgCodes: orgs.map((o) => o.code),
        projectCodes: projects.map((p) => p.code),
        projectIds: projects.map((p) => p.id),
      },
      runs: RUNS,
      seed: SEED,
    });
    console.log(formatReport(report));
    expect(report.requests).toBe(RUNS);
    expect(Object.keys(report.byRoute).length).toBe(Math.min(ops.length, RUNS));
    expect(report.failures).toEqual([]);
    // Each JSON error in the language asked for (they alternate): its message and its fields' messages.
    expect(report.wrongLanguage).toEqual([]);
    expect(report.writesByRefusals).toEqual([]);
    // The run reached the handlers: plenty of requests were refused by validation, some accepted.
    expect(report.byStatus['422'] ?? 0).toBeGreaterThan(RUNS / 20);
    expect(report.byStatus['200'] ?? 0).toBeGreaterThan(0);
  },
  RUNS * 300 + 120_000,
);
