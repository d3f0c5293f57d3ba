/**
 * The three ledgers over HTTP: each written only by its level, completeness shown, and every money
 * invariant refused twice — with 422 at the api, and by a constraint when SQL goes around the api.
 *
 * Long because each ledger's cases build on the same project's money state; one file keeps one stack.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cstDate } from '#domain/deadlines.js';
import { aProject } from '../support/builders.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let dept: Session;
let town: Session;
let village: Session;
beforeAll(async () => {
  stack = await startTestStack();
  [dept, town, village] = await Promise.all([
    Session.login(stack.baseUrl, 'swj.op'),
    Session.login(stack.baseUrl, 'xqz.op'),
    Session.login(stack.baseUrl, 'xqz-btc.op'),
  ]);
});
afterAll(async () => {
  await stack?.stop();
});

async function newProject(overrides = {}) {
  const res = await dept.post('/api/projects', aProject(overrides));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; code: string; budgetFen: number };
}

/** Runs SQL in one transaction (deferred constraints fire at COMMIT) and returns the error, if any. */
async function sqlError(
  statements: [string, unknown[]][],
): Promise<{ constraint?: string; code?: string } | null> {
  const c = await stack.db.connect();
  try {
    await c.query('BEGIN');
    for (const [sql, params] of statements) await c.query(sql, params);
    await c.query('COMMIT');
    return null;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    return err as { constraint?: string; code?: string };
  } finally {
    c.release();
  }
}

const VALID_USCC = '91350100M000100Y43';

describe('who writes which ledger', () => {
  it('lets each level write its own ledger only, and shows completeness per ledger', async () => {
    const p = await newProject();
    const base = `/api/projects/${p.id}/ledgers`;

    const before = await dept.get(base);
    expect(before.status).toBe(200);
    const dep0 = before.body.completeness.find((c: any) => c.ledger === 'department');
    expect(dep0.complete).toBe(false);
    expect(dep0.missing.map((m: any) => m.item)).toEqual(
      expect.arrayContaining(['approvedOn', 'constructionContent', 'fundDocuments']),
    );

    const deptBody = {
      approvedOn: '2026-03-01',
      approvalIssuer: '城口县扶贫开发领导小组',
      constructionContent: '新建蓄水池 1 座',
    };
    expect((await town.request('PUT', `${base}/department`, deptBody)).status).toBe(403);
    expect((await village.request('PUT', `${base}/department`, deptBody)).status).toBe(403);
    const ok = await dept.request('PUT', `${base}/department`, deptBody);
    expect(ok.status).toBe(200);
    expect(ok.body.department.approvedOn).toBe('2026-03-01');

    const decision = {
      meeting: '修齐镇党委会',
      heldOn: '2026-03-05',
      attendees: ['张三', '李四'],
      resolution: '同意实施',
    };
    expect((await dept.post(`${base}/implementing/decisions`, decision)).status).toBe(403);
    const d = await town.post(`${base}/implementing/decisions`, decision);
    expect(d.status).toBe(201);
    expect(d.body.implementing.decisions[0].attendees).toEqual(['张三', '李四']);

    const visit = {
      villageCode: 'xqz-btc',
      visitedOn: '2026-05-01',
      supervisor: '王五',
      findings: '施工正常',
    };
    expect((await town.post(`${base}/site/visits`, visit)).status).toBe(403);
    const other = await Session.login(stack.baseUrl, 'xqz-ppc.op'); // a village the project is not in
    expect((await other.post(`${base}/site/visits`, visit)).status).toBe(404);
    const v = await village.post(`${base}/site/visits`, visit);
    expect(v.status).toBe(201);
    expect(v.body.site.visits).toHaveLength(1);

    const viewer = await Session.login(stack.baseUrl, 'swj.view');
    expect((await viewer.request('PUT', `${base}/department`, deptBody)).status).toBe(403);
    expect((await viewer.get(base)).status).toBe(200);

    const { rows } = await stack.db.query(
      `SELECT ledger, kind FROM ledger_event WHERE project_id = $1 ORDER BY id`,
      [p.id],
    );
    expect(rows.map((r) => r.kind)).toEqual(['departmentLedger', 'collectiveDecision', 'supervisionVisit']);
  });

  it('validates the contractor’s unified social credit code by its check digit, at the api and in the database', async () => {
    const p = await newProject();
    const url = `/api/projects/${p.id}/ledgers/implementing/implementation`;
    const body = {
      method: 'openTender',
      contractorName: '重庆某建设有限公司',
      contractAmountFen: 25_000_000,
    };
    const bad = await town.request('PUT', url, { ...body, contractorUscc: '91350100M000100Y44' });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body.error.details)).toContain('contractorUscc');
    const good = await town.request('PUT', url, { ...body, contractorUscc: VALID_USCC });
    expect(good.status).toBe(200);
    expect(good.body.implementing.implementation.contractorUscc).toBe(VALID_USCC);
    const err = await sqlError([
      [
        `UPDATE implementation_record SET contractor_uscc = '91350100M000100Y44' WHERE project_id = $1`,
        [p.id],
      ],
    ]);
    expect(err?.constraint).toBe('implementation_record_contractor_uscc_check');
  });
});

