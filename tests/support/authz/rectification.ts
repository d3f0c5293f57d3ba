/**
 * The authorization matrix's share of rectification notices: a notice on each side of the pair
 * (A to 修齐镇 about project A, B to 庙坝镇 about project B), the probes of their routes, and the
 * answer each access rule expects (domain/rectification-schemas.ts and domain/access.ts).
 */
import { expect } from 'vitest';
import { isCountyWide, type Principal } from '#domain/access.js';
import { canAnswerRectification, isSupervisionOffice } from '#domain/rectification-schemas.js';
import { spreadSerials, uploadEvidence } from '../rectification.js';
import { Session, type TestStack } from '../stack.js';
import type { Probe } from './probes.js';
import type { Obj } from './stack.js';

interface Side {
  id: string;
  unitId: string;
  problemId: number;
  /** A photo the unit answered with. */
  evidenceId: string;
}
export type RectificationContext = Record<Obj, Side>;
type Ctx = { rectification: RectificationContext };

const UNITS: Record<Obj, string> = { A: 'xqz', B: 'mbz' };

const noticeBody = (unitCode: string, project?: string) => ({
  unitCode,
  title: '矩阵整改通知',
  problems: [
    { ...(project ? { project } : {}), description: '矩阵问题', basis: '矩阵依据', deadlineDays: 60 },
  ],
});

export async function matrixRectification(
  stack: TestStack,
  projects: Record<Obj, { id: string }>,
): Promise<RectificationContext> {
  const office = await Session.login(stack.baseUrl, 'supervisor');
  await spreadSerials(stack);
  const side = async (o: Obj): Promise<Side> => {
    const res = await office.post('/api/rectifications', noticeBody(UNITS[o], projects[o].id));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { rows } = await stack.db.query(`SELECT id FROM org_unit WHERE code = $1`, [UNITS[o]]);
    const problemId = res.body.problems[0].id as number;
    const unit = await Session.login(stack.baseUrl, `${UNITS[o]}.op`);
    const evidenceId = await uploadEvidence(unit);
    const answered = await unit.post(`/api/rectifications/${res.body.id}/problems/${problemId}/answer`, {
      action: '矩阵整改',
      evidenceIds: [evidenceId],
    });
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    return { id: res.body.id, unitId: rows[0].id, problemId, evidenceId };
  };
  return { A: await side('A'), B: await side('B') };
}

const of = (c: unknown, o: Obj) => (c as Ctx).rectification[o];

export const RECTIFICATION_PROBES: Record<string, Probe> = {
  'get /api/rectifications': {
    perObject: true,
    request: () => ({ path: '/api/rectifications?pageSize=100' }),
  },
  'post /api/rectifications': {
    perObject: false,
    request: (_c, _o, n) => ({
      path: '/api/rectifications',
      body: { ...noticeBody('xqz'), title: `矩阵签发${n}` },
    }),
  },
  'get /api/rectifications/:id': {
    perObject: true,
    request: (c, o) => ({ path: `/api/rectifications/${of(c, o).id}` }),
  },
  'get /api/rectifications/:id/pdf': {
    perObject: true,
    request: (c, o) => ({ path: `/api/rectifications/${of(c, o).id}/pdf` }),
  },
  'get /api/rectifications/:id/evidence/:evidenceId': {
    perObject: true,
    request: (c, o) => ({ path: `/api/rectifications/${of(c, o).id}/evidence/${of(c, o).evidenceId}` }),
  },
  'post /api/rectifications/:id/problems/:problemId/answer': {
    perObject: true,
    request: (c, o) => ({
      path: `/api/rectifications/${of(c, o).id}/problems/${of(c, o).problemId}/answer`,
      body: { action: '矩阵答复' },
    }),
  },
  'post /api/rectifications/:id/problems/:problemId/verdict': {
    perObject: true,
    request: (c, o) => ({
      path: `/api/rectifications/${of(c, o).id}/problems/${of(c, o).problemId}/verdict`,
      body: { verdict: 'sendBack', reasons: '矩阵退回', deadlineDays: 30 },
    }),
  },
  'post /api/rectifications/:id/withdraw': {
    perObject: true,
    request: (c, o) => ({
      path: `/api/rectifications/${of(c, o).id}/withdraw`,
      body: { reason: '矩阵撤回' },
    }),
  },
};

/**
 * What a rectification route answers `p` for the notice of side `obj`: a notice the account may
 * not read answers as one that does not exist; one it may read but not act on is a 403; an
 * allowed exchange may still be refused by the notice's state (409). The list must show the
 * notice exactly when the account may read it.
 */
export function rectificationCheck(
  route: string,
  p: Principal,
  c: unknown,
  obj: Obj,
  res: { status: number; body: unknown },
): { expected: string; ok: boolean } {
  const n = of(c, obj);
  const readable = isCountyWide(p) || p.orgUnitId === n.unitId;
  const office = isSupervisionOffice(p);
  const expect = (allowed: number[]) => ({ expected: allowed.join('|'), ok: allowed.includes(res.status) });
  switch (route) {
    case 'get /api/rectifications': {
      const ids = ((res.body as { items?: { id: string }[] })?.items ?? []).map((i) => i.id);
      return {
        expected: readable ? '200, listed' : '200, not listed',
        ok: res.status === 200 && ids.includes(n.id) === readable,
      };
    }
    case 'post /api/rectifications':
      return expect(office ? [201] : [403]);
    case 'get /api/rectifications/:id':
    case 'get /api/rectifications/:id/pdf':
    case 'get /api/rectifications/:id/evidence/:evidenceId':
      return expect(readable ? [200] : [404]);
    case 'post /api/rectifications/:id/problems/:problemId/answer':
      return expect(!readable ? [404] : canAnswerRectification(p, { unitId: n.unitId }) ? [200, 409] : [403]);
    case 'post /api/rectifications/:id/problems/:problemId/verdict':
    case 'post /api/rectifications/:id/withdraw':
      return expect(!readable ? [404] : office ? [200, 409] : [403]);
    default:
      throw new Error(`no rectification expectation for ${route}`);
  }
}
