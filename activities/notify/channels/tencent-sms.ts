/**
 * SMS through Tencent Cloud (腾讯云短信, SendSms 2021-01-11) with the official SDK.
 *
 * One number per call. SessionContext carries the delivery id (echoed in the status callbacks).
 * Success is per number: the request can succeed while SendStatusSet[0].Code says the number was
 * refused; a refusal of the whole request comes as Response.Error, which the SDK throws with
 * the same kind of code. Both go through one table.
 */
import { lazy } from '#platform/lazy.js';
import { DeliveryError, noAnswer, type ChannelAdapter, type OutboundMessage } from '../channel.js';
import { DEFAULT_TIMEOUT_MS, splitEndpoint, type TencentSmsConfig } from './config.js';

interface Verdict {
  retryable: boolean;
  retryAfterMs?: number;
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** What each code means for a second try (unknown codes: see tencentVerdict). */
export const TENCENT_CODES: Record<string, Verdict> = {
  // Frequency policies per number set in the console: they pass with time.
  'LimitExceeded.DeliveryFrequencyLimit': { retryable: true, retryAfterMs: MINUTE },
  'LimitExceeded.PhoneNumberThirtySecondLimit': { retryable: true, retryAfterMs: 30 * SECOND },
  'LimitExceeded.PhoneNumberOneHourLimit': { retryable: true, retryAfterMs: HOUR },
  // Daily caps (per number, per content, per account): not again today; the next alert supersedes it.
  'LimitExceeded.PhoneNumberDailyLimit': { retryable: false },
  'LimitExceeded.PhoneNumberSameContentDailyLimit': { retryable: false },
  'LimitExceeded.DailyLimit': { retryable: false },
  'LimitExceeded.AppDailyLimit': { retryable: false },
  // The API's request rate: a moment later works.
  RequestLimitExceeded: { retryable: true, retryAfterMs: SECOND },
  // The vendor's faults (its timeouts, other errors).
  InternalError: { retryable: true },
  'InternalError.Timeout': { retryable: true },
  'InternalError.OtherError': { retryable: true },
  'InternalError.RequestTimeException': { retryable: true },
  // …except these two, which are about our signature of the request.
  'InternalError.SigVerificationFail': { retryable: false },
  'InternalError.SigFieldMissing': { retryable: false },
  // The number: blacklisted (unsubscribed or a carrier's do-not-disturb list) or malformed.
  'FailedOperation.PhoneNumberInBlacklist': { retryable: false },
  'InvalidParameterValue.IncorrectPhoneNumber': { retryable: false },
  'FailedOperation.PhoneNumberParseFail': { retryable: false },
  // The words and the template: the same words fail again.
  'FailedOperation.ContainSensitiveWord': { retryable: false },
  'FailedOperation.TemplateIncorrectOrUnapproved': { retryable: false },
  'FailedOperation.SignatureIncorrectOrUnapproved': { retryable: false },
  'InvalidParameterValue.TemplateParameterFormatError': { retryable: false },
  'InvalidParameterValue.TemplateParameterLengthLimit': { retryable: false },
  'InvalidParameterValue.ContentLengthLimit': { retryable: false },
  'FailedOperation.FailResolvePacket': { retryable: false },
  // The account: app id, balance, permissions, credentials.
  'InvalidParameterValue.SdkAppIdNotExist': { retryable: false },
  'FailedOperation.InsufficientBalanceInSmsPackage': { retryable: false },
  'UnauthorizedOperation.RequestPermissionDeny': { retryable: false },
  'UnauthorizedOperation.RequestIpNotInWhitelist': { retryable: false },
  'UnauthorizedOperation.SmsSdkAppIdVerifyFail': { retryable: false },
  'AuthFailure.SecretIdNotFound': { retryable: false },
  'AuthFailure.SignatureFailure': { retryable: false },
  'AuthFailure.SignatureExpire': { retryable: false },
};

/**
 * A code not in the table: InternalError.* and RequestLimitExceeded.* are retryable (the
 * vendor's side, or time); anything else is final, for the same reason as Aliyun's: a blind
 * resend of a paid, non-idempotent SMS is worse than an administrator's look.
 */
export function tencentVerdict(code: string): Verdict {
  const known = TENCENT_CODES[code];
  if (known) return known;
  if (code.startsWith('InternalError.')) return { retryable: true };
  if (code.startsWith('RequestLimitExceeded')) return { retryable: true, retryAfterMs: SECOND };
  return { retryable: false };
}

// Loaded on the first SMS, not at every start of every process that imports the channels.
const loadSdk = lazy(() => import('tencentcloud-sdk-nodejs-sms'));

export function createTencentSmsAdapter(cfg: TencentSmsConfig & { timeoutMs?: number }): ChannelAdapter {
  const { protocol, host } = splitEndpoint(cfg.endpoint);
  // One client per adapter, made with the SDK on the first send.
  const client = lazy(async () => {
    const tencentSms = await loadSdk();
    return new tencentSms.sms.v20210111.Client({
      credential: { secretId: cfg.secretId, secretKey: cfg.secretKey },
      region: cfg.region,
      profile: {
        httpProfile: {
          endpoint: host,
          protocol: `${protocol}://`,
          // The SDK counts in seconds.
          reqTimeout: Math.max(1, Math.ceil((cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)),
        },
      },
    });
  });
  const bucket = `tencent:${cfg.sdkAppId}`;

  return {
    channel: 'sms',
    bucketOf: () => bucket,
    async send(m: OutboundMessage) {
      if (!m.sms) throw new DeliveryError('no-template', 'this notification has no SMS template', false);
      const sms = await client();
      let res: Awaited<ReturnType<typeof sms.SendSms>>;
      try {
        res = await sms.SendSms({
          PhoneNumberSet: [e164(m.address)],
          SmsSdkAppId: cfg.sdkAppId,
          SignName: cfg.signName,
          TemplateId: m.sms.templateCode,
          // Tencent's variables are positional ({1}, {2}…): the params' order is the template's.
          TemplateParamSet: Object.values(m.sms.params),
          SessionContext: m.deliveryId,
        });
      } catch (e) {
        const err = e as { code?: string; httpCode?: number; message?: string };
        if (err.code) {
          const v = tencentVerdict(err.code);
          throw new DeliveryError(err.code, err.message ?? err.code, v.retryable, v.retryAfterMs);
        }
        // An HTTP error status without a body is Tencent's (or its gateway's) refusal: try again.
        if (err.httpCode) throw new DeliveryError(`http-${err.httpCode}`, err.message ?? String(e), true);
        // No answer: a refused connection never reached Tencent; after a reset or a timeout the SMS
        // may or may not have gone out.
        throw noAnswer(undefined, err.message ?? String(e));
      }
      const status = res.SendStatusSet?.[0];
      if (!status) throw new DeliveryError('no-status', 'the answer has no SendStatusSet entry', false);
      if (status.Code === 'Ok') return { vendorId: status.SerialNo ?? null };
      const v = tencentVerdict(status.Code ?? '');
      throw new DeliveryError(status.Code || 'no-code', status.Message ?? '', v.retryable, v.retryAfterMs);
    },
  };
}

/** Tencent takes E.164: +86 and the 11 digits. */
function e164(address: string): string {
  const digits = address.replace(/^(\+86|0086)/, '');
  return `+86${digits}`;
}