describe('what a write answers', () => {
  it('names the entry it appended, by the id its INSERT returned; a record kept in place has none', async () => {
    const p = await newProject();
    const base = `/api/projects/${p.id}/ledgers`;
    /** Each kind of entry: who writes it, what, where it lands, and one column SQL can check. */
    const entries = [
      {
        path: 'department/disbursements',
        by: dept,
        body: {
          sourcePosition: 0,
          paidOn: '2026-05-10',
          amountFen: 1_000,
          payee: '修齐镇人民政府',
          voucherNo: `记-${p.code}-1`,
          approver: '县水务局 赵六',
        },
        table: 'disbursement',
        column: 'voucher_no',
        value: `记-${p.code}-1`,
        section: (b: any) => b.department.disbursements,
      },
      {
        path: 'implementing/decisions',
        by: town,
        body: { meeting: '修齐镇党委会', heldOn: '2026-03-05', attendees: ['张三'], resolution: '同意实施' },
        table: 'collective_decision',
        column: 'meeting',
        value: '修齐镇党委会',
        section: (b: any) => b.implementing.decisions,
      },
      {
        path: 'implementing/adjustments',
        by: town,
        body: {
          documentNo: '城扶调〔2026〕3号',
          adjustedOn: '2026-06-01',
          content: '延长工期',
          reason: '汛期',
        },
        table: 'adjustment_record',
        column: 'document_no',
        value: '城扶调〔2026〕3号',
        section: (b: any) => b.implementing.adjustments,
      },
      {
        path: 'site/visits',
        by: village,
        body: { villageCode: 'xqz-btc', visitedOn: '2026-05-01', supervisor: '王五', findings: '施工正常' },
        table: 'supervision_visit',
        column: 'supervisor',
        value: '王五',
        section: (b: any) => b.site.visits,
      },
      {
        path: 'site/notices',
        by: village,
        body: {
          villageCode: 'xqz-btc',
          place: '白台村村务公开栏',
          postedFrom: '2026-03-01',
          postedTo: '2026-03-10',
          content: '项目公示',
        },
        table: 'public_notice',
        column: 'place',
        value: '白台村村务公开栏',
        section: (b: any) => b.site.notices,
      },
      {
        path: 'site/opinions',
        by: village,
        body: { gatheredOn: '2026-02-20', method: '群众会', participants: 35, summary: '同意' },
        table: 'opinion_record',
        column: 'method',
        value: '群众会',
        section: (b: any) => b.site.opinions,
      },
      {
        path: 'site/after-care-checks',
        by: village,
        body: { checkedOn: '2026-12-01', checker: '村管水员', result: '运行正常' },
        table: 'after_care_check',
        column: 'checker',
        value: '村管水员',
        section: (b: any) => b.site.afterCareChecks,
      },
    ];
    for (const e of entries) {
      const res = await e.by.post(`${base}/${e.path}`, e.body);
      expect(res.status, `${e.path}: ${JSON.stringify(res.body)}`).toBe(201);
      expect(res.body.written, e.path).toEqual({ id: expect.any(String) });
      // The row with that id is the one this write inserted, into this project…
      const { rows } = await stack.db.query(
        `SELECT ${e.column} AS value, project_id FROM ${e.table} WHERE id = $1`,
        [res.body.written.id],
      );
      expect(rows, e.path).toEqual([{ value: e.value, project_id: p.id }]);
      // …the answer's ledgers show it in its section…
      expect(
        e.section(res.body).map((x: { id: string }) => x.id),
        e.path,
      ).toContain(res.body.written.id);
      // …and the ledger event and the audit row of the write name it.
      const { rows: trail } = await stack.db.query(
        `SELECT (SELECT payload->>'entryId' FROM ledger_event WHERE project_id = $1 ORDER BY id DESC LIMIT 1) AS event,
                (SELECT after->>'entryId' FROM audit_log WHERE entity_id = $1::text AND action LIKE 'ledger.%'
                  ORDER BY id DESC LIMIT 1) AS audit`,
        [p.id],
      );
      expect(trail[0], e.path).toEqual({ event: res.body.written.id, audit: res.body.written.id });
    }

    // Records kept once per project (or per month) are keyed by the project: no id to answer.
    const records: [Session, 'POST' | 'PUT', string, unknown][] = [
      [dept, 'PUT', 'department', { approvedOn: '2026-03-01' }],
      [dept, 'POST', 'department/settlement', { settledOn: '2026-09-01', settledAmountFen: 1_000 }],
      [town, 'PUT', 'implementing/implementation', { method: 'selfBuild' }],
      [town, 'POST', 'implementing/progress', { month: '2026-05', percent: 40, narrative: '主体完成' }],
      [village, 'PUT', 'site/beneficiaries', { households: 10, poorHouseholds: 4, people: 31 }],
      [village, 'PUT', 'site/after-care', { owner: '白台村村民委员会', duty: '日常维护' }],
    ];
    for (const [by, method, path, body] of records) {
      const res = await by.request(method, `${base}/${path}`, body);
      expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(method === 'POST' ? 201 : 200);
      expect(res.body, path).not.toHaveProperty('written');
      expect(res.body.completeness, path).toHaveLength(3);
    }
  });

  it('gives two identical visits written at once each their own id', async () => {
    const p = await newProject();
    // The same village's operator on two phones (or one phone retrying), at the same moment.
    const secondPhone = await Session.login(stack.baseUrl, 'xqz-btc.op');
    const visit = {
      villageCode: 'xqz-btc',
      visitedOn: '2026-05-06',
      supervisor: '王大山',
      findings: '管沟开挖过半',
    };
    const url = `/api/projects/${p.id}/ledgers/site/visits`;
    const answers = await Promise.all([village.post(url, visit), secondPhone.post(url, visit)]);
    for (const a of answers) expect(a.status, JSON.stringify(a.body)).toBe(201);
    const [first, second] = answers.map((a) => a.body.written.id as string);
    expect(first).not.toBe(second);
    // Each id is a row of its own, and those two rows are the project's visits.
    const { rows } = await stack.db.query(
      `SELECT id, supervisor, visited_on::text AS visited_on FROM supervision_visit WHERE project_id = $1`,
      [p.id],
    );
    expect(rows.map((r) => r.id).sort()).toEqual([first, second].sort());
    for (const r of rows) expect(r).toMatchObject({ supervisor: '王大山', visited_on: '2026-05-06' });
  });
});

