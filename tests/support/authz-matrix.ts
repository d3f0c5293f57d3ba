/**
 * The authorization matrix: every account × every route × a project inside and one outside the
 * account's scope, with the expected answer derived from the route's declared `access` and the
 * rules in domain/access.ts. A route in the table without a probe here fails the run, so no
 * route can be added without deciding (and testing) who may call it.
 */
import ExcelJS from 'exceljs';
import { expect } from 'vitest';
import type { RouteDef } from '../../api/src/http.js';
import { freshTotp } from './totp.js';
import {
  ACTION_LEVEL,
  canCreateProject,
  canReadProject,
  canTakeAction,
  canWriteLedger,
  isCountyWide,
  type Principal,
  type ProjectScope,
} from '../../domain/access.js';
import type { Action } from '../../domain/lifecycle.js';
import { aProject } from './builders.js';
import { TEST_PASSWORD } from './constants.js';
import { Session, startTestStack, type TestStack } from './stack.js';

export interface MatrixContext {
  stack: TestStack;
  projects: { A: { id: string; scope: ProjectScope }; B: { id: string; scope: ProjectScope } };
  adminSecret: string;
  /** An account the admin probes may reset and disable without disturbing the matrix. */
  targetUserId: string;
  /** One archive document of each project (uploaded by its village operator). */
  archives: { A: string; B: string };
  /** An import job and the account that started it (only that account may read it). */
  importJob: { id: string; owner: string };
  /** The archive checklist as it is, for the probe that writes it back unchanged. */
  checklist: unknown[];
}

export interface Account {
  username: string;
  principal: Principal;
  session: Session;
}

type Obj = 'A' | 'B';
interface Probe {
  /** Builds the request for one project of the pair (`undefined` for routes without an object). */
  request(
    ctx: MatrixContext,
    obj: Obj,
    n: number,
  ): { path: string; body?: unknown; upload?: { bytes: Uint8Array; type: string } };
  perObject: boolean;
  /** Statuses that count as "allowed" for this probe (it may be refused for business reasons). */
  allowed?: number[];
}

const OK = [200, 201, 204];
/** Requests in flight at once: enough to keep both cores busy, few enough to keep timings honest. */
const CONCURRENCY = 4;
let seq = 0;

/** One probe per route of the table. Adding a route without adding it here fails `runAuthzMatrix`. */
const PROBES: Record<string, Probe> = {
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

// ── ledgers, archives, imports (issue 4) ──
const VILLAGE: Record<Obj, string> = { A: 'xqz-btc', B: 'mbz-ljc' };
const ledger = (path: string, body: (o: Obj, n: number) => unknown): Probe => ({
  perObject: true,
  request: (c, o, n) => ({ path: `/api/projects/${c.projects[o].id}/ledgers/${path}`, body: body(o, n) }),
});
const PNG = Uint8Array.from(
  Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  ),
);
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

/** The project codes in an exported list (first column under the header row). */
async function exportedCodes(bytes: Uint8Array): Promise<string[]> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(bytes as unknown as ArrayBuffer);
  const codes: string[] = [];
  book.worksheets[0]!.eachRow((row, n) => {
    if (n > 1) codes.push(String(row.getCell(1).value));
  });
  return codes;
}

/**
 * What the dashboard must count for a principal, from the database directly and domain/access.ts:
 * every project it may read, and the budget of those not cancelled.
 */
async function expectedFigures(
  ctx: MatrixContext,
  p: Principal,
): Promise<{ total: number; budgetFen: number }> {
  const { rows } = await ctx.stack.db.query(
    `SELECT p.id, p.stage, p.budget_fen::text AS budget, p.department_id, p.owner_unit_id,
            array_agg(pv.village_id) AS villages, array_agg(DISTINCT v.parent_id) AS townships
       FROM project p JOIN project_village pv ON pv.project_id = p.id JOIN org_unit v ON v.id = pv.village_id
      GROUP BY p.id`,
  );
  let total = 0;
  let budget = 0n;
  for (const r of rows) {
    const scope: ProjectScope = {
      departmentId: r.department_id,
      ownerUnitId: r.owner_unit_id,
      villageIds: r.villages,
      townshipIds: r.townships,
    };
    if (!canReadProject(p, scope)) continue;
    total++;
    if (r.stage !== 'cancelled') budget += BigInt(r.budget);
  }
  return { total, budgetFen: Number(budget) };
}
// ── end console-dash ──

