/**
 * Bad input is the caller's error, never the server's: a body that does not decode, a path that
 * does not percent-decode, an id of the wrong shape, a NUL or a lone surrogate anywhere, a date of
 * the year 0, an amount beyond the ceiling. Each is a 4xx naming what is wrong, in the caller's
 * language, and writes nothing.
 */
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cstDate } from '#domain/deadlines.js';
import { MAX_FEN } from '#domain/money.js';
import { aProject } from '../support/builders.js';
import { rawLogin, rawRequest, type RawResponse } from '../support/raw-http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let dept: string;
let village: string;
let project: { id: string; code: string };

const json = (s: string) => ({ 'content-type': 'application/json', cookie: s });

async function send(method: string, path: string, cookie?: string, body?: unknown, headers = {}) {
  return rawRequest(stack.baseUrl, {
    method,
    path,
    headers: { ...(cookie ? json(cookie) : { 'content-type': 'application/json' }), ...headers },
    body:
      body === undefined || typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
}

/** A refusal as the api promises it: JSON `{error:{code,message}}` with this status, naming `field`. */
function refused(res: RawResponse, status: number, field?: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.json?.error?.code, res.text).toBeTypeOf('string');
  expect(res.json?.error?.message, res.text).toBeTypeOf('string');
  expect(res.text).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  if (field) expect(res.json.error.details.map((d: { path: string }) => d.path)).toContain(field);
}

beforeAll(async () => {
  stack = await startTestStack();
  [dept, village] = await Promise.all([
    rawLogin(stack.baseUrl, 'swj.op'),
    rawLogin(stack.baseUrl, 'xqz-btc.op'),
  ]);
  const res = await send('POST', '/api/projects', dept, aProject());
  expect(res.status, res.text).toBe(201);
  project = res.json;
});
afterAll(async () => {
  await stack?.stop();
});

describe('bodies and paths that do not decode', () => {
  it.each(['gzip', 'deflate', 'br'])('answers 400 to a %s body that does not inflate', async (encoding) => {
    for (const cookie of [undefined, dept]) {
      const res = await send('POST', '/api/projects', cookie, 'not compressed at all', {
        'content-encoding': encoding,
      });
      refused(res, 400);
      expect(res.json.error.message).toContain('Content-Encoding');
    }
  });

  it('still reads a body that does inflate', async () => {
    const res = await send(
      'POST',
      '/api/auth/login',
      undefined,
      zlib.gzipSync('{"username":"x","password":"y"}'),
      {
        'content-encoding': 'gzip',
      },
    );
    expect(res.status, res.text).toBe(401);
  });

  it('answers 400 to malformed percent-encoding in a path, with or without a session', async () => {
    for (const cookie of [undefined, dept]) refused(await send('GET', '/api/projects/%E0%A4%A', cookie), 400);
    refused(await send('GET', `/api/projects/${project.id}/ledgers/%ZZ`, dept), 404);
  });
});

describe('ids, text and dates of the wrong shape', () => {
  it('answers 422 naming params.id to an id that is not a uuid', async () => {
    refused(await send('GET', '/api/ledger-imports/FZ-x', dept), 422, 'params.id');
    refused(await send('GET', '/api/archives/1234', dept), 422, 'params.id');
    // A project is named by its id or its code: an unknown code is simply not found.
    refused(await send('GET', '/api/projects/NO-SUCH-CODE', dept), 404);
  });

  it('refuses NUL in a path, a query or a body field with 422 naming it', async () => {
    refused(await send('GET', '/api/projects/%00', dept), 422, 'params.id');
    refused(await send('GET', '/api/projects?q=%00', dept), 422, 'query.q');
    refused(await send('GET', '/api/projects?township=xqz%00', dept), 422, 'query.township');
    refused(await send('GET', '/api/projects/export?q=%00', dept), 422, 'query.q');
    const visit = {
      villageCode: 'xqz-btc',
      visitedOn: '2026-05-01',
      supervisor: '王\u0000五',
      findings: '正常',
    };
    refused(
      await send('POST', `/api/projects/${project.id}/ledgers/site/visits`, village, visit),
      422,
      'body.supervisor',
    );
    const payment = {
      sourcePosition: 0,
      paidOn: '2026-05-01',
      amountFen: 100,
      payee: 'a\u0000b',
      voucherNo: 'V-1',
      approver: '张三',
    };
    const res = await send(
      'POST',
      `/api/projects/${project.id}/ledgers/department/disbursements`,
      dept,
      payment,
    );
    refused(res, 422, 'body.payee');
  });

  it('refuses a lone surrogate with 422 naming the field', async () => {
    const visit = {
      villageCode: 'xqz-btc',
      visitedOn: '2026-05-01',
      supervisor: 'x\ud800y',
      findings: '正常',
    };
    refused(
      await send('POST', `/api/projects/${project.id}/ledgers/site/visits`, village, visit),
      422,
      'body.supervisor',
    );
    // Encoded as UTF-8 a surrogate does not decode: in a path that is a 400.
    refused(await send('GET', '/api/projects/%ED%A0%80', dept), 400);
  });

  it('refuses the year 0000 and other dates outside 1990–2100 with 422 naming the field', async () => {
    for (const approvedOn of ['0000-01-01', '1989-12-31', '2101-01-01', '9999-12-31']) {
      const res = await send('PUT', `/api/projects/${project.id}/ledgers/department`, dept, { approvedOn });
      refused(res, 422, 'body.approvedOn');
    }
    const ok = await send('PUT', `/api/projects/${project.id}/ledgers/department`, dept, {
      approvedOn: '2026-03-01',
    });
    expect(ok.status, ok.text).toBe(200);
  });

  it('refuses a step dated after today with 422 naming the field, and the project stays where it was', async () => {
    // A step records what was done: 设计批复 dated tomorrow (or in a mistyped 2062) is not yet done.
    for (const approvedOn of [cstDate(Date.now() + 86_400_000), '2062-03-10']) {
      const res = await send('POST', `/api/projects/${project.id}/transitions`, dept, {
        action: 'approveDesign',
        documentNo: '城水审〔2026〕9号',
        approvedOn,
      });
      refused(res, 422, 'body.approvedOn');
    }
    // Nor is the progress of a month that has not begun (2027-05 typed for 2026-05).
    const nextMonth = cstDate(Date.now() + 32 * 86_400_000).slice(0, 7);
    refused(
      await send('POST', `/api/projects/${project.id}/transitions`, village, {
        action: 'reportProgress',
        month: nextMonth,
        percent: 40,
        narrative: '过半',
      }),
      422,
      'body.month',
    );
    const now = await send('GET', `/api/projects/${project.id}`, dept);
    expect(now.json.stage).toBe('approved');
  });

  it('refuses a query parameter the route does not read, naming it, where a typo would drop a filter', async () => {
    const typo = await send('GET', '/api/projects?departmnet=swj', dept);
    refused(typo, 422, 'query.departmnet');
    expect(typo.json.error.message).toBe('请求内容不合法（query）: query.departmnet: 不支持的查询参数');
    const en = await send('GET', '/api/projects/export?stage=approved&year=2026&yaer=2025', dept, undefined, {
      'accept-language': 'en',
    });
    refused(en, 422, 'query.yaer');
    expect(en.json.error.details).toEqual([
      { path: 'query.yaer', message: 'not a parameter of this request' },
    ]);
    refused(await send('GET', '/api/projects?department[]=swj', dept), 422);
    refused(await send('GET', `/api/projects/${project.id}?view=full`, dept), 422, 'query.view');
    // What the route reads is still read, and the public pages take what chat apps add to a link.
    expect((await send('GET', '/api/projects?department=swj&pageSize=5', dept)).status).toBe(200);
    const shared = await send('GET', `/public/projects/${project.code}?from=singlemessage&isappinstalled=0`);
    expect(shared.status, shared.text).toBe(200);
  });

  it('refuses a body field the route does not read, at any depth, where a typo would lose what was typed', async () => {
    const before = await send('GET', `/api/projects/${project.id}`, dept);
    // `notes` for `note`: the step would be recorded without what its operator wrote.
    const step = await send(
      'POST',
      `/api/projects/${project.id}/transitions`,
      dept,
      {
        action: 'approveDesign',
        documentNo: '城水审〔2026〕9号',
        approvedOn: '2026-03-10',
        notes: '按批复实施',
      },
      { 'accept-language': 'en' },
    );
    refused(step, 422, 'body.notes');
    expect(step.json.error.details).toEqual([{ path: 'body.notes', message: 'not a field of this request' }]);
    const fresh = aProject();
    const nested = await send('POST', '/api/projects', dept, {
      ...fresh,
      fundSources: [{ kind: 'centralSpecial', amountFen: 30_000_000, docNo: '财农〔2026〕1号' }],
    });
    refused(nested, 422, 'body.fundSources.0.docNo');
    expect(nested.json.error.message).toContain('body.fundSources.0.docNo: 不支持的字段');
    // Nothing was written: the same code is still free.
    expect((await send('POST', '/api/projects', dept, fresh)).status).toBe(201);
    // With the parse's own refusals in the same answer.
    const both = await send('POST', '/api/projects', dept, { ...aProject(), budgetFen: -1, budget: 1 });
    expect(both.json.error.details.map((d: { path: string }) => d.path)).toEqual(
      expect.arrayContaining(['body.budgetFen', 'body.budget']),
    );
    const after = await send('GET', `/api/projects/${project.id}`, dept);
    expect(after.json.stage).toBe(before.json.stage);
    expect(after.json.history).toHaveLength(before.json.history.length);
  });

  it('refuses JSON nested deeper than any schema with 422, not a crash', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    refused(await send('POST', '/api/projects', dept, deep), 422);
  });
});

