/**
 * Risk red flags on the real stack: for each rule, ledger rows that raise it and a near-miss that
 * does not; a dismissal kept across rescans (and by the database); a converted flag; who sees and
 * who may write what; bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueRectificationSchema } from '#domain/rectification-schemas.js';
import { daysAgo, fixtures, photo, type Fixture } from '../support/red-flag-fixtures.js';
import { Session, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let f: ReturnType<typeof fixtures>;
let office: Session;
let leader: Session;

interface Flag {
  id: number;
  rule: string;
  status: string;
  unit: { code: string };
  projects: { code: string }[];
  explanation: { 'zh-CN': string; en: string };
}

beforeAll(async () => {
  stack = await startTestStack();
  f = fixtures(stack);
  office = await Session.login(stack.baseUrl, 'supervisor');
  leader = await Session.login(stack.baseUrl, 'leader');
});
afterAll(async () => {
  await stack?.stop();
});

async function scan() {
  const res = await office.post('/api/red-flags/scan');
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { rules: Record<string, { found: number; raised: number; cleared: number }> };
}
async function flags(s: Session, query = ''): Promise<Flag[]> {
  const res = await s.get(`/api/red-flags?pageSize=100${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items as Flag[];
}
/** The flags of `rule` naming project `p`, as the county sees them. */
async function flagsOf(rule: string, p: Fixture): Promise<Flag[]> {
  return (await flags(leader, `&rule=${rule}`)).filter((x) => x.projects.some((q) => q.code === p.code));
}

