/**
 * Risk red flags on the real stack: for each rule, ledger rows that raise it and a near-miss that
 * does not (tests/support/red-flag-fixtures.ts); a flag cleared once its cause is gone; the
 * rectification notice a flag suggests. Dismissal, conversion and scope: red-flags-review.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueRectificationSchema } from '#domain/rectification-schemas.js';
import { buildRuleFixtures, daysAgo, fixtures, type Fixture } from '../support/red-flag-fixtures.js';
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
  let made: Record<string, Fixture[]>;

  beforeAll(async () => {
    made = await buildRuleFixtures(f);
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
