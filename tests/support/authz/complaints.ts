/**
 * The authorization matrix's share of complaints: a complaint on each side of the pair (A assigned
 * to 修齐镇, B to 庙坝镇, each handled with a photo as evidence), the probes of the console's
 * routes, and the answer each access rule expects (domain/complaint-schemas.ts).
 */
import { expect } from 'vitest';
import { isCountyWide, type Principal } from '#domain/access.js';
import { canHandleComplaint, isSupervisionOffice } from '#domain/complaint-schemas.js';
import { PHOTO, formToken, submitMultipart } from '../complaints.js';
import { uploadEvidence } from '../rectification.js';
import { Session, type TestStack } from '../stack.js';
import type { Probe } from './probes.js';
import type { Obj } from './stack.js';

interface Side {
  id: string;
  unitId: string;
  photoId: string;
  evidenceId: string;
}
export type ComplaintContext = Record<Obj, Side>;
type Ctx = { complaints: ComplaintContext };

const UNITS: Record<Obj, string> = { A: 'xqz', B: 'mbz' };
const VILLAGES: Record<Obj, string> = { A: 'xqz-btc', B: 'mbz-ljc' };

export async function matrixComplaints(stack: TestStack): Promise<ComplaintContext> {
  const office = await Session.login(stack.baseUrl, 'supervisor');
  // The form's token must age as a person's would (the default 3 s) before it is sent.
  const tokens = await Promise.all([formToken(stack.baseUrl), formToken(stack.baseUrl)]);
  await new Promise((r) => setTimeout(r, 3100));
  const side = async (o: Obj, i: number): Promise<Side> => {
    const sent = await submitMultipart(
      stack.baseUrl,
      { village: VILLAGES[o], anonymous: true, formToken: tokens[i]!, description: `矩阵举报${o}` },
      [{ bytes: PHOTO, type: 'image/png', name: 'p.png' }],
    );
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    const { rows } = await stack.db.query(
      `SELECT c.id, p.id AS photo_id, o.id AS unit_id FROM complaint c JOIN complaint_photo p ON p.complaint_id = c.id
         JOIN org_unit o ON o.code = $2 WHERE c.receipt = $1`,
      [sent.body.receipt, UNITS[o]],
    );
    const id = rows[0].id as string;
    for (const [step, body] of [
      ['acknowledge', {}],
      ['assign', { unitCode: UNITS[o] }],
    ] as const) {
      const res = await office.post(`/api/complaints/${id}/${step}`, body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    const unit = await Session.login(stack.baseUrl, `${UNITS[o]}.op`);
    const evidenceId = await uploadEvidence(unit);
    const handled = await unit.post(`/api/complaints/${id}/handle`, {
      action: '矩阵办理',
      evidenceIds: [evidenceId],
    });
    expect(handled.status, JSON.stringify(handled.body)).toBe(200);
    return { id, unitId: rows[0].unit_id as string, photoId: rows[0].photo_id as string, evidenceId };
  };
  return { A: await side('A', 0), B: await side('B', 1) };
}

const of = (c: unknown, o: Obj) => (c as Ctx).complaints[o];
const post = (path: string, body: Record<string, unknown>): Probe => ({
  perObject: true,
  request: (c, o) => ({ path: `/api/complaints/${of(c, o).id}/${path}`, body }),
});

export const COMPLAINT_PROBES: Record<string, Probe> = {
  'get /api/complaints': { perObject: true, request: () => ({ path: '/api/complaints?pageSize=100' }) },
  'get /api/complaints/:id': {
    perObject: true,
    request: (c, o) => ({ path: `/api/complaints/${of(c, o).id}` }),
  },
  'get /api/complaints/:id/photos/:photoId': {
    perObject: true,
    request: (c, o) => ({ path: `/api/complaints/${of(c, o).id}/photos/${of(c, o).photoId}` }),
  },
  'get /api/complaints/:id/evidence/:evidenceId': {
    perObject: true,
    request: (c, o) => ({ path: `/api/complaints/${of(c, o).id}/evidence/${of(c, o).evidenceId}` }),
  },
  'post /api/complaints/:id/acknowledge': post('acknowledge', {}),
  'post /api/complaints/:id/assign': post('assign', { unitCode: 'xqz' }),
  'post /api/complaints/:id/answer': post('answer', { answer: '矩阵答复' }),
  'post /api/complaints/:id/close': post('close', {}),
  'post /api/complaints/:id/reopen': post('reopen', { reason: '矩阵重办' }),
  'post /api/complaints/:id/handle': post('handle', { action: '矩阵再办' }),
};

/**
 * What a complaint route answers `p` for the complaint of side `obj`: one the account may not read
 * answers as one that does not exist; one it may read but not act on is a 403; an allowed step
 * may still be refused by the complaint's state (409). The list shows it exactly when readable.
 */
export function complaintCheck(
  route: string,
  access: string,
  p: Principal,
  c: unknown,
  obj: Obj,
  res: { status: number; body: unknown },
): { expected: string; ok: boolean } {
  const side = of(c, obj);
  const readable = isCountyWide(p) || p.orgUnitId === side.unitId;
  const expect = (allowed: number[]) => ({ expected: allowed.join('|'), ok: allowed.includes(res.status) });
  if (route === 'get /api/complaints') {
    const ids = ((res.body as { items?: { id: string }[] })?.items ?? []).map((i) => i.id);
    return {
      expected: readable ? '200, listed' : '200, not listed',
      ok: res.status === 200 && ids.includes(side.id) === readable,
    };
  }
  if (access === 'complaint.read') return expect(readable ? [200] : [404]);
  if (access === 'complaint.office')
    return expect(!readable ? [404] : isSupervisionOffice(p) ? [200, 409] : [403]);
  if (access === 'complaint.handle')
    return expect(!readable ? [404] : canHandleComplaint(p, { unitId: side.unitId }) ? [200, 409] : [403]);
  throw new Error(`no complaint expectation for ${route}`);
}
