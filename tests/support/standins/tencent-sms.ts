/**
 * A stand-in for Tencent Cloud's SMS API (API 3.0, JSON over POST, as the official SDK calls
 * it): records every request and answers SendSms 2021-01-11. Point the SDK at it with the
 * endpoint `standin.url`.
 *
 *   const tencent = await startTencentSmsStandin();
 *   tencent.fail('LimitExceeded.DeliveryFrequencyLimit');                 // per-number status
 *   tencent.fail({ code: 'AuthFailure.SecretIdNotFound', level: 'request' }); // Response.Error
 *
 * A per-number refusal is what Tencent does for number-level problems: the request succeeds and
 * SendStatusSet[i].Code says why that number got nothing.
 */
import { json, startHttp } from './http.js';

export interface TencentRequest {
  headers: Record<string, string | string[] | undefined>;
  /** X-TC-Action, X-TC-Version, X-TC-Region. */
  action: string;
  version: string;
  region: string;
  /** The JSON body: PhoneNumberSet, SmsSdkAppId, SignName, TemplateId, TemplateParamSet, SessionContext. */
  body: Record<string, unknown>;
}

export type TencentScript = string | { code: string; level?: 'status' | 'request'; message?: string };

export interface TencentSmsStandin {
  /** http://127.0.0.1:<port> — TENCENT_SMS_ENDPOINT. */
  url: string;
  requests: TencentRequest[];
  /** The next SendSms calls answer these codes, one each, in order; afterwards success again. */
  fail(...codes: TencentScript[]): void;
  /** The next `count` SendSms calls are taken (and sent) but answered only after `ms`. */
  stall(count: number, ms: number): void;
  stop(): Promise<void>;
}

export async function startTencentSmsStandin(): Promise<TencentSmsStandin> {
  const requests: TencentRequest[] = [];
  const script: TencentScript[] = [];
  let sent = 0;
  const http = await startHttp((req, raw, res) => {
    const header = (n: string) => String(req.headers[n] ?? '');
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      /* recorded as empty; answered below */
    }
    requests.push({
      headers: req.headers,
      action: header('x-tc-action'),
      version: header('x-tc-version'),
      region: header('x-tc-region'),
      body,
    });
    const RequestId = `standin-${requests.length}`;
    const error = (Code: string, Message: string) =>
      json(res, 200, { Response: { Error: { Code, Message }, RequestId } });
    if (header('x-tc-action') !== 'SendSms')
      return error('InvalidAction', 'the stand-in speaks SendSms only');
    const phones = Array.isArray(body.PhoneNumberSet) ? (body.PhoneNumberSet as string[]) : [];
    if (phones.length === 0) return error('MissingParameter', 'PhoneNumberSet');
    const next = script.shift();
    const e = next === undefined ? null : typeof next === 'string' ? { code: next } : next;
    if (e && e.level === 'request') return error(e.code, e.message ?? `${e.code} (stand-in)`);
    const SendStatusSet = phones.map((PhoneNumber) => {
      if (!e) sent += 1;
      return {
        SerialNo: e ? '' : `standin:${sent}`,
        PhoneNumber,
        Fee: e ? 0 : 1,
        SessionContext: String(body.SessionContext ?? ''),
        Code: e ? e.code : 'Ok',
        Message: e ? (e.message ?? `${e.code} (stand-in)`) : 'send success',
        IsoCode: 'CN',
      };
    });
    json(res, 200, { Response: { SendStatusSet, RequestId } });
  });
  return {
    url: http.url,
    requests,
    fail: (...codes) => void script.push(...codes),
    stall: http.stall,
    stop: http.stop,
  };
}
