/**
 * HTTP as a careless or hostile client sends it: the path exactly as given (no normalisation of its
 * percent-encoding), any header (Content-Encoding, Accept-Language), any bytes as the body.
 */
import http from 'node:http';
import { TEST_PASSWORD } from './constants.js';

export interface RawRequest {
  method: string;
  /** Sent as is: `/api/projects/%E0%A4%A` stays malformed. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body's bytes as they came (not decoded, even when compressed). */
  bytes: Buffer;
  /** The parsed JSON answer, or null when the answer is not JSON. */
  json: any;
}

export function rawRequest(baseUrl: string, req: RawRequest, timeoutMs = 30_000): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  return new Promise((resolve, reject) => {
    const r = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...req.headers },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const text = bytes.toString('utf8');
          let json: unknown = null;
          if ((res.headers['content-type'] ?? '').includes('json')) {
            try {
              json = JSON.parse(text);
            } catch {
              json = null;
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, bytes, json });
        });
        res.on('error', reject);
      },
    );
    r.on('timeout', () =>
      r.destroy(new Error(`no answer within ${timeoutMs} ms: ${req.method} ${req.path}`)),
    );
    r.on('error', reject);
    r.end(body);
  });
}

/** Logs in and returns the session cookie (`sid=…`) to send as the `cookie` header. */
export async function rawLogin(baseUrl: string, username: string, password = TEST_PASSWORD): Promise<string> {
  const res = await rawRequest(baseUrl, {
    method: 'POST',
    path: '/api/auth/login',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const cookie = [res.headers['set-cookie'] ?? []].flat()[0]?.split(';')[0];
  if (res.status !== 200 || !cookie) throw new Error(`login ${username}: ${res.status} ${res.text}`);
  return cookie;
}
