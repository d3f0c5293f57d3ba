/**
 * Keyset paging of the project list: a page starts after (or ends before) the sort key of a
 * project, so it is one index range however deep it lies, where `OFFSET` reads and drops every
 * row before it. Every sort is a list of keys in one direction, the code last (codes are unique,
 * so the order is total and pages never overlap); the default order, newest year first, is the
 * ascending key (list_year_key, code), list_year_key being -year as a stored column, which
 * project_list_key_idx holds. Keys compared by a cursor are plain columns where an index serves the
 * order: under row-level security only a leakproof condition may become an index condition.
 *
 * A cursor is the sort it belongs to and the project's key values, as text, base64url-encoded:
 * opaque to the caller, checked here before any of it reaches SQL (a value that does not parse as
 * its key's type is a 422, never a database error).
 */
import { AppError } from '#domain/errors.js';
import { STAGES } from '#domain/lifecycle.js';
import type { ProjectListQuery, ProjectSortColumn } from '#domain/schemas.js';
import { DAYS_LATE_SORT_SQL } from './overdue.js';

type KeyType = 'int' | 'bigint' | 'text' | 'date' | 'timestamptz';

interface Key {
  sql: string;
  type: KeyType;
}

const CODE: Key = { sql: 'p.code', type: 'text' };

/**
 * Sort columns map to fixed SQL (never the caller's text); stages sort in lifecycle order, not
 * alphabetically.
 */
const SORT_KEYS: Record<ProjectSortColumn, Key> = {
  code: CODE,
  name: { sql: 'p.name', type: 'text' },
  year: { sql: 'p.year', type: 'int' },
  budget: { sql: 'p.budget_fen', type: 'bigint' },
  stage: {
    sql: `array_position(ARRAY[${STAGES.map((st) => `'${st}'`).join(', ')}]::text[], p.stage)`,
    type: 'int',
  },
  plannedStart: { sql: 'p.planned_start', type: 'date' },
  plannedCompletion: { sql: 'p.planned_completion', type: 'date' },
  progress: { sql: 'p.progress_percent', type: 'int' },
  updated: { sql: 'p.updated_at', type: 'timestamptz' },
  daysLate: { sql: DAYS_LATE_SORT_SQL, type: 'int' },
};

export interface ListOrder {
  keys: Key[];
  dir: 'ASC' | 'DESC';
  /** What a cursor of this order says it belongs to. */
  name: string;
}

export function listOrder(q: Pick<ProjectListQuery, 'sort' | 'order'>): ListOrder {
  if (!q.sort) return { keys: [{ sql: 'p.list_year_key', type: 'int' }, CODE], dir: 'ASC', name: '' };
  const dir = q.order === 'desc' ? 'DESC' : 'ASC';
  const keys = q.sort === 'code' ? [CODE] : [SORT_KEYS[q.sort], CODE];
  return { keys, dir, name: `${q.sort}.${dir.toLowerCase()}` };
}

/** ORDER BY of the order, or of its reverse (a page read backwards from `before`). */
export function orderSql(o: ListOrder, reverse = false): string {
  const dir = (o.dir === 'ASC') !== reverse ? 'ASC' : 'DESC';
  return o.keys.map((k) => `${k.sql} ${dir}`).join(', ');
}

/** The key values of each row as one JSON array column, `sort_key` (what a cursor carries). */
export const sortKeyColumn = (o: ListOrder) =>
  `json_build_array(${o.keys.map((k) => k.sql).join(', ')}) AS sort_key`;

export function encodeCursor(o: ListOrder, values: unknown[]): string {
  return Buffer.from(JSON.stringify([o.name, ...values.map((v) => String(v))])).toString('base64url');
}

const PARSES: Record<KeyType, (v: string) => boolean> = {
  int: (v) => /^-?\d{1,10}$/.test(v) && Math.abs(Number(v)) <= 2 ** 31 - 1,
  bigint: (v) => /^-?\d{1,18}$/.test(v),
  text: (v) => !v.includes('\u0000'),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)),
  timestamptz: (v) =>
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/.test(v) &&
    !Number.isNaN(Date.parse(v)),
};

function refused(param: 'after' | 'before', zh: string, en: string): AppError {
  return new AppError('VALIDATION_FAILED', { zh: `翻页位置${zh}`, en: `${param}: ${en}` }, [
    { path: `query.${param}`, message: { zh: `翻页位置${zh}`, en: `${param}: ${en}` } },
  ]);
}

/**
 * The condition of the page after (or before) a cursor, on the order's keys: a row comparison,
 * which PostgreSQL reads as an index range where an index holds the keys.
 */
export function cursorCondition(
  o: ListOrder,
  param: 'after' | 'before',
  cursor: string,
): { sql: string; params: unknown[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refused(param, '无法识别', 'not a cursor of this list');
  }
  if (!Array.isArray(parsed) || parsed.some((v) => typeof v !== 'string'))
    throw refused(param, '无法识别', 'not a cursor of this list');
  const [name, ...values] = parsed as string[];
  if (name !== o.name)
    throw refused(
      param,
      '属于另一种排序，请从第一页重新翻起',
      'it belongs to another sort order; start again from the first page',
    );
  if (values.length !== o.keys.length || !o.keys.every((k, i) => PARSES[k.type](values[i]!)))
    throw refused(param, '无法识别', 'not a cursor of this list');
  const forward = param === 'after';
  const op = (o.dir === 'ASC') === forward ? '>' : '<';
  return {
    sql: `(${o.keys.map((k) => k.sql).join(', ')}) ${op} (${o.keys.map((k) => `?::${k.type}`).join(', ')})`,
    params: values,
  };
}
