/**
 * Reads of the project read model. Every query takes the caller's principal and applies its scope
 * here, in one place: a project outside the scope is never returned (it is as if it did not exist).
 *
 * Long because the list, the detail, the export and the step's lookups share one scope condition
 * and one set of columns; split it by read (list and export, detail) when it grows further.
 */
import { ACTION_LEVEL, isCountyWide, type Principal, type ProjectScope } from '#domain/access.js';
import { AppError } from '#domain/errors.js';
import { allowedActions, STAGES, type Action, type Stage } from '#domain/lifecycle.js';
import { fenFromDb } from '#domain/money.js';
import type {
  AlertDto,
  FundSourceKind,
  HistoryEntry,
  ProjectDto,
  ProjectExportQuery,
  ProjectListQuery,
  OrgKind,
} from '#domain/schemas.js';
import { QueryOrder } from '@mikro-orm/core';
import type { Orm } from '#db/orm.js';
import {
  SYSTEM_SCOPE,
  executeAll,
  inScope,
  queryInScope,
  scopeOf,
  withScopedEm,
  type Statement,
  type Tx,
} from '#db/scope.js';
import { OrgUnitSchema } from '#db/entities/org-unit.entity.js';
import { ALERT_DAYS_LATE_NOW, OVERDUE_OF_P, ladderCondition, overdueOf, type OverdueRow } from './overdue.js';
import { cursorCondition, encodeCursor, listOrder, orderSql, sortKeyColumn } from './keyset.js';
import { groupCondition } from '../stats/rollup.js';
import { ProjectSchema } from '#db/entities/project.entity.js';

interface ProjectRow {
  id: string;
  code: string;
  name: string;
  year: number;
  type: string;
  nature: ProjectDto['nature'];
  stage: Stage;
  location: string | null;
  approval_document_no: string;
  budget_fen: string;
  progress_percent: number;
  planned_start: string;
  planned_completion: string;
  planned_acceptance: string;
  planned_reimbursement: string;
  created_at: Date | string;
  updated_at: Date | string;
  department_id: string;
  department_code: string;
  department_name: string;
  owner_unit_id: string;
  owner_code: string;
  owner_name: string;
  villages: { id: string; code: string; name: string; parent_id: string | null }[];
  sources: { kind: FundSourceKind; amount_fen: string; document_no: string | null }[];
}

interface HistoryRow {
  seq: number;
  action: string;
  from_stage: Stage | null;
  to_stage: Stage;
  actor_name: string;
  at: Date | string;
  payload: Record<string, unknown>;
}

/** A project's history as one JSON column of the project's row (the page after a step). */
const HISTORY_COLUMN = `COALESCE((SELECT json_agg(json_build_object('seq', h.seq, 'action', h.action,
      'from_stage', h.from_stage, 'to_stage', h.to_stage, 'actor_name', h.actor_name, 'at', h.at, 'payload', h.payload)
      ORDER BY h.seq) FROM project_history h WHERE h.project_id = p.id), '[]') AS history`;

const SELECT = `
  SELECT p.id, p.code, p.name, p.year, p.type, p.nature, p.stage, p.location, p.approval_document_no,
         p.budget_fen, p.progress_percent,
         to_char(p.planned_start, 'YYYY-MM-DD') AS planned_start,
         to_char(p.planned_completion, 'YYYY-MM-DD') AS planned_completion,
         to_char(p.planned_acceptance, 'YYYY-MM-DD') AS planned_acceptance,
         to_char(p.planned_reimbursement, 'YYYY-MM-DD') AS planned_reimbursement,
         p.created_at, p.updated_at,
         d.id AS department_id, d.code AS department_code, d.name AS department_name,
         o.id AS owner_unit_id, o.code AS owner_code, o.name AS owner_name,
         -- Villages (in code order) and fund sources (in position order) ride along as JSON, so a
         -- project, however many, is one statement; amounts stay text, never JSON numbers.
         COALESCE((SELECT json_agg(json_build_object('id', v.id, 'code', v.code, 'name', v.name, 'parent_id', v.parent_id)
                                   ORDER BY v.code)
                     FROM project_village pv JOIN org_unit v ON v.id = pv.village_id
                    WHERE pv.project_id = p.id), '[]') AS villages,
         COALESCE((SELECT json_agg(json_build_object('kind', s.kind, 'amount_fen', s.amount_fen::text, 'document_no', s.document_no)
                                   ORDER BY s.position)
                     FROM project_fund_source s WHERE s.project_id = p.id), '[]') AS sources
    FROM project p
    JOIN org_unit d ON d.id = p.department_id
    JOIN org_unit o ON o.id = p.owner_unit_id`;

