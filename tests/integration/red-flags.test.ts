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
