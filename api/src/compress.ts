/**
 * Answers compressed for clients that take it: the JSON of the api and the public portal's pages.
 * A list page of 20 projects is ~20 KB of JSON that compresses to a fifth or less, which a village
 * operator's phone on a mobile network feels and the server hardly does (a fraction of a
 * millisecond, at fast settings, against the read's milliseconds). The console's own files are
 * compressed once, when it is built (console-assets.ts).
 */
import zlib from 'node:zlib';
import type { Request, Response } from 'express';
import { COMPRESS_MIN_BYTES, ENCODINGS } from '#platform/precompress.js';

type Encoding = (typeof ENCODINGS)[number];

/** The first of `offered` (in the order of preference) that the request accepts at all. */
export function acceptedOf<E extends Encoding>(req: Request, offered: readonly E[]): E | undefined {
  return offered.find((e) => req.acceptsEncodings(e.name) === e.name);
}

/** Fast settings: the answer is compressed as it is sent. */
const COMPRESS: Record<Encoding['name'], (raw: Buffer) => Buffer> = {
  br: (raw) => zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }),
  gzip: (raw) => zlib.gzipSync(raw, { level: 4 }),
};

/**
 * `raw` as this request should get it: brotli or gzip when it is worth it and the client accepts
 * it (setting Content-Encoding and Vary), else unchanged. Synchronous: at these settings a large
 * answer takes about a millisecond, less than handing it to another thread and back.
 */
export function encodeFor(req: Request, res: Response, raw: Buffer): Buffer {
  if (raw.length < COMPRESS_MIN_BYTES) return raw;
  res.vary('Accept-Encoding');
  const encoding = acceptedOf(req, ENCODINGS);
  if (!encoding) return raw;
  res.setHeader('Content-Encoding', encoding.name);
  return COMPRESS[encoding.name](raw);
}
