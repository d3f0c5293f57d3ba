/**
 * One probe per route of the api: how to call it for a project inside or outside the caller's
 * scope (`A`, `B`), and which answers count as allowed when the refusal is a business rule. A
 * route without a probe fails the matrix, so no route can be added without deciding (and
 * testing) who may call it.
 */
import type { Action } from '#domain/lifecycle.js';
import { aProject } from '../builders.js';
import { BULLETIN_PROBES } from './bulletin.js';
import { TALKS_PROBES } from './talks.js';
import { RED_FLAG_PROBES } from './red-flags.js';
import { RANKING_PROBES } from './ranking.js';
import { RECTIFICATION_PROBES } from './rectification.js';
import { CIRCULAR_PROBES } from './circulars.js';
import { STATISTICS_PROBES } from './statistics.js';
import { COMPLAINT_PROBES } from './complaints.js';
import { PORTAL_PROBES } from './portal.js';
import { PNG, type MatrixContext, type Obj } from './stack.js';

export interface Probe {
  /** Builds the request for one project of the pair (`undefined` for routes without an object). */
  request(
    ctx: MatrixContext,
    obj: Obj,
    n: number,
  ): { path: string; body?: unknown; upload?: { bytes: Uint8Array; type: string } };
  perObject: boolean;
  /** Statuses that count as "allowed" for this probe (it may be refused for business reasons). */
  allowed?: number[];
  /** For `own` routes: the account the resource belongs to (else the import job's owner). */
  owner?: (ctx: MatrixContext) => string;
}

