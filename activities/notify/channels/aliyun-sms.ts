/**
 * SMS through Aliyun (阿里云短信, dysmsapi 2017-05-25 SendSms) with the official SDK.
 *
 * One number per call, so a refusal belongs to one delivery. OutId carries the delivery id (it
 * comes back in the delivery receipt); the SDK's own retries stay off (no retryOptions): SendSms
 * is not idempotent, and the dispatcher decides when to try again.
 * Business refusals come back as HTTP 200 with Code ≠ "OK"; the gateway's own (signature,
 * throttling, access key) as HTTP 4xx/5xx, which the SDK throws with the same `code` field.
 */
import type Dysmsapi from '@alicloud/dysmsapi20170525';
import { lazy } from '#platform/lazy.js';
import { DeliveryError, noAnswer, type ChannelAdapter, type OutboundMessage } from '../channel.js';
import { DEFAULT_TIMEOUT_MS, splitEndpoint, type AliyunSmsConfig } from './config.js';

interface Verdict {
  retryable: boolean;
  retryAfterMs?: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * What each code means for a second try. Codes about our request, the template, the signature
 * or the account fail again until a person changes something, so they are final; the dispatcher
 * keeps them in the delivery log and an administrator may resend.
 */
export const ALIYUN_CODES: Record<string, Verdict> = {
  // The vendor's per-number flow control (same signature to one number: minute/hour/day caps);
  // the message says which (see aliyunVerdict), the minute cap passes first.
  'isv.BUSINESS_LIMIT_CONTROL': { retryable: true, retryAfterMs: MINUTE },
  // The account's own daily cap (set in the console): tomorrow at the earliest.
  'isv.DAY_LIMIT_CONTROL': { retryable: false },
  'isv.MONTH_LIMIT_CONTROL': { retryable: false },
  // The API gateway's request-rate throttling: a moment later works.
  Throttling: { retryable: true, retryAfterMs: 1_000 },
  'Throttling.User': { retryable: true, retryAfterMs: 1_000 },
  'Throttling.Api': { retryable: true, retryAfterMs: 1_000 },
  // The vendor's faults.
  'isp.SYSTEM_ERROR': { retryable: true },
  'isp.GATEWAY_ERROR': { retryable: true },
  'isp.UNKNOWN': { retryable: true },
  ServiceUnavailable: { retryable: true },
  InternalError: { retryable: true },
  // The number: wrong, or refused by the carriers.
  'isv.MOBILE_NUMBER_ILLEGAL': { retryable: false },
  'isv.MOBILE_COUNT_OVER_LIMIT': { retryable: false },
  // The words: a variable holds a blacklisted keyword or forbidden content; the same words fail again.
  'isv.BLACK_KEY_CONTROL_LIMIT': { retryable: false },
  'isv.SMS_CONTENT_ILLEGAL': { retryable: false },
  'isv.PARAM_NOT_SUPPORT_URL': { retryable: false },
  // The template and its variables: our configuration or our renderer.
  'isv.TEMPLATE_MISSING_PARAMETERS': { retryable: false },
  'isv.PARAM_LENGTH_LIMIT': { retryable: false },
  'isv.INVALID_JSON_PARAM': { retryable: false },
  'isv.INVALID_PARAMETERS': { retryable: false },
  'isv.SMS_TEMPLATE_ILLEGAL': { retryable: false },
  // The signature (签名): not approved, disabled, or of the wrong kind for the template.
  'isv.SMS_SIGNATURE_ILLEGAL': { retryable: false },
  'isv.SMS_SIGN_ILLEGAL': { retryable: false },
  'isv.SIGN_STATE_ILLEGAL': { retryable: false },
  'isv.SMS_SIGNATURE_SCENE_ILLEGAL': { retryable: false },
  // The account: balance, subscription, credentials, permissions, source address.
  'isv.OUT_OF_SERVICE': { retryable: false },
  'isv.AMOUNT_NOT_ENOUGH': { retryable: false },
  'isv.PRODUCT_UN_SUBSCRIPT': { retryable: false },
  'isv.PRODUCT_UNSUBSCRIBE': { retryable: false },
  'isv.ACCOUNT_NOT_EXISTS': { retryable: false },
  'isv.ACCOUNT_ABNORMAL': { retryable: false },
  'isv.DENY_IP_RANGE': { retryable: false },
  'isp.RAM_PERMISSION_DENY': { retryable: false },
  'InvalidAccessKeyId.NotFound': { retryable: false },
  'InvalidAccessKeyId.Inactive': { retryable: false },
  SignatureDoesNotMatch: { retryable: false },
  'Forbidden.RAM': { retryable: false },
};

/**
 * A code not in the table: `isp.*` and HTTP 5xx are the vendor's side, so retryable; anything
 * else (`isv.*`, an unknown gateway code) is taken as final, because a blind resend of a paid,
 * non-idempotent SMS is worse than one administrator's look at the delivery log.
 */
export function aliyunVerdict(code: string, message = '', httpStatus?: number): Verdict {
  if (code === 'isv.BUSINESS_LIMIT_CONTROL') {
    // "触发小时级流控Permits:5" / "触发天级流控Permits:10": the hour cap passes, the day cap not today.
    if (/天级|day/i.test(message)) return { retryable: false };
    if (/小时级|hour/i.test(message)) return { retryable: true, retryAfterMs: HOUR };
  }
  const known = ALIYUN_CODES[code];
  if (known) return known;
  if (code.startsWith('isp.') || code.startsWith('Throttling')) return { retryable: true };
  if (httpStatus !== undefined && httpStatus >= 500) return { retryable: true };
  return { retryable: false };
}

type ClientClassType = typeof Dysmsapi.default;

// Loaded on the first SMS: the SDK and its OpenAPI client take a quarter of a second of every
// start otherwise, in the api too (which only lists the channels).
const loadSdk = lazy(async () => {
  const [{ Config }, sdk] = await Promise.all([
    import('@alicloud/openapi-client'),
    import('@alicloud/dysmsapi20170525'),
  ]);
  // The package is CommonJS with `exports.default = Client`: Node's ESM loader hands over the module
  // object (the class is its .default), a bundler's interop (vitest) the class itself.
  const loaded: unknown = sdk.default;
  const Client: ClientClassType =
    typeof loaded === 'function'
      ? (loaded as ClientClassType)
      : (loaded as { default: ClientClassType }).default;
  return { Config, Client, SendSmsRequest: sdk.SendSmsRequest };
});

export function createAliyunSmsAdapter(cfg: AliyunSmsConfig & { timeoutMs?: number }): ChannelAdapter {
  const { protocol, host } = splitEndpoint(cfg.endpoint);
  const timeout = cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // One client per adapter, made with the SDK on the first send.
  const client = lazy(async () => {
    const { Config, Client, SendSmsRequest } = await loadSdk();
    const sms = new Client(
      new Config({
        accessKeyId: cfg.accessKeyId,
        accessKeySecret: cfg.accessKeySecret,
        endpoint: host,
        protocol,
        readTimeout: timeout,
        connectTimeout: timeout,
      }) as ConstructorParameters<ClientClassType>[0],
    );
    return { sms, SendSmsRequest };
  });
  const bucket = `aliyun:${cfg.accessKeyId}`;

  return {
    channel: 'sms',
    bucketOf: () => bucket,
    async send(m: OutboundMessage) {
      if (!m.sms) throw new DeliveryError('no-template', 'this notification has no SMS template', false);
      const { sms, SendSmsRequest } = await client();
      let body: { code?: string; message?: string; bizId?: string } | undefined;
      try {
        const res = await sms.sendSms(
          new SendSmsRequest({
            phoneNumbers: mainlandNumber(m.address),
            signName: cfg.signName,
            templateCode: m.sms.templateCode,
            templateParam: JSON.stringify(m.sms.params),
            outId: m.deliveryId,
          }),
        );
        body = res.body;
      } catch (e) {
        const err = e as { code?: unknown; statusCode?: unknown; message?: string; retryAfter?: unknown };
        if (typeof err.statusCode === 'number' && typeof err.code === 'string') {
          const v = aliyunVerdict(err.code, err.message, err.statusCode);
          const after =
            typeof err.retryAfter === 'number' && err.retryAfter > 0 ? err.retryAfter : v.retryAfterMs;
          throw new DeliveryError(err.code, err.message ?? err.code, v.retryable, after);
        }
        // No answer: a refused connection never reached Aliyun; after a reset or a timeout the SMS
        // may or may not have gone out.
        throw noAnswer(typeof err.code === 'string' ? err.code : undefined, err.message ?? String(e));
      }
      const code = body?.code ?? '';
      if (code === 'OK') return { vendorId: body?.bizId ?? null };
      const v = aliyunVerdict(code, body?.message ?? '');
      throw new DeliveryError(
        code || 'no-code',
        body?.message ?? 'no answer code',
        v.retryable,
        v.retryAfterMs,
      );
    },
  };
}

/** Aliyun takes mainland numbers as 11 digits (a +86 prefix is accepted but not needed). */
function mainlandNumber(address: string): string {
  return address.replace(/^(\+86|0086)/, '');
}