describe('each rule raises its flag and leaves the near-miss alone', () => {
  const made: Record<string, Fixture[]> = {};

  beforeAll(async () => {
    const W = { dept: 'swj', owner: 'mbz' };
    // 拆分项目规避招标: two of 390 万元 for 石城村 (band 320–400 万元); the near-miss has one
    // inside the band and one just below it.
    made.split = [
      await f.project({ ...W, village: 'mbz-scc', year: 2031, budgetFen: 390_0000_00 }),
      await f.project({ ...W, village: 'mbz-scc', year: 2031, budgetFen: 320_0000_00 }),
    ];
    made.splitNear = [
      await f.project({ dept: 'jtj', owner: 'mbz', village: 'mbz-hpc', year: 2031, budgetFen: 390_0000_00 }),
      await f.project({ dept: 'jtj', owner: 'mbz', village: 'mbz-hpc', year: 2031, budgetFen: 319_9999_99 }),
    ];

    // Paid before the contract and 开工; the near-miss is paid on the day of 开工, after signing.
    const early = await f.project({ dept: 'nyw', owner: 'xqz', village: 'xqz-dhc' });
    const onTime = await f.project({ dept: 'nyw', owner: 'xqz', village: 'xqz-dhc' });
    for (const p of [early, onTime]) {
      await f.start(p, '2026-05-10');
      await f.implementation(p, { contractSignedOn: '2026-05-01', contractAmountFen: 20_000_000 });
    }
    await f.pay(early, '2026-04-20', 1_000_000, 'RF-EARLY-1');
    await f.pay(onTime, '2026-05-10', 1_000_000, 'RF-ONTIME-1');
    made.pay = [early, onTime];

    // Settled above the contract (1.5 万元 against 1 万元); the near-miss settles exactly it.
    const over = await f.project({ dept: 'fpb', owner: 'xqz', village: 'xqz-cxc' });
    const exact = await f.project({ dept: 'fpb', owner: 'xqz', village: 'xqz-cxc' });
    for (const [p, contract] of [
      [over, 1_000_000],
      [exact, 1_500_000],
    ] as const) {
      await f.start(p, '2026-03-01');
      await f.implementation(p, { contractSignedOn: '2026-02-20', contractAmountFen: contract });
      await f.pay(p, '2026-06-01', 1_500_000, `RF-SETTLE-${contract}`);
      await f.settle(p, 1_500_000);
    }
    made.settle = [over, exact];

    // One photo for two projects; one photo for two visits of a project; the near-miss files one
    // photo twice for the same visit.
    const [a, b, c, d] = await Promise.all(
      [0, 1, 2, 3].map(() => f.project({ dept: 'lyj', owner: 'xqz', village: 'xqz-ppc' })),
    );
    const shared = photo('shared');
    await f.file(a!, shared);
    await f.file(b!, shared);
    const twice = photo('two-visits');
    await f.file(c!, twice, await f.visit(c!, 'xqz-ppc', '2026-06-01'));
    await f.file(c!, twice, await f.visit(c!, 'xqz-ppc', '2026-07-01'));
    const same = photo('same-visit');
    const v = await f.visit(d!, 'xqz-ppc', '2026-06-01');
    await f.file(d!, same, v);
    await f.file(d!, same, v);
    made.photo = [a!, b!, c!, d!];

    // 巴山镇 2032: contractor 1 holds 3 of 4 (75%). 明通镇 2032: contractor 3 holds 2 of 2 (too
    // few); 明通镇 2033: contractors 5 and 6 hold 3 of 7 each (42.9%, under half).
    const town = async (village: string, owner: string, year: number, contractors: number[]) => {
      const out: Fixture[] = [];
      for (const n of contractors) {
        const p = await f.project({ dept: 'zjw', owner, village, year });
        await f.contractor(p, n);
        out.push(p);
      }
      return out;
    };
    made.share = await town('bsz-psc', 'bsz', 2032, [1, 1, 1, 2]);
    made.shareFew = await town('mtz-spc', 'mtz', 2032, [3, 3]);
    made.shareLow = await town('mtz-gmc', 'mtz', 2033, [5, 5, 5, 6, 6, 6, 7]);

    // 实施中 for five months: no visit at all; the near-miss was visited ten days ago.
    const idle = await f.project({ dept: 'swj', owner: 'bsz', village: 'bsz-xhc' });
    const watched = await f.project({ dept: 'swj', owner: 'bsz', village: 'bsz-xhc' });
    for (const p of [idle, watched]) await f.start(p, daysAgo(150));
    await f.visit(watched, 'bsz-xhc', daysAgo(10));
    made.visit = [idle, watched];

    await scan();
  }, 600_000);

  it('拆分项目规避招标: several projects of one department and village, each just under the threshold', async () => {
    const [raised] = await flagsOf('splitTender', made.split![0]!);
    expect(raised).toMatchObject({ status: 'open', unit: { code: 'swj' } });
    expect(raised!.projects.map((p) => p.code).sort()).toEqual(made.split!.map((p) => p.code).sort());
    expect(raised!.explanation['zh-CN']).toContain('3,200,000.00元至招标限额4,000,000.00元');
    expect(await flagsOf('splitTender', made.splitNear![0]!)).toEqual([]);
  });

  it('disbursement before the contract and 开工; not on the day of 开工', async () => {
    const [raised] = await flagsOf('payBeforeContract', made.pay![0]!);
    expect(raised).toMatchObject({ status: 'open', unit: { code: 'nyw' } });
    expect(raised!.explanation['zh-CN']).toContain('早于合同签订或开工');
    const detail = await office.get(`/api/red-flags/${raised!.id}`);
    expect(detail.body.rows).toEqual([
      expect.objectContaining({ paidOn: '2026-04-20', amountFen: 1_000_000, voucherNo: 'RF-EARLY-1' }),
    ]);
    expect(await flagsOf('payBeforeContract', made.pay![1]!)).toEqual([]);
  });

  it('settlement above the contract amount; not when equal', async () => {
    const [raised] = await flagsOf('settlementOverContract', made.settle![0]!);
    expect(raised!.explanation['zh-CN']).toContain('结算15,000.00元，超出合同金额10,000.00元5,000.00元');
    expect(await flagsOf('settlementOverContract', made.settle![1]!)).toEqual([]);
  });

  it('the same photo for two projects, or for two visits; not twice for one visit', async () => {
    const [a, b, c, d] = made.photo!;
    const [twoProjects] = await flagsOf('duplicatePhoto', a!);
    expect(twoProjects!.projects.map((p) => p.code).sort()).toEqual([a!.code, b!.code].sort());
    const [twoVisits] = await flagsOf('duplicatePhoto', c!);
    expect(twoVisits!.explanation.en).toContain('for 1 project(s) and 2 supervision visit(s)');
    expect(await flagsOf('duplicatePhoto', d!)).toEqual([]);
  });

  it("one contractor with a large share of a township's projects; not too few, not under the share", async () => {
    const [raised] = await flagsOf('contractorConcentration', made.share![0]!);
    expect(raised).toMatchObject({ unit: { code: 'bsz' } });
    expect(raised!.projects).toHaveLength(3);
    expect(raised!.explanation['zh-CN']).toContain('4个已签约项目中的3个（75.0%）');
    for (const p of [...made.shareFew!, ...made.shareLow!])
      expect(await flagsOf('contractorConcentration', p)).toEqual([]);
  });

  it('实施中 without a visit for N months; not when visited lately — and cleared once visited', async () => {
    const [idle, watched] = made.visit!;
    const [raised] = await flagsOf('noSiteVisit', idle!);
    expect(raised).toMatchObject({ status: 'open', unit: { code: 'bsz' } });
    expect(await flagsOf('noSiteVisit', watched!)).toEqual([]);
    await f.visit(idle!, 'bsz-xhc', daysAgo(1));
    expect((await scan()).rules.noSiteVisit!.cleared).toBeGreaterThanOrEqual(1);
    expect((await flagsOf('noSiteVisit', idle!))[0]!.status).toBe('cleared');
  });

  it('suggests a notice the rectification form takes as it is', async () => {
    const [raised] = await flagsOf('splitTender', made.split![0]!);
    const detail = await office.get(`/api/red-flags/${raised!.id}`);
    const s = detail.body.suggestion;
    expect(s.unitCode).toBe('swj');
    expect(s.problems.map((p: { project: string }) => p.project).sort()).toEqual(
      made.split!.map((p) => p.code).sort(),
    );
    expect(issueRectificationSchema.safeParse({ ...s, redFlagId: raised!.id }).success).toBe(true);
  });
});

