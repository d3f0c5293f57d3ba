/**
 * The authorization matrix's share of 通知公告, 政策法规 and 网络寻呼: a notice and a thread on each
 * side of the pair (A: 县水务局/修齐镇/白台村, B: 县交通局/庙坝镇/罗江村, as the projects), a policy,
 * an attachment of each, the probes of their routes, and the answer each access rule expects.
 */
import { expect } from 'vitest';
import type { Principal } from '#domain/access.js';
import {
  canPublishBulletin,
  canReadNotice,
  canSeeReceipts,
  canWriteMessages,
  isThreadMember,
} from '#domain/bulletin-schemas.js';
import { Session, type TestStack } from '../stack.js';
import type { Probe } from './probes.js';
import { PNG, type Obj } from './stack.js';

interface Side {
  notice: { id: string; authorUnitId: string; recipientUnitIds: string[]; attachmentId: string };
  thread: { id: string; unitIds: string[]; attachmentId: string };
}
export interface BulletinContext {
  A: Side;
  B: Side;
  policy: { id: string; attachmentId: string };
}

const SIDES: Record<Obj, string[]> = { A: ['swj', 'xqz', 'xqz-btc'], B: ['jtj', 'mbz', 'mbz-ljc'] };

async function upload(s: Session): Promise<string> {
  const res = await s.upload('/api/bulletin-attachments?fileName=matrix.png', PNG, 'image/png', 'matrix.png');
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

export async function matrixBulletin(stack: TestStack): Promise<BulletinContext> {
  const office = await Session.login(stack.baseUrl, 'tpgjb.op');
  const { rows } = await stack.db.query(`SELECT code, id FROM org_unit`);
  const unitId = (code: string) => rows.find((r) => r.code === code)!.id as string;
  const side = async (o: Obj): Promise<Side> => {
    const [dept, ...others] = SIDES[o];
    const noticeFile = await upload(office);
    const notice = await office.post('/api/notices', {
      title: `矩阵通知${o}`,
      body: '授权矩阵测试',
      category: 'notice',
      issuer: '县脱贫攻坚办',
      issuedOn: '2026-12-01',
      unitCodes: SIDES[o],
      attachmentIds: [noticeFile],
    });
    expect(notice.status, JSON.stringify(notice.body)).toBe(201);
    const d = await Session.login(stack.baseUrl, `${dept}.op`);
    const threadFile = await upload(d);
    const thread = await d.post('/api/threads', {
      subject: `矩阵会话${o}`,
      unitCodes: others,
      body: '授权矩阵测试',
      attachmentIds: [threadFile],
    });
    expect(thread.status, JSON.stringify(thread.body)).toBe(201);
    return {
      notice: {
        id: notice.body.id,
        authorUnitId: unitId('tpgjb'),
        recipientUnitIds: SIDES[o].map(unitId),
        attachmentId: noticeFile,
      },
      thread: { id: thread.body.id, unitIds: SIDES[o].map(unitId), attachmentId: threadFile },
    };
  };
  const policyFile = await upload(office);
  const policy = await office.post('/api/policies', {
    title: '矩阵政策',
    issuer: '县脱贫攻坚办',
    level: 'county',
    category: 'other',
    issuedOn: '2026-01-01',
    attachmentIds: [policyFile],
  });
  expect(policy.status, JSON.stringify(policy.body)).toBe(201);
  return { A: await side('A'), B: await side('B'), policy: { id: policy.body.id, attachmentId: policyFile } };
}

type Ctx = { bulletin: BulletinContext };
const policyBody = {
  title: '矩阵政策',
  issuer: '县脱贫攻坚办',
  level: 'county',
  category: 'other',
  issuedOn: '2026-01-01',
};

export const BULLETIN_PROBES: Record<string, Probe> = {
  'post /api/bulletin-attachments': {
    perObject: false,
    request: () => ({
      path: '/api/bulletin-attachments?fileName=matrix.png',
      upload: { bytes: PNG, type: 'image/png' },
    }),
  },
  'get /api/notices': { perObject: false, request: () => ({ path: '/api/notices?pageSize=100' }) },
  'post /api/notices': {
    perObject: false,
    request: (_c, _o, n) => ({
      path: '/api/notices',
      body: {
        title: `矩阵${n}`,
        body: '矩阵',
        category: 'other',
        issuer: '矩阵',
        issuedOn: '2026-12-01',
        unitCodes: ['xqz'],
      },
    }),
  },
  'get /api/notices/:id': {
    perObject: true,
    request: (c, o) => ({ path: `/api/notices/${(c as unknown as Ctx).bulletin[o].notice.id}` }),
  },
  'post /api/notices/:id/read': {
    perObject: true,
    request: (c, o) => ({ path: `/api/notices/${(c as unknown as Ctx).bulletin[o].notice.id}/read` }),
  },
  'get /api/notices/:id/receipts': {
    perObject: true,
    request: (c, o) => ({ path: `/api/notices/${(c as unknown as Ctx).bulletin[o].notice.id}/receipts` }),
  },
  'get /api/notices/:id/attachments/:attachmentId': {
    perObject: true,
    request: (c, o) => {
      const n = (c as unknown as Ctx).bulletin[o].notice;
      return { path: `/api/notices/${n.id}/attachments/${n.attachmentId}` };
    },
  },
  'get /api/policies': {
    perObject: false,
    request: () => ({ path: `/api/policies?q=${encodeURIComponent('矩阵')}` }),
  },
  'post /api/policies': { perObject: false, request: () => ({ path: '/api/policies', body: policyBody }) },
  'get /api/policies/:id': {
    perObject: false,
    request: (c) => ({ path: `/api/policies/${(c as unknown as Ctx).bulletin.policy.id}` }),
  },
  'put /api/policies/:id': {
    perObject: false,
    request: (c) => ({ path: `/api/policies/${(c as unknown as Ctx).bulletin.policy.id}`, body: policyBody }),
  },
  'get /api/policies/:id/attachments/:attachmentId': {
    perObject: false,
    request: (c) => {
      const p = (c as unknown as Ctx).bulletin.policy;
      return { path: `/api/policies/${p.id}/attachments/${p.attachmentId}` };
    },
  },
  'get /api/threads': { perObject: false, request: () => ({ path: '/api/threads?pageSize=100' }) },
  'post /api/threads': {
    perObject: false,
    // Two county-level units: every account has at least one other unit to write to.
    request: () => ({
      path: '/api/threads',
      body: { subject: '矩阵', unitCodes: ['ck', 'zxjdb'], body: '矩阵' },
    }),
  },
  'get /api/threads/:id': {
    perObject: true,
    request: (c, o) => ({ path: `/api/threads/${(c as unknown as Ctx).bulletin[o].thread.id}` }),
  },
  'post /api/threads/:id/messages': {
    perObject: true,
    request: (c, o) => ({
      path: `/api/threads/${(c as unknown as Ctx).bulletin[o].thread.id}/messages`,
      body: { body: '矩阵回复' },
    }),
  },
  'post /api/threads/:id/read': {
    perObject: true,
    request: (c, o) => ({ path: `/api/threads/${(c as unknown as Ctx).bulletin[o].thread.id}/read` }),
  },
  'get /api/threads/:id/attachments/:attachmentId': {
    perObject: true,
    request: (c, o) => {
      const t = (c as unknown as Ctx).bulletin[o].thread;
      return { path: `/api/threads/${t.id}/attachments/${t.attachmentId}` };
    },
  },
};

/** The statuses a bulletin access rule allows `p` for object `o`, or undefined for other rules. */
export function bulletinExpectation(
  access: string,
  p: Principal,
  ctx: BulletinContext,
  o: Obj,
): number[] | undefined {
  const notice = ctx[o].notice;
  const thread = ctx[o].thread;
  switch (access) {
    case 'bulletin.publish':
      return canPublishBulletin(p) ? [200, 201] : [403];
    case 'bulletin.write':
      return canWriteMessages(p) ? [201] : [403];
    case 'notice.read':
      return canReadNotice(p, notice) ? [200] : [404];
    case 'notice.receipts':
      return !canReadNotice(p, notice) ? [404] : canSeeReceipts(p, notice) ? [200] : [403];
    case 'thread.read':
      return isThreadMember(p, thread) ? [200] : [404];
    case 'thread.write':
      return !isThreadMember(p, thread) ? [404] : canWriteMessages(p) ? [201] : [403];
    default:
      return undefined;
  }
}
