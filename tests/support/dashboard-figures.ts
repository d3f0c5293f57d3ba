/**
 * The dashboard's figures computed straight from the database, written independently of the api's
 * statistics code: the scope is spelled out here in SQL from docs/domain.md §8 (county: everything;
 * department: governs or owns; township: owns or a village of it; village: lies in it), and every
 * sum is PostgreSQL's over the raw tables, connected as the database owner (no row-level security).
 * The same figures with no scope condition at all, in an account's scope as the application role,
 * are what row-level security alone lets that account count (`rlsFigures`).
 * Also seeds a county for them: the demo county's ten handcrafted projects with their ledgers and
 * real deadline ladders (planned dates lie in the past, so overdue alerts fire on arming).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createFsArchiveStorage } from '#api/modules/archives/storage.js';
import type pg from 'pg';
import type { Principal } from '#domain/access.js';
import type { Orm } from '#db/orm.js';
import { inScope, scopeOf } from '#db/scope.js';
import { createLogger } from '#platform/log.js';
import { markDemoSeeded, seedDemoProjects } from '#scripts/lib/demo-seed.js';
import { aProject } from './builders.js';
import { Session, type TestStack } from './stack.js';

/** The small demo county; answers how its projects' codes read here (CK2026-005 → D1a2b3c-005). */
export async function seedSmallCounty(stack: TestStack): Promise<(code: string) => string> {
  const suffix = randomBytes(4).toString('hex');
  const codeOf = (code: string) => `D${suffix}-${code.slice(-3)}`;
  await seedDemoProjects({
    orm: stack.orm,
    temporal: stack.client,
    taskQueue: stack.taskQueue,
    log: createLogger('test-seed', 'warn'),
    audit: stack.audit,
    small: true,
    storage: createFsArchiveStorage(path.join(stack.dataDir, 'archives')),
    // CK2026-005 → D1a2b3c-005: unique on the shared Temporal server (the seed-demo test uses CK2026-…).
    codeOf,
  });
  // Done, as `npm start`'s seed says when it is: else the console announces a seed still running.
  await markDemoSeeded(stack.orm);
  await alertsSettled(stack);
  return codeOf;
}

/**
 * A project of another year than the demo county's (all 2026), registered through the api by 县水务局
 * for 修齐镇 白台村 (so it lies in the county's, swj's, xqz's and xqz-btc's scopes), with a payment
 * from its second fund source. Its planned dates lie in that year, so its ladders fire on arming.
 */
export async function addProjectOfYear(
  stack: TestStack,
  year: number,
): Promise<{ id: string; code: string }> {
  const dept = await Session.login(stack.baseUrl, 'swj.op');
  const created = await dept.post(
    '/api/projects',
    aProject({
      year,
      name: `${year}年度白台村产业路`,
      approvalDocumentNo: `城扶发〔${year}〕7号`,
      plannedDates: {
        start: `${year}-04-01`,
        completion: `${year}-08-31`,
        acceptance: `${year}-09-30`,
        reimbursement: `${year}-11-30`,
      },
    }),
  );
  if (created.status !== 201)
    throw new Error(`project of ${year}: ${created.status} ${JSON.stringify(created.body)}`);
  const { id, code } = created.body as { id: string; code: string };
  const paid = await dept.post(`/api/projects/${id}/ledgers/department/disbursements`, {
    sourcePosition: 1,
    paidOn: `${year}-05-10`,
    amountFen: 4_000_000,
    payee: '重庆某建设有限公司',
    voucherNo: `记-${code}-1`,
    approver: '县水务局 赵六',
  });
  if (paid.status !== 201) throw new Error(`payment of ${code}: ${paid.status} ${JSON.stringify(paid.body)}`);
  await alertsSettled(stack);
  return { id, code };
}

/** Ladders fire from the workflows, not from the writer: wait until the alert table stops changing. */
export async function alertsSettled(stack: TestStack): Promise<void> {
  let last = -1;
  for (let stable = 0; stable < 3;) {
    await new Promise((r) => setTimeout(r, 700));
    const { rows } = await stack.db.query(
      "SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'active')::int AS a FROM alert",
    );
    const n = rows[0].n * 1000 + rows[0].a;
    stable = n === last ? stable + 1 : 0;
    last = n;
  }
}