describe('money invariants: 422 at the api, a constraint in the database', () => {
  it('Σ fund sources = approved budget', async () => {
    const bad = await dept.post(
      '/api/projects',
      aProject({ budgetFen: 100, fundSources: [{ kind: 'centralSpecial', amountFen: 99 }] }),
    );
    expect(bad.status).toBe(422);
    const p = await newProject();
    const err = await sqlError([
      [
        `INSERT INTO project_fund_source (project_id, position, kind, amount_fen) VALUES ($1, 9, 'social', 1)`,
        [p.id],
      ],
    ]);
    expect(err?.constraint).toBe('project_funding_balanced');
  });

  it('Σ allocated from a fund document ≤ the document’s amount', async () => {
    const p = await newProject(); // sources 20,000,010 + 9,999,990 分
    const docNo = `城财扶〔2026〕${Date.now() % 100000}号`;
    const doc = await dept.post('/api/fund-documents', {
      documentNo: docNo,
      title: '关于下达2026年财政专项扶贫资金的通知',
      issuer: '城口县财政局',
      issuedOn: '2026-02-10',
      amountFen: 25_000_000,
    });
    expect(doc.status).toBe(201);
    expect(doc.body.allocatedFen).toBe(0);
    const link = (pos: number) =>
      dept.request('PUT', `/api/projects/${p.id}/ledgers/department/fund-sources/${pos}`, {
        fundDocumentNo: docNo,
      });
    expect((await link(0)).status).toBe(200);
    const over = await link(1);
    expect(over.status).toBe(422);
    expect(over.body.error.message).toContain(docNo);
    const err = await sqlError([
      [
        `UPDATE project_fund_source SET fund_document_id = (SELECT id FROM fund_document WHERE document_no = $2)
          WHERE project_id = $1 AND position = 1`,
        [p.id, docNo],
      ],
    ]);
    expect(err?.constraint).toBe('fund_document_not_overallocated');
    const ledgers = await dept.get(`/api/projects/${p.id}/ledgers`);
    expect(ledgers.body.department.fundSources[0].fundDocument.documentNo).toBe(docNo);
    expect(ledgers.body.department.fundSources[1].fundDocument).toBeNull();
  });

  it("numbers fund documents per department: another department's number is neither refused nor linked", async () => {
    const p = await newProject(); // 水利局's, sources 20,000,010 + 9,999,990 分
    const docNo = `城财衔〔2026〕${(Date.now() % 100000) + 2}号`;
    const register = (s: Session, amountFen: number) =>
      s.post('/api/fund-documents', {
        documentNo: docNo,
        title: '关于下达2026年衔接资金的通知',
        issuer: '城口县财政局',
        issuedOn: '2026-02-12',
        amountFen,
      });
    // 交通局 registers the finance bureau's document first, for its own share.
    const transport = await Session.login(stack.baseUrl, 'jtj.op');
    expect((await register(transport, 100)).status).toBe(201);
    // 水利局 registers the same document for its share: nothing tells it 交通局 holds one.
    const own = await register(dept, 25_000_000);
    expect(own.status, JSON.stringify(own.body)).toBe(201);
    const twice = await register(dept, 25_000_000);
    expect(twice.status).toBe(409);
    expect(twice.body.error.details).toEqual([{ path: 'body.documentNo', message: `已登记：${docNo}` }]);
    // Its source links to its own document (交通局's 1.00 元 could not cover it).
    const link = await dept.request('PUT', `/api/projects/${p.id}/ledgers/department/fund-sources/0`, {
      fundDocumentNo: docNo,
    });
    expect(link.status, JSON.stringify(link.body)).toBe(200);
    const linked = await stack.db.query(
      `SELECT f.amount_fen::bigint AS amount FROM project_fund_source s JOIN fund_document f ON f.id = s.fund_document_id
        WHERE s.project_id = $1 AND s.position = 0`,
      [p.id],
    );
    expect(Number(linked.rows[0].amount)).toBe(25_000_000);
  });

  it('takes a 调项 that moves money between two sources of one fund document, and refuses one past it', async () => {
    const p = await newProject(); // sources 20,000,010 + 9,999,990 分
    const docNo = `城财扶〔2026〕${(Date.now() % 100000) + 1}号`;
    const doc = await dept.post('/api/fund-documents', {
      documentNo: docNo,
      title: '关于下达2026年县级衔接资金的通知',
      issuer: '城口县财政局',
      issuedOn: '2026-02-11',
      amountFen: 30_000_000,
    });
    expect(doc.status).toBe(201);
    for (const pos of [0, 1]) {
      const link = await dept.request('PUT', `/api/projects/${p.id}/ledgers/department/fund-sources/${pos}`, {
        fundDocumentNo: docNo,
      });
      expect(link.status, JSON.stringify(link.body)).toBe(200);
    }
    const adjust = (first: number, second: number) =>
      dept.post(`/api/projects/${p.id}/transitions`, {
        action: 'adjust',
        documentNo: '城水调〔2026〕11号',
        reason: '调整资金结构',
        budgetFen: first + second,
        fundSources: [
          { kind: 'centralSpecial', amountFen: first },
          { kind: 'countySpecial', amountFen: second },
        ],
      });
    // Every reader of the project reads each source's document in the department ledger, and the
    // ledger's item 资金来源对应资金文件 as filled: the document itself stays the department's.
    for (const s of [dept, town, village]) {
      const l = (await s.get(`/api/projects/${p.id}/ledgers`)).body;
      expect(l.department.fundSources.map((x: any) => x.fundDocument?.documentNo)).toEqual([docNo, docNo]);
      const missing = l.completeness.find((c: any) => c.ledger === 'department').missing;
      expect(missing.map((m: any) => m.item)).not.toContain('fundDocuments');
    }
    expect((await town.get('/api/fund-documents')).status).toBe(403);
    // The document still allocates 300,000.00 元 in all.
    const moved = await adjust(15_000_000, 15_000_000);
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    const past = await adjust(15_000_000, 15_000_001);
    expect(past.status).toBe(409);
    expect(past.body.error.message).toContain(docNo);
    expect(past.body.error.message).toContain('300,000.01');
    const { rows } = await stack.db.query(
      'SELECT amount_fen::int AS a FROM project_fund_source WHERE project_id = $1 ORDER BY position',
      [p.id],
    );
    expect(rows.map((r) => r.a)).toEqual([15_000_000, 15_000_000]);
  });

  it('Σ disbursed ≤ allocated per source; then the settlement reconciles with Σ disbursed and the budget', async () => {
    const p = await newProject();
    const url = `/api/projects/${p.id}/ledgers/department/disbursements`;
    const pay = (n: number, amountFen: number, sourcePosition = 1) =>
      dept.post(url, {
        sourcePosition,
        paidOn: '2026-05-10',
        amountFen,
        payee: '重庆某建设有限公司',
        voucherNo: `记-${p.code}-${n}`,
        approver: '县水务局 赵六',
      });
    expect((await pay(1, 9_999_990)).status).toBe(201);
    const over = await pay(2, 1);
    expect(over.status).toBe(422);
    expect(over.body.error.details[0].path).toBe('body.amountFen');
    expect((await pay(3, 1, 7)).status).toBe(422); // no such source
    const err = await sqlError([
      [
        `INSERT INTO disbursement (project_id, source_position, paid_on, amount_fen, payee, voucher_no, approver)
         VALUES ($1, 1, '2026-05-11', 1, 'x', 'direct-1', 'y')`,
        [p.id],
      ],
    ]);
    expect(err?.constraint).toBe('disbursed_within_source');

    // 0.10 元 + 0.20 元 = 0.30 元 exactly.
    expect((await pay(4, 10, 0)).status).toBe(201);
    const after = await pay(5, 20, 0);
    expect(after.body.department.fundSources[0].disbursedFen).toBe(30);
    expect(after.body.department.disbursedFen).toBe(10_000_020);

    const settle = (settledAmountFen: number) =>
      dept.post(`/api/projects/${p.id}/ledgers/department/settlement`, {
        settledOn: '2026-09-01',
        settledAmountFen,
      });
    const wrong = await settle(10_000_019);
    expect(wrong.status).toBe(422);
    const sqlWrong = await sqlError([
      [
        `INSERT INTO settlement (project_id, settled_on, settled_amount_fen) VALUES ($1, '2026-09-01', 5)`,
        [p.id],
      ],
    ]);
    expect(sqlWrong?.constraint).toBe('settlement_reconciles');
    expect((await settle(10_000_020)).status).toBe(201);
    expect((await settle(10_000_020)).status).toBe(409);
    // Settled: a further payment would unbalance the settlement.
    expect((await pay(6, 1, 0)).status).toBe(422);
    const late = await sqlError([
      [
        `INSERT INTO disbursement (project_id, source_position, paid_on, amount_fen, payee, voucher_no, approver)
         VALUES ($1, 0, '2026-09-02', 1, 'x', 'direct-2', 'y')`,
        [p.id],
      ],
    ]);
    expect(late?.constraint).toBe('settlement_reconciles');
    // Disbursements are append-only.
    const del = await sqlError([[`DELETE FROM disbursement WHERE project_id = $1`, [p.id]]]);
    expect(del?.code).toBe('42501');
  });

  it('refuses amounts that are not integer 分 (no floating point on the money path)', async () => {
    const p = await newProject();
    for (const amountFen of [0.1, 10.5, -1, '10']) {
      const res = await dept.post(`/api/projects/${p.id}/ledgers/department/disbursements`, {
        sourcePosition: 0,
        paidOn: '2026-05-10',
        amountFen,
        payee: 'x',
        voucherNo: `f-${String(amountFen)}`,
        approver: 'y',
      });
      expect(res.status, String(amountFen)).toBe(422);
    }
    const err = await sqlError([
      [
        `INSERT INTO disbursement (project_id, source_position, paid_on, amount_fen, payee, voucher_no, approver)
         VALUES ($1, 0, '2026-05-11', 0, 'x', 'zero', 'y')`,
        [p.id],
      ],
    ]);
    expect(err?.constraint).toBe('disbursement_amount_fen_check');
  });
});

