/**
 * Every query of scoped data runs inside `inScope(orm, scope, fn)`: a transaction whose first
 * statement sets the per-transaction settings row-level security reads. Without them PostgreSQL
 * returns no project rows at all, so forgetting the scope fails closed.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { isCountyWide, type Principal } from '../domain/access.js';
import type { Role } from '../domain/schemas.js';
import type { Orm } from './orm.js';

export type DbScope =
  | { kind: 'system' }
  | {
      kind: 'county' | 'department' | 'township' | 'village' | 'none';
      unitId: string;
      roles: readonly Role[];
    };

/** Activities, seeding and maintenance act as the system, never as a borrowed user session. */
export const SYSTEM_SCOPE: DbScope = { kind: 'system' };

export function scopeOf(p: Principal): DbScope {
  if (isCountyWide(p)) return { kind: 'county', unitId: p.orgUnitId, roles: p.roles };
  const kind =
    p.orgKind === 'department' || p.orgKind === 'township' || p.orgKind === 'village' ? p.orgKind : 'none';
  return { kind, unitId: p.orgUnitId, roles: p.roles };
}

/** A pooled pg connection as knex hands it out (the pool has already switched it to the app role). */
interface PgConnection {
  query(text: string): Promise<{ rows: unknown[]; rowCount: number | null } | { rows: unknown[] }[]>;
}
interface KnexClient {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(conn: PgConnection): Promise<void>;
}

const SCOPE_KINDS = new Set(['system', 'county', 'department', 'township', 'village', 'none']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROLE = /^[a-z]+$/;

/** BEGIN and the scope settings in one round trip: the values are checked, then inlined. */
function beginStatement(scope: DbScope): string {
  const unit = scope.kind === 'system' ? '' : scope.unitId;
  const roles = scope.kind === 'system' ? '' : scope.roles.join(',');
  if (
    !SCOPE_KINDS.has(scope.kind) ||
    (unit && !UUID.test(unit)) ||
    (roles && !roles.split(',').every((r) => ROLE.test(r)))
  )
    throw new Error(`invalid database scope ${JSON.stringify(scope)}`);
  return `BEGIN; SELECT set_config('app.scope_kind', '${scope.kind}', true), set_config('app.unit_id', '${unit}', true), set_config('app.roles', '${roles}', true)`;
}

/**
 * Runs `fn` in one transaction of the caller's scope. The transaction is driven straight on a
 * pooled connection: the same SQL MikroORM's `execute` would send (its own placeholder
 * formatting, so arrays, JSON and dates mean the same), without the per-query and per-transaction
 * machinery around it, and with BEGIN and the scope settings sent as one round trip. Statements
 * on the same transaction run one after the other even when `fn` issues them concurrently.
 */
export async function inScope<T>(
  orm: Orm,
  scope: DbScope,
  fn: (em: EntityManager) => Promise<T>,
): Promise<T> {
  const begin = beginStatement(scope);
  const connection = orm.em.getConnection();
  const client = (connection.getKnex() as unknown as { client: KnexClient }).client;
  const platform = orm.em.getPlatform();
  const conn = await client.acquireConnection();
  let queue: Promise<unknown> = Promise.resolve();
  const run = (text: string) => {
    const next = queue.then(() => conn.query(text));
    queue = next.catch(() => undefined);
    return next;
  };
  const facade = {
    async execute(sql: string, params: unknown[] = [], method: 'all' | 'get' | 'run' = 'all') {
      const res = (await run(platform.formatQuery(sql, params))) as {
        rows: unknown[];
        rowCount: number | null;
      };
      if (method === 'all') return res.rows;
      if (method === 'get') return res.rows[0];
      const first = res.rows[0] as { id?: unknown } | undefined;
      return { affectedRows: res.rowCount, insertId: first?.id ?? 0, row: first, rows: res.rows };
    },
    // Already in a transaction: a nested one is the same transaction.
    transactional: <R>(inner: (em: EntityManager) => Promise<R>) => inner(facade as unknown as EntityManager),
  };
  try {
    await run(begin);
    const result = await fn(facade as unknown as EntityManager);
    await run('COMMIT');
    return result;
  } catch (err) {
    await run('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.releaseConnection(conn);
  }
}

/**
 * The system identity as a drop-in for `orm.em.fork()` (execute / transactional), for services
 * that act on a project the caller has already been authorised for through both layers (the
 * project was found in the caller's scope and the level rule checked). Each `execute` runs in
 * its own scoped transaction; `transactional` runs the whole callback in one.
 */
export function systemEm(orm: Orm): EntityManager {
  return scopedEm(orm, SYSTEM_SCOPE);
}

/** The same facade for a caller's scope: row-level security applies to every statement. */
export function scopedEm(orm: Orm, scope: DbScope): EntityManager {
  const facade = {
    execute: (sql: string, params?: unknown[], method?: 'all' | 'get' | 'run') =>
      inScope(orm, scope, (em) => em.execute(sql, params as never, method)),
    transactional: <T>(fn: (em: EntityManager) => Promise<T>) => inScope(orm, scope, fn),
  };
  return facade as unknown as EntityManager;
}