describe('money beyond the ceiling of 10^12 分', () => {
  const big = 2 ** 53;
  it.each([
    [
      'a negative budget',
      { budgetFen: -1, fundSources: [{ kind: 'sector', amountFen: -1 }] },
      'body.budgetFen',
    ],
    [
      'a budget of 2^53',
      { budgetFen: big, fundSources: [{ kind: 'centralSpecial', amountFen: big }] },
      'body.budgetFen',
    ],
    [
      'two sources of 2^53−1',
      {
        budgetFen: 30_000_000,
        fundSources: [
          { kind: 'centralSpecial', amountFen: big - 1 },
          { kind: 'countySpecial', amountFen: big - 1 },
        ],
      },
      'body.fundSources.0.amountFen',
    ],
    [
      'a project of 2^53−1',
      { budgetFen: big - 1, fundSources: [{ kind: 'sector', amountFen: big - 1 }] },
      'body.budgetFen',
    ],
    [
      '10^12 + 1',
      { budgetFen: MAX_FEN + 1, fundSources: [{ kind: 'sector', amountFen: MAX_FEN + 1 }] },
      'body.budgetFen',
    ],
  ])('refuses %s with 422 naming the field', async (_label, overrides, field) => {
    const res = await send('POST', '/api/projects', dept, aProject(overrides as object));
    refused(res, 422, field);
  });

  it('refuses the raw JSON number 9007199254740993 as budget and as its source', async () => {
    const body = JSON.stringify(
      aProject({ budgetFen: 1, fundSources: [{ kind: 'sector', amountFen: 1 }] }),
    ).replaceAll(/"(budgetFen|amountFen)":1\b/g, '"$1":9007199254740993');
    expect(body).toContain('"amountFen":9007199254740993');
    refused(await send('POST', '/api/projects', dept, body), 422, 'body.budgetFen');
  });

  it('takes a project of exactly 10^12 分, and the database refuses one more', async () => {
    const res = await send(
      'POST',
      '/api/projects',
      dept,
      aProject({ budgetFen: MAX_FEN, fundSources: [{ kind: 'sector', amountFen: MAX_FEN }] }),
    );
    expect(res.status, res.text).toBe(201);
    await expect(
      stack.db.query('UPDATE project SET budget_fen = budget_fen + 1 WHERE id = $1', [res.json.id]),
    ).rejects.toMatchObject({
      constraint: 'project_budget_fen_ceiling',
    });
  });
});