describe('days that have not come', () => {
  it('refuses a payment, a settlement, a meeting or a visit dated after today, naming the field, writing nothing', async () => {
    // A mistyped year (2062) put a payment into a year's totals that has not come.
    const p = await newProject();
    const base = `/api/projects/${p.id}/ledgers`;
    const tomorrow = cstDate(Date.now() + 86_400_000);
    const nextMonth = cstDate(Date.now() + 32 * 86_400_000).slice(0, 7);
    const cases: [Session, string, Record<string, unknown>, string, string?][] = [
      [
        dept,
        'department/disbursements',
        { sourcePosition: 0, paidOn: tomorrow, amountFen: 100, payee: 'x', voucherNo: 'v', approver: 'y' },
        'paidOn',
      ],
      [dept, 'department/settlement', { settledOn: tomorrow, settledAmountFen: 100 }, 'settledOn'],
      [
        town,
        'implementing/decisions',
        { meeting: '党委会', heldOn: tomorrow, attendees: ['张三'], resolution: '同意' },
        'heldOn',
      ],
      [
        village,
        'site/visits',
        { villageCode: 'xqz-btc', visitedOn: '2062-05-01', supervisor: '王', findings: '好' },
        'visitedOn',
      ],
      // A month's progress is reported in that month or after: next month's is a mistyped month.
      [
        town,
        'implementing/progress',
        { month: nextMonth, percent: 10, narrative: '进场' },
        'month',
        '月份不能晚于本月',
      ],
    ];
    for (const [who, path, body, field, message = '日期不能晚于今天'] of cases) {
      const res = await who.post(`${base}/${path}`, body);
      expect(res.status, path).toBe(422);
      expect(res.body.error.details, path).toEqual([
        expect.objectContaining({ path: `body.${field}`, message }),
      ]);
    }
    const { rows } = await stack.db.query(
      `SELECT (SELECT count(*) FROM disbursement WHERE project_id = $1)::int
            + (SELECT count(*) FROM supervision_visit WHERE project_id = $1)::int
            + (SELECT count(*) FROM settlement WHERE project_id = $1)::int AS n`,
      [p.id],
    );
    expect(rows[0].n).toBe(0);
  });
});

