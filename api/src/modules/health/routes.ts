import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Orm } from '#db/orm.js';
import { HEARTBEAT_STALE_MS, demoSeedStatus, heartbeatAgeMs } from '#db/queries/stack-status.js';
import { defineRoute, type RouteDef } from '../../http.js';

const readySchema = z.object({
  status: z.enum(['ready', 'unavailable']),
  postgres: z.string(),
  temporal: z.string(),
  /** `ok` while a worker of the task queue beats (worker/heartbeat.ts); steps wait without one. */
  worker: z.string(),
  /** The demo county: still being seeded (`done` of `total` projects), done, or never seeded. */
  demoSeed: z.union([
    z.object({ state: z.enum(['none', 'done']) }),
    z.object({ state: z.literal('seeding'), done: z.number().int(), total: z.number().int() }),
  ]),
});

function within<T>(ms: number, p: Promise<T>): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)),
  ]);
}

export function healthRoutes(deps: {
  orm: Orm;
  temporal: Client;
  namespace: string;
  taskQueue: string;
}): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      summary: 'liveness: the api process answers',
      tags: ['health'],
      access: 'public',
      response: z.object({ status: z.literal('ok') }),
      handler: async () => ({ status: 'ok' }),
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      summary:
        'readiness: PostgreSQL and Temporal reachable and a worker alive; also whether the demo county is still being seeded',
      tags: ['health'],
      access: 'public',
      response: readySchema,
      errors: [503],
      handler: async ({ res }) => {
        const check = async (p: () => Promise<unknown>) =>
          within(3000, p()).then(
            () => 'ok',
            (e: unknown) => `down: ${e instanceof Error ? e.message.split('\n')[0] : 'unreachable'}`,
          );
        let age: number | null = null;
        let demoSeed: z.infer<typeof readySchema>['demoSeed'] = { state: 'none' };
        const [postgres, temporal] = await Promise.all([
          check(async () => {
            age = await heartbeatAgeMs(deps.orm, deps.taskQueue);
            demoSeed = await demoSeedStatus(deps.orm);
          }),
          check(() => deps.temporal.workflowService.describeNamespace({ namespace: deps.namespace })),
        ]);
        const worker =
          postgres !== 'ok'
            ? 'unknown: PostgreSQL unreachable'
            : age === null
              ? `down: no worker polls task queue ${deps.taskQueue}`
              : age > HEARTBEAT_STALE_MS
                ? `down: no heartbeat for ${Math.round(age / 1000)} s`
                : 'ok';
        const ok = postgres === 'ok' && temporal === 'ok' && worker === 'ok';
        res
          .status(ok ? 200 : 503)
          .json({ status: ok ? 'ready' : 'unavailable', postgres, temporal, worker, demoSeed });
        return undefined;
      },
    }),
  ];
}
