/**
 * The worker's notification wiring from the environment: what the notify activity queues (only
 * for channels an adapter serves) and how the dispatcher sends it.
 */
import type { ChannelAdapter } from '#activities/notify/channel.js';
import type { DeliveryConfig, Render, RobotTarget } from '#activities/notify/delivery-config.js';
import type { Orm } from '#db/orm.js';
import { deliverySettings, type Env } from '#platform/env.js';
import type { Logger } from '#platform/log.js';
import type { DispatcherOptions } from './dispatcher.js';

export function notificationSetup(opts: {
  env: Env;
  orm: Orm;
  adapters: readonly ChannelAdapter[];
  robots: readonly RobotTarget[];
  render: Render;
  log?: Logger;
}): { delivery: DeliveryConfig; dispatcher: DispatcherOptions | null } {
  const s = deliverySettings(opts.env);
  const has = (c: string) => opts.adapters.some((a) => a.channel === c);
  const delivery: DeliveryConfig = {
    email: has('email'),
    sms: has('sms'),
    robots: opts.robots.filter((r) => has(r.channel)),
    outbox: has('outbox'),
    quiet: s.quiet,
    criticalBypassQuiet: s.criticalBypassQuiet,
    digestAt: s.digestAt,
    timeZone: s.timeZone,
    render: opts.render,
  };
  const { enabled, rateLimit, ...tuning } = s.dispatcher;
  const dispatcher: DispatcherOptions | null = enabled
    ? {
        orm: opts.orm,
        adapters: opts.adapters,
        ...(opts.log ? { log: opts.log } : {}),
        ...tuning,
        rateLimit,
        quiet: { window: s.quiet, timeZone: s.timeZone },
      }
    : null;
  return { delivery, dispatcher };
}