/** The list's total is exact up to this many projects; past it the list says "10,000+" (totalCapped). */
export const LIST_TOTAL_CAP = 10_000;

type FoundProject = ProjectDto & { scope: ProjectScope; workflowId: string };

/** The driver may hand timestamps back as Date or as text, depending on type parsers. */
function iso(v: Date | string): string {
  return new Date(v).toISOString();
}

/**
 * The scope of a principal as a SQL condition on `p` (the project alias): domain/access.ts's
 * `canReadProject` in SQL. Row-level security applies the same scope beneath it
 * (tests/integration/rls.test.ts proves that layer on its own).
 */
export function scopeCondition(who: Principal): { sql: string; params: unknown[] } {
  if (isCountyWide(who)) return { sql: 'TRUE', params: [] };
  switch (who.orgKind) {
    case 'department':
      return { sql: '(p.department_id = ? OR p.owner_unit_id = ?)', params: [who.orgUnitId, who.orgUnitId] };
    case 'township':
      return {
        sql: `(p.owner_unit_id = ? OR EXISTS (SELECT 1 FROM project_village pv JOIN org_unit v ON v.id = pv.village_id
                WHERE pv.project_id = p.id AND v.parent_id = ?))`,
        params: [who.orgUnitId, who.orgUnitId],
      };
    case 'village':
      return {
        sql: 'EXISTS (SELECT 1 FROM project_village pv WHERE pv.project_id = p.id AND pv.village_id = ?)',
        params: [who.orgUnitId],
      };
    default:
      return { sql: 'FALSE', params: [] };
  }
}

/** The steps of the main path; 调项 and 终止 are always open to the department and wait on no one. */
const SIDE_PATHS: readonly Action[] = ['adjust', 'cancel'];
/** The main-path steps of `stage` that `level` takes: what a project there waits for from it. */
export const stepsOf = (stage: Stage, level: 'department' | 'ownerUnit') =>
  allowedActions(stage).filter((a) => !SIDE_PATHS.includes(a) && ACTION_LEVEL[a] === level);
/** The stages in which a project waits on its governing department, and on its owner unit. */
export const DEPARTMENT_STAGES = STAGES.filter((s) => stepsOf(s, 'department').length > 0);
export const OWNER_STAGES = STAGES.filter((s) => stepsOf(s, 'ownerUnit').length > 0);

/** Stages in which a monthly progress entry is expected (those where it may be reported). */
export const PROGRESS_STAGES = STAGES.filter((s) => allowedActions(s).includes('reportProgress'));

/**
 * No progress entry for `month` on `p` (neither a monthly_progress row nor a reportProgress step):
 * the workbench's 本月未录入进度, its list and the project list's filter alike.
 */
export function noProgressCondition(month: string, alias = 'p'): { sql: string; params: unknown[] } {
  return {
    sql: `NOT EXISTS (SELECT 1 FROM monthly_progress m WHERE m.project_id = ${alias}.id AND m.month = ?)
          AND NOT EXISTS (SELECT 1 FROM project_history h WHERE h.project_id = ${alias}.id
                           AND h.action = 'reportProgress' AND h.payload->>'month' = ?)`,
    params: [month, month],
  };
}

/**
 * Projects whose next main-path step is the caller's unit's (待我办理): as governing department, or
 * as owner unit; over `p`, or over a rollup group with `alias` (it has the same columns).
 */
export function waitingCondition(who: Principal, alias = 'p'): { sql: string; params: unknown[] } {
  return {
    sql: `((${alias}.department_id = ? AND ${alias}.stage = ANY(ARRAY[?]::text[]))
           OR (${alias}.owner_unit_id = ? AND ${alias}.stage = ANY(ARRAY[?]::text[])))`,
    params: [who.orgUnitId, DEPARTMENT_STAGES, who.orgUnitId, OWNER_STAGES],
  };
}

/**
 * The list's filters as one SQL condition on `p`, the caller's scope among them unless `scoped` is
 * false. `searchCap`: a text search matches at most that many projects, the first in the default
 * order (the list in that order shows no more); null: every match (another order, the export).
 */
