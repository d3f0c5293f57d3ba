/**
 * A stand-in for Aliyun's SMS API (dysmsapi, RPC style, as the official SDK calls it): records
 * every request and answers SendSms as Aliyun does. Point the SDK at it with the endpoint
 * `standin.url` (http://127.0.0.1:<port>; the adapter's config takes a full URL).
 *
 *   const aliyun = await startAliyunSmsStandin();
 *   aliyun.fail('isv.BUSINESS_LIMIT_CONTROL', 'isv.BUSINESS_LIMIT_CONTROL'); // then success again
 *   aliyun.requests[0].params.PhoneNumbers …
 *
 * Business refusals (isv.*, isp.*) come as HTTP 200 with that Code, like the real service; other
 * codes (Throttling.User, SignatureDoesNotMatch…) as HTTP 400 unless a status is given.
 */
import { json, startHttp } from './http.js';

export interface AliyunRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  /** x-acs-action, e.g. SendSms. */
  action: string;
  version: string;
  /** Query and form parameters together (PhoneNumbers, SignName, TemplateCode, TemplateParam, OutId…). */
  params: Record<string, string>;
}

export type AliyunScript = string | { code: string; status?: number; message?: string };

export interface AliyunSmsStandin {
  /** http://127.0.0.1:<port> — ALIYUN_SMS_ENDPOINT. */
  url: string;
  requests: AliyunRequest[];
  /** The next SendSms calls answer these codes, one each, in order; afterwards success again. */
  fail(...codes: AliyunScript[]): void;
  /** The next `count` SendSms calls are taken (and sent) but answered only after `ms`. */
  stall(count: number, ms: number): void;
  stop(): Promise<void>;
}

export async function startAliyunSmsStandin(): Promise<AliyunSmsStandin> {
  const requests: AliyunRequest[] = [];
  const script: AliyunScript[] = [];
  let sent = 0;
  const http = await startHttp((req, body, res) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    const params: Record<string, string> = Object.fromEntries(url.searchParams);
    if ((req.headers['content-type'] ?? '').includes('x-www-form-urlencoded')) {
      Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
    }
    const action = String(req.headers['x-acs-action'] ?? params.Action ?? '');
    requests.push({
      method: req.method ?? '',
      headers: req.headers,
      action,
      version: String(req.headers['x-acs-version'] ?? ''),
      params,
    });
    const requestId = `STANDIN-${requests.length}`;
    if (action !== 'SendSms')
      return json(res, 404, { Code: 'InvalidAction.NotFound', Message: action, RequestId: requestId });
    const next = script.shift();
    if (next !== undefined) {
      const e = typeof next === 'string' ? { code: next } : next;
      const business = e.code.startsWith('isv.') || e.code.startsWith('isp.');
      const status = e.status ?? (business ? 200 : 400);
      return json(res, status, {
        Code: e.code,
        Message: e.message ?? `${e.code} (stand-in)`,
        RequestId: requestId,
      });
    }
    sent += 1;
    json(res, 200, { Code: 'OK', Message: 'OK', BizId: `${900000 + sent}^0`, RequestId: requestId });
  });
  return {
    url: http.url,
    requests,
    fail: (...codes) => void script.push(...codes),
    stall: http.stall,
    stop: http.stop,
  };
}
