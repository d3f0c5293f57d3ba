/**
 * The authorization matrix's share of 约谈 records, the negative list and the annual assessment:
 * on each side of the pair (A: 修齐镇/白台村 and project A, B: 庙坝镇/罗江村 and project B) a talk
 * with an attachment and a lifted negative-list entry with evidence, an entry still listed, and
 * one published month; the probes of their routes and the answer each access rule expects.
 */
import { expect } from 'vitest';
import { canReadProject, type Principal } from '#domain/access.js';
import { canReadAssessment, canReadInterview, isSupervisionOffice } from '#domain/talks-schemas.js';
import { Session, type TestStack } from '../stack.js';
import type { Probe } from './probes.js';
import { PNG, type MatrixContext, type Obj } from './stack.js';

interface Side {
  interview: { id: string; subjectUnitIds: string[]; attachmentId: string };
  entry: { id: number; attachmentId: string };
  /** An entry still listed, for the lift probe (the first office account lifts it). */
  listedEntryId: number;
  township: { code: string; id: string };
}
export interface TalksContext {
  A: Side;
  B: Side;
  month: string;
}

const SIDES: Record<Obj, [township: string, village: string]> = {
  A: ['xqz', 'xqz-btc'],
  B: ['mbz', 'mbz-ljc'],
};

export async function matrixTalks(
  stack: TestStack,
  projects: MatrixContext['projects'],
): Promise<TalksContext> {
  const office = await Session.login(stack.baseUrl, 'supervisor');
  const { rows } = await stack.db.query(`SELECT code, id FROM org_unit`);
  const unitId = (code: string) => rows.find((r) => r.code === code)!.id as string;
  const upload = async () => {
    const res = await office.upload(
      '/api/bulletin-attachments?fileName=matrix.png',
      PNG,
      'image/png',
      'matrix.png',
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  const side = async (o: Obj): Promise<Side> => {
    const [township, village] = SIDES[o];
    const recordFile = await upload();
    const talk = await office.post('/api/interviews', {
      kind: 'collective',
      heldAt: '2026-11-02T10:00:00+08:00',
      interviewers: '矩阵约谈人',
      subjects: [
        { unitCode: township, name: '矩阵甲' },
        { unitCode: village, name: '矩阵乙' },
      ],
      reason: '授权矩阵测试',
      agreed: '授权矩阵测试',
      attachmentIds: [recordFile],
    });
    expect(talk.status, JSON.stringify(talk.body)).toBe(201);
    const list = async () => {
      const res = await office.post('/api/negative-list', {
        unitCode: township,
        project: projects[o].id,
        leaderName: '矩阵负责人',
        reason: '授权矩阵测试',
        listedOn: '2026-11-01',
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as number;
    };
    const entryId = await list();
    const evidence = await upload();
    const lifted = await office.post(`/api/negative-list/${entryId}/lift`, {
      reason: '授权矩阵测试',
      attachmentIds: [evidence],
    });
    expect(lifted.status, JSON.stringify(lifted.body)).toBe(200);
    return {
      interview: {
        id: talk.body.id,
        subjectUnitIds: [unitId(township), unitId(village)],
        attachmentId: recordFile,
      },
      entry: { id: entryId, attachmentId: evidence },
      listedEntryId: await list(),
      township: { code: township, id: unitId(township) },
    };
  };
  const A = await side('A');
  const B = await side('B');
  const month = '2026-01';
  expect((await office.post('/api/negative-list/publications', { month })).status).toBe(201);
  return { A, B, month };
}

type Ctx = { talks: TalksContext };
const t = (c: MatrixContext) => (c as unknown as Ctx).talks;

export const TALKS_PROBES: Record<string, Probe> = {
  'get /api/interviews': { perObject: false, request: () => ({ path: '/api/interviews?pageSize=5' }) },
  'post /api/interviews': {
    perObject: false,
    request: () => ({
      path: '/api/interviews',
      body: {
        kind: 'individual',
        heldAt: '2026-11-03T10:00:00+08:00',
        interviewers: '矩阵',
        subjects: [{ unitCode: 'xqz', name: '矩阵' }],
        reason: '矩阵',
        agreed: '矩阵',
      },
    }),
  },
  'get /api/interviews/:id': {
    perObject: true,
    request: (c, o) => ({ path: `/api/interviews/${t(c)[o].interview.id}` }),
  },
  'get /api/interviews/:id/attachments/:attachmentId': {
    perObject: true,
    request: (c, o) => {
      const i = t(c)[o].interview;
      return { path: `/api/interviews/${i.id}/attachments/${i.attachmentId}` };
    },
  },
  'get /api/interview-flags': {
    perObject: false,
    request: () => ({ path: '/api/interview-flags?status=all' }),
  },
  'get /api/negative-list': { perObject: false, request: () => ({ path: '/api/negative-list?status=all' }) },
  'post /api/negative-list': {
    perObject: false,
    request: () => ({
      path: '/api/negative-list',
      body: { unitCode: 'mbz', leaderName: '矩阵', reason: '矩阵', listedOn: '2026-11-01' },
    }),
  },
  'post /api/negative-list/:id/lift': {
    perObject: true,
    request: (c, o) => ({
      path: `/api/negative-list/${t(c)[o].listedEntryId}/lift`,
      body: { reason: '矩阵' },
    }),
  },
  'get /api/negative-list/:id/attachments/:attachmentId': {
    perObject: true,
    request: (c, o) => {
      const e = t(c)[o].entry;
      return { path: `/api/negative-list/${e.id}/attachments/${e.attachmentId}` };
    },
  },
  'get /api/negative-list/publications': {
    perObject: false,
    request: () => ({ path: '/api/negative-list/publications' }),
  },
  'post /api/negative-list/publications': {
    perObject: false,
    request: () => ({ path: '/api/negative-list/publications', body: { month: '2026-02' } }),
  },
  'get /api/negative-list/publications/:month': {
    perObject: false,
    request: (c) => ({ path: `/api/negative-list/publications/${t(c).month}` }),
  },
  'get /api/units/:code/annual-assessment': {
    perObject: true,
    request: (c, o) => ({ path: `/api/units/${t(c)[o].township.code}/annual-assessment?year=2026` }),
  },
};

/** The statuses a talks access rule allows `p` for object `o`, or undefined for other rules. */
export function talksExpectation(
  access: string,
  p: Principal,
  ctx: MatrixContext,
  o: Obj,
): number[] | undefined {
  const side = t(ctx)[o];
  switch (access) {
    // A write of the office's may still be refused for its content: a month published or an
    // entry lifted by an earlier office account (409). Never 401/403/404 for the office.
    case 'supervision.office':
      return isSupervisionOffice(p) ? [200, 201, 409] : [403];
    case 'interview.read':
      return canReadInterview(p, side.interview) ? [200] : [404];
    // The entries probed are about the side's project: readable as the project is.
    case 'negativeEntry.read':
      return canReadProject(p, ctx.projects[o].scope) ? [200] : [404];
    case 'unit.assessment':
      return canReadAssessment(p, side.township.id) ? [200] : [404];
    default:
      return undefined;
  }
}