/** Steps that leave the stage where it is, so they can be repeated: one per level. */
const STEP_BODIES: Partial<Record<Action, Record<string, unknown>>> = {
  adjust: {
    action: 'adjust',
    documentNo: '矩阵调〔2026〕1号',
    reason: '授权矩阵测试',
    location: '授权矩阵测试地点',
  },
  reportProgress: { action: 'reportProgress', month: '2026-06', percent: 40, narrative: '授权矩阵测试' },
};

export interface Mismatch {
  account: string;
  route: string;
  object?: Obj;
  expected: string;
  got: number;
}

export async function loadAccounts(stack: TestStack, adminSecret: string): Promise<Account[]> {
  const { rows } = await stack.db.query(
    `SELECT u.username, o.id AS org_id, o.kind, array_agg(r.role ORDER BY r.role) AS roles
       FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id JOIN user_role r ON r.user_id = u.id
      WHERE NOT u.must_change_password AND NOT u.disabled AND u.username NOT LIKE 'matrix.%'
      GROUP BY u.username, o.id, o.kind ORDER BY u.username`,
  );
  return mapLimit(rows, CONCURRENCY, async (r) => {
    const session = new Session(stack.baseUrl);
    const res = await session.post('/api/auth/login', {
      username: r.username,
      password: TEST_PASSWORD,
      ...(r.username === 'admin' ? { totp: await freshTotp(adminSecret) } : {}),
    });
    expect(res.status, `login ${r.username}`).toBe(200);
    return {
      username: r.username,
      principal: { orgUnitId: r.org_id, orgKind: r.kind, roles: r.roles },
      session,
    } satisfies Account;
  });
}

export async function projectScope(stack: TestStack, id: string): Promise<ProjectScope> {
  const { rows } = await stack.db.query(
    `SELECT p.department_id, p.owner_unit_id, array_agg(pv.village_id) AS villages, array_agg(DISTINCT v.parent_id) AS townships
       FROM project p JOIN project_village pv ON pv.project_id = p.id JOIN org_unit v ON v.id = pv.village_id
      WHERE p.id = $1 GROUP BY p.department_id, p.owner_unit_id`,
    [id],
  );
  const r = rows[0];
  return {
    departmentId: r.department_id,
    ownerUnitId: r.owner_unit_id,
    villageIds: r.villages,
    townshipIds: r.townships,
  };
}

/**
 * Runs the matrix. `only` limits it to some access kinds (the RLS-only run checks the scoped ones).
 * Returns every mismatch (the caller expects none) and the number of checks made.
 */
