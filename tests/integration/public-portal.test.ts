/**
 * The public portal over HTTP with no session: the allow-list of every public answer, no personal
 * data in any page, the OC4IDS package valid and equal to the ledgers, the change feed, the rate
 * limit, and the staff's notice-board posters (Chinese text and a QR code that decodes).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatYuan, parseYuan } from '#domain/money.js';
import {
  allowedPaths,
  keyPaths,
  publicChangePageSchema,
  publicProjectSchema,
  publicProjectSummarySchema,
} from '#domain/public-schemas.js';
import { projectUrl } from '#api/modules/posters/render-poster.js';
import { aProject } from '../support/builders.js';
import { oc4idsPackageValidator } from '../support/oc4ids.js';
import { posterQrText } from '../support/poster-qr.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';
import { loginActors, take, walkTo, type Actors } from '../support/walk.js';

/** The public view, literally: changing the schema without changing this list fails the test. */
const PROJECT_FIELDS = [
  'code',
  'name',
  'year',
  'type',
  'stage',
  'progressPercent',
  'budgetFen',
  'disbursedFen',
  'township',
  'township.code',
  'township.name',
  'villages',
  'villages[].code',
  'villages[].name',
  'plannedStart',
  'plannedCompletion',
  'updatedAt',
  'nature',
  'location',
  'approvalDocumentNo',
  'department',
  'department.code',
  'department.name',
  'ownerUnit',
  'ownerUnit.code',
  'ownerUnit.name',
  'plannedAcceptance',
  'plannedReimbursement',
  'constructionContent',
  'actualDates',
  'actualDates.approved',
  'actualDates.underway',
  'actualDates.completed',
  'actualDates.accepted',
  'actualDates.reimbursed',
  'actualDates.afterCare',
  'actualDates.closed',
  'actualDates.cancelled',
  'fundSources',
  'fundSources[].position',
  'fundSources[].kind',
  'fundSources[].amountFen',
  'fundSources[].disbursedFen',
  'fundSources[].documentNo',
  'fundSources[].issuer',
  'disbursements',
  'disbursements[].id',
  'disbursements[].paidOn',
  'disbursements[].amountFen',
  'disbursements[].sourceKind',
  'settlement',
  'settlement.settledOn',
  'settlement.settledAmountFen',
  'implementation',
  'implementation.method',
  'implementation.contractorName',
  'implementation.contractAmountFen',
  'implementation.contractSignedOn',
  'notices',
  'notices[].id',
  'notices[].village',
  'notices[].place',
  'notices[].postedFrom',
  'notices[].postedTo',
  'notices[].days',
  'notices[].meetsMinimum',
  'notices[].content',
  'notices[].announcedAmountFen',
  'afterCare',
  'afterCare.owner',
  'afterCare.duty',
  'photos',
  'photos[].id',
  'photos[].item',
  'photos[].uploadedOn',
];
const SUMMARY_FIELDS = PROJECT_FIELDS.slice(0, 17);
const CHANGE_FIELDS = ['items', 'items[].at', 'items[].projectCode', 'items[].kind', 'next', 'more'];

/** Personal data the fixture writes into internal fields: none of it may reach a public answer. */
const SECRETS = [
  '张三丰',
  '李四光',
  '王小明',
  'PZ-2026-0417',
  '13812345678',
  '500229198001011234',
  '刘建国',
  '陈大明',
];
const PHONE_OR_ID = /(?<!\d)1[3-9]\d{9}(?!\d)|(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])/;

let stack: TestStack;
let actors: Actors;
let leader: Session;
let anon: Session;
const codes: Record<'afterCare' | 'underway' | 'cancelled' | 'approved', { id: string; code: string }> =
  {} as never;

async function create(budget: {
  fundSources: { kind: 'centralSpecial' | 'countySpecial'; amountFen: number }[];
}) {
  const res = await actors.dept.post(
    '/api/projects',
    aProject({ budgetFen: budget.fundSources.reduce((a, s) => a + s.amountFen, 0), ...budget }),
  );
  expect(res.status).toBe(201);
  return { id: res.body.id as string, code: res.body.code as string };
}

