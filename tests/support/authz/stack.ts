/**
 * The world the authorization matrix probes: a test stack with the administrator's 2FA on, two
 * projects in 实施中 in different departments, townships and villages, an archive document of
 * each, an import job, and every active account logged in.
 */
import { expect } from 'vitest';
import type { Principal, ProjectScope } from '#domain/access.js';
import { aProject } from '../builders.js';
import { TEST_PASSWORD } from '../constants.js';
import { Session, startTestStack, type TestStack } from '../stack.js';
import { freshTotp } from '../totp.js';
import { matrixBulletin, type BulletinContext } from './bulletin.js';
import { matrixTalks, type TalksContext } from './talks.js';
import { matrixRedFlags, type RedFlagContext } from './red-flags.js';
import { matrixRectification, type RectificationContext } from './rectification.js';
import { matrixComplaints, type ComplaintContext } from './complaints.js';
import { matrixCirculars, type CircularContext } from './circulars.js';

export interface MatrixContext {
  stack: TestStack;
  projects: { A: { id: string; scope: ProjectScope }; B: { id: string; scope: ProjectScope } };
  adminSecret: string;
  /** An account the admin probes may reset and disable without disturbing the matrix. */
  targetUserId: string;
  /** A delivery the dispatcher lost track of (`unknown`): the administrator may resend it once. */
  deliveryId: string;
  /** One archive document of each project (uploaded by its village operator). */
  archives: { A: string; B: string };
  /** An import job and the account that started it (only that account may read it). */
  importJob: { id: string; owner: string };
  /** The archive checklist as it is, for the probe that writes it back unchanged. */
  checklist: unknown[];
  /** A notice and a thread on each side of the pair, a policy, an attachment of each. */
  bulletin: BulletinContext;
  /** A talk and negative-list entries on each side of the pair, and a published month. */
  talks: TalksContext;
  /** A published circular (A) and a draft (B). */
  circulars: CircularContext;
  /** An inbox message and the account it is for (only that account may mark it). */
  inboxMessage: { id: string; owner: string };
  /** A red flag of each project, and the units it concerns. */
  redFlags: RedFlagContext;
  /** A rectification notice on each side of the pair (A to 修齐镇, B to 庙坝镇). */
  rectification: RectificationContext;
  /** A complaint on each side of the pair (A assigned to 修齐镇, B to 庙坝镇), handled. */
  complaints: ComplaintContext;
}

export interface Account {
  username: string;
  principal: Principal;
  session: Session;
}

/** The project inside (`A`) or outside (`B`) a pair of scopes. */
export type Obj = 'A' | 'B';

/** Requests in flight at once: enough to keep both cores busy, few enough to keep timings honest. */
export const CONCURRENCY = 4;

/** A one-pixel PNG: the archive document the probes and the setup upload. */
export const PNG = Uint8Array.from(
  Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  ),
);

/** Every active account of the matrix (not its targets) as domain/access.ts sees it, by username. */
export async function loadPrincipals(stack: TestStack): Promise<Omit<Account, 'session'>[]> {
  const { rows } = await stack.db.query(
    `SELECT u.id, u.username, o.id AS org_id, o.kind, array_agg(r.role ORDER BY r.role) AS roles
       FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id JOIN user_role r ON r.user_id = u.id
      WHERE NOT u.must_change_password AND NOT u.disabled AND u.username NOT LIKE 'matrix.%'
      GROUP BY u.id, u.username, o.id, o.kind ORDER BY u.username`,
  );
  return rows.map((r) => ({
    username: r.username,
    principal: { orgUnitId: r.org_id, orgKind: r.kind, roles: r.roles, userId: r.id },
  }));
}

/** Every active account, logged in. */
export async function loadAccounts(stack: TestStack, adminSecret: string): Promise<Account[]> {
  return mapLimit(await loadPrincipals(stack), CONCURRENCY, async (a) => {
    const session = new Session(stack.baseUrl);
    const res = await session.post('/api/auth/login', {
      username: a.username,
      password: TEST_PASSWORD,
      ...(a.username === 'admin' ? { totp: await freshTotp(adminSecret) } : {}),
    });
    expect(res.status, `login ${a.username}`).toBe(200);
    return { ...a, session } satisfies Account;
  });
}

/** Every project with its scope, stage and budget, read as the database owner (no row-level security). */
export async function allProjects(
  stack: TestStack,
): Promise<{ id: string; stage: string; budgetFen: bigint; scope: ProjectScope }[]> {
  const { rows } = await stack.db.query(
    `SELECT p.id, p.stage, p.budget_fen::text AS budget, p.department_id, p.owner_unit_id,
            array_agg(pv.village_id) AS villages, array_agg(DISTINCT v.parent_id) AS townships
       FROM project p JOIN project_village pv ON pv.project_id = p.id JOIN org_unit v ON v.id = pv.village_id
      GROUP BY p.id`,
  );
  return rows.map((r) => ({
    id: r.id,
    stage: r.stage,
    budgetFen: BigInt(r.budget),
    scope: {
      departmentId: r.department_id,
      ownerUnitId: r.owner_unit_id,
      villageIds: r.villages,
      townshipIds: r.townships,
    },
  }));
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
export async function startMatrixStack(): Promise<MatrixContext> {
  const stack = await startTestStack({ login: { ipLimitPerMinute: 10_000 } });
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
  // A message in one account's inbox, as the notify activity writes it (as the owner here).
  const message = await stack.db.query(
    `INSERT INTO inbox_message (key, user_id, project_id, category, severity, title, body, created_at)
     SELECT 'matrix:inbox', u.id, $1, 'deadline', 'warning', '矩阵消息', '矩阵消息', now()
       FROM app_user u WHERE u.username = 'xqz.op' RETURNING id::text AS id`,
    [projects.A.id],
  );
  const [targetUserId, archiveA, archiveB, bulletin, talks, rectification, circulars] = await Promise.all([
    matrixTarget(admin),
    upload('xqz-btc', projects.A.id),
    upload('mbz-ljc', projects.B.id),
    matrixBulletin(stack),
    matrixTalks(stack, projects),
    matrixRectification(stack, projects),
    matrixCirculars(stack),
  ]);
  const redFlags = await matrixRedFlags(stack, projects);
  const complaints = await matrixComplaints(stack);
  const { rows: delivery } = await stack.db.query(
    `INSERT INTO notification_delivery (notification_key, recipient, channel, address, severity, locale, title,
            message, status, not_before, attempts, last_error_code)
     VALUES ('matrix:1', 'matrix-robot', 'dingtalk', 'matrix-robot', 'warning', 'zh-CN', '矩阵', '{}', 'unknown',
            now(), 1, 'INTERRUPTED') RETURNING id`,
  );
  return {
    stack,
    projects,
    adminSecret,
    targetUserId,
    deliveryId: delivery[0].id as string,
    archives: { A: archiveA, B: archiveB },
    importJob: { id: jobId, owner: 'swj.op' },
    checklist: checklist.body.items as unknown[],
    bulletin,
    talks,
    circulars,
    inboxMessage: { id: message.rows[0].id as string, owner: 'xqz.op' },
    redFlags,
    rectification,
    complaints,
  };
}
