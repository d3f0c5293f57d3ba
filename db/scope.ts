/**
 * Every query of scoped data runs in a transaction whose first statement sets the per-transaction
 * settings row-level security reads. Without them PostgreSQL returns no project rows at all, so
 * forgetting the scope fails closed. Two ways in:
 * - `inScope(orm, scope, fn)`: raw SQL on a pooled connection (`Tx`), the hot path of every step,
 *   ledger write and list read, built for few round trips;
 * - `withScopedEm(orm, scope, fn)`: a MikroORM EntityManager for reading and writing records as
 *   entities (accounts, org units, projects by code).
 */
import crypto from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isCountyWide, type Principal } from '#domain/access.js';
import { APP_ROLE, type Orm } from './orm.js';
import { executeAll, executor, type Row, type ScopedSql, type Statement, type Tx } from './tx.js';

export { executeAll, type Statement, type Tx } from './tx.js';

/** Whose rows a transaction sees: row-level security's view of a principal, or the system's. */
export type DbScope =
  | { kind: 'system' }
  /** The public portal: no row-level security policy admits it; it reads through public_* functions only. */
  | { kind: 'public' }
  | {
      kind: 'county' | 'department' | 'township' | 'village' | 'none';
      unitId: Principal['orgUnitId'];
      roles: Principal['roles'];
      /** The account whose own rows (inbox messages) the transaction sees; none: no such rows. */
      userId?: string;
    };

/** The role of county-wide transactions: `sanzhang_app`'s grants, and a constant project read policy. */
export const WIDE_ROLE = 'sanzhang_wide';

/** Activities, seeding and maintenance act as the system, never as a borrowed user session. */
export const SYSTEM_SCOPE: DbScope = { kind: 'system' };

/** The public portal's scope (docs/portal.md). */
export const PUBLIC_SCOPE: DbScope = { kind: 'public' };

/** A principal's scope: neither the system's nor the public's. */
export type PrincipalScope = Exclude<DbScope, { kind: 'system' | 'public' }>;

export function scopeOf(p: Principal): PrincipalScope {
  const kind = isCountyWide(p)
    ? 'county'
    : p.orgKind === 'department' || p.orgKind === 'township' || p.orgKind === 'village'
      ? p.orgKind
      : 'none';
  return { kind, unitId: p.orgUnitId, roles: p.roles, userId: p.userId };
}