beforeAll(async () => {
  stack = await startTestStack();
  actors = await loginActors(stack);
  leader = await Session.login(stack.baseUrl, 'leader');
  anon = new Session(stack.baseUrl);
  const village = await Session.login(stack.baseUrl, 'xqz-btc.op');
  const two = {
    fundSources: [
      { kind: 'centralSpecial' as const, amountFen: 60_000_000 },
      { kind: 'countySpecial' as const, amountFen: 26_500_010 },
    ],
  };
  codes.afterCare = await create(two);
  codes.underway = await create(two);
  codes.cancelled = await create({ fundSources: [{ kind: 'countySpecial', amountFen: 1_234_567 }] });
  codes.approved = await create({ fundSources: [{ kind: 'centralSpecial', amountFen: 9_999_999 }] });
  await walkTo(actors, codes.afterCare.id, 'afterCare');
  await walkTo(actors, codes.underway.id, 'underway');
  expect((await take(actors, codes.cancelled.id, 'cancel')).status).toBe(200);
  // Personal data in internal fields: a payee, an approver, a voucher, phone and ID numbers in a notice.
  const u = codes.underway.id;
  expect(
    (
      await actors.dept.post(`/api/projects/${u}/ledgers/department/disbursements`, {
        sourcePosition: 1,
        paidOn: '2026-05-06',
        amountFen: 1_000_001,
        payee: '张三丰',
        voucherNo: 'PZ-2026-0417',
        approver: '李四光',
      })
    ).status,
  ).toBe(201);
  const notice = await village.post(`/api/projects/${u}/ledgers/site/notices`, {
    villageCode: 'xqz-btc',
    place: '白台村村务公开栏',
    postedFrom: '2026-03-01',
    postedTo: '2026-03-07',
    content: '项目公示，联系人电话 13812345678，身份证 500229198001011234',
    complaintPhone: '13812345678',
    objections: '王小明 提出异议',
  });
  expect(notice.status).toBe(201);
  const care = await village.request('PUT', `/api/projects/${codes.afterCare.id}/ledgers/site/after-care`, {
    owner: '王小明',
    duty: '每月巡查一次，电话 13812345678',
  });
  expect(care.status).toBe(200);
}, 600_000);
afterAll(async () => {
  await stack?.stop();
});

