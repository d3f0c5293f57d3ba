/**
 * What a raw-SQL transaction offers, and nothing more. The scoped transactions of db/scope.ts
 * implement it on a pooled connection (the hot path every step and ledger write takes); `txOf`
 * gives the same interface over a MikroORM EntityManager inside `transactional`, for the few
 * writers that hold one and share a helper written for `Tx` (the audit trail).
 */
import type { QueryResult } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

/** One row as node-postgres returns it. */
export type Row = Record<string, unknown>;

/** What a statement run for its effect reports. */
export interface RunResult {
  affectedRows: number;
  /** The rows of its RETURNING clause, if it has one. */
  rows: Row[];
}

/** One SQL statement with knex-style `?` placeholders. */
export interface Statement {
  sql: string;
  params?: readonly unknown[];
  /**
   * Run as a server-side prepared statement, planned once per connection: for the statements
   * every step sends. Only for a fixed number of scalar parameters whose types PostgreSQL can
   * tell from the statement (no arrays, no `?` inside string literals). Where statements are not
   * sent on a pooled connection of their own (`txOf`), it is ignored.
   */
  prepare?: boolean;
}

/** Runs one statement: its rows (`all`, the default), or how many rows it changed (`run`). */
export interface Sql {
  /** The caller names the rows' shape, as with MikroORM's own `execute`: raw SQL cannot tell it. */
  execute<T = Row[]>(sql: string, params?: readonly unknown[], method?: 'all'): Promise<T>;
  execute(sql: string, params: readonly unknown[] | undefined, method: 'run'): Promise<RunResult>;
}

/** A transaction's statements: one at a time, or several in one round trip. */
export interface Tx extends Sql {
  /**
   * Several statements, each one's rows in order. On a pooled scoped transaction they travel as
   * one query text, and `commit: true` ends the transaction in the same round trip (no statement
   * may follow). Over an EntityManager they run one after the other and the transaction commits
   * when its callback returns.
   */
  batch(statements: readonly Statement[], opts?: { commit?: boolean }): Promise<unknown[][]>;
}

/** A scope's statements outside a transaction the caller holds (db/scope.ts `scopedEm`). */
export interface ScopedSql extends Sql {
  /** Runs `fn` in one transaction of the scope. */
  transactional<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}

/** The `execute` of `Sql`, from a function that answers both methods. */
export function executor(
  run: (sql: string, params: readonly unknown[], method: 'all' | 'run') => Promise<Row[] | RunResult>,
): Sql['execute'] {
  function execute<T = Row[]>(sql: string, params?: readonly unknown[], method?: 'all'): Promise<T>;
  function execute(sql: string, params: readonly unknown[] | undefined, method: 'run'): Promise<RunResult>;
  function execute(sql: string, params: readonly unknown[] = [], method: 'all' | 'run' = 'all') {
    return run(sql, params, method);
  }
  return execute;
}

/** Several statements in one round trip where the transaction can (see `Tx.batch`). */
export function executeAll(
  tx: Tx,
  statements: readonly Statement[],
  opts: { commit?: boolean } = {},
): Promise<unknown[][]> {
  return tx.batch(statements, opts);
}

/** The connection of an EntityManager (inside `transactional`) as a `Tx`. */
export function txOf(em: EntityManager): Tx {
  return {
    execute: executor(async (sql, params, method) => {
      if (method === 'all') return em.execute<Row[]>(sql, [...params], 'all');
      const res = await em.execute<QueryResult<Row>>(sql, [...params], 'run');
      return { affectedRows: res.affectedRows, rows: res.rows ?? [] };
    }),
    async batch(statements) {
      const out: unknown[][] = [];
      for (const s of statements) out.push(await em.execute<Row[]>(s.sql, [...(s.params ?? [])], 'all'));
      return out;
    },
  };
}