export async function runAuthzMatrix(
  ctx: MatrixContext,
  accounts: Account[],
  only?: RouteDef['access'][],
  /** Set when the application layer is off: an unpermitted list read may answer 200 with nothing foreign in it. */
  rlsOnly = false,
  /** The requests without a session: once per run, when the accounts are checked in slices. */
  withAnonymous = true,
): Promise<{ mismatches: Mismatch[]; checks: number }> {
  const routes = ctx.stack.routes.filter((r) => !only || only.includes(r.access));
  const missing = ctx.stack.routes.map((r) => `${r.method} ${r.path}`).filter((k) => !PROBES[k]);
  expect(missing, 'routes without an authorization probe (add one in tests/support/authz-matrix.ts)').toEqual(
    [],
  );

  const mismatches: Mismatch[] = [];
  let checks = 0;
  const check = (m: Omit<Mismatch, 'got'>, got: number, ok: boolean) => {
    checks++;
    if (!ok) mismatches.push({ ...m, got });
  };

  // Without a session, only public routes answer.
  const anonymous = new Session(ctx.stack.baseUrl);
  const anonymousProbes = (withAnonymous ? routes : []).flatMap((r) =>
    (PROBES[`${r.method} ${r.path}`]!.perObject ? (['A', 'B'] as Obj[]) : (['A'] as Obj[])).map(
      (obj) => [r, obj] as const,
    ),
  );
  await mapLimit(anonymousProbes, CONCURRENCY, async ([r, obj]) => {
    const probe = PROBES[`${r.method} ${r.path}`]!;
    const req = r.path.endsWith('/transitions')
      ? { path: `/api/projects/${ctx.projects[obj].id}/transitions`, body: STEP_BODIES.adjust }
      : probe.request(ctx, obj, ++seq);
    const res = await send(anonymous, r.method, req);
    const publicOk = probe.allowed ? probe.allowed.includes(res.status) : ![401, 403].includes(res.status);
    check(
      {
        account: '(anonymous)',
        route: `${r.method} ${r.path}`,
        object: obj,
        expected: r.access === 'public' ? (probe.allowed?.join('|') ?? 'not 401/403') : '401',
      },
      res.status,
      r.access === 'public' ? publicOk : res.status === 401,
    );
  });

  // Accounts side by side, each one's probes in table order. The dashboard's figures are checked
  // after every account's writes (projects created by the probes would move them under a check),
  // and logout last, on the account's own session, which the probes before it use.
  const phaseOf = (r: RouteDef) =>
    r.access === 'scope.read' ? 1 : `${r.method} ${r.path}` === 'post /api/auth/logout' ? 2 : 0;
  for (const phase of [0, 1, 2]) {
    const inPhase = routes.filter((r) => phaseOf(r) === phase);
    await mapLimit(accounts, CONCURRENCY, (acc) => probeAccount(acc, inPhase));
  }
  return { mismatches, checks };

  async function probeAccount(acc: Account, routes: RouteDef[]) {
    const p = acc.principal;
    for (const r of routes) {
      const key = `${r.method} ${r.path}`;
      const probe = PROBES[key]!;
      if (r.access === 'public') continue; // covered above; the same for everyone
      if (r.path.endsWith('/transitions')) {
        for (const obj of ['A', 'B'] as Obj[]) {
          for (const [action, body] of Object.entries(STEP_BODIES) as [Action, Record<string, unknown>][]) {
            const res = await acc.session.post(`/api/projects/${ctx.projects[obj].id}/transitions`, body);
            const scope = ctx.projects[obj].scope;
            const expected = !canReadProject(p, scope) ? 404 : canTakeAction(p, scope, action) ? 200 : 403;
            check(
              {
                account: acc.username,
                route: `${key} ${action} (${ACTION_LEVEL[action]})`,
                object: obj,
                expected: String(expected),
              },
              res.status,
              res.status === expected,
            );
          }
        }
        continue;
      }
      for (const obj of probe.perObject ? (['A', 'B'] as Obj[]) : (['A'] as Obj[])) {
        const req = probe.request(ctx, obj, ++seq);
        const session = acc.session;
        // The export answers with a file: its bytes are read below, its status like any other.
        const file = key === 'get /api/projects/export' ? await session.download(req.path) : undefined;
        const res = file
          ? { status: file.status, body: file.json, headers: file.headers }
          : await send(session, r.method, req);
        const scope = ctx.projects[obj].scope;
        const m = { account: acc.username, route: key, object: probe.perObject ? obj : undefined };
        switch (r.access) {
          case 'authenticated': {
            const allowed = probe.allowed ?? OK;
            check({ ...m, expected: allowed.join('|') }, res.status, allowed.includes(res.status));
            break;
          }
          case 'admin': {
            const isAdmin = p.roles.includes('admin');
            check(
              { ...m, expected: isAdmin ? '2xx' : '403' },
              res.status,
              isAdmin ? OK.includes(res.status) : res.status === 403,
            );
            break;
          }
          case 'project.read': {
            if (r.path === '/api/projects/export') {
              // The export lists exactly what the list would: each project appears iff it is readable.
              const codes = res.status === 200 ? await exportedCodes(file!.bytes) : [];
              for (const o of ['A', 'B'] as Obj[]) {
                const code = (
                  await ctx.stack.db.query('SELECT code FROM project WHERE id = $1', [ctx.projects[o].id])
                ).rows[0].code;
                const visible = canReadProject(p, ctx.projects[o].scope);
                check(
                  { ...m, object: o, expected: visible ? 'exported' : 'not exported' },
                  res.status,
                  res.status === 200 && codes.includes(code) === visible,
                );
              }
            } else if (r.path === '/api/projects') {
              const ids = (res.body.items as { id: string }[]).map((i) => i.id);
              const visible = canReadProject(p, scope);
              check(
                { ...m, expected: visible ? 'listed' : 'not listed' },
                res.status,
                res.status === 200 && ids.includes(ctx.projects[obj].id) === visible,
              );
            } else {
              const expected = canReadProject(p, scope) ? 200 : 404;
              check({ ...m, expected: String(expected) }, res.status, res.status === expected);
            }
            break;
          }
          case 'project.create': {
            const expected = canCreateProject(p, scope.departmentId) ? 201 : 403;
            check({ ...m, expected: String(expected) }, res.status, res.status === expected);
            break;
          }
          case 'project.ledger': {
            // The ledger a route writes; archive uploads name theirs in the query (the probe: site).
            const which = r.ledger === 'query' || !r.ledger ? 'site' : r.ledger;
            const readable = canReadProject(p, scope);
            const writer = canWriteLedger(p, scope, which);
            // An authorised write may still be refused for its content (409/422): never 401/403/404.
            const allowed = writer ? [200, 201, 409, 422] : [readable ? 403 : 404];
            check({ ...m, expected: allowed.join('|') }, res.status, allowed.includes(res.status));
            break;
          }
          case 'fundDocument.read': {
            const county = isCountyWide(p);
            const expected = county || p.orgKind === 'department' ? 200 : 403;
            // Nothing of another department may appear, whatever layer answers.
            const items = (res.body?.items ?? []) as { department: { code: string } }[];
            const own = county || items.every((d) => d.department.code === acc.username.split('.')[0]);
            const ok =
              rlsOnly && expected === 403
                ? (res.status === 403 || res.status === 200) && items.length === 0
                : res.status === expected && own;
            check(
              {
                ...m,
                expected:
                  rlsOnly && expected === 403
                    ? '403, or 200 with nothing'
                    : `${expected}, own documents only`,
              },
              res.status,
              ok,
            );
            break;
          }
          case 'fundDocument.write': {
            const expected = p.roles.includes('operator') && p.orgKind === 'department' ? 201 : 403;
            check({ ...m, expected: String(expected) }, res.status, res.status === expected);
            break;
          }
          case 'supervision.config': {
            const expected = p.roles.includes('admin') || p.roles.includes('supervisor') ? 200 : 403;
            check({ ...m, expected: String(expected) }, res.status, res.status === expected);
            break;
          }
          case 'operator': {
            const allowed = p.roles.includes('operator') ? (probe.allowed ?? OK) : [403];
            check({ ...m, expected: allowed.join('|') }, res.status, allowed.includes(res.status));
            break;
          }
          case 'scope.read': {
            // Figures over exactly the projects the account may read: nothing more, nothing less.
            const want = await expectedFigures(ctx, p);
            const got = res.body?.projects?.total;
            const gotBudget = res.body?.money?.budgetFen;
            check(
              { ...m, expected: `200, ${want.total} projects, ${want.budgetFen} fen` },
              res.status,
              res.status === 200 && got === want.total && gotBudget === String(want.budgetFen),
            );
            break;
          }
          case 'own': {
            const expected = acc.username === ctx.importJob.owner ? 200 : 404;
            check({ ...m, expected: String(expected) }, res.status, res.status === expected);
            break;
          }
          default:
            throw new Error(`no expectation for access ${r.access}`);
        }
      }
    }
  }
}