describe('dismissal, conversion, scope', () => {
  let early: Fixture;
  let flag: Flag;

  beforeAll(async () => {
    early = await f.project({ dept: 'swj', owner: 'mtz', village: 'mtz-jyc', year: 2034 });
    await f.pay(early, '2026-04-01', 100_000, 'RF-D-1'); // not started yet: before 开工
    await scan();
    [flag] = (await flagsOf('payBeforeContract', early)) as [Flag];
    expect(flag).toMatchObject({ status: 'open', unit: { code: 'swj' } });
  }, 300_000);

  it('a rescan that finds nothing new changes nothing', async () => {
    const before = await stack.db.query('SELECT id, updated_at, evidence FROM red_flag ORDER BY id');
    const again = await scan();
    for (const r of Object.values(again.rules)) expect(r).toMatchObject({ raised: 0, cleared: 0 });
    const after = await stack.db.query('SELECT id, updated_at, evidence FROM red_flag ORDER BY id');
    expect(after.rows).toEqual(before.rows);
  });

  it('only the supervision office dismisses, with a reason; the dismissal is kept with who and when', async () => {
    for (const u of ['leader', 'swj.op', 'tpgjb.view', 'admin']) {
      const s = await f.login(u).catch(() => undefined);
      if (!s) continue; // the administrator must set up 2FA first: refused either way
      const res = await s.post(`/api/red-flags/${flag.id}/dismiss`, { reason: '不是我的事' });
      expect(res.status, u).toBe(403);
    }
    const empty = await office.post(`/api/red-flags/${flag.id}/dismiss`, { reason: '  ' });
    expect(empty.status).toBe(422);
    expect(JSON.stringify(empty.body.error)).toContain('body.reason');

    const res = await office.post(`/api/red-flags/${flag.id}/dismiss`, {
      reason: '经核实为预付款，合同约定',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      status: 'dismissed',
      dismissal: { by: '专项监督办督查员', reason: '经核实为预付款，合同约定' },
    });
    const audit = await stack.db.query(
      `SELECT actor_username, after FROM audit_log WHERE action = 'redFlag.dismiss' AND entity_id = $1`,
      [String(flag.id)],
    );
    expect(audit.rows).toEqual([
      { actor_username: 'supervisor', after: { status: 'dismissed', reason: '经核实为预付款，合同约定' } },
    ]);
    const twice = await office.post(`/api/red-flags/${flag.id}/dismiss`, { reason: '再次' });
    expect(twice.status).toBe(409);
  });

  it('a rescan finding more of the same keeps it dismissed; the database refuses to undo it', async () => {
    await f.pay(early, '2026-04-02', 200_000, 'RF-D-2');
    expect((await scan()).rules.payBeforeContract!.raised).toBe(0);
    const detail = await office.get(`/api/red-flags/${flag.id}`);
    expect(detail.body.status).toBe('dismissed');
    expect(detail.body.rows.map((r: { voucherNo: string }) => r.voucherNo)).toEqual(['RF-D-1', 'RF-D-2']);
    expect(detail.body.dismissal.reason).toBe('经核实为预付款，合同约定');
    await expect(
      stack.db.query(`UPDATE red_flag SET dismissed_at = NULL, dismiss_reason = NULL WHERE id = $1`, [
        flag.id,
      ]),
    ).rejects.toMatchObject({ constraint: 'red_flag_dismissal_kept' });
    // The application's role may not delete a flag, whatever its scope.
    const c = await stack.db.connect();
    try {
      await c.query(
        `BEGIN; SET LOCAL ROLE sanzhang_app; SELECT set_config('app.scope_kind', 'system', true)`,
      );
      await expect(c.query(`DELETE FROM red_flag WHERE id = $1`, [flag.id])).rejects.toMatchObject({
        code: '42501',
      });
    } finally {
      await c.query('ROLLBACK');
      c.release();
    }
  });

  it('is converted once a rectification notice names it, and can no longer be dismissed', async () => {
    const target = (await flags(leader, '&rule=settlementOverContract&status=open'))[0]!;
    // As the notice's workflow writes it (the system scope; here as the owner).
    await stack.db.query(
      `INSERT INTO rectification_notice (year, number, serial, org_unit_id, issuer_unit_id, title, day_count,
              issued_at, issued_on, due_date, source_red_flag_id)
       SELECT 2026, 901, '测试整改〔2026〕901号', u.id, o.id, '整改通知', 'working', now(), current_date,
              current_date + 30, $1 FROM org_unit u, org_unit o WHERE u.code = $2 AND o.code = 'zxjdb'`,
      [target.id, target.unit.code],
    );
    const detail = await office.get(`/api/red-flags/${target.id}`);
    expect(detail.body.status).toBe('converted');
    expect(detail.body.notices).toEqual([
      expect.objectContaining({ serial: '测试整改〔2026〕901号', status: 'open' }),
    ]);
    expect((await flags(leader, '&status=converted')).map((x) => x.id)).toEqual([target.id]);
    const res = await office.post(`/api/red-flags/${target.id}/dismiss`, { reason: '不再需要' });
    expect(res.status).toBe(409);
  });
});

