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

export async function inScope<T>(
  orm: Orm,
  scope: DbScope,
  fn: (em: EntityManager) => Promise<T>,
): Promise<T> {
  return orm.em.fork().transactional(async (em) => {
    await em.execute(
      `SELECT set_config('app.scope_kind', ?, true), set_config('app.unit_id', ?, true), set_config('app.roles', ?, true)`,
      [
        scope.kind,
        scope.kind === 'system' ? '' : scope.unitId,
        scope.kind === 'system' ? '' : scope.roles.join(','),
      ],
      'all',
    );
    return fn(em as EntityManager);
  });
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
