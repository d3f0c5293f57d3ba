/**
 * DingTalk group robots (自定义机器人), each configured by name. A robot with a 加签 secret gets
 * `timestamp` and `sign` on every call: sign = URL-encoded base64(HMAC-SHA256(key = secret,
 * "<timestamp>\n<secret>")), timestamp in milliseconds (DingTalk refuses one over an hour old).
 * A message with a link is an actionCard whose one button (查看详情) opens it; else markdown.
 * A robot takes at most 20 messages a minute: the dispatcher's bucket is the robot.
 */
import { createHmac } from 'node:crypto';
import { DINGTALK_MARKDOWN_MAX_BYTES, truncateUtf8 } from '#domain/notifications/limits.js';
import { DeliveryError, type ChannelAdapter, type OutboundMessage } from '../channel.js';
import { DEFAULT_TIMEOUT_MS, type RobotConfig } from './config.js';
import { postToRobot, type RobotVerdict } from './robot-http.js';

/**
 * errcode → a second try. Unknown codes are retried: a resent robot message costs nothing and
 * at worst shows twice, and the dispatcher caps the attempts.
 */
export const DINGTALK_CODES: Record<number, RobotVerdict> = {
  /** Sending too fast (20 a minute per robot): the minute passes. */
  130101: { retryable: true, retryAfterMs: 60_000 },
  410100: { retryable: true, retryAfterMs: 60_000 },
  /** System busy. */
  [-1]: { retryable: true },
  /** Security settings refused it: wrong or stale sign, no keyword, source IP not allowed. */
  310000: { retryable: false },
  /** The access token is wrong, the robot is gone or stopped, the group was dissolved. */
  300001: { retryable: false },
  300005: { retryable: false },
  400013: { retryable: false },
  400101: { retryable: false },
  400102: { retryable: false },
  400106: { retryable: false },
  /** The body is not a message DingTalk takes. */
  400105: { retryable: false },
  40035: { retryable: false },
};

const dingtalkVerdict = (errcode: number): RobotVerdict => DINGTALK_CODES[errcode] ?? { retryable: true };

/** base64(HMAC-SHA256(key = secret, "<timestamp>\n<secret>")), before URL-encoding. */
export function dingtalkSign(secret: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
}

/** The webhook with `timestamp` and the URL-encoded `sign` appended (unchanged without a secret). */
export function signedWebhook(webhook: string, secret: string | null, timestamp: number): string {
  if (!secret) return webhook;
  const sep = webhook.includes('?') ? '&' : '?';
  return `${webhook}${sep}timestamp=${timestamp}&sign=${encodeURIComponent(dingtalkSign(secret, timestamp))}`;
}

export interface DingtalkAdapterOptions {
  robots: RobotConfig[];
  timeoutMs?: number;
  /** The clock the timestamp is taken from (tests fix it). */
  now?: () => number;
}

export function createDingtalkAdapter(opts: DingtalkAdapterOptions): ChannelAdapter {
  const robots = new Map(opts.robots.map((r) => [r.name, r]));
  const now = opts.now ?? Date.now;
  return {
    channel: 'dingtalk',
    bucketOf: (address) => `dingtalk:${address}`,
    async send(m: OutboundMessage) {
      const robot = robots.get(m.address);
      if (!robot) throw new DeliveryError('unknown-robot', `no DingTalk robot named ${m.address}`, false);
      const text = truncateUtf8(m.markdown, DINGTALK_MARKDOWN_MAX_BYTES);
      const body = m.link
        ? {
            msgtype: 'actionCard',
            actionCard: {
              title: m.subject,
              text,
              singleTitle: m.locale === 'zh-CN' ? '查看详情' : 'Details',
              singleURL: m.link,
            },
          }
        : { msgtype: 'markdown', markdown: { title: m.subject, text } };
      const url = signedWebhook(robot.webhook, robot.secret, now());
      await postToRobot(url, body, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, dingtalkVerdict);
      return { vendorId: null };
    },
  };
}