describe('who sees and who may scan', () => {
  it('shows a unit only the flags that concern it; the county sees all', async () => {
    const all = await flags(leader);
    expect(all.length).toBeGreaterThanOrEqual(6);
    expect(new Set(all.map((x) => x.rule)).size).toBe(6);
    for (const u of ['swj.op', 'bsz.view', 'mbz-scc.op', 'xqz-ppc.view']) {
      const s = await f.login(u);
      const unit = u.split('.')[0]!;
      const mine = await flags(s);
      const units = await stack.db.query(
        `SELECT f.id::int AS id FROM red_flag f JOIN org_unit o ON o.code = $1 WHERE o.id = ANY (f.unit_ids) ORDER BY f.id`,
        [unit],
      );
      expect(
        mine.map((x) => x.id).sort((a, b) => a - b),
        u,
      ).toEqual(units.rows.map((r) => r.id));
      expect(mine.length, u).toBeGreaterThan(0);
      const other = all.find((x) => !mine.some((m) => m.id === x.id))!;
      expect((await s.get(`/api/red-flags/${other.id}`)).status, u).toBe(404);
      expect((await s.get(`/api/red-flags/${mine[0]!.id}`)).status, u).toBe(200);
    }
    // 石城村 sees the split-tender flag of its own village, not the one 河坪村 would have had.
    const village = await flags(await f.login('mbz-scc.view'), '&rule=splitTender');
    expect(village.map((x) => x.unit.code)).toEqual(['swj']);
  });

  it('holds the same rule in PostgreSQL, without the application’s condition', async () => {
    const asScope = async (
      kind: string,
      unit: string,
      roles: string,
      sql: string,
      params: unknown[] = [],
    ) => {
      const c = await stack.db.connect();
      try {
        await c.query(`BEGIN; SET LOCAL ROLE sanzhang_app`);
        await c.query(
          `SELECT set_config('app.scope_kind', $1, true), set_config('app.roles', $3, true),
                  set_config('app.unit_id', (SELECT id::text FROM org_unit WHERE code = $2), true)`,
          [kind, unit, roles],
        );
        return await c.query(sql, params);
      } finally {
        await c.query('ROLLBACK');
        c.release();
      }
    };
    const seen = await asScope('department', 'swj', 'operator', 'SELECT unit_ids FROM red_flag');
    const swj = (await stack.db.query(`SELECT id FROM org_unit WHERE code = 'swj'`)).rows[0].id;
    expect(seen.rows.length).toBeGreaterThan(0);
    expect(seen.rows.every((r) => r.unit_ids.includes(swj))).toBe(true);
    // The office dismisses but never raises, and a department changes nothing.
    await expect(
      asScope(
        'county',
        'zxjdb',
        'supervisor',
        `INSERT INTO red_flag (rule, subject, unit_id, unit_ids, evidence)
        SELECT 'splitTender', 'forged', id, ARRAY[id], '{}' FROM org_unit WHERE code = 'swj'`,
      ),
    ).rejects.toMatchObject({ code: '42501' });
    const updated = await asScope(
      'department',
      'swj',
      'operator',
      `UPDATE red_flag SET dismiss_reason = 'x',
      dismissed_at = now(), dismissed_by_name = 'x' WHERE dismissed_at IS NULL`,
    );
    expect(updated.rowCount).toBe(0);
  });

  it('lets only the supervision office scan', async () => {
    for (const u of ['leader', 'swj.op', 'zxjdb.view']) {
      const res = await (await f.login(u)).post('/api/red-flags/scan');
      expect(res.status, u).toBe(403);
    }
    expect((await (await f.login('tpgjb.op')).post('/api/red-flags/scan')).status).toBe(200);
    const audit = await stack.db.query(
      `SELECT DISTINCT actor_username FROM audit_log WHERE action = 'redFlag.scan' ORDER BY 1`,
    );
    expect(audit.rows.map((r) => r.actor_username)).toEqual(['supervisor', 'tpgjb.op']);
  });

  it('answers bad input with 422 naming the field, in the caller’s language', async () => {
    for (const [path, field] of [
      ['/api/red-flags?rule=bogus', 'query.rule'],
      ['/api/red-flags?status=gone', 'query.status'],
      ['/api/red-flags?unitCode=nowhere', 'query.unitCode'],
      ['/api/red-flags?year=1800', 'query.year'],
      ['/api/red-flags/abc', 'params.id'],
      ['/api/red-flags/0', 'params.id'],
    ]) {
      const res = await leader.get(path!);
      expect(res.status, path).toBe(422);
      expect(JSON.stringify(res.body.error), path).toContain(field);
    }
    const en = await leader.request('GET', '/api/red-flags?rule=bogus', undefined, {
      'accept-language': 'en',
    });
    expect(en.body.error.message).not.toMatch(/[\u4e00-\u9fff]/);
    expect((await leader.get('/api/red-flags/999999')).status).toBe(404);
  });
});
