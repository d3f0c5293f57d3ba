import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Orm } from '../../../../db/orm.js';
import { defineRoute, type RouteDef } from '../../http.js';

const readySchema = z.object({
  status: z.enum(['ready', 'unavailable']),
  postgres: z.string(),
  temporal: z.string(),
});

function within<T>(ms: number, p: Promise<T>): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)),
  ]);
}

export function healthRoutes(deps: { orm: Orm; temporal: Client; namespace: string }): RouteDef[] {
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
      summary: 'readiness: PostgreSQL and Temporal both reachable',
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
        const [postgres, temporal] = await Promise.all([
          check(() => deps.orm.em.fork().execute('SELECT 1', [], 'all')),
          check(() => deps.temporal.workflowService.describeNamespace({ namespace: deps.namespace })),
        ]);
        const ok = postgres === 'ok' && temporal === 'ok';
        res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'unavailable', postgres, temporal });
        return undefined;
      },
    }),
  ];
}
