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

/**
 * A send whose fate is not known: the request may have reached the vendor, and its answer did not
 * come back (a timeout, a connection cut after the request went). SendSms and the robots' webhooks
 * are not idempotent, so sending again could send twice: the dispatcher marks the delivery
 * `unknown`, as it does a send cut short by a process that died, for an administrator to resend.
 */
export class DeliveryUncertain extends DeliveryError {
  constructor(code: string, message: string) {
    super(code, message, false);
    this.name = 'DeliveryUncertain';
  }
}

/** Network failures in which no connection was made: the vendor never saw the request. */
const NOT_REACHED = [
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
];

/**
 * A call that got no answer: retryable when the connection was never made (its code, or the SDK's
 * message naming it), uncertain otherwise.
 */
export function noAnswer(code: string | undefined, message: string): DeliveryError {
  const reason = code ?? NOT_REACHED.find((c) => message.includes(c)) ?? 'no-answer';
  return NOT_REACHED.some((c) => reason === c || message.includes(c))
    ? new DeliveryError(`network:${reason}`, message, true)
    : new DeliveryUncertain(`network:${reason}`, message);
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