function listCondition(
  who: Principal,
  q: ProjectExportQuery,
  scoped = true,
  searchCap: number | null = null,
): { cond: string; params: unknown[]; filtered: boolean } {
  const scope = scoped ? scopeCondition(who) : { sql: 'TRUE', params: [] };
  const where: string[] = [scope.sql];
  const params: unknown[] = [...scope.params];
  if (q.year !== undefined) {
    where.push('p.year = ?');
    params.push(q.year);
  }
  if (q.stage) {
    where.push('p.stage = ?');
    params.push(q.stage);
  }
  // Units by code as scalar subqueries (one lookup, then a plain column test) rather than through
  // the joined units: the page's keys are then read from \`project\` alone (see the list's page).
  if (q.department) {
    where.push('p.department_id = (SELECT id FROM org_unit WHERE code = ?)');
    params.push(q.department);
  }
  if (q.township) {
    where.push(`(p.owner_unit_id = (SELECT id FROM org_unit WHERE code = ?) OR EXISTS (SELECT 1 FROM project_village pv JOIN org_unit v ON v.id = pv.village_id
                  JOIN org_unit t ON t.id = v.parent_id WHERE pv.project_id = p.id AND t.code = ?))`);
    params.push(q.township, q.township);
  }
  if (q.village) {
    where.push(`EXISTS (SELECT 1 FROM project_village pv JOIN org_unit v ON v.id = pv.village_id
                 WHERE pv.project_id = p.id AND v.code = ?)`);
    params.push(q.village);
  }
  if (q.overdue) {
    where.push(`EXISTS (SELECT 1 FROM alert a WHERE a.project_id = p.id AND a.status = 'active'
                 AND a.step <> 'reminder'${q.overdue === 'any' ? '' : ' AND a.kind = ?'})`);
    if (q.overdue !== 'any') params.push(q.overdue);
  }
  if (q.waiting === 'mine') {
    const w = waitingCondition(who);
    where.push(w.sql);
    params.push(...w.params);
  }
  if (q.progressMissing) {
    const missing = noProgressCondition(q.progressMissing);
    where.push(`p.stage = ANY(ARRAY[?]::text[]) AND ${missing.sql}`);
    params.push(PROGRESS_STAGES, ...missing.params);
  }
  const ladder = ladderCondition(q);
  if (ladder) {
    where.push(ladder.sql);
    params.push(...ladder.params);
  }
  if (q.fundSource) {
    where.push('EXISTS (SELECT 1 FROM project_fund_source s WHERE s.project_id = p.id AND s.kind = ?)');
    params.push(q.fundSource);
  }
  if (q.type) {
    where.push('p.type = ?');
    params.push(q.type);
  }
  if (q.q) {
    // A part of the name or the code, matched where an index serves it (see the project_search,
    // search_grams and search_common_grams migrations: beneath the policies ILIKE could use no index).
    where.push(`p.id IN (SELECT app_project_search(?, ?::int))`);
    params.push(q.q, searchCap);
  }
  return { cond: where.join(' AND '), params, filtered: where.length > 1 };
}

/**
 * The list's total from the rollups, up to `cap + 1` (as `countStatement` counts it): the sum of the
 * matching groups' projects, a few thousand rows whatever the county's size, where counting the
 * projects themselves reads up to `cap` of them. Null when a filter is not a group's (a text search,
 * a ladder level, one kind of a unit's deadlines): then the projects are counted.
 */
function groupCountStatement(who: Principal, q: ProjectExportQuery, cap: number): Statement | null {
  if (q.q || q.ladder || q.progressMissing || (q.overdueUnit && q.overdue && q.overdue !== 'any'))
    return null;
  const groups = groupCondition(who, q);
  let measure = 'r.projects';
  let figure = '';
  const figureParams: unknown[] = [];
  if (q.overdueUnit) {
    // Projects with a deadline overdue that this unit answers for (the dashboard's link).
    measure = 'f.projects';
    figure = `JOIN project_rollup_figure f ON f.sig = r.sig AND f.facet = 'overdueUnit'
                AND f.key = (SELECT u.id::text FROM org_unit u WHERE u.code = ?)`;
    figureParams.push(q.overdueUnit);
  } else if (q.overdue === 'any') measure = 'r.overdue_projects';
  else if (q.overdue) {
    measure = 'f.projects';
    figure = `JOIN project_rollup_figure f ON f.sig = r.sig AND f.facet = 'overdueKind' AND f.key = ?`;
    figureParams.push(q.overdue);
  }
  const waiting = q.waiting === 'mine' ? waitingCondition(who, 'r') : { sql: 'TRUE', params: [] };
  return {
    sql: `SELECT LEAST(COALESCE(sum(${measure}), 0), ?)::int AS total
            FROM project_rollup r JOIN org_unit d ON d.id = r.department_id JOIN org_unit o ON o.id = r.owner_unit_id
            ${figure}
           WHERE ${groups.sql} AND ${waiting.sql}`,
    params: [cap + 1, ...figureParams, ...groups.params, ...waiting.params],
  };
}