export interface DbFigures {
  total: number;
  byStage: Record<string, number>;
  budgetFen: number;
  disbursedFen: number;
  /** ⌊disbursed × 10000 ÷ budget⌋, by PostgreSQL's integer division. */
  basisPoints: number | null;
  bySource: Record<string, { budgetFen: number; disbursedFen: number }>;
  overdueTotal: number;
  overdueByKind: Record<string, number>;
  overdueByUnit: Record<string, number>;
  progressMissing: number;
}

/** Rows of one statement with pg-style `$n` placeholders. */
type Query = (sql: string, params: unknown[]) => Promise<any[]>;
/** A condition on `p` and the account's unit, its `$1`. */
type ScopeSql = { cond: string; unit: string };

const asOwner =
  (db: pg.Pool): Query =>
  async (sql, params) =>
    (await db.query(sql, params)).rows;

/** Each statement in its own transaction of the account's scope, as the application role. */
const inScopeOf =
  (orm: Orm, p: Principal): Query =>
  (sql, params) => {
    const ordered: unknown[] = [];
    const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
      ordered.push(params[Number(n) - 1]);
      return '?';
    });
    return inScope(orm, scopeOf(p), (tx) => tx.execute<any[]>(text, ordered));
  };

/** No condition: every row the transaction can see (the account's unit still fills `$1`). */
const everyVisibleRow = (p: Principal): ScopeSql => ({ cond: '$1::uuid IS NOT NULL', unit: p.orgUnitId });

/** The projects an account may read, as SQL over `p`, with the account's unit as $1. */
async function scopeSql(db: pg.Pool, username: string): Promise<ScopeSql> {
  const { rows } = await db.query(
    `SELECT o.id, o.kind, array_agg(r.role) AS roles FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id
       JOIN user_role r ON r.user_id = u.id WHERE u.username = $1 GROUP BY o.id, o.kind`,
    [username],
  );
  const { id, kind, roles } = rows[0] as { id: string; kind: string; roles: string[] };
  const county =
    ['county', 'office'].includes(kind) || roles.some((r) => ['leader', 'supervisor', 'admin'].includes(r));
  const cond = county
    ? '$1::uuid IS NOT NULL'
    : kind === 'department'
      ? '(p.department_id = $1 OR p.owner_unit_id = $1)'
      : kind === 'township'
        ? `(p.owner_unit_id = $1 OR p.id IN (SELECT pv.project_id FROM project_village pv
             JOIN org_unit v ON v.id = pv.village_id WHERE v.parent_id = $1))`
        : 'p.id IN (SELECT pv.project_id FROM project_village pv WHERE pv.village_id = $1)';
  return { cond, unit: id };
}

/** The years with projects in the account's scope (and of `unit`), newest first. */
export async function dbYears(db: pg.Pool, username: string, unit?: string): Promise<number[]> {
  return yearsOver(asOwner(db), await scopeSql(db, username), unit);
}

/** The years row-level security alone shows the account. */
export function rlsYears(orm: Orm, p: Principal): Promise<number[]> {
  return yearsOver(inScopeOf(orm, p), everyVisibleRow(p));
}

async function yearsOver(query: Query, scope: ScopeSql, unit?: string): Promise<number[]> {
  const { cond, args } = narrowed(scope, { unit });
  const rows = await query(`SELECT DISTINCT year FROM project p WHERE ${cond} ORDER BY year DESC`, args);
  return rows.map((r) => r.year as number);
}

/**
 * What the dashboard can be narrowed to: a year, and a unit by code, whose projects are those the
 * project list's filter of its kind gives (a department's: those it governs).
 */
export interface FigureFilter {
  year?: number;
  unit?: string;
}

/** The figures over the account's scope; with `year` and `unit`, over its projects of those only. */
export async function dbFigures(db: pg.Pool, username: string, opts: FigureFilter = {}): Promise<DbFigures> {
  return figuresOver(asOwner(db), await scopeSql(db, username), opts);
}

/** The same figures over what row-level security alone shows the account. */
export function rlsFigures(orm: Orm, p: Principal, opts: FigureFilter = {}): Promise<DbFigures> {
  return figuresOver(inScopeOf(orm, p), everyVisibleRow(p), opts);
}

