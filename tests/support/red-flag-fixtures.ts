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