/** One probe per route of the table. Adding a route without adding it here fails `runAuthzMatrix`. */
export const PROBES: Record<string, Probe> = {
  'get /healthz': { perObject: false, request: () => ({ path: '/healthz' }) },
  'get /readyz': { perObject: false, request: () => ({ path: '/readyz' }) },
  'get /api/openapi.json': { perObject: false, request: () => ({ path: '/api/openapi.json' }) },
  'post /api/auth/login': {
    perObject: false,
    request: () => ({ path: '/api/auth/login', body: { username: 'nobody', password: 'x' } }),
    allowed: [401],
  },
  'post /api/auth/logout': { perObject: false, request: () => ({ path: '/api/auth/logout' }) }, // run on a spare session
  'get /api/auth/me': { perObject: false, request: () => ({ path: '/api/auth/me' }) },
  'post /api/auth/password': {
    perObject: false,
    request: () => ({
      path: '/api/auth/password',
      body: { currentPassword: 'not-the-password', newPassword: 'Whatever-Pass-1' },
    }),
    allowed: [422], // allowed to try; refused only because the current password is wrong
  },
  'post /api/auth/totp/setup': {
    perObject: false,
    request: () => ({ path: '/api/auth/totp/setup' }),
    allowed: [200, 409],
  },
  'post /api/auth/totp/enable': {
    perObject: false,
    request: () => ({ path: '/api/auth/totp/enable', body: { code: '000000' } }),
    allowed: [409, 422],
  },
  'post /api/auth/totp/disable': {
    perObject: false,
    request: () => ({ path: '/api/auth/totp/disable', body: { code: '000000' } }),
    allowed: [403, 409, 422], // administrators may never disable it: a business rule, not access
  },
  'get /api/orgs': { perObject: false, request: () => ({ path: '/api/orgs' }) },
  'get /api/projects': { perObject: true, request: () => ({ path: '/api/projects?pageSize=200' }) },
  'get /api/projects/:id/alerts': {
    perObject: true,
    request: (c, o) => ({ path: `/api/projects/${c.projects[o].id}/alerts` }),
  },
  'get /api/projects/:id': {
    perObject: true,
    request: (c, o) => ({ path: `/api/projects/${c.projects[o].id}` }),
  },
  'post /api/projects': {
    perObject: true,
    // A: a project of 县水务局 (swj); B: of 县交通局 (jtj).
    request: (_c, o) => ({
      path: '/api/projects',
      body: aProject({
        departmentCode: o === 'A' ? 'swj' : 'jtj',
        ownerUnitCode: o === 'A' ? 'xqz' : 'mbz',
        villageCodes: [o === 'A' ? 'xqz-btc' : 'mbz-ljc'],
      }),
    }),
  },
  'post /api/projects/:id/transitions': { perObject: true, request: () => ({ path: '' }) }, // expanded per action below
  'get /api/admin/notification-deliveries': {
    perObject: false,
    request: () => ({ path: '/api/admin/notification-deliveries?status=unknown' }),
  },
  'get /api/admin/notification-deliveries/:id': {
    perObject: false,
    request: (c) => ({ path: `/api/admin/notification-deliveries/${c.deliveryId}` }),
  },
  'post /api/admin/notification-deliveries/:id/resend': {
    perObject: false,
    request: (c) => ({ path: `/api/admin/notification-deliveries/${c.deliveryId}/resend` }),
  },
  'get /api/admin/notification-channels': {
    perObject: false,
    request: () => ({ path: '/api/admin/notification-channels' }),
  },
  'get /api/admin/notification-templates/preview': {
    perObject: false,
    request: () => ({ path: '/api/admin/notification-templates/preview?deadline=progress&step=escalated' }),
  },
  'get /api/me/notification-settings': {
    perObject: false,
    request: () => ({ path: '/api/me/notification-settings' }),
  },
  'put /api/me/notification-settings': {
    perObject: false,
    request: () => ({
      path: '/api/me/notification-settings',
      body: { email: null, phone: '13900001111', channels: { email: true, sms: false }, digest: false },
    }),
  },
  'get /api/admin/users': { perObject: false, request: () => ({ path: '/api/admin/users' }) },
  'post /api/admin/users': {
    perObject: false,
    request: (_c, _o, n) => ({
      path: '/api/admin/users',
      body: { username: `matrix.u${n}`, displayName: '矩阵', orgUnitCode: 'mbz', roles: ['viewer'] },
    }),
  },
  'patch /api/admin/users/:id': {
    perObject: false,
    request: (c) => ({ path: `/api/admin/users/${c.targetUserId}`, body: { displayName: '矩阵目标' } }),
  },
  'post /api/admin/users/:id/reset-password': {
    perObject: false,
    request: (c) => ({ path: `/api/admin/users/${c.targetUserId}/reset-password` }),
  },
  'post /api/admin/users/:id/disable': {
    perObject: false,
    request: (c) => ({ path: `/api/admin/users/${c.targetUserId}/disable` }),
  },
  'post /api/admin/users/:id/enable': {
    perObject: false,
    request: (c) => ({ path: `/api/admin/users/${c.targetUserId}/enable` }),
  },
  'post /api/admin/org-units': {
    perObject: false,
    request: (_c, _o, n) => ({
      path: '/api/admin/org-units',
      body: { code: `mx-${n}`, name: `矩阵村${n}`, kind: 'village', parentCode: 'mbz' },
    }),
  },
  'patch /api/admin/org-units/:code': {
    perObject: false,
    request: () => ({ path: '/api/admin/org-units/mbz-scc', body: { name: '石城村' } }),
  },
};

