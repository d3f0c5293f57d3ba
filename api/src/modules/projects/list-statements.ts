/**
 * The list's and the export's SQL: the filters as one condition, the total (from the rollups where
 * the filters are a group's, else counted up to a cap), and the page's choice and dressing.
 */
import { isCountyWide, type Principal } from '#domain/access.js';
import type { ProjectExportQuery, ProjectListQuery } from '#domain/schemas.js';
import { searchForms } from '#domain/search-forms.js';
import type { Statement } from '#db/scope.js';
import { groupCondition } from '../stats/rollup.js';
import { noProgressCondition, PROGRESS_STAGES, scopeCondition, waitingCondition } from './conditions.js';
import { cursorCondition, listOrder, orderSql, sortKeyColumn } from './keyset.js';
import { ladderCondition, OVERDUE_OF_P } from './overdue.js';
import { SELECT } from './rows.js';

/** The list's total is exact up to this many projects; past it the list says "10,000+" (totalCapped). */
export const LIST_TOTAL_CAP = 10_000;

/**
 * The list's filters as one SQL condition on `p`, the caller's scope among them unless `scoped` is
 * false. `searchCap`: a text search matches at most that many projects, the first in the default
 * order (the list in that order shows no more); null: every match (another order, the export).
 */
export function listCondition(
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
    // search_grams and search_common_grams migrations: beneath the policies ILIKE could use no index),
    // in each form the term may stand in a name (full width or not). One IN over them all: the
    // planner can still join on it, where an OR of subqueries is tested project by project.
    const forms = searchForms(q.q);
    where.push(`p.id IN (${forms.map(() => 'SELECT app_project_search(?, ?::int)').join(' UNION ALL ')})`);
    for (const form of forms) params.push(form, searchCap);
  }
  return { cond: where.join(' AND '), params, filtered: where.length > 1 };
}

/**
 * The list's total from the rollups, up to `cap + 1` (as `countStatement` counts it): the sum of the
 * matching groups' projects, a few thousand rows whatever the county's size, where counting the
 * projects themselves reads up to `cap` of them. Null when a filter is not a group's (a text search,
 * a ladder level, one kind of a unit's deadlines): then the projects are counted.
 */
export function groupCountStatement(who: Principal, q: ProjectExportQuery, cap: number): Statement | null {
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
export function countStatement(cond: string, params: unknown[], cap: number): Statement {
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
    choose: overdueOnly
      ? { ...choose, prepare: true }
      : // A unit's sorted page walks the sort's index or sorts the unit's own projects, by how many
        // it holds: a plan kept on a connection would be the last unit's choice (a village's sort
        // of its 286 projects made a department's first page sort 166,000: 111 ms at a million).
        prepared(choose, { filtered: filters.filtered || (Boolean(q.sort) && !isCountyWide(who)) }),
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
  if (cursor && !filters.filtered && !q.sort) {
    // The default order unfiltered from a cursor: the reader's own range too (the
    // list_cursor_page migration), where beneath the policies a small unit's last page read the
    // county's every project after it.
    const [key, code] = cursor.params;
    return {
      sql: `SELECT app_project_page_from(?::int, ?::text, ?::boolean, ?::int) AS id`,
      params: [key, code, c.backwards, q.pageSize + 1],
    };
  }
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
 * another plan than a common one), nor a scope whose size decides the plan. Arrays cannot be
 * parameters of a prepared statement.
 */
function prepared(st: Statement, filters: { filtered: boolean }): Statement {
  return { ...st, prepare: !filters.filtered && !(st.params ?? []).some(Array.isArray) };
}
