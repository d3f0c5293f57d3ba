/**
 * What every outbound channel adapter (e-mail, SMS vendors, chat robots, the outbox file) offers
 * the dispatcher. An adapter sends one message to one address and says how it went; it keeps no
 * state of its own, so deduplication, retries, rate limits and the delivery log live in one place
 * (the dispatcher), whatever the vendor.
 */

/** The outbound channels. The in-app inbox is written by the notify activity itself. */
export const OUTBOUND_CHANNELS = ['email', 'sms', 'dingtalk', 'wecom', 'outbox'] as const;
export type OutboundChannel = (typeof OUTBOUND_CHANNELS)[number];

/** One rendered message for one address. */
export interface OutboundMessage {
  /**
   * The delivery's stable identity (the dedup key's id): the same on every attempt, sent to the
   * vendor where it has a field for it (Aliyun OutId, Tencent SessionContext, e-mail Message-ID).
   */
  deliveryId: string;
  /** E-mail address, phone number (+86… or 11 digits), or the robot's configured name. */
  address: string;
  locale: 'zh-CN' | 'en';
  subject: string;
  /** Plain text (e-mail body, outbox). */
  text: string;
  /** Markdown for the chat robots (already within the robot's size limit). */
  markdown: string;
  /** Absolute link into the console, or null. */
  link: string | null;
  /** SMS: the vendor template's code and its parameters (values are plain strings). */
  sms: { templateCode: string; params: Record<string, string> } | null;
}

export interface SendResult {
  /** The vendor's id for the message (BizId, SerialNo, SMTP message id), when it gives one. */
  vendorId: string | null;
}

/**
 * A send that did not go through. `retryable` says whether sending again later may succeed
 * (throttling, a vendor or network fault) or never will (a blacklisted number, a bad template,
 * wrong credentials). `code` is the vendor's own code, kept for the delivery log.
 */
export class DeliveryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    /** The vendor asked for a pause (rate limit): at least this long before the next try. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface ChannelAdapter {
  readonly channel: OutboundChannel;
  /**
   * The rate-limit bucket a message goes through: the vendor account for SMS, the robot's name
   * for chat robots (each robot has its own per-minute limit), the SMTP server for e-mail.
   */
  bucketOf(address: string): string;
  /** Sends once. Throws `DeliveryError` for a refusal it understands; anything else is retryable. */
  send(message: OutboundMessage): Promise<SendResult>;
}
