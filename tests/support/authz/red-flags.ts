/**
 * The authorization matrix's share of risk red flags: a scan over the matrix's two projects (both
 * 实施中 since April with no supervision visit, so each has a flag of its own), the probes of the
 * red flag routes, and the answer each access rule expects.
 */
import { expect } from 'vitest';
import type { Principal } from '#domain/access.js';
import { canReadRedFlag, canReviewRedFlags } from '#domain/red-flags.js';
import { Session, type TestStack } from '../stack.js';
import type { Probe } from './probes.js';
import type { MatrixContext, Obj } from './stack.js';

export type RedFlagContext = Record<Obj, { id: number; unitIds: string[] }>;

export async function matrixRedFlags(
  stack: TestStack,
  projects: MatrixContext['projects'],
): Promise<RedFlagContext> {
  const office = await Session.login(stack.baseUrl, 'supervisor');
  const scan = await office.post('/api/red-flags/scan');
  expect(scan.status, JSON.stringify(scan.body)).toBe(200);
  const flagOf = async (o: Obj) => {
    const { rows } = await stack.db.query(
      `SELECT id::int AS id, unit_ids::text[] AS unit_ids FROM red_flag
        WHERE rule = 'noSiteVisit' AND project_ids = ARRAY[$1::uuid]`,
      [projects[o].id],
    );
    expect(rows, `the no-visit flag of project ${o}`).toHaveLength(1);
    return { id: rows[0].id as number, unitIds: rows[0].unit_ids as string[] };
  };
  return { A: await flagOf('A'), B: await flagOf('B') };
}

type Ctx = { redFlags: RedFlagContext };

export const RED_FLAG_PROBES: Record<string, Probe> = {
  // Every account lists (what it may see: red-flags-review.test.ts checks which).
  'get /api/red-flags': { perObject: false, request: () => ({ path: '/api/red-flags?pageSize=5' }) },
  'get /api/red-flags/:id': {
    perObject: true,
    request: (c, o) => ({ path: `/api/red-flags/${(c as unknown as Ctx).redFlags[o].id}` }),
  },
  'post /api/red-flags/:id/dismiss': {
    perObject: true,
    request: (c, o, n) => ({
      path: `/api/red-flags/${(c as unknown as Ctx).redFlags[o].id}/dismiss`,
      body: { reason: `授权矩阵测试 ${n}` },
    }),
  },
  'post /api/red-flags/scan': { perObject: false, request: () => ({ path: '/api/red-flags/scan' }) },
};

export function redFlagExpectation(
  access: string,
  p: Principal,
  ctx: RedFlagContext,
  o: Obj,
): number[] | undefined {
  switch (access) {
    case 'redFlag.read':
      return canReadRedFlag(p, ctx[o].unitIds) ? [200] : [404];
    case 'redFlag.write':
      // The first dismissal wins; the office's later ones find it dismissed.
      return canReviewRedFlags(p) ? [200, 409] : [403];
    default:
      return undefined;
  }
}