/**
 * The matrix runs as several tests, each on a slice of the accounts (every `SLICES`th from
 * `index`), so that each stays well inside its time limit on a busy machine and a failure names
 * its slice. Together they cover every account.
 */
export const SLICES = 4;
export function accountSlice(accounts: Account[], index: number): Account[] {
  return accounts.filter((_, k) => k % SLICES === index);
}

/**
 * Runs `fn` over `items`, at most `limit` at a time, results in the items' order: the api serves
 * several users at once anyway, and one request at a time left the machine idle between round trips.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

async function send(session: Session, method: string, req: ReturnType<Probe['request']>) {
  if (req.upload) return session.upload(req.path, req.upload.bytes, req.upload.type, 'matrix-upload');
  return session.request(method.toUpperCase(), req.path, req.body ?? (method === 'get' ? undefined : {}));
}

/** Two projects in 实施中 (underway): A of 县水务局/修齐镇/白台村, B of 县交通局/庙坝镇/罗江村. */
export async function matrixProjects(stack: TestStack): Promise<MatrixContext['projects']> {
  const make = async (dept: string, owner: string, village: string) => {
    const d = await Session.login(stack.baseUrl, `${dept}.op`);
    const o = await Session.login(stack.baseUrl, `${owner}.op`);
    const created = await d.post(
      '/api/projects',
      aProject({ departmentCode: dept, ownerUnitCode: owner, villageCodes: [village] }),
    );
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    for (const [s, body] of [
      [d, { action: 'approveDesign', documentNo: 'M-1', approvedOn: '2026-03-01' }],
      [o, { action: 'fixImplementation', method: 'selfBuild' }],
      [o, { action: 'start', startedOn: '2026-04-01' }],
    ] as const) {
      expect((await s.post(`/api/projects/${id}/transitions`, body)).status).toBe(200);
    }
    return { id, scope: await projectScope(stack, id) };
  };
  const [A, B] = await Promise.all([make('swj', 'xqz', 'xqz-btc'), make('jtj', 'mbz', 'mbz-ljc')]);
  return { A, B };
}

