/**
 * WeCom group robots (企业微信群机器人), each configured by name; the webhook's `key` is the
 * only credential. Markdown content is capped at 4096 bytes of UTF-8 by WeCom (errcode 40058
 * beyond): the body is cut on a character boundary so that it and the link line fit.
 * A robot takes at most 20 messages a minute: the dispatcher's bucket is the robot.
 */
import { WECOM_MARKDOWN_MAX_BYTES, truncateUtf8, utf8Length } from '#domain/notifications/limits.js';
import { DeliveryError, type ChannelAdapter, type OutboundMessage } from '../channel.js';
import { DEFAULT_TIMEOUT_MS, type RobotConfig } from './config.js';
import { postToRobot, type RobotVerdict } from './robot-http.js';

/** errcode → a second try; unknown codes are retried (as for DingTalk: a resend is free). */
export const WECOM_CODES: Record<number, RobotVerdict> = {
  /** API frequency limit (20 a minute per robot). */
  45009: { retryable: true, retryAfterMs: 60_000 },
  /** System busy. */
  [-1]: { retryable: true },
  /** Invalid webhook URL (wrong or deleted key). */
  93000: { retryable: false },
  /** The robot was removed from its group. */
  93004: { retryable: false },
  /** The body: an invalid parameter (e.g. content over 4096 bytes), an unknown msgtype. */
  40058: { retryable: false },
  40008: { retryable: false },
};

const wecomVerdict = (errcode: number): RobotVerdict => WECOM_CODES[errcode] ?? { retryable: true };

/** The markdown content WeCom receives: the body cut to fit, then the link line whole. */
export function wecomContent(m: Pick<OutboundMessage, 'markdown' | 'link' | 'locale'>): string {
  const linkLine = m.link ? `\n\n[${m.locale === 'zh-CN' ? '查看详情' : 'Details'}](${m.link})` : '';
  return truncateUtf8(m.markdown, WECOM_MARKDOWN_MAX_BYTES - utf8Length(linkLine)) + linkLine;
}

export interface WecomAdapterOptions {
  robots: RobotConfig[];
  timeoutMs?: number;
}

export function createWecomAdapter(opts: WecomAdapterOptions): ChannelAdapter {
  const robots = new Map(opts.robots.map((r) => [r.name, r]));
  return {
    channel: 'wecom',
    bucketOf: (address) => `wecom:${address}`,
    async send(m: OutboundMessage) {
      const robot = robots.get(m.address);
      if (!robot) throw new DeliveryError('unknown-robot', `no WeCom robot named ${m.address}`, false);
      const body = { msgtype: 'markdown', markdown: { content: wecomContent(m) } };
      await postToRobot(robot.webhook, body, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, wecomVerdict);
      return { vendorId: null };
    },
  };
}
