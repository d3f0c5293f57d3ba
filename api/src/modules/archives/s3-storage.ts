/**
 * Archive storage in an S3-compatible object store (AWS S3, MinIO, Ceph, Aliyun OSS / Tencent COS
 * in S3 mode), over plain HTTPS with AWS Signature Version 4 — no SDK. Path-style addressing
 * (`<endpoint>/<bucket>/<key>`), which every S3-compatible store accepts.
 */
import { createHash, createHmac } from 'node:crypto';
import type { ArchiveStorage } from './storage.js';

export interface S3Config {
  endpoint: string; // e.g. https://s3.cn-north-1.amazonaws.com.cn or http://minio:9000
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Prepended to every key, e.g. "archives/". */
  prefix?: string;
}

const sha256hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

const encodeSegment = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Signs a request (SigV4, service s3): returns the Authorization header for the given method,
 * path, query, headers (must include host, x-amz-date, x-amz-content-sha256) and payload hash.
 */
export function signV4(req: {
  method: string;
  path: string;
  query?: string;
  headers: Record<string, string>;
  payloadHash: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}): string {
  const names = Object.keys(req.headers)
    .map((h) => h.toLowerCase())
    .sort();
  const lower = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const canonicalHeaders = names.map((n) => `${n}:${lower[n]!.trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonical = [
    req.method,
    req.path,
    req.query ?? '',
    canonicalHeaders,
    signedHeaders,
    req.payloadHash,
  ].join('\n');
  const amzDate = lower['x-amz-date']!;
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${req.region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${req.secretAccessKey}`, day), req.region), 's3'), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return `AWS4-HMAC-SHA256 Credential=${req.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

export function createS3ArchiveStorage(cfg: S3Config, fetchImpl: typeof fetch = fetch): ArchiveStorage {
  const base = new URL(cfg.endpoint);
  const basePath = base.pathname.replace(/\/$/, '');
  const objectPath = (key: string) =>
    `${basePath}/${encodeSegment(cfg.bucket)}/${`${cfg.prefix ?? ''}${key}`.split('/').map(encodeSegment).join('/')}`;

  async function send(method: 'GET' | 'PUT', key: string, body?: Buffer): Promise<Response> {
    const path = objectPath(key);
    const payloadHash = sha256hex(body ?? '');
    const headers: Record<string, string> = {
      host: base.host,
      'x-amz-date': new Date()
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, ''),
      'x-amz-content-sha256': payloadHash,
    };
    const authorization = signV4({ method, path, headers, payloadHash, ...cfg });
    const { host: _host, ...sent } = headers;
    return fetchImpl(`${base.protocol}//${base.host}${path}`, {
      method,
      headers: { ...sent, authorization, ...(body ? { 'content-type': 'application/octet-stream' } : {}) },
      body,
    });
  }

  return {
    async put(key, data) {
      const res = await send('PUT', key, data);
      if (!res.ok) throw new Error(`S3 PUT ${key}: ${res.status} ${(await res.text()).slice(0, 200)}`);
    },
    async get(key) {
      const res = await send('GET', key);
      if (res.status === 404) return null;
      if (!res.ok) throw new Error(`S3 GET ${key}: ${res.status} ${(await res.text()).slice(0, 200)}`);
      return Buffer.from(await res.arrayBuffer());
    },
    describe: () => `S3 ${cfg.endpoint}/${cfg.bucket}`,
  };
}