describe('the allow-list', () => {
  it('is exactly the agreed fields, and every answer has no other key', async () => {
    expect(allowedPaths(publicProjectSchema).sort()).toEqual([...PROJECT_FIELDS].sort());
    expect(allowedPaths(publicProjectSummarySchema).sort()).toEqual([...SUMMARY_FIELDS].sort());
    expect(allowedPaths(publicChangePageSchema).sort()).toEqual([...CHANGE_FIELDS].sort());
    const list = await anon.get('/public/api/projects');
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThanOrEqual(4);
    for (const k of keyPaths(list.body.items)) expect(SUMMARY_FIELDS).toContain(k.replace(/^\[\]\./, ''));
    for (const { code } of Object.values(codes)) {
      const res = await anon.get(`/public/api/projects/${code}`);
      expect(res.status).toBe(200);
      for (const k of keyPaths(res.body)) expect(PROJECT_FIELDS).toContain(k);
      const text = JSON.stringify(res.body);
      for (const s of SECRETS) expect(text).not.toContain(s);
      expect(text).not.toMatch(PHONE_OR_ID);
    }
    const feed = await anon.get('/public/changes');
    for (const k of keyPaths(feed.body)) expect(CHANGE_FIELDS).toContain(k);
  });

  it('shows a person as 王*明, a short notice period flagged, and no personal data in any page', async () => {
    const p = (await anon.get(`/public/api/projects/${codes.afterCare.code}`)).body;
    expect(p.afterCare.owner).toBe('王*明');
    const u = (await anon.get(`/public/api/projects/${codes.underway.code}`)).body;
    expect(u.notices[0]).toMatchObject({ days: 7, meetsMinimum: false });
    expect(u.disbursements).toEqual([
      { id: expect.any(String), paidOn: '2026-05-06', amountFen: 1_000_001, sourceKind: 'countySpecial' },
    ]);
    const pages = ['/public/', '/public/townships/xqz', '/public/villages/xqz-btc', '/public/?lang=en'];
    for (const { code } of Object.values(codes)) pages.push(`/public/projects/${code}`);
    for (const page of pages) {
      const res = await fetch(stack.baseUrl + page);
      expect(res.status, page).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await res.text();
      for (const s of SECRETS) expect(html, page).not.toContain(s);
      expect(html, page).not.toMatch(PHONE_OR_ID);
      expect(html, page).not.toMatch(/<script/i);
    }
    const html = await (await fetch(`${stack.baseUrl}/public/projects/${codes.underway.code}`)).text();
    expect(html).toContain(`href="/public/complaints/new?project=${codes.underway.code}"`);
    expect(html).toContain(`${formatYuan(86_500_010)} 元`);
    expect(html).toContain(`${formatYuan(1_000_001)} 元`);
    expect(html).toContain('少于 10 天');
    const cancelled = await (await fetch(`${stack.baseUrl}/public/projects/${codes.cancelled.code}`)).text();
    expect(cancelled).toContain('已终止');
    expect((await fetch(`${stack.baseUrl}/public/projects/NO-SUCH-1`)).status).toBe(404);
  });

  it("sums the money as the county's dashboard does: a cancelled project's budget is left out", async () => {
    const money = (html: string) =>
      [...html.matchAll(/<dd[^>]*>([\d,.]+) 元<\/dd>/g)].map((m) => parseYuan(m[1]!.replaceAll(',', '')));
    const dash = (await leader.get('/api/stats/dashboard')).body;
    const county = await (await fetch(`${stack.baseUrl}/public/`)).text();
    expect(money(county)).toEqual([Number(dash.money.budgetFen), Number(dash.money.disbursedFen)]);
    expect(county).toContain('金额不含已终止项目');
    // The cancelled project's own township: its page says the same of its own projects.
    const township = (await anon.get(`/public/api/projects/${codes.cancelled.code}`)).body.township
      .code as string;
    const narrowed = (await leader.get(`/api/stats/dashboard?unit=${township}`)).body;
    const page = await (await fetch(`${stack.baseUrl}/public/townships/${township}`)).text();
    expect(money(page)).toEqual([Number(narrowed.money.budgetFen), Number(narrowed.money.disbursedFen)]);
    expect(page).toContain(codes.cancelled.code);
  });

  it("names a project's nature, fund sources and method in the page's language", async () => {
    const page = async (lang: string) =>
      (await fetch(`${stack.baseUrl}/public/projects/${codes.underway.code}${lang}`)).text();
    const [zh, en] = [await page(''), await page('?lang=en')];
    for (const name of ['新建', '中央财政专项扶贫资金', '县级财政专项扶贫资金', '村民自建']) {
      expect(zh).toContain(name);
      expect(en).not.toContain(name);
    }
    for (const name of [
      'New',
      'Central special poverty funds',
      'County special poverty funds',
      'Self-build by villagers',
    ])
      expect(en).toContain(name);
  });

  it("answers an address that names no page, or does not decode, with the portal's own page", async () => {
    // A mistyped or mangled link from a notice board: the villager's browser shows a page that
    // leads home, in the language asked for, not the api's JSON.
    const pages = [
      ['/public/projekts', 404],
      ['/public/projects/%ff', 400],
      ['/public/villages/%E0%A4%A', 400],
      ['/public/complaints/status/x?lang=en', 404],
    ] as const;
    for (const [address, status] of pages) {
      const res = await fetch(`${stack.baseUrl}${address}`, { headers: { accept: 'text/html' } });
      expect(res.status, address).toBe(status);
      expect(res.headers.get('content-type'), address).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html, address).toContain('href="/public/"');
      expect(html, address).toContain(address.endsWith('lang=en') ? 'Page not found' : '未找到该页面');
    }
    // The open data and the api keep their JSON errors.
    for (const address of [
      '/public/api/nothing',
      '/public/oc4ids/nothing',
      '/public/changes/x',
      '/public/api/projects/%ff',
    ]) {
      const res = await fetch(`${stack.baseUrl}${address}`, { headers: { accept: 'text/html' } });
      expect(res.headers.get('content-type'), address).toMatch(/^application\/json/);
      expect((await res.json()) as unknown, address).toMatchObject({ error: { code: expect.any(String) } });
    }
  });
});

describe('a link pasted from a message', () => {
  it('is sent to the page it meant when the sentence’s marks stuck to it or it came in full width', async () => {
    const { code } = codes.underway;
    const wide = code.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    const meant = [
      [`/public/projects/${code}。`, `/public/projects/${code}`],
      [`/public/projects/（${code}）?lang=en`, `/public/projects/${code}?lang=en`],
      [`/public/projects/${wide}`, `/public/projects/${code}`],
      ['/public/villages/xqz-btc，', '/public/villages/xqz-btc'],
      ['/public/townships/ＸＱＺ', '/public/townships/xqz'],
    ];
    for (const [pasted, page] of meant) {
      const res = await fetch(`${stack.baseUrl}${encodeURI(pasted!)}`, {
        headers: { accept: 'text/html' },
        redirect: 'manual',
      });
      expect([pasted, res.status, res.headers.get('location')]).toEqual([pasted, 301, page]);
      const landed = await fetch(`${stack.baseUrl}${page}`, { headers: { accept: 'text/html' } });
      expect([page, landed.status]).toEqual([page, 200]);
    }
  });

  it('that is no code at all gets the portal’s not-found page; the data keeps its JSON', async () => {
    for (const address of ['/public/projects/a', '/public/projects/。', '/public/villages/白台村']) {
      const res = await fetch(`${stack.baseUrl}${encodeURI(address)}`, {
        headers: { accept: 'text/html' },
        redirect: 'manual',
      });
      expect([address, res.status, res.headers.get('content-type')]).toEqual([
        address,
        404,
        expect.stringMatching(/^text\/html/),
      ]);
      expect(await res.text()).toContain('未找到该页面');
    }
    const data = await fetch(
      `${stack.baseUrl}${encodeURI(`/public/api/projects/${codes.underway.code}。`)}`,
      {
        headers: { accept: 'text/html' },
      },
    );
    expect(data.status).toBe(422);
    expect(((await data.json()) as { error: { details: unknown } }).error.details).toEqual([
      { path: 'params.code', message: '项目编号只能由字母、数字和连字符组成（3–40 位）' },
    ]);
  });
});