const SCOPE_KINDS = new Set(['system', 'public', 'county', 'department', 'township', 'village', 'none']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROLE = /^[a-z]+$/;

/** The four settings row-level security reads, checked: they are inlined into SQL text. */
function scopeSettings(scope: DbScope): { kind: string; unit: string; roles: string; user: string } {
  const bare = scope.kind === 'system' || scope.kind === 'public';
  const unit = bare ? '' : scope.unitId;
  const roles = bare ? '' : scope.roles.join(',');
  const user = bare ? '' : (scope.userId ?? '');
  if (
    !SCOPE_KINDS.has(scope.kind) ||
    (unit && !UUID.test(unit)) ||
    (user && !UUID.test(user)) ||
    (roles && !roles.split(',').every((r) => ROLE.test(r)))
  )
    throw new Error(`invalid database scope ${JSON.stringify(scope)}`);
  return { kind: scope.kind, unit, roles, user };
}

/**
 * The statement that sets the scope for the rest of the transaction (`set_config(…, true)`): one
 * statement whatever the number of settings, since it rides with BEGIN on every request's path.
 */
function setScopeStatement(scope: DbScope): string {
  const { kind, unit, roles, user } = scopeSettings(scope);
  // County-wide scopes read as the role whose project policy is a constant (see the readers
  // migration); a connection of the owner (maintenance) keeps its role.
  const role = kind === 'system' || kind === 'county' ? WIDE_ROLE : APP_ROLE;
  const setRole = `set_config('role', CASE WHEN current_user IN ('${APP_ROLE}', '${WIDE_ROLE}') THEN '${role}' ELSE current_setting('role') END, true)`;
  return `SELECT ${setRole}, set_config('app.scope_kind', '${kind}', true), set_config('app.unit_id', '${unit}', true), set_config('app.roles', '${roles}', true), set_config('app.user_id', '${user}', true)`;
}

/** A pooled pg connection as knex hands it out (the pool has already switched it to the app role). */
interface PgConnection {
  query(text: string): Promise<PgResult | PgResult[]>;
  query(text: string, callback: (err: Error | null, res: PgResult | PgResult[]) => void): void;
}
interface KnexClient {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(conn: PgConnection): Promise<void>;
}
type PgResult = { rows: Row[]; rowCount: number | null };

/**
 * One text on the connection, pg's callback given with it. Through pg's promise form the query
 * object is made without its callback and given one after, and V8 then kept finished results alive
 * past the young generation's collections: reading rows of the project table, each scavenge
 * promoted ~2 MB and took 3–8 ms, the same loop with the callback given at once none.
 */
function send(conn: PgConnection, text: string): Promise<PgResult | PgResult[]> {
  return new Promise((resolve, reject) => conn.query(text, (err, res) => (err ? reject(err) : resolve(res))));
}

/** Which prepared statements each pooled connection holds (they outlive transactions), oldest use first. */
const preparedOn = new WeakMap<object, Set<string>>();

/**
 * How many a connection keeps. A plan of the project list's page holds ~0.5 MB in its backend, and
 * the page has a statement per sort, direction and scope kind: unbounded, ten connections could
 * hold gigabytes for sorts nobody uses any more.
 */
export const PREPARED_PER_CONNECTION = 48;

/**
 * Runs `fn` in one transaction of the caller's scope. The transaction is driven straight on a
 * pooled connection: the same SQL MikroORM's `execute` would send (its own placeholder
 * formatting, so arrays, JSON and dates mean the same), without the per-query and per-transaction
 * machinery around it. Round trips are what a step costs most, so BEGIN and the scope settings
 * travel with the transaction's first statement, `batch` sends several statements at once, and
 * a batch may carry the COMMIT. Statements on the same transaction run one after the other even
 * when `fn` issues them concurrently.
 */
export function inScope<T>(orm: Orm, scope: DbScope, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return onPooledConnection(orm, `BEGIN; ${setScopeStatement(scope)}`, fn);
}

/**
 * Statements on data without row-level security (sessions, say), in one round trip with no scope
 * set. Several statements run as PostgreSQL's implicit transaction of one query text.
 */
export function queryUnscoped(orm: Orm, statements: Statement[]): Promise<unknown[][]> {
  return onPooledConnection(orm, undefined, (tx) => executeAll(tx, statements));
}

/** The pooled connection and the `Tx` behind `inScope` (begin: undefined, no transaction). */
async function onPooledConnection<T>(
  orm: Orm,
  begin: string | undefined,
  fn: (tx: Tx) => Promise<T>,
): Promise<T> {
  let prefix: string | undefined = begin;
  let open = false; // BEGIN sent and no COMMIT yet
  const connection = orm.em.getConnection();
  // The driver's own pool: MikroORM exposes no lighter way to hold one connection for a transaction.
  const client = (connection.getKnex() as unknown as { client: KnexClient }).client;
  const platform = orm.em.getPlatform();
  const conn = await client.acquireConnection();
  let queue: Promise<unknown> = Promise.resolve();
  const held = preparedOn.get(conn) ?? new Set<string>();
  preparedOn.set(conn, held);
  /** A statement as the text to send, and how many results that text gives (PREPARE adds one). */
  const render = (st: Statement): { text: string; results: number } => {
    const params = st.params ?? [];
    if (!st.prepare) return { text: platform.formatQuery(st.sql, params), results: 1 };
    const name = `sz_${crypto.createHash('sha1').update(st.sql).digest('hex').slice(0, 24)}`;
    const args = params.length ? platform.formatQuery(`(${params.map(() => '?').join(', ')})`, params) : '';
    if (held.has(name)) {
      // The most recently used last: what is evicted is what has gone unused longest.
      held.delete(name);
      held.add(name);
      return { text: `EXECUTE ${name}${args}`, results: 1 };
    }
    let n = 0;
    const body = st.sql.replace(/\?/g, () => `$${++n}`);
    if (n !== params.length || params.some(Array.isArray))
      throw new Error(`cannot prepare a statement with ${n} placeholders for ${params.length} values`);
    let evict = '';
    if (held.size >= PREPARED_PER_CONNECTION) {
      const oldest = held.values().next().value!;
      held.delete(oldest);
      evict = `DEALLOCATE ${oldest};\n`;
    }
    held.add(name);
    return { text: `${evict}PREPARE ${name} AS ${body};\nEXECUTE ${name}${args}`, results: evict ? 3 : 2 };
  };
  /** Sends the statements (BEGIN first if not yet sent) and answers each one's result. */
  const run = (statements: readonly Statement[], commit = false): Promise<PgResult[]> => {
    const next = queue.then(async () => {
      const parts = statements.map(render);
      const texts = parts.map((x) => x.text);
      let skip = 0;
      if (prefix !== undefined) {
        texts.unshift(prefix); // BEGIN; SELECT set_config(…): two results
        skip = 2;
        prefix = undefined;
        open = true;
      }
      if (commit) texts.push('COMMIT');
      if (texts.length === 0) return [];
      const res = await send(conn, texts.join(';\n'));
      if (commit) open = false;
      const all = Array.isArray(res) ? res : [res];
      // Each statement's own result is the last of its part (after its PREPARE, if any).
      const out: PgResult[] = [];
      let at = skip;
      for (const part of parts) {
        at += part.results;
        out.push(all[at - 1]!);
      }
      return out;
    });
    queue = next.catch(() => undefined);
    return next;
  };
  const tx: Tx = {
    execute: executor(async (sql, params, method) => {
      const [res] = await run([{ sql, params }]);
      return method === 'all' ? res!.rows : { affectedRows: res!.rowCount ?? 0, rows: res!.rows };
    }),
    async batch(statements, opts = {}) {
      return (await run(statements, opts.commit === true)).map((r) => r.rows);
    },
  };
  try {
    const result = await fn(tx);
    await queue;
    if (open) await run([], true);
    return result;
  } catch (err) {
    await queue;
    // Once BEGIN has gone out the transaction may be open (or aborted): end it. After a failed
    // COMMIT it is already over, and ROLLBACK only warns.
    if (begin !== undefined && prefix === undefined) await conn.query('ROLLBACK').catch(() => undefined);
    // A failed text may have stopped before or after one of its PREPAREs (which outlive the
    // transaction): forget them all rather than guess.
    if (held.size) {
      held.clear();
      await conn.query('DEALLOCATE ALL').catch(() => undefined);
    }
    throw err;
  } finally {
    await client.releaseConnection(conn);
  }
}

/** A read (or one write) in the caller's scope in a single round trip: BEGIN, scope, statements, COMMIT. */
export function queryInScope(orm: Orm, scope: DbScope, statements: Statement[]): Promise<unknown[][]> {
  return inScope(orm, scope, (tx) => executeAll(tx, statements, { commit: true }));
}

/**
 * The system identity's statements, for services that act on a project the caller has already
 * been authorised for through both layers (the project was found in the caller's scope and the
 * level rule checked). Each `execute` runs in its own scoped transaction; `transactional` runs
 * the whole callback in one.
 */
export function systemEm(orm: Orm): ScopedSql {
  return scopedEm(orm, SYSTEM_SCOPE);
}

/** The same for a caller's scope: row-level security applies to every statement. */
export function scopedEm(orm: Orm, scope: DbScope): ScopedSql {
  return {
    execute: executor((sql, params, method) =>
      inScope(orm, scope, (tx) =>
        method === 'all' ? tx.execute(sql, params) : tx.execute(sql, params, 'run'),
      ),
    ),
    transactional: (fn) => inScope(orm, scope, fn),
  };
}

/**
 * A fresh EntityManager in one transaction, no scope set: for records without row-level security
 * (accounts, their sessions, org units), which logging in must read before anyone is known.
 */
export function withEm<T>(orm: Orm, fn: (em: EntityManager) => Promise<T>): Promise<T> {
  return orm.em.fork().transactional(fn);
}

/**
 * A fresh EntityManager in one transaction of the scope: its first statement sets the same
 * settings `inScope` sets, so row-level security sees the entity queries as it sees the raw ones.
 * Changes are flushed when `fn` returns, and the transaction commits (or rolls back if `fn` throws).
 */
export function withScopedEm<T>(orm: Orm, scope: DbScope, fn: (em: EntityManager) => Promise<T>): Promise<T> {
  const setScope = setScopeStatement(scope);
  return orm.em.fork().transactional(async (em) => {
    await em.execute(setScope, [], 'all');
    return fn(em);
  });
}
