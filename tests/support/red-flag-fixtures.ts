/**
 * Ledger rows for the red flag tests, written as the county writes them: projects created by a
 * department operator, steps taken by the owner unit, each ledger written by its own level through
 * the api. Every fixture names its department, township, village and year, so one rule's fixtures
 * never fall into another rule's groups.
 */
import { expect } from 'vitest';
import { usccCheckChar } from '#domain/uscc.js';
import { aProject } from './builders.js';
import { Session, type TestStack } from './stack.js';

export interface Fixture {
  id: string;
  code: string;
  dept: Session;
  owner: Session;
  village: Session;
}

/** A valid unified social credit code for contractor `n` (its check character computed). */
export function uscc(n: number): string {
  const first17 = `91500229MA${String(n).padStart(6, '0')}X`;
  return first17 + usccCheckChar(first17)!;
}

/** A PNG whose bytes (and so SHA-256) are its own: the signature, then a distinct tail. */
export function photo(tag: string): Uint8Array {
  const head = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  return Uint8Array.from(Buffer.concat([head, Buffer.from(`photo:${tag}:${Math.random()}`)]));
}

/** The day `days` before today on the county's clock, YYYY-MM-DD. */
export function daysAgo(days: number): string {
  const t = new Date(Date.now() + 8 * 3600_000 - days * 86_400_000);
  return t.toISOString().slice(0, 10);
}

export function fixtures(stack: TestStack) {
  const sessions = new Map<string, Promise<Session>>();
  const login = (u: string) => {
    if (!sessions.has(u)) sessions.set(u, Session.login(stack.baseUrl, u));
    return sessions.get(u)!;
  };
  const ok = (res: { status: number; body: unknown }, what: string) =>
    expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBeLessThan(300);

  return {
    login,

    async project(o: {
      dept: string;
      owner: string;
      village: string;
      year?: number;
      budgetFen?: number;
    }): Promise<Fixture> {
      const [dept, owner, village] = await Promise.all([
        login(`${o.dept}.op`),
        login(`${o.owner}.op`),
        login(`${o.village}.op`),
      ]);
      const budgetFen = o.budgetFen ?? 30_000_000;
      const res = await dept.post(
        '/api/projects',
        aProject({
          departmentCode: o.dept,
          ownerUnitCode: o.owner,
          villageCodes: [o.village],
          year: o.year ?? 2026,
          budgetFen,
          fundSources: [{ kind: 'countySpecial', amountFen: budgetFen }],
        }),
      );
      ok(res, 'create');
      return { id: res.body.id, code: res.body.code, dept, owner, village };
    },

    /** Takes the steps up to 开工 (started on `startedOn`), by the department and the owner unit. */
    async start(p: Fixture, startedOn: string) {
      for (const [s, body] of [
        [p.dept, { action: 'approveDesign', documentNo: '城审〔2026〕1号', approvedOn: '2025-01-10' }],
        [p.owner, { action: 'fixImplementation', method: 'selfBuild' }],
        [p.owner, { action: 'start', startedOn }],
      ] as const)
        ok(await s.post(`/api/projects/${p.id}/transitions`, body), body.action);
    },

    async implementation(p: Fixture, body: Record<string, unknown>) {
      ok(
        await p.owner.request('PUT', `/api/projects/${p.id}/ledgers/implementing/implementation`, {
          method: 'negotiation',
          ...body,
        }),
        'implementation',
      );
    },

    async contractor(p: Fixture, n: number) {
      await this.implementation(p, { contractorName: `承包单位${n}`, contractorUscc: uscc(n) });
    },

    async pay(p: Fixture, paidOn: string, amountFen: number, voucherNo: string) {
      ok(
        await p.dept.post(`/api/projects/${p.id}/ledgers/department/disbursements`, {
          sourcePosition: 0,
          paidOn,
          amountFen,
          payee: '承包单位',
          voucherNo,
          approver: '审批人',
        }),
        'disbursement',
      );
    },

    async settle(p: Fixture, settledAmountFen: number) {
      ok(
        await p.dept.post(`/api/projects/${p.id}/ledgers/department/settlement`, {
          settledOn: '2026-11-20',
          settledAmountFen,
        }),
        'settlement',
      );
    },

    /** A supervision visit by the village; answers its id. */
    async visit(p: Fixture, villageCode: string, visitedOn: string): Promise<string> {
      const res = await p.village.post(`/api/projects/${p.id}/ledgers/site/visits`, {
        villageCode,
        visitedOn,
        supervisor: '义务监督员',
        findings: '施工正常',
      });
      ok(res, 'visit');
      return res.body.written.id as string;
    },

    /** A photo filed in the site ledger (for a visit when `visitId` is given); answers its id. */
    async file(p: Fixture, bytes: Uint8Array, visitId?: string): Promise<string> {
      const q = visitId
        ? `stage=completed&item=supervisionPhoto&entryId=${visitId}`
        : 'stage=underway&item=publicNoticePhoto';
      const res = await p.village.upload(
        `/api/projects/${p.id}/archives?ledger=site&${q}&fileName=photo.png`,
        bytes,
        'image/png',
        'photo.png',
      );
      ok(res, 'upload');
      return res.body.id as string;
    },
  };
}

/**
 * For each rule, projects whose ledger rows raise it and a near-miss that does not (by name:
 * `split` and `splitNear`, `pay`, `settle`, `photo`, `share` and `shareFew`/`shareLow`, `visit`).
 */
export async function buildRuleFixtures(f: ReturnType<typeof fixtures>): Promise<Record<string, Fixture[]>> {
  const made: Record<string, Fixture[]> = {};
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
  return made;
}