// ── ledgers, archives, imports ──
const VILLAGE: Record<Obj, string> = { A: 'xqz-btc', B: 'mbz-ljc' };
const ledger = (path: string, body: (o: Obj, n: number) => unknown): Probe => ({
  perObject: true,
  request: (c, o, n) => ({ path: `/api/projects/${c.projects[o].id}/ledgers/${path}`, body: body(o, n) }),
});
Object.assign(PROBES, {
  'get /api/projects/:id/ledgers': {
    perObject: true,
    request: (c: MatrixContext, o: Obj) => ({ path: `/api/projects/${c.projects[o].id}/ledgers` }),
  },
  'get /api/projects/:id/detail-table': {
    perObject: true,
    request: (c: MatrixContext, o: Obj) => ({ path: `/api/projects/${c.projects[o].id}/detail-table` }),
  },
  'get /api/projects/:id/archives': {
    perObject: true,
    request: (c: MatrixContext, o: Obj) => ({ path: `/api/projects/${c.projects[o].id}/archives` }),
  },
  'get /api/archives/:id': {
    perObject: true,
    request: (c: MatrixContext, o: Obj) => ({ path: `/api/archives/${c.archives[o]}` }),
  },
  'post /api/projects/:id/archives': {
    perObject: true,
    request: (c: MatrixContext, o: Obj, n: number) => ({
      path: `/api/projects/${c.projects[o].id}/archives?ledger=site&stage=underway&fileName=${encodeURIComponent(`矩阵${n}.png`)}`,
      upload: { bytes: PNG, type: 'image/png' },
    }),
  },
  'put /api/projects/:id/ledgers/department': ledger('department', () => ({
    constructionContent: '授权矩阵测试：建设内容',
  })),
  'put /api/projects/:id/ledgers/department/fund-sources/:position': ledger(
    'department/fund-sources/0',
    () => ({ fundDocumentNo: '不存在的文号' }),
  ),
  'post /api/projects/:id/ledgers/department/disbursements': ledger('department/disbursements', (_o, n) => ({
    sourcePosition: 0,
    paidOn: '2026-05-01',
    amountFen: 100,
    payee: '矩阵施工队',
    voucherNo: `MX-V-${n}`,
    approver: '审批人',
  })),
  'post /api/projects/:id/ledgers/department/settlement': ledger('department/settlement', () => ({
    settledOn: '2026-11-01',
    settledAmountFen: 1,
  })),
  'post /api/projects/:id/ledgers/implementing/decisions': ledger('implementing/decisions', () => ({
    meeting: '村民代表大会',
    heldOn: '2026-03-01',
    attendees: ['张三', '李四'],
    resolution: '同意实施',
  })),
  'put /api/projects/:id/ledgers/implementing/implementation': ledger('implementing/implementation', () => ({
    method: 'selfBuild',
  })),
  'post /api/projects/:id/ledgers/implementing/progress': ledger('implementing/progress', () => ({
    month: '2026-07',
    percent: 50,
    narrative: '授权矩阵测试',
  })),
  'post /api/projects/:id/ledgers/implementing/adjustments': ledger('implementing/adjustments', (_o, n) => ({
    documentNo: `MX-A-${n}`,
    adjustedOn: '2026-05-01',
    content: '授权矩阵测试',
    reason: '授权矩阵测试',
  })),
  'post /api/projects/:id/ledgers/site/visits': ledger('site/visits', (o) => ({
    villageCode: VILLAGE[o],
    visitedOn: '2026-05-02',
    supervisor: '义务监督员',
    findings: '施工正常',
  })),
  'post /api/projects/:id/ledgers/site/notices': ledger('site/notices', (o) => ({
    villageCode: VILLAGE[o],
    place: '村委会公示栏',
    postedFrom: '2026-03-01',
    postedTo: '2026-03-08',
    content: '项目公示',
  })),
  'post /api/projects/:id/ledgers/site/opinions': ledger('site/opinions', () => ({
    gatheredOn: '2026-02-20',
    method: '院坝会',
    participants: 12,
    summary: '同意',
  })),
  'put /api/projects/:id/ledgers/site/beneficiaries': ledger('site/beneficiaries', () => ({
    households: 10,
    poorHouseholds: 2,
    people: 30,
  })),
  'put /api/projects/:id/ledgers/site/after-care': ledger('site/after-care', () => ({
    owner: '村民委员会',
    duty: '日常巡查',
  })),
  'post /api/projects/:id/ledgers/site/after-care-checks': ledger('site/after-care-checks', () => ({
    checkedOn: '2026-12-01',
    checker: '管护员',
    result: '完好',
  })),
  'get /api/fund-documents': { perObject: false, request: () => ({ path: '/api/fund-documents' }) },
  'post /api/fund-documents': {
    perObject: false,
    request: (_c: MatrixContext, _o: Obj, n: number) => ({
      path: '/api/fund-documents',
      body: {
        documentNo: `矩阵财〔2026〕${n}号`,
        title: '授权矩阵测试资金',
        issuer: '县财政局',
        issuedOn: '2026-01-10',
        amountFen: 100_000,
      },
    }),
  },
  'get /api/archive-requirements': {
    perObject: false,
    request: () => ({ path: '/api/archive-requirements' }),
  },
  'put /api/archive-requirements': {
    perObject: false,
    request: (c: MatrixContext) => ({ path: '/api/archive-requirements', body: { items: c.checklist } }),
  },
  'post /api/ledger-imports': {
    perObject: false,
    request: () => ({
      path: '/api/ledger-imports?kind=progress&wait=true',
      upload: { bytes: Buffer.from('项目编号,月份,进度（%）,进展情况\n'), type: 'text/csv' },
    }),
    allowed: [200, 202, 422], // rows are checked one by one against the caller's level
  },
  'get /api/ledger-imports/:id': {
    perObject: false,
    request: (c: MatrixContext) => ({ path: `/api/ledger-imports/${c.importJob.id}` }),
  },
  'get /api/ledgers/:level/export': {
    perObject: false,
    request: () => ({ path: '/api/ledgers/site/export' }),
  },
} satisfies Record<string, Probe>);