/**
 * How many projects the list condition matches, counted up to `cap + 1` only (the list's total,
 * the export's guard): an exact count of a whole county's million projects costs more than the
 * page itself, and nobody reads past the first ten thousand by paging.
 */
function countStatement(cond: string, params: unknown[], cap: number): Statement {
  return {
    sql: `SELECT count(*) AS total FROM (SELECT 1 FROM project p JOIN org_unit d ON d.id = p.department_id
       JOIN org_unit o ON o.id = p.owner_unit_id WHERE ${cond} LIMIT ?) n`,
    params: [...params, cap + 1],
  };
}

/**
 * The list's statements: its total (\`count\`), the choice of the page's ids (\`choose\`, one row
 * more than the page: whether another follows) and the page built around them (\`dress\`); and
 * what the page's cursors are made of.
 */
export function listStatements(who: Principal, q: ProjectListQuery) {
  // The filters and the scope apart: the page is chosen by the filters beneath the policies, and
  // the scope is tested as it is built (see below); the count takes both.
  // A search in the default order needs no more matches than the total counts to.
  const filters = listCondition(who, q, false, q.sort ? null : LIST_TOTAL_CAP + 1);
  const scope = scopeCondition(who);
  const order = listOrder(q);
  const cursor =
    q.after !== undefined
      ? cursorCondition(order, 'after', q.after)
      : q.before !== undefined
        ? cursorCondition(order, 'before', q.before)
        : null;
  const backwards = q.before !== undefined;
  // The page's ids are chosen from `project` alone, first (a deferred join): the keys' index yields them
  // in order and stops at the page, whatever the planner guesses of a cursor's selectivity (it
  // rates a row comparison by its first key, and every project of a year shares it), and the
  // villages and fund sources are built for the page's rows only, not for every row an OFFSET
  // skips. They are chosen beneath the policies alone; the scope's own condition is tested as
  // the page is built: in the choice, the planner took the two statements of one fact for two
  // independent filters, expected a hundredth of the rows a village reads, and sorted them all
  // instead of walking the order's index (197 ms against 4 at a million). Nothing outside the
  // scope can come out either way. A page by number of the default order with no filter (the
  // list as it opens and as its pager walks it) is chosen from the reader's own ordered range
  // (app_project_page, the list_readers migration): its OFFSET skips only the scope's rows, where
  // the order's index holds the whole county's (page 500 of a village: 330 ms at a million).
  // A text search's page by number carries its total (a window over the matches): the search
  // is the read's cost (the trigram index), and a count of its own would run it a second time.
  const searchTotal = Boolean(q.q) && !cursor;
  // The overdue filter alone in the default order is chosen from the reader's own range too
  // (app_project_overdue_page, the overdue_page migration): beneath the policies it walked the
  // county's order (a village holding one project in ten read 2,400 to find 21). Only alone: with
  // other filters the planner's choice beneath the policies serves better.
  const overdueOnly =
    Boolean(q.overdue) && !q.sort && !listCondition(who, { ...q, overdue: undefined }, false).filtered;
  const choose = chooseStatement(q, { filters, scope, order, cursor, backwards, searchTotal, overdueOnly });
  // The page itself: the chosen projects with their units, villages, fund sources and lateness, in
  // the order. A statement of its own, prepared: planning it under the policies costs more than
  // running it (13 of 15 ms for a township's first page at a million projects, every subquery
  // carrying its table's policy), and it is the same whatever was chosen.
  const dress = (ids: string[]): Statement => ({
    sql: `${SELECT.replace('SELECT p.id,', `SELECT ${sortKeyColumn(order)}, ${OVERDUE_OF_P} AS overdue, p.id,`)}
           WHERE p.id = ANY(?::uuid[]) AND ${scope.sql} ORDER BY ${orderSql(order, backwards)}`,
    params: [`{${ids.join(',')}}`, ...scope.params],
    prepare: true,
  });
  const count =
    groupCountStatement(who, q, LIST_TOTAL_CAP) ??
    countStatement(`${scope.sql} AND ${filters.cond}`, [...scope.params, ...filters.params], LIST_TOTAL_CAP);
  return {
    count: prepared(count, filters),
    /** Whether the choice's rows carry the total (then the count is needed only past the last page). */
    searchTotal,
    choose: overdueOnly ? { ...choose, prepare: true } : prepared(choose, filters),
    dress,
    order,
    cursor,
    backwards,
  };
}