/** The scope narrowed by the filter, as one condition on `p` and its parameters. */
function narrowed(scope: ScopeSql, opts: FigureFilter): { cond: string; args: unknown[] } {
  const args: unknown[] = [scope.unit];
  const conds = [scope.cond];
  if (opts.year !== undefined) conds.push(`p.year = $${args.push(opts.year)}::int`);
  if (opts.unit !== undefined) {
    const u = `(SELECT id FROM org_unit WHERE code = $${args.push(opts.unit)}::text)`;
    conds.push(`(p.department_id = ${u} OR p.owner_unit_id = ${u} AND ${u} IN (SELECT id FROM org_unit WHERE kind = 'township')
      OR p.id IN (SELECT pv.project_id FROM project_village pv JOIN org_unit v ON v.id = pv.village_id
                   WHERE v.id = ${u} OR v.parent_id = ${u}))`);
  }
  return { cond: conds.join(' AND '), args };
}

async function figuresOver(query: Query, scope: ScopeSql, opts: FigureFilter): Promise<DbFigures> {
  const { cond, args } = narrowed(scope, opts);
  const one = (sql: string, params: unknown[] = args) => query(sql, params);
  const stages = await one(`SELECT stage, count(*)::int AS n FROM project p WHERE ${cond} GROUP BY stage`);
  const [money] = await one(
    `SELECT (SELECT COALESCE(sum(p.budget_fen), 0) FROM project p WHERE ${cond} AND p.stage <> 'cancelled')::text AS budget,
            (SELECT COALESCE(sum(b.amount_fen), 0) FROM disbursement b JOIN project p ON p.id = b.project_id
              WHERE ${cond} AND p.stage <> 'cancelled')::text AS paid`,
  );
  const [rate] = await one(
    `SELECT CASE WHEN $1::bigint = 0 THEN NULL ELSE ($2::bigint * 10000 / $1::bigint)::int END AS bp`,
    [money.budget, money.paid],
  );
  const sources = await one(
    `SELECT s.kind, sum(s.amount_fen)::text AS budget,
            COALESCE((SELECT sum(b.amount_fen) FROM disbursement b JOIN project p2 ON p2.id = b.project_id
                       JOIN project_fund_source s2 ON s2.project_id = b.project_id AND s2.position = b.source_position
                      WHERE s2.kind = s.kind AND p2.stage <> 'cancelled' AND ${cond.replaceAll('p.', 'p2.')}), 0)::text AS paid
       FROM project_fund_source s JOIN project p ON p.id = s.project_id
      WHERE ${cond} AND p.stage <> 'cancelled' GROUP BY s.kind`,
  );
  const overdue = await one(
    `SELECT DISTINCT a.project_id, a.kind, a.period, o.code AS unit FROM alert a
       JOIN project p ON p.id = a.project_id JOIN org_unit o ON o.id = a.responsible_unit_id
      WHERE ${cond} AND a.status = 'active' AND a.step IN ('overdue', 'escalated', 'interview')`,
  );
  const [missing] = await one(
    `SELECT count(*)::int AS n FROM project p WHERE ${cond} AND p.stage = 'underway'
        AND p.id NOT IN (SELECT project_id FROM monthly_progress WHERE month = to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'))
        AND p.id NOT IN (SELECT project_id FROM project_history WHERE action = 'reportProgress'
                          AND payload->>'month' = to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'))`,
  );
  const ladders = new Set(overdue.map((r) => `${r.project_id}/${r.kind}/${r.period}`));
  const countBy = (key: 'kind' | 'unit') => {
    const seen = new Map<string, Set<string>>();
    for (const r of overdue) {
      const k = r[key] as string;
      seen.set(k, (seen.get(k) ?? new Set()).add(`${r.project_id}/${r.kind}/${r.period}`));
    }
    return Object.fromEntries([...seen].map(([k, v]) => [k, v.size]));
  };
  return {
    total: stages.reduce((a, r) => a + r.n, 0),
    byStage: Object.fromEntries(stages.map((r) => [r.stage, r.n])),
    budgetFen: Number(money.budget),
    disbursedFen: Number(money.paid),
    basisPoints: rate.bp,
    bySource: Object.fromEntries(
      sources.map((r) => [r.kind, { budgetFen: Number(r.budget), disbursedFen: Number(r.paid) }]),
    ),
    overdueTotal: ladders.size,
    overdueByKind: countBy('kind'),
    overdueByUnit: countBy('unit'),
    progressMissing: missing.n,
  };
}
