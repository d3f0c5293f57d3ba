/**
 * Two facts /readyz reports besides PostgreSQL and Temporal, both kept in app_meta:
 * - the worker's heartbeat: each worker process writes one row every few seconds while its
 *   Temporal worker runs, and deletes it when it stops. The api calls the worker alive when some
 *   row of its task queue is fresh. (Temporal's DescribeTaskQueue lists pollers with their last
 *   access time too, but an idle worker's long poll refreshes it only about once a minute, so a
 *   dead worker would look alive for that long; the database's clock is the only clock compared.)
 * - the demo seed's progress (`done` of `total` projects), so the console can say the demo county
 *   is still being seeded.
 */
import type { Orm } from '../orm.js';
import { metaPut } from '../writes/app-meta.js';

export const HEARTBEAT_EVERY_MS = 2000;
/** Three missed beats: a busy machine delays a beat, it does not skip three. */
export const HEARTBEAT_STALE_MS = 3 * HEARTBEAT_EVERY_MS + 1000;

const beatKey = (taskQueue: string, identity: string) => `worker.heartbeat.${taskQueue}.${identity}`;
const beatPrefix = (taskQueue: string) => `worker.heartbeat.${taskQueue}.`;

export async function writeHeartbeat(orm: Orm, taskQueue: string, identity: string): Promise<void> {
  const em = orm.em.fork();
  const beat = metaPut(beatKey(taskQueue, identity), { taskQueue, identity });
  await em.execute(beat.sql, beat.params, 'run');
  // Rows of workers that died long ago (another pid, another container) are of no use.
  await em.execute(
    `DELETE FROM app_meta WHERE starts_with(key, ?) AND updated_at < now() - interval '1 hour'`,
    [beatPrefix(taskQueue)],
    'run',
  );
}

export async function clearHeartbeat(orm: Orm, taskQueue: string, identity?: string): Promise<void> {
  await orm.em
    .fork()
    .execute(
      identity ? `DELETE FROM app_meta WHERE key = ?` : `DELETE FROM app_meta WHERE starts_with(key, ?)`,
      [identity ? beatKey(taskQueue, identity) : beatPrefix(taskQueue)],
      'run',
    );
}

/** Milliseconds since the freshest heartbeat of the queue, or null when there is none. */
export async function heartbeatAgeMs(orm: Orm, taskQueue: string): Promise<number | null> {
  const [row] = await orm.em.fork().execute<{ age: string | null }[]>(
    `SELECT (extract(epoch FROM now() - max(updated_at)) * 1000)::bigint::text AS age
         FROM app_meta WHERE starts_with(key, ?)`,
    [beatPrefix(taskQueue)],
    'all',
  );
  return row?.age == null ? null : Number(row.age);
}

export interface SeedProgress {
  done: number;
  total: number;
}

const PROGRESS_KEY = 'demo_seed.progress';
const SEEDED_KEY = 'demo_seed';

export async function writeSeedProgress(orm: Orm, p: SeedProgress): Promise<void> {
  const put = metaPut(PROGRESS_KEY, p);
  await orm.em.fork().execute(put.sql, put.params, 'run');
}

/**
 * `seeding` from the first demo account until the last demo project is done; `done` after;
 * `none` where no demo seed ever began (an external database, DEMO_SEED=off).
 */
export type DemoSeedStatus = { state: 'none' | 'done' } | ({ state: 'seeding' } & SeedProgress);

export async function demoSeedStatus(orm: Orm): Promise<DemoSeedStatus> {
  const rows = await orm.em
    .fork()
    .execute<{ key: string; value: Partial<SeedProgress> }[]>(
      `SELECT key, value FROM app_meta WHERE key IN (?, ?)`,
      [SEEDED_KEY, PROGRESS_KEY],
      'all',
    );
  if (rows.some((r) => r.key === SEEDED_KEY)) return { state: 'done' };
  const p = rows.find((r) => r.key === PROGRESS_KEY)?.value;
  if (!p) return { state: 'none' };
  return { state: 'seeding', done: Number(p.done ?? 0), total: Number(p.total ?? 0) };
}