describe('cross-ledger reconciliation', () => {
  it('flags a public notice or a contract whose amount differs from the department’s budget', async () => {
    const p = await newProject();
    const base = `/api/projects/${p.id}/ledgers`;
    const clean = await dept.get(base);
    expect(clean.body.reconciliation).toEqual([]);
    const n = await village.post(`${base}/site/notices`, {
      villageCode: 'xqz-btc',
      place: '白台村村务公开栏',
      postedFrom: '2026-03-01',
      postedTo: '2026-03-10',
      content: '项目名称、资金规模、建设内容公示',
      announcedAmountFen: p.budgetFen + 100,
      complaintPhone: '023-59221234',
    });
    expect(n.status).toBe(201);
    await town.request('PUT', `${base}/implementing/implementation`, {
      method: 'openTender',
      contractorName: '重庆某建设有限公司',
      contractorUscc: VALID_USCC,
      contractAmountFen: p.budgetFen + 1,
    });
    const flagged = await dept.get(base);
    expect(flagged.body.reconciliation.map((f: any) => f.code).sort()).toEqual([
      'contractExceedsBudget',
      'noticeAmountMismatch',
    ]);
    const notice = flagged.body.reconciliation.find((f: any) => f.code === 'noticeAmountMismatch');
    expect(notice.amounts).toEqual({ announcedFen: p.budgetFen + 100, budgetFen: p.budgetFen });
  });

  it('refuses site data that cannot be true (poor households above households) at the api and in the database', async () => {
    const p = await newProject();
    const url = `/api/projects/${p.id}/ledgers/site/beneficiaries`;
    expect(
      (await village.request('PUT', url, { households: 10, poorHouseholds: 11, people: 30 })).status,
    ).toBe(422);
    const ok = await village.request('PUT', url, { households: 10, poorHouseholds: 4, people: 31 });
    expect(ok.status).toBe(200);
    const err = await sqlError([
      [`UPDATE beneficiary SET poor_households = 12 WHERE project_id = $1`, [p.id]],
    ]);
    expect(err?.constraint).toBe('beneficiary_poor_within');
  });
});

