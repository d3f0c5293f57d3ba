/**
 * Which failures of a database write can succeed on a later attempt. An activity retried forever
 * behind a project's step lock freezes the project, so a failure that no retry can cure (the data
 * itself is refused) must end the attempt at once, as a non-retryable failure the workflow turns
 * into a refused step. Everything else (connections, shutdowns, deadlocks, serialization, lack of
 * resources) is worth retrying: the write is idempotent.
 */
import { ApplicationFailure } from '@temporalio/common';
import { STEP_REJECTED } from '#domain/project-records.js';

/**
 * SQLSTATE classes that describe the statement or its data, not the server's condition:
 * 22 data exception (bad encoding, out of range, invalid text), 23 integrity constraint violation,
 * 42 syntax error or access rule violation, 2F/38/39 function errors, 54 program limit exceeded,
 * P0 a PL/pgSQL RAISE (the money triggers), plus 08P01: the server refusing a message it cannot
 * read (a NUL byte in a text parameter).
 */
const PERMANENT_CLASSES = new Set(['22', '23', '42', '2F', '38', '39', '54', 'P0']);

export function isPermanentDbError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return false;
  return code === '08P01' || PERMANENT_CLASSES.has(code.slice(0, 2));
}

/**
 * Runs a write; a permanent failure is rethrown non-retryable, with the constraint or the cause
 * named (the api shows it to the person who asked), and errors of the program's own making that
 * cannot change on retry (a value JSON cannot carry, say) likewise.
 */
export async function permanentFailuresFinal<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    if (isPermanentDbError(err) || err instanceof RangeError || err instanceof TypeError) {
      const e = err as { message?: string; code?: string; constraint?: string };
      throw ApplicationFailure.nonRetryable(
        `数据库拒绝写入 (refused by the database: ${what}: ${e.constraint ? `${e.constraint}: ` : ''}${e.message ?? String(err)})`,
        STEP_REJECTED,
        { code: e.code ?? null, constraint: e.constraint ?? null },
      );
    }
    throw err;
  }
}