/**
 * Turns two-factor authentication on for `admin` (required before it may do anything). Returns the
 * secret and the enrolling session, which may do everything now: a further login spends another code.
 */
export async function enableAdminTotp(stack: TestStack): Promise<{ secret: string; admin: Session }> {
  const admin = await Session.login(stack.baseUrl, 'admin');
  const setup = await admin.post('/api/auth/totp/setup');
  expect(setup.status).toBe(200);
  const enabled = await admin.post('/api/auth/totp/enable', { code: await freshTotp(setup.body.secret) });
  expect(enabled.status).toBe(200);
  return { secret: setup.body.secret as string, admin };
}

/** A fresh account for the admin probes to reset and disable (it must change its password, so the matrix skips it as an actor). */
export async function matrixTarget(admin: Session): Promise<string> {
  const res = await admin.post('/api/admin/users', {
    username: 'matrix.target',
    displayName: '矩阵目标',
    orgUnitCode: 'mbz-scc',
    roles: ['viewer'],
  });
  expect(res.status).toBe(201);
  return res.body.user.id as string;
}

/** A stack ready for the matrix: admin with 2FA, the two projects, and a target account. */
export async function startMatrixStack(opts: { appLayer?: boolean } = {}): Promise<MatrixContext> {
  const stack = await startTestStack({ appLayer: opts.appLayer, login: { ipLimitPerMinute: 10_000 } });
  const { secret: adminSecret, admin } = await enableAdminTotp(stack);
  const projects = await matrixProjects(stack);
  // One archive document per project, uploaded by the village operator that owns the site ledger.
  const upload = async (village: string, projectId: string) => {
    const s = await Session.login(stack.baseUrl, `${village}.op`);
    const res = await s.upload(
      `/api/projects/${projectId}/archives?ledger=site&stage=underway&fileName=${encodeURIComponent('公示照片.png')}`,
      PNG,
      'image/png',
      '公示照片.png',
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  const owner = await Session.login(stack.baseUrl, 'swj.op');
  const job = await owner.upload(
    '/api/ledger-imports?kind=progress&wait=true',
    Buffer.from('项目编号,月份,进度（%）,进展情况\n'),
    'text/csv',
    'empty.csv',
  );
  // A refused import (no data rows) still leaves a job its owner can read.
  const jobId: string = job.body?.id ?? job.body?.error?.details?.id;
  expect(jobId, JSON.stringify(job.body)).toBeTruthy();
  const checklist = await owner.get('/api/archive-requirements');
  expect(checklist.status).toBe(200);
  const [targetUserId, archiveA, archiveB] = await Promise.all([
    matrixTarget(admin),
    upload('xqz-btc', projects.A.id),
    upload('mbz-ljc', projects.B.id),
  ]);
  return {
    stack,
    projects,
    adminSecret,
    targetUserId,
    archives: { A: archiveA, B: archiveB },
    importJob: { id: jobId, owner: 'swj.op' },
    checklist: checklist.body.items as unknown[],
  };
}
