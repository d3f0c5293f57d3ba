/**
 * app_meta: small facts about the running installation (worker heartbeats, how far the demo seed
 * got, that it is done). Its INSERTs live here; the params are a plain array, as an EntityManager's
 * `execute` takes them.
 */
import type { Statement } from '../scope.js';

/** Sets `key` to `value`, replacing what was there. */
export function metaPut(key: string, value: unknown): Statement & { params: unknown[] } {
  return {
    sql: `INSERT INTO app_meta (key, value, updated_at) VALUES (?, ?::jsonb, now())
          ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    params: [key, JSON.stringify(value)],
  };
}

/** Sets `key` to `value` only if it has none: the first writer's value stays. */
export function metaPutOnce(key: string, value: unknown): Statement & { params: unknown[] } {
  return {
    sql: `INSERT INTO app_meta (key, value, updated_at) VALUES (?, ?::jsonb, now()) ON CONFLICT (key) DO NOTHING`,
    params: [key, JSON.stringify(value)],
  };
}