// ── console dashboard and list export (console-dash) ──
Object.assign(PROBES, {
  'get /api/stats/dashboard': { perObject: false, request: () => ({ path: '/api/stats/dashboard' }) },
  // One download per account: the check below looks for both projects of the pair in it.
  'get /api/projects/export': { perObject: false, request: () => ({ path: '/api/projects/export' }) },
} satisfies Record<string, Probe>);

// ── 通知公告, 政策法规, 网络寻呼 ──
Object.assign(
  PROBES,
  BULLETIN_PROBES,
  RECTIFICATION_PROBES,
  TALKS_PROBES,
  RED_FLAG_PROBES,
  RANKING_PROBES,
  CIRCULAR_PROBES,
  STATISTICS_PROBES,
  COMPLAINT_PROBES,
);
// ── the public portal and the notice-board posters ──
Object.assign(PROBES, PORTAL_PROBES);
// ── the in-app inbox: each account's own messages ──
Object.assign(PROBES, {
  'get /api/inbox': { perObject: false, request: () => ({ path: '/api/inbox?pageSize=5' }) },
  'get /api/inbox/unread-count': { perObject: false, request: () => ({ path: '/api/inbox/unread-count' }) },
  'post /api/inbox/read-all': { perObject: false, request: () => ({ path: '/api/inbox/read-all' }) },
  // Only the recipient may mark the message; for everyone else it does not exist.
  'post /api/inbox/:id/read': {
    perObject: false,
    request: (c: MatrixContext) => ({ path: `/api/inbox/${c.inboxMessage.id}/read` }),
    owner: (c: MatrixContext) => c.inboxMessage.owner,
  },
  'post /api/inbox/:id/unread': {
    perObject: false,
    request: (c: MatrixContext) => ({ path: `/api/inbox/${c.inboxMessage.id}/unread` }),
    owner: (c: MatrixContext) => c.inboxMessage.owner,
  },
} satisfies Record<string, Probe>);

/** Steps that leave the stage where it is, so they can be repeated: one per level. */
export const STEP_BODIES: Partial<Record<Action, Record<string, unknown>>> = {
  adjust: {
    action: 'adjust',
    documentNo: '矩阵调〔2026〕1号',
    reason: '授权矩阵测试',
    location: '授权矩阵测试地点',
  },
  reportProgress: { action: 'reportProgress', month: '2026-06', percent: 40, narrative: '授权矩阵测试' },
};