/** The statement choosing a page's ids (one more than the page: whether another follows); see listStatements. */
function chooseStatement(
  q: ProjectListQuery,
  c: {
    filters: { cond: string; params: unknown[]; filtered: boolean };
    scope: { sql: string; params: unknown[] };
    order: ReturnType<typeof listOrder>;
    cursor: ReturnType<typeof cursorCondition> | null;
    backwards: boolean;
    searchTotal: boolean;
    overdueOnly: boolean;
  },
): Statement {
  const { filters, scope, order, cursor } = c;
  const page = [q.pageSize + 1, (q.page - 1) * q.pageSize];
  if (c.overdueOnly) {
    const kind = q.overdue === 'any' ? null : q.overdue;
    const [key, code] = cursor ? cursor.params : [null, null];
    return {
      sql: `SELECT app_project_overdue_page(?::text, ?::int, ?::text, ?::boolean, ?::bigint, ?::int) AS id`,
      params: cursor
        ? [kind, key, code, c.backwards, 0, q.pageSize + 1]
        : [kind, key, code, false, page[1], page[0]],
    };
  }
  if (c.searchTotal)
    // The scope's condition stands beside the filters here, as the count would have had it.
    return {
      sql: `SELECT p.id, count(*) OVER () AS total FROM project p WHERE ${scope.sql} AND ${filters.cond}
             ORDER BY ${orderSql(order)} LIMIT ? OFFSET ?`,
      params: [...scope.params, ...filters.params, ...page],
    };
  if (cursor)
    return {
      sql: `SELECT p.id FROM project p WHERE ${filters.cond} AND ${cursor.sql}
             ORDER BY ${orderSql(order, c.backwards)} LIMIT ?`,
      params: [...filters.params, ...cursor.params, q.pageSize + 1],
    };
  if (!filters.filtered && !q.sort)
    return { sql: `SELECT app_project_page(?, ?) AS id`, params: [page[1], page[0]] };
  return {
    sql: `SELECT p.id FROM project p WHERE ${filters.cond} ORDER BY ${orderSql(order)} LIMIT ? OFFSET ?`,
    params: [...filters.params, ...page],
  };
}

/**
 * The count and the choice are prepared (planned once per connection) where one plan serves every
 * value: without a filter, whose selectivity would differ from value to value (a rare stage wants
 * another plan than a common one). Arrays cannot be parameters of a prepared statement.
 */
function prepared(st: Statement, filters: { filtered: boolean }): Statement {
  return { ...st, prepare: !filters.filtered && !(st.params ?? []).some(Array.isArray) };
}

function toDto(r: ProjectRow): ProjectDto & { scope: ProjectScope } {
  const vs = r.villages;
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    year: r.year,
    type: r.type,
    nature: r.nature,
    stage: r.stage,
    department: { code: r.department_code, name: r.department_name },
    ownerUnit: { code: r.owner_code, name: r.owner_name },
    villages: vs.map((v) => ({ code: v.code, name: v.name })),
    location: r.location,
    approvalDocumentNo: r.approval_document_no,
    budgetFen: fenFromDb(r.budget_fen),
    fundSources: r.sources.map((x) => ({
      kind: x.kind,
      amountFen: fenFromDb(x.amount_fen),
      documentNo: x.document_no,
    })),
    plannedDates: {
      start: r.planned_start,
      completion: r.planned_completion,
      acceptance: r.planned_acceptance,
      reimbursement: r.planned_reimbursement,
    },
    progressPercent: r.progress_percent,
    allowedActions: allowedActions(r.stage),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    scope: {
      departmentId: r.department_id,
      ownerUnitId: r.owner_unit_id,
      villageIds: vs.map((v) => v.id),
      townshipIds: [...new Set(vs.map((v) => v.parent_id).filter((x): x is string => x !== null))],
    },
  };
}