describe('validation messages in the caller’s language', () => {
  const tooSmall = { ...aProject(), budgetFen: -1 };
  it('speaks Chinese by default and names the field', async () => {
    const res = await send('POST', '/api/projects', dept, tooSmall);
    refused(res, 422, 'body.budgetFen');
    expect(res.json.error.message).toMatch(/^请求内容不合法/);
    expect(res.json.error.message).toContain('body.budgetFen');
    expect(res.json.error.message).not.toMatch(/Too small|Too big|Invalid input|expected/);
    const year = await send('POST', '/api/projects', dept, { ...aProject(), year: 1999 });
    expect(year.json.error.details).toEqual([
      { path: 'body.year', message: expect.stringMatching(/^数值过小/) },
    ]);
  });

  it('speaks English when Accept-Language asks for it', async () => {
    const res = await send(
      'POST',
      '/api/projects',
      dept,
      { ...aProject(), year: 1999 },
      { 'accept-language': 'en-GB,en;q=0.9' },
    );
    refused(res, 422, 'body.year');
    expect(res.json.error.message).toMatch(/^invalid body: body\.year: Too small/);
    const zh = await send(
      'POST',
      '/api/projects',
      dept,
      { ...aProject(), year: 1999 },
      { 'accept-language': 'zh-CN,en;q=0.5' },
    );
    expect(zh.json.error.message).toMatch(/^请求内容不合法/);
  });

  it("gives a schema's own message and a rule's refusal of a field in the language asked, data quoted", async () => {
    // budgetFen 0: the schema's own "预算须大于 0"; a Chinese village code: the service's own refusal.
    const body = { ...aProject(), budgetFen: 0, villageCodes: ['罗江村'] };
    const en = await send('POST', '/api/projects', dept, body, { 'accept-language': 'en' });
    refused(en, 422, 'body.budgetFen');
    expect(en.json.error.details).toContainEqual({
      path: 'body.budgetFen',
      message: 'the budget must be greater than 0',
    });
    const zh = await send('POST', '/api/projects', dept, body, { 'accept-language': 'zh-CN' });
    expect(zh.json.error.details).toContainEqual({ path: 'body.budgetFen', message: '预算须大于 0' });

    const rule = { ...aProject(), villageCodes: ['罗江村'] };
    const enRule = await send('POST', '/api/projects', dept, rule, { 'accept-language': 'en' });
    refused(enRule, 422, 'body.villageCodes.0');
    expect(enRule.json.error).toMatchObject({
      message: 'invalid request: body.villageCodes.0: not a village: “罗江村”',
      details: [{ path: 'body.villageCodes.0', message: 'not a village: “罗江村”' }],
    });
    const zhRule = await send('POST', '/api/projects', dept, rule);
    expect(zhRule.json.error.details).toEqual([
      { path: 'body.villageCodes.0', message: '不是村（社区）: 罗江村' },
    ]);
  });
});