describe('OpenAPI', () => {
  it('documents the ledger, detail-table, archive and import routes with their schemas', async () => {
    const doc = (await (await fetch(`${stack.baseUrl}/api/openapi.json`)).json()) as any;
    for (const p of [
      '/api/projects/{id}/ledgers',
      '/api/projects/{id}/ledgers/department/disbursements',
      '/api/projects/{id}/ledgers/implementing/implementation',
      '/api/projects/{id}/ledgers/site/notices',
      '/api/projects/{id}/detail-table',
      '/api/projects/{id}/archives',
      '/api/archives/{id}',
      '/api/fund-documents',
      '/api/ledger-imports',
      '/api/ledgers/{level}/export',
    ])
      expect(doc.paths[p], p).toBeDefined();
    const disb = doc.paths['/api/projects/{id}/ledgers/department/disbursements'].post;
    expect(disb.requestBody.content['application/json'].schema.properties.amountFen.type).toBe('integer');
    const upload = doc.paths['/api/projects/{id}/archives'].post.requestBody.content;
    expect(Object.keys(upload)).toContain('application/pdf');
    // An entry appended answers with its id; a record kept in place with the ledgers only.
    const answer = (p: string, method: string, status: string) =>
      doc.paths[p][method].responses[status].content['application/json'].schema;
    const visit = answer('/api/projects/{id}/ledgers/site/visits', 'post', '201');
    expect(visit.required).toEqual(expect.arrayContaining(['written', 'site', 'completeness']));
    expect(visit.properties.written.properties.id).toMatchObject({ type: 'string', format: 'uuid' });
    expect(visit.properties.written.properties.id.description).toContain('RETURNING id');
    const record = answer('/api/projects/{id}/ledgers/site/beneficiaries', 'put', '200');
    expect(record.properties).not.toHaveProperty('written');
    expect(record.description).toContain('no `written`');
  });
});