/** A project and its lateness, as the list answers it. */
export function listItemOf(
  r: ProjectRow & { overdue: OverdueRow | null },
): ProjectDto & { scope: ProjectScope } {
  // Not `{ ...toDto(r), overdue }`: that gives every item a hidden class of its own, left in the
  // old space (tests/unit/list-items.test.ts says why).
  return Object.assign(toDto(r), { overdue: overdueOf(r.overdue) });
}

/**
 * Two layers, each enough on its own: the application's scope condition in every query, and
 * PostgreSQL's row-level security beneath it (every query runs `inScope`).
 */
export function createProjectRepository(orm: Orm) {
  /** One project by id or code within the principal's scope, with extra columns if asked. */
  function oneStatement(who: Principal, idOrCode: string, extra: string[] = [], extraParams: unknown[] = []) {
    const scope = scopeCondition(who);
    const byId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrCode);
    const columns = ['p.workflow_id', ...extra].map((c) => `${c}, `).join('');
    return {
      sql: `${SELECT.replace('SELECT p.id,', `SELECT ${columns}p.id,`)} WHERE ${byId ? 'p.id = ?' : 'p.code = ?'} AND ${scope.sql}`,
      params: [...extraParams, idOrCode, ...scope.params],
      prepare: true,
    };
  }

  function found(row: ProjectRow & { workflow_id: string }): FoundProject {
    // Assigned, not spread: see listItemOf.
    return Object.assign(toDto(row), { workflowId: row.workflow_id });
  }

  /** A whole single-statement read in the principal's scope: one round trip. */
  async function readOne<R>(who: Principal, statement: Statement): Promise<R | undefined> {
    const [rows] = await queryInScope(orm, scopeOf(who), [statement]);
    return rows![0] as R | undefined;
  }

  async function findIn(conn: Tx, who: Principal, idOrCode: string): Promise<FoundProject | null> {
    const st = oneStatement(who, idOrCode);
    const [row] = await conn.execute<(ProjectRow & { workflow_id: string })[]>(st.sql, st.params, 'all');
    return row ? found(row) : null;
  }

  function historyOf(rows: HistoryRow[]): HistoryEntry[] {
    return rows.map((r) => ({
      seq: r.seq,
      action: r.action,
      fromStage: r.from_stage,
      toStage: r.to_stage,
      actorName: r.actor_name,
      at: iso(r.at),
      payload: r.payload,
    }));
  }

  return {
    /**
     * A page of the list with its projects' lateness, and its total (exact up to LIST_TOTAL_CAP), by
     * page number (`OFFSET`) or after/before a cursor (keyset: one index range however deep); with
     * the cursors of the pages on either side.
     */
    async list(
      who: Principal,
      q: ProjectListQuery,
    ): Promise<{
      items: (ProjectDto & { scope: ProjectScope })[];
      total: number;
      totalCapped: boolean;
      nextCursor: string | null;
      prevCursor: string | null;
    }> {
      if (q.after !== undefined && q.before !== undefined)
        throw new AppError('VALIDATION_FAILED', '翻页位置只能给一个 (give after or before, not both)', [
          {
            path: 'query.before',
            message: { zh: '翻页位置只能给一个', en: 'give after or before, not both' },
          },
        ]);
      const { count, searchTotal, choose, dress, order, cursor, backwards } = listStatements(who, q);
      // The count and the choice in one round trip, the page in a second, in one transaction.
      const [totalRows, fetched] = await inScope(orm, scopeOf(who), async (tx) => {
        const [first, second] = await tx.batch(searchTotal ? [choose] : [count, choose]);
        const chosen = (searchTotal ? first : second) as { id: string; total?: string }[];
        // A search's rows carry its total; past its last page none does: counted then.
        const counted = !searchTotal
          ? first!
          : chosen.length
            ? [{ total: chosen[0]!.total }]
            : (await tx.batch([count]))[0]!;
        const ids = chosen.map((r) => r.id);
        return [counted, ids.length ? (await tx.batch([dress(ids)], { commit: true }))[0]! : []];
      });
      const rows = fetched as (ProjectRow & { sort_key: unknown[]; overdue: OverdueRow | null })[];
      const more = rows.length > q.pageSize;
      const shown = rows.slice(0, q.pageSize);
      if (backwards) shown.reverse();
      const first = shown[0];
      const last = shown[shown.length - 1];
      const counted = Number((totalRows![0] as { total: string }).total);
      return {
        items: shown.map(listItemOf),
        total: Math.min(counted, LIST_TOTAL_CAP),
        totalCapped: counted > LIST_TOTAL_CAP,
        nextCursor: last && (backwards || more) ? encodeCursor(order, last.sort_key) : null,
        prevCursor:
          first && (backwards ? more : cursor !== null || q.page > 1)
            ? encodeCursor(order, first.sort_key)
            : null,
      };
    },

    /** The same, inside a transaction the caller already holds in the principal's scope. */
    findIn,

    /**
     * The whole filtered list in the list's order, batch by batch, for the export: one transaction
     * and a server-side cursor, so memory holds one batch whatever the county's size, and every
     * batch comes from the same snapshot. Refuses (422) above `max` rows before reading any.
     */
    async eachBatch(
      who: Principal,
      q: ProjectExportQuery,
      opts: { batch: number; max: number },
      onBatch: (items: ProjectDto[]) => Promise<void>,
    ): Promise<number> {
      const { cond, params } = listCondition(who, q);
      return inScope(orm, scopeOf(who), async (conn) => {
        const [count] = await executeAll(conn, [
          groupCountStatement(who, q, opts.max) ?? countStatement(cond, params, opts.max),
        ]);
        const total = Number((count![0] as { total: string }).total);
        if (total > opts.max)
          throw new AppError(
            'VALIDATION_FAILED',
            `导出最多 ${opts.max} 个项目，当前筛选结果超过 ${opts.max} 个，请缩小筛选范围 (at most ${opts.max} projects per export; narrow the filters)`,
            [{ path: 'query', message: { zh: `超过 ${opts.max} 个`, en: `more than ${opts.max}` } }],
          );
        await conn.execute(
          `DECLARE project_export NO SCROLL CURSOR FOR ${SELECT} WHERE ${cond} ORDER BY ${orderSql(listOrder(q))}`,
          params,
          'run',
        );
        let n = 0;
        for (;;) {
          const rows = await conn.execute<ProjectRow[]>(
            `FETCH FORWARD ${Math.trunc(opts.batch)} FROM project_export`,
            [],
            'all',
          );
          if (rows.length === 0) break;
          n += rows.length;
          await onBatch(rows.map(toDto));
        }
        await conn.execute('CLOSE project_export', [], 'run');
        return n;
      });
    },

    /** A project by id or by code, if the principal may see it. */
    async find(who: Principal, idOrCode: string): Promise<FoundProject | null> {
      const row = await readOne<ProjectRow & { workflow_id: string }>(who, oneStatement(who, idOrCode));
      return row ? found(row) : null;
    },

    /** The project and its history, in one statement (the page after a step). */
    async findWithHistory(
      who: Principal,
      idOrCode: string,
    ): Promise<{ project: FoundProject; history: HistoryEntry[] } | null> {
      const row = await readOne<ProjectRow & { workflow_id: string; history: HistoryRow[] }>(
        who,
        oneStatement(who, idOrCode, [HISTORY_COLUMN]),
      );
      return row ? { project: found(row), history: historyOf(row.history) } : null;
    },

    /**
     * The project, and whether PostgreSQL's own rule lets the principal take a step of `level` on
     * it, in one statement (the check before a transition).
     */
    async findForStep(
      who: Principal,
      idOrCode: string,
      level: 'department' | 'ownerUnit',
    ): Promise<{ project: FoundProject; mayTakeStep: boolean } | null> {
      const row = await readOne<ProjectRow & { workflow_id: string; may_take_step: boolean }>(
        who,
        oneStatement(who, idOrCode, ['app_may_take_step(p.id, ?) AS may_take_step'], [level]),
      );
      return row ? { project: found(row), mayTakeStep: row.may_take_step === true } : null;
    },

    /** Projects by code that the principal may see (for imports: one query, not one per row). */
    async findByCodes(who: Principal, codes: string[]): Promise<(ProjectDto & { scope: ProjectScope })[]> {
      if (codes.length === 0) return [];
      const scope = scopeCondition(who);
      const [rows] = await queryInScope(orm, scopeOf(who), [
        {
          sql: `${SELECT} WHERE p.code = ANY(ARRAY[?]::text[]) AND ${scope.sql}`,
          params: [codes, ...scope.params],
        },
      ]);
      return (rows as ProjectRow[]).map(toDto);
    },

    async history(who: Principal, projectId: string): Promise<HistoryEntry[]> {
      const [rows] = await queryInScope(orm, scopeOf(who), [
        { sql: `SELECT ${HISTORY_COLUMN} FROM project p WHERE p.id = ?`, params: [projectId] },
      ]);
      const row = rows![0] as { history: HistoryRow[] } | undefined;
      return row ? historyOf(row.history) : [];
    },

    /** The deadline alerts of a project, newest first, within the caller's scope. */
    async alerts(who: Principal, projectId: string): Promise<AlertDto[]> {
      const rows = await inScope(orm, scopeOf(who), (conn) =>
        conn.execute<
          {
            kind: AlertDto['kind'];
            period: string;
            step: AlertDto['step'];
            due_date: string;
            step_date: string;
            days_late: number;
            days_late_now: number;
            status: AlertDto['status'];
            unit_code: string;
            unit_name: string;
            raised_at: Date | string;
            closed_at: Date | string | null;
          }[]
        >(
          `SELECT a.kind, a.period, a.step, to_char(a.due_date, 'YYYY-MM-DD') AS due_date,
                to_char(a.step_date, 'YYYY-MM-DD') AS step_date, a.days_late, a.status,
                ${ALERT_DAYS_LATE_NOW} AS days_late_now,
                o.code AS unit_code, o.name AS unit_name, a.raised_at, a.closed_at
           FROM alert a JOIN org_unit o ON o.id = a.responsible_unit_id
          WHERE a.project_id = ? ORDER BY a.history_seq DESC`,
          [projectId],
          'all',
        ),
      );
      return rows.map((r) => ({
        kind: r.kind,
        period: r.period,
        step: r.step,
        dueDate: r.due_date,
        stepDate: r.step_date,
        daysLate: r.days_late,
        daysLateNow: r.days_late_now,
        status: r.status,
        responsibleUnit: { code: r.unit_code, name: r.unit_name },
        raisedAt: iso(r.raised_at),
        closedAt: r.closed_at === null ? null : iso(r.closed_at),
      }));
    },

    /** The codes of these units, sorted and without duplicates (nulls ignored). */
    async codesOf(ids: (string | null)[]): Promise<string[]> {
      const wanted = [...new Set(ids.filter((x): x is string => x !== null))];
      if (wanted.length === 0) return [];
      const units = await orm.em
        .fork()
        .find(
          OrgUnitSchema,
          { id: { $in: wanted } },
          { fields: ['code'], orderBy: { code: QueryOrder.ASC } },
        );
      return units.map((u) => u.code);
    },

    /** Whether the step carrying out this request is recorded (it is readable to whoever asked it). */
    async stepRecorded(who: Principal, projectId: string, requestId: string): Promise<boolean> {
      const [rows] = await queryInScope(orm, scopeOf(who), [
        {
          sql: 'SELECT 1 FROM project_history WHERE project_id = ? AND request_id = ?',
          params: [projectId, requestId],
        },
      ]);
      return rows!.length > 0;
    },

    /** Codes are unique county-wide, so this looks beyond the caller's scope (and says only yes/no). */
    async codeExists(code: string): Promise<boolean> {
      return withScopedEm(orm, SYSTEM_SCOPE, async (em) => (await em.count(ProjectSchema, { code })) > 0);
    },

    async nextCode(year: number): Promise<string> {
      const [row] = (await orm.em
        .fork()
        .execute<{ n: string }[]>(`SELECT nextval('project_code_seq') AS n`, [], 'all')) as [{ n: string }];
      return `${year}-${row.n.padStart(5, '0')}`;
    },

    /** The database's own verdict on a step: the second layer beneath domain/access.ts. */
    async mayCreateFor(who: Principal, departmentId: string): Promise<boolean> {
      const rows = await inScope(orm, scopeOf(who), (conn) =>
        conn.execute<{ ok: boolean }[]>('SELECT app_is_operator_of(?) AS ok', [departmentId], 'all'),
      );
      return rows[0]?.ok === true;
    },

    async orgsByCode(
      codes: string[],
    ): Promise<Map<string, { id: string; code: string; kind: OrgKind; parentId: string | null }>> {
      const units = await orm.em.fork().find(OrgUnitSchema, { code: { $in: codes } });
      return new Map(
        units.map((u) => [u.code, { id: u.id, code: u.code, kind: u.kind, parentId: u.parent?.id ?? null }]),
      );
    },
  };
}

export type ProjectRepository = ReturnType<typeof createProjectRepository>;
