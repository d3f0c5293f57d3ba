/**
 * What a worker takes from the environment: deadline periods, outside deliveries, the notices'
 * serial prefix, the complaints' time limits. Every process that runs the activities builds them
 * here (the worker, and `npm run seed:demo`'s worker on a deployment's task queue), because an
 * activity may run on any worker polling the queue: one with other settings would number a notice
 * or time a complaint differently depending on which worker took it.
 */
import { outboundAdapters } from '#activities/notify/channels/index.js';
import { templateRender } from '#activities/notify/render.js';
import type { Orm } from '#db/orm.js';
import { channelsConfig, complaintSlaConfig, deadlineConfig, type Env } from '#platform/env.js';
import type { Logger } from '#platform/log.js';
import { notificationSetup } from './notifications.js';

export function workerSettingsFromEnv(env: Env, orm: Orm, log?: Logger) {
  const channels = channelsConfig(env);
  const notifications = notificationSetup({
    env,
    orm,
    adapters: Object.values(outboundAdapters(channels)),
    robots: [
      ...channels.dingtalk.map((r) => ({
        channel: 'dingtalk' as const,
        name: r.name,
        units: r.orgUnits,
        minSeverity: r.minSeverity,
      })),
      ...channels.wecom.map((r) => ({
        channel: 'wecom' as const,
        name: r.name,
        units: r.orgUnits,
        minSeverity: r.minSeverity,
      })),
    ],
    render: templateRender(channels),
    ...(log ? { log } : {}),
  });
  return {
    /** The dispatcher's options (null when outside deliveries are off). */
    dispatcher: notifications.dispatcher,
    /** The activities' settings, for createWorker. */
    activities: {
      deadlines: deadlineConfig(env),
      delivery: notifications.delivery,
      rectificationSerialPrefix: env.RECTIFICATION_SERIAL_PREFIX,
      complaintSla: complaintSlaConfig(env),
    },
  };
}
