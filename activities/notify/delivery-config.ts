/**
 * What the notify activity needs to know to queue outside deliveries: which channels are live,
 * the robots and whom they serve, the SMS quiet hours and the digest time, and how a message is
 * rendered. Built once from the environment by the worker (`deliveryConfigFromEnv`).
 */
import type { OutboundMessage } from './channel.js';
import type { NotificationFacts, Severity } from '#domain/notify-schemas.js';
import type { ClockTime, QuietWindow } from '#domain/notifications/delivery-time.js';

/** A message as rendered for one locale, before it has a delivery id and an address. */
export type RenderedMessage = Pick<OutboundMessage, 'subject' | 'text' | 'markdown' | 'link' | 'sms'>;

export type Render = (facts: NotificationFacts, locale: 'zh-CN' | 'en') => RenderedMessage;

export interface RobotTarget {
  channel: 'dingtalk' | 'wecom';
  /** The robot's configured name (its address for the adapter and its rate-limit bucket). */
  name: string;
  /** Codes of the org units it serves; empty: all. */
  units: readonly string[];
  /** Only notifications at or above this severity. */
  minSeverity: Severity;
}

export interface DeliveryConfig {
  email: boolean;
  sms: boolean;
  robots: readonly RobotTarget[];
  outbox: boolean;
  /** SMS quiet hours, or null for none. */
  quiet: QuietWindow | null;
  /** Critical notifications (escalation, 约谈) are not held by the quiet hours. */
  criticalBypassQuiet: boolean;
  digestAt: ClockTime;
  timeZone: string;
  render: Render;
}

/** Only the in-app inbox: nothing leaves the system. */
export function inboxOnly(render: Render): DeliveryConfig {
  return {
    email: false,
    sms: false,
    robots: [],
    outbox: false,
    quiet: null,
    criticalBypassQuiet: true,
    digestAt: 8 * 3600,
    timeZone: 'Asia/Shanghai',
    render,
  };
}
