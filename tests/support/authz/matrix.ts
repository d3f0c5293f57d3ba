/**
 * The authorization matrix: every account × every route × a project inside and one outside the
 * account's scope, with the expected answer derived from the route's declared `access` and the
 * rules in domain/access.ts.
 */
import ExcelJS from 'exceljs';
import { expect } from 'vitest';
import type { RouteDef } from '#api/http.js';
import {
  ACTION_LEVEL,
  canCreateProject,
  canReadProject,
  canTakeAction,
  canWriteLedger,
  isCountyWide,
  type Principal,
} from '#domain/access.js';
import type { Action } from '#domain/lifecycle.js';
import { Session } from '../stack.js';
import { bulletinExpectation } from './bulletin.js';
import { redFlagExpectation } from './red-flags.js';
import { talksExpectation } from './talks.js';
import { circularExpectation } from './circulars.js';
import { PROBES, STEP_BODIES, type Probe } from './probes.js';
import { rankingExpectation } from './ranking.js';
import { rectificationCheck } from './rectification.js';
import { STATISTICS_FILES, statisticsFigures } from './statistics.js';
import { complaintCheck } from './complaints.js';
import { CONCURRENCY, allProjects, mapLimit, type Account, type MatrixContext, type Obj } from './stack.js';

const OK = [200, 201, 204];
let seq = 0;

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
  let total = 0;
  let budget = 0n;
  for (const r of await allProjects(ctx.stack)) {
    if (!canReadProject(p, r.scope)) continue;
    total++;
    if (r.stage !== 'cancelled') budget += r.budgetFen;
  }
  return { total, budgetFen: Number(budget) };
}

export interface Mismatch {
  account: string;
  route: string;
  object?: Obj;
  expected: string;
  got: number;
}

/**
 * Runs the matrix over `accounts`. Returns every mismatch (the caller expects none) and the number
 * of checks made.
 */
export async function runAuthzMatrix(
  ctx: MatrixContext,
  accounts: Account[],
  /** The requests without a session: once per run, when the accounts are checked in slices. */
  withAnonymous = true,
): Promise<{ mismatches: Mismatch[]; checks: number }> {
  const routes = ctx.stack.routes;
  const missing = routes.map((r) => `${r.method} ${r.path}`).filter((k) => !PROBES[k]);
  expect(missing, 'routes without an authorization probe (add one in tests/support/authz/probes.ts)').toEqual(
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
        const file =
          key === 'get /api/projects/export' || STATISTICS_FILES.includes(key)
            ? await session.download(req.path)
            : undefined;
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
            // Nothing of another department may appear.
            const items = (res.body?.items ?? []) as { department: { code: string } }[];
            const own = county || items.every((d) => d.department.code === acc.username.split('.')[0]);
            check(
              { ...m, expected: `${expected}, own documents only` },
              res.status,
              res.status === expected && own,
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
            // The dashboard's shape, or the statistics' total (JSON or its export's total line).
            const figures = await statisticsFigures(res.body, res.status === 200 ? file?.bytes : undefined);
            const got = figures?.projects?.total;
            const gotBudget = figures?.money?.budgetFen;
            check(
              { ...m, expected: `200, ${want.total} projects, ${want.budgetFen} fen` },
              res.status,
              res.status === 200 && got === want.total && gotBudget === String(want.budgetFen),
            );
            break;
          }
          case 'own': {
            const owner = probe.owner?.(ctx) ?? ctx.importJob.owner;
            const expected = acc.username === owner ? 200 : 404;
            check({ ...m, expected: String(expected) }, res.status, res.status === expected);
            break;
          }
          case 'rectification.read':
          case 'rectification.issue':
          case 'rectification.answer': {
            const { expected, ok } = rectificationCheck(key, p, ctx, obj, res);
            check({ ...m, object: obj, expected }, res.status, ok);
            break;
          }
          case 'complaint.read':
          case 'complaint.office':
          case 'complaint.handle': {
            const { expected, ok } = complaintCheck(key, r.access, p, ctx, obj, res);
            check({ ...m, object: obj, expected }, res.status, ok);
            break;
          }
          default: {
            const allowed =
              bulletinExpectation(r.access, p, ctx.bulletin, obj) ??
              talksExpectation(r.access, p, ctx, obj) ??
              redFlagExpectation(r.access, p, ctx.redFlags, obj) ??
              rankingExpectation(r.access, p, ctx, obj) ??
              circularExpectation(r.access, p, obj);
            if (!allowed) throw new Error(`no expectation for access ${r.access}`);
            check({ ...m, expected: allowed.join('|') }, res.status, allowed.includes(res.status));
          }
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

async function send(session: Session, method: string, req: ReturnType<Probe['request']>) {
  if (req.upload) return session.upload(req.path, req.upload.bytes, req.upload.type, 'matrix-upload');
  return session.request(method.toUpperCase(), req.path, req.body ?? (method === 'get' ? undefined : {}));
}
