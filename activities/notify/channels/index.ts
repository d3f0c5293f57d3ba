/**
 * The configured outbound channels: `outboundAdapters(config)` builds exactly those configured
 * (nothing configured: the outbox file alone), `channelStatus(config)` says which are live and
 * through what, without secrets, for the administrator's page. The in-app inbox is always live
 * and not listed here.
 */
import type { ChannelAdapter, OutboundChannel } from '../channel.js';
import { createAliyunSmsAdapter } from './aliyun-sms.js';
import { splitEndpoint, type ChannelsConfig } from './config.js';
import { createDingtalkAdapter } from './dingtalk.js';
import { createEmailAdapter } from './email.js';
import { createOutboxAdapter } from './outbox.js';
import { createTencentSmsAdapter } from './tencent-sms.js';
import { createWecomAdapter } from './wecom.js';

export type { ChannelsConfig, RobotConfig } from './config.js';
export type OutboundAdapters = Partial<Record<OutboundChannel, ChannelAdapter>>;

export function outboundAdapters(config: ChannelsConfig): OutboundAdapters {
  const timeoutMs = config.timeoutMs;
  const adapters: OutboundAdapters = {};
  if (config.email) adapters.email = createEmailAdapter({ ...config.email, timeoutMs });
  if (config.sms?.vendor === 'aliyun') adapters.sms = createAliyunSmsAdapter({ ...config.sms, timeoutMs });
  if (config.sms?.vendor === 'tencent') adapters.sms = createTencentSmsAdapter({ ...config.sms, timeoutMs });
  if (config.dingtalk.length > 0)
    adapters.dingtalk = createDingtalkAdapter({ robots: config.dingtalk, timeoutMs });
  if (config.wecom.length > 0) adapters.wecom = createWecomAdapter({ robots: config.wecom, timeoutMs });
  if (config.outbox) adapters.outbox = createOutboxAdapter({ file: config.outbox.file });
  return adapters;
}

export interface ChannelStatusEntry {
  name: OutboundChannel;
  live: boolean;
  detail: string;
}

/** Per outbound channel: live or not, and what it sends through (no passwords, keys or tokens). */
export function channelStatus(config: ChannelsConfig): ChannelStatusEntry[] {
  const robots = (list: ChannelsConfig['dingtalk']) =>
    list.length > 0 ? list.map((r) => `${r.name} (${new URL(r.webhook).host})`).join(', ') : 'not configured';
  return [
    {
      name: 'email',
      live: config.email !== null,
      detail: config.email ? smtpWithoutCredentials(config.email.url) : 'not configured (SMTP_URL)',
    },
    {
      name: 'sms',
      live: config.sms !== null,
      detail: config.sms
        ? `${config.sms.vendor} · ${splitEndpoint(config.sms.endpoint).host} · ${config.sms.signName}` +
          (config.smsTemplates.text ? '' : ' (deadline alerts only)')
        : 'not configured (SMS_VENDOR)',
    },
    { name: 'dingtalk', live: config.dingtalk.length > 0, detail: robots(config.dingtalk) },
    { name: 'wecom', live: config.wecom.length > 0, detail: robots(config.wecom) },
    {
      name: 'outbox',
      live: config.outbox !== null,
      detail: config.outbox ? config.outbox.file : 'off (NOTIFY_OUTBOX)',
    },
  ];
}

function smtpWithoutCredentials(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ''}`;
}