describe('OC4IDS', () => {
  it('validates against the 0.9 package schema, and its amounts and dates equal the ledgers', async () => {
    const validate = oc4idsPackageValidator();
    const res = await anon.get('/public/oc4ids/packages/2026');
    expect(res.status).toBe(200);
    expect(validate(res.body), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    const one = await anon.get(`/public/oc4ids/projects/${codes.afterCare.code}`);
    expect(validate(one.body), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);

    const byCode = new Map((res.body.projects as any[]).map((p) => [p.identifiers[0].id, p]));
    const status = {
      afterCare: 'maintenance',
      underway: 'implementation',
      cancelled: 'cancelled',
      approved: 'identification',
    };
    for (const [key, { id, code }] of Object.entries(codes) as [
      keyof typeof codes,
      { id: string; code: string },
    ][]) {
      const o = byCode.get(code)!;
      expect(o.status).toBe(status[key]);
      const ledgers = (await leader.get(`/api/projects/${id}/ledgers`)).body;
      const project = (await leader.get(`/api/projects/${id}`)).body;
      const fen = (n: number) => parseYuan(String(n));
      expect(fen(o.budget.amount.amount)).toBe(project.budgetFen);
      const breakdown = o.budget.budgetBreakdowns[0].budgetBreakdown;
      expect(breakdown.map((b: any) => fen(b.amount.amount))).toEqual(
        ledgers.department.fundSources.map((s: any) => s.amountFen),
      );
      for (const b of breakdown) expect(b.sourceParty.name).toBeTruthy();
      expect((o.transactions ?? []).map((t: any) => [t.date.slice(0, 10), fen(t.value.amount)])).toEqual(
        ledgers.department.disbursements.map((d: any) => [d.paidOn, d.amountFen]),
      );
      const ms = Object.fromEntries(o.milestones.map((m: any) => [m.id, m]));
      expect(ms.start.dueDate.slice(0, 10)).toBe(project.plannedDates.start);
      expect(ms.completion.dueDate.slice(0, 10)).toBe(project.plannedDates.completion);
      // Parties are public bodies and organisations only.
      for (const party of o.parties) {
        expect(SECRETS).not.toContain(party.name);
        for (const role of party.roles)
          expect([
            'publicAuthority',
            'procuringEntity',
            'administrativeEntity',
            'funder',
            'payer',
            'supplier',
          ]).toContain(role);
      }
    }
    const done = byCode.get(codes.afterCare.code)!;
    // Actual dates are the steps' own (tests/support/walk.ts), not the day they were recorded.
    const doneDetail = (await anon.get(`/public/api/projects/${codes.afterCare.code}`)).body;
    expect(doneDetail.actualDates.underway).toBe('2026-04-02');
    expect(doneDetail.actualDates.completed).toBe('2026-09-10');
    // The method fixed by the 实施方式 step (tests/support/walk.ts) shows without a ledger record of it.
    expect((await anon.get(`/public/api/projects/${codes.underway.code}`)).body.implementation).toEqual({
      method: 'selfBuild',
      contractorName: null,
      contractAmountFen: null,
      contractSignedOn: null,
    });
    expect(done.milestones.find((m: any) => m.id === 'start').dateMet.slice(0, 10)).toBe(
      (await anon.get(`/public/api/projects/${codes.afterCare.code}`)).body.actualDates.underway,
    );
    expect(done.completion.endDate.slice(0, 10)).toBe(
      (await anon.get(`/public/api/projects/${codes.afterCare.code}`)).body.actualDates.completed,
    );
    if (done.completion.finalValue)
      expect(fen2(done.completion.finalValue.amount)).toBe(
        (await leader.get(`/api/projects/${codes.afterCare.id}/ledgers`)).body.department.disbursedFen,
      );
    const text = JSON.stringify(res.body);
    for (const s of SECRETS) expect(text).not.toContain(s);

    const csv = await fetch(`${stack.baseUrl}/public/data/transactions.csv?project=${codes.underway.code}`);
    expect(await csv.text()).toContain(`${codes.underway.code},2026-05-06,10000.01,县级财政专项扶贫资金`);
  });
});
const fen2 = (n: number) => parseYuan(String(n));

describe('the change feed', () => {
  it('follows every public change once, in pages, from any cursor it gave', async () => {
    const seen: { projectCode: string; kind: string }[] = [];
    let since: string | undefined;
    for (let i = 0; i < 50; i++) {
      const res = await anon.get(`/public/changes?limit=5${since ? `&since=${since}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items);
      since = res.body.next;
      if (!res.body.more) break;
    }
    for (const { code } of Object.values(codes)) expect(seen.some((c) => c.projectCode === code)).toBe(true);
    expect(seen).toContainEqual(
      expect.objectContaining({ projectCode: codes.underway.code, kind: 'disbursement' }),
    );
    expect(seen).toContainEqual(
      expect.objectContaining({ projectCode: codes.cancelled.code, kind: 'stage' }),
    );
    // Nothing new: an empty page. Then one disbursement: exactly it.
    expect((await anon.get(`/public/changes?since=${since}`)).body.items).toEqual([]);
    const pay = await actors.dept.post(
      `/api/projects/${codes.underway.id}/ledgers/department/disbursements`,
      {
        sourcePosition: 0,
        paidOn: '2026-06-01',
        amountFen: 500,
        payee: '某公司',
        voucherNo: 'PZ-9',
        approver: '某人',
      },
    );
    expect(pay.status).toBe(201);
    const after = await anon.get(`/public/changes?since=${since}`);
    expect(after.body.items).toEqual([
      { at: expect.any(String), projectCode: codes.underway.code, kind: 'disbursement' },
    ]);
    const bad = await anon.get('/public/changes?since=bm90LWEtY3Vyc29y');
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toContain('query.since');
  });
});

describe('posters', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'poster-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('renders the Chinese facts and a QR code that decodes to the public page', async () => {
    const res = await leader.download(`/api/projects/${codes.afterCare.id}/poster.pdf`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const file = path.join(tmp, 'one.pdf');
    fs.writeFileSync(file, res.bytes);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    for (const s of [
      '项目公示牌',
      '监督举报电话',
      '12317',
      '资金来源',
      '中央财政专项',
      codes.afterCare.code,
      '王*明',
    ])
      expect(text).toContain(s);
    expect(text).not.toContain('王小明');
    expect(execFileSync('pdfinfo', [file], { encoding: 'utf8' })).toMatch(/Page size:\s+841\.89 x 1190\.55/);
    // The portal's address is this stack's (PUBLIC_BASE_URL): the decoded URL opens the project's page.
    const url = posterQrText(res.bytes);
    expect(url).toBe(projectUrl(stack.baseUrl, codes.afterCare.code));
    const opened = await fetch(url!);
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain(`<p class="muted">${codes.afterCare.code} ·`);
  });

  it('prints a township in one PDF, one page each, only for accounts of its scope', async () => {
    const own = await Session.login(stack.baseUrl, 'xqz.view');
    const res = await own.download('/api/posters?township=xqz');
    expect(res.status).toBe(200);
    const file = path.join(tmp, 'batch.pdf');
    fs.writeFileSync(file, res.bytes);
    const listed = (await own.get('/api/projects?township=xqz&pageSize=200')).body.total;
    expect(execFileSync('pdfinfo', [file], { encoding: 'utf8' })).toMatch(
      new RegExp(`Pages:\\s+${listed}\\n`),
    );
    const other = await Session.login(stack.baseUrl, 'mbz.op');
    expect((await other.get('/api/posters?township=xqz')).status).toBe(404);
    expect((await other.get('/api/posters')).status).toBe(422);
    expect((await anon.get(`/api/projects/${codes.afterCare.id}/poster.pdf`)).status).toBe(401);
  });
});

describe('rate limit', () => {
  it('answers 429 to a client past its limit per minute', async () => {
    let status = 0;
    for (let i = 0; i < 200 && status !== 429; i++)
      status = (await fetch(`${stack.baseUrl}/public/changes?limit=1`)).status;
    expect(status).toBe(429);
  });
});
